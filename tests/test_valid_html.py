"""Every page is valid where browsers and screen readers care: no list or block inside a paragraph (a browser closes
the <p> early and the help text falls out of its field), every `aria-describedby` / `aria-labelledby` / `<label
for>` names an id on the page, ids are unique, and htmx attributes are written `data-hx-*` (htmx reads both; only
the `data-` form is valid HTML). Walks every GET page of the access matrix (tests/test_access_matrix.py) as each
logged-in person who may see it, and the account pages allauth serves."""

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from meetings import live
from meetings.models import Meeting
from tests.test_access_matrix import MATRIX, World

LOGGED_IN = ("nobody", "outsider", "stranger", "member", "facilitator", "admin")
PAGES = sorted(
    name
    for name, (method, _kwargs, _data, expected) in MATRIX.items()
    if method == "get" and any(expected[role] == 200 for role in LOGGED_IN)
)
# allauth's pages (not in the matrix, which leaves third-party URLs out): anonymous ones, then a signed-in person's.
ANONYMOUS_ACCOUNT_PAGES = ("account_login", "account_signup", "account_reset_password")
ACCOUNT_PAGES = ("account_email", "account_change_password", "mfa_index", "usersessions_list")

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
# Elements whose start tag closes an open <p> (HTML's parsing rules): written inside one, they break it in two.
CLOSES_P = {
    "address", "article", "aside", "blockquote", "details", "dialog", "div", "dl", "fieldset", "figcaption",
    "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "main", "menu", "nav",
    "ol", "p", "pre", "section", "table", "ul",
}  # fmt: skip
REFERENCES = ("aria-describedby", "aria-labelledby")
UNPREFIXED = "without the data- prefix"
# The live room's views, checked at every step of a meeting (the matrix sees the room before it starts).
LIVE_ROOM = ("meetings:live", "meetings:live-state", "meetings:live-workspace", "meetings:projector")


class PageChecker(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.ids: dict[str, int] = {}
        self.references: list[tuple[str, str, str]] = []  # (attribute, id, tag)
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        where = f"<{tag}{' id=' + attributes['id'] if attributes.get('id') else ''}> (line {self.getpos()[0]})"
        if tag in CLOSES_P and "p" in self.stack:
            self.problems.append(f"{where} inside a <p>")
        for name, value in attrs:
            if name.startswith("hx-"):
                self.problems.append(f"{where}: {name} without the data- prefix")
            if name in REFERENCES:
                self.references += [(name, ref, where) for ref in (value or "").split()]
            if name == "for" and tag == "label":
                self.references.append(("label for", value or "", where))
        if attributes.get("id"):
            self.ids[attributes["id"]] = self.ids.get(attributes["id"], 0) + 1
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID and self.stack and self.stack[-1] == tag:
            self.stack.pop()

    def handle_endtag(self, tag):
        if tag in self.stack:
            while self.stack.pop() != tag:
                pass

    def report(self) -> list[str]:
        problems = list(self.problems)
        problems += [f"id {id_!r} is used {n} times" for id_, n in self.ids.items() if n > 1]
        problems += [
            f"{where}: {attr} names {ref!r}, which is not on the page"
            for attr, ref, where in self.references
            if ref not in self.ids
        ]
        return problems


def html_problems(html: str) -> list[str]:
    checker = PageChecker()
    checker.feed(html)
    checker.close()
    return checker.report()


def assert_valid(response, what: str, waive: str = "") -> None:
    assert response.status_code == 200, f"{what}: {response.status_code}"
    if not response["Content-Type"].startswith("text/html"):
        return
    problems = [p for p in html_problems(response.content.decode()) if not (waive and waive in p)]
    assert problems == [], f"{what}:\n  " + "\n  ".join(problems)


@pytest.fixture
def world(organisation, learning_set, admin, facilitator, member, stranger, outsider, other_set):
    return World(organisation, learning_set, admin, facilitator, member, stranger, outsider, other_set)


@pytest.mark.parametrize("name", PAGES)
def test_every_page_is_valid_html_for_everyone_who_sees_it(client, world, name):
    _method, kwargs, _data, expected = MATRIX[name]
    url = reverse(name, kwargs=kwargs(world))
    for role in LOGGED_IN:
        if expected[role] == 200:
            client.force_login(world.users[role])
            assert_valid(client.get(url), f"{name} as {role}")
    if expected["anonymous"] == 200:
        client.logout()
        assert_valid(client.get(url), f"{name} as anonymous")


def test_the_live_room_is_valid_html_at_every_step(client, world):
    """The matrix sees the room before the meeting; here every step, for the facilitator and the presenter."""
    meeting = world.meeting
    live.add_slot(meeting=meeting, presenter=world.users["member"], by=world.users["facilitator"], issue_title="T")
    for step in ("start", "next", "next", "next", "next", "next"):  # check-in, presenting, ..., reflection, ended
        version = Meeting.objects.get(pk=meeting.pk).version
        live.control_meeting(meeting_id=meeting.pk, by=world.users["facilitator"], control=step, version=version)
        for role in ("facilitator", "member"):
            client.force_login(world.users[role])
            for name in sorted(LIVE_ROOM):
                response = client.get(reverse(name, args=[meeting.pk]))
                assert_valid(response, f"{name} after {step} as {role}")


@pytest.mark.parametrize("name", ANONYMOUS_ACCOUNT_PAGES)
def test_the_account_pages_before_login_are_valid_html(client, db, name):
    assert_valid(client.get(reverse(name)), name)


@pytest.mark.parametrize("name", ACCOUNT_PAGES)
def test_the_account_pages_are_valid_html(client, member, name):
    client.force_login(member)
    assert_valid(client.get(reverse(name)), name)


@pytest.mark.parametrize(
    ("html", "problem"),
    [
        ("<p>Help<ul><li>one</li></ul></p>", "<ul> (line 1) inside a <p>"),
        ('<p><span class="helptext"><div>x</div></span></p>', "<div> (line 1) inside a <p>"),
        ('<div hx-get="/x"></div>', "<div> (line 1): hx-get without the data- prefix"),
        (
            '<input aria-describedby="gone">',
            "<input> (line 1): aria-describedby names 'gone', which is not on the page",
        ),
        ('<label for="nowhere">x</label>', "<label> (line 1): label for names 'nowhere', which is not on the page"),
        ('<b id="a"></b><i id="a"></i>', "id 'a' is used 2 times"),
    ],
)
def test_the_checker_finds_each_problem(html, problem):
    assert html_problems(html) == [problem]


def test_the_checker_passes_valid_html():
    html = (
        '<p>One <a href="#x">link</a></p><ul><li>two</li></ul><div data-hx-get="/x" id="x">'
        '<label for="f">F</label><input id="f" aria-describedby="f-help"><small id="f-help">help</small></div>'
    )
    assert html_problems(html) == []
