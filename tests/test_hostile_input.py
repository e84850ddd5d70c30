"""Hostile input at every form of the app: no 500, nothing half-saved, and no stored markup that runs.

The forms are not listed by hand: every page of the access matrix is opened as each kind of person who may open
it, every `<form method="post">` on it is collected with its fields, and each field gets every one of the
hostile values below (markup, SQL fragments, control characters, very long text, odd Unicode, bad dates and
unknown time zones), then hypothesis's own text; one field at a time, the others left as the page gave them, so
the hostile value reaches the code that stores it.
Afterwards every page is read again as everyone: a marker that was stored must come back escaped.
"""

from dataclasses import dataclass, field
from datetime import timedelta
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urljoin, urlsplit

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from learning.models import JournalEntry
from learning.views import LINKS
from meetings import live
from meetings.models import Meeting
from tests.test_access_matrix import MATRIX, World

MARKUP = "<script>hostile()</script><img src=x onerror=hostile()>"
LONG = "x" * 100_000  # sent to all of a form's free fields at once (per field it would only cost time)
HOSTILE = [
    MARKUP,
    "\"'><svg onload=hostile()>",
    "'; DROP TABLE meetings_meeting; --",
    "1 OR 1=1",
    "\x00\x01\x02\x1b[31m\x7f",
    "\u202eevil\u202c \u200b\ufeff",
    "Zalgo: Z̷̢̛a̸l̵g̶o̴",
    "𝕌𝕟𝕚𝕔𝕠𝕕𝕖 🧪👩‍👩‍👧‍👦",
    "",
    " ",
    "-1",
    "99999999999999999999",
    "2026-02-30",
    "9999-99-99",
    "0001-01-01",
    "9999-12-31",
    "0000-00-00T25:61",
    "Mars/Olympus_Mons",
    "../../etc/passwd",
    "%00%0d%0aSet-Cookie: x=y",
    "{{ settings.SECRET_KEY }}",
]

# Forms that end things: fuzzed after all the others, so the set and its meeting stay open for the rest.
LAST = ("/close/", "/cancel/", "/remove/", "/two-factor/", "/accounts/")


@dataclass
class Form:
    action: str
    fields: dict[str, str] = field(default_factory=dict)
    method: str = "post"


class FormParser(HTMLParser):
    """Collects every form of a page with its fields' initial values, and the query strings its links carry
    (as GET forms)."""

    def __init__(self, page_path: str):
        super().__init__()
        self.page_path, self.forms, self.form, self.textarea, self.select = page_path, [], None, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            method = (attrs.get("method") or "get").lower()
            self.form = Form(action=urljoin(self.page_path, attrs.get("action") or ""), method=method)
            self.forms.append(self.form)
        elif "?" in (hx_get := attrs.get("data-hx-get") or attrs.get("hx-get") or "") or (
            tag == "a" and "?" in (attrs.get("href") or "")
        ):
            target = urlsplit(urljoin(self.page_path, hx_get or attrs["href"]))
            if target.path.startswith("/") and not target.netloc:
                self.forms.append(Form(action=target.path, fields=dict(parse_qsl(target.query)), method="get"))
        elif self.form is None:
            return
        elif tag == "input" and attrs.get("name") and attrs.get("name") != "csrfmiddlewaretoken":
            kind = (attrs.get("type") or "text").lower()
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                self.form.fields.setdefault(attrs["name"], "")
            elif kind not in ("submit", "button", "file"):
                self.form.fields[attrs["name"]] = attrs.get("value") or ""
        elif tag == "textarea" and attrs.get("name"):
            self.textarea = attrs["name"]
            self.form.fields[self.textarea] = ""
        elif tag == "select" and attrs.get("name"):
            self.select = attrs["name"]
            self.form.fields.setdefault(self.select, "")
        elif tag == "option" and self.select and ("selected" in attrs or not self.form.fields[self.select]):
            self.form.fields[self.select] = attrs.get("value") or ""

    def handle_data(self, data):
        if self.form is not None and self.textarea:
            self.form.fields[self.textarea] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.form = None
        elif tag == "textarea":
            self.textarea = None
        elif tag == "select":
            self.select = None


ROLES = ("facilitator", "member", "admin")
PAGES = sorted(name for name, row in MATRIX.items() if row[0] == "get")


def readable_pages(world, role):
    for name in PAGES:
        _method, kwargs, _data, expected = MATRIX[name]
        if expected[role] == 200:
            yield reverse(name, kwargs=kwargs(world))


def collect_forms(world, pages=None, skip=(), method="post") -> list[tuple[str, Form]]:
    seen, forms = set(), []
    for role in ROLES:
        client = Client()
        client.force_login(world.users[role])
        for path in pages or readable_pages(world, role):
            response = client.get(path)
            if response.streaming or not response["Content-Type"].startswith("text/html"):
                continue  # downloads and feeds have no forms
            parser = FormParser(path)
            parser.feed(response.content.decode())
            for form in (each for each in parser.forms if each.method == method):
                # Once per form, by the first role that sees it (the facilitator sees the most; the others add the
                # forms only they have): the same form from another role reaches the same code.
                key = (form.action, tuple(sorted(form.fields)))
                if form.fields and key not in seen and not any(part in form.action for part in skip):
                    seen.add(key)
                    forms.append((role, form))
    return sorted(forms, key=lambda pair: any(part in pair[1].action for part in LAST))


@pytest.fixture
def world(organisation, learning_set, admin, facilitator, member, stranger, outsider, other_set):
    return World(organisation, learning_set, admin, facilitator, member, stranger, outsider, other_set)


# Fields that choose what a form does (left as the page gave them when the markup goes into all the others).
KEEP = ("version", "action", "control", "rsvp", "role", "status", "scope")


def fuzz(client, role, form):
    """Every hostile value in every field (so a run always tries them all), then hypothesis's own text, derandomized
    so that CI is repeatable."""

    def post(name, value):
        response = client.post(form.action, {**form.fields, name: value})
        assert response.status_code < 500, f"{form.action} {name}={value[:60]!r} as {role}: 500"

    for name in sorted(form.fields):
        for value in HOSTILE:
            post(name, value)

    @settings(
        max_examples=4,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(name=st.sampled_from(sorted(form.fields)), value=st.text(max_size=200))
    def post_text(name, value):
        post(name, value)

    return post_text


def attack(forms, clients) -> None:
    for role, form in forms:
        fuzz(clients[role], role, form)()
        free = [name for name in form.fields if name not in KEEP]
        response = clients[role].post(form.action, {**form.fields, **dict.fromkeys(free, LONG)})
        assert response.status_code < 500, f"{form.action} with very long text as {role}"
        # The markup itself in every free field at once, so it is stored wherever text is kept.
        response = clients[role].post(form.action, {**form.fields, **dict.fromkeys(free, MARKUP)})
        assert response.status_code < 500, f"{form.action} with markup as {role}"


def test_hostile_input_at_every_form_never_breaks_and_never_runs(world):
    forms = collect_forms(world)
    assert len(forms) >= 15, f"the crawl found too few forms to mean anything: {[f.action for _, f in forms]}"
    clients = {}
    for role in ROLES:
        clients[role] = Client(raise_request_exception=False)
        clients[role].force_login(world.users[role])

    # The meeting room's forms appear step by step: run the meeting and attack each step's forms.
    # (First, while the set is open: the forms attacked after it include closing the set.)
    meeting = Meeting.objects.create(learning_set=world.set, starts_at=timezone.now() + timedelta(minutes=5))
    room = [reverse(name, args=[meeting.pk]) for name in ("meetings:live", "meetings:live-workspace")]
    live.add_slot(meeting=meeting, presenter=world.users["member"], by=world.users["facilitator"])
    live.control_meeting(meeting_id=meeting.pk, by=world.users["facilitator"], control="start", version=0)
    while True:
        attack(collect_forms(world, pages=room, skip=("/live/control/", "/live/agenda/")), clients)
        meeting.refresh_from_db()
        if meeting.status != Meeting.Status.LIVE:
            break
        live.control_meeting(
            meeting_id=meeting.pk, by=world.users["facilitator"], control="next", version=meeting.version
        )

    attack(forms, clients)

    shown_escaped = 0
    the_meeting = [reverse(name, args=[meeting.pk]) for name in ("meetings:record", "meetings:live", "meetings:detail")]
    for role in ROLES:
        for path in [*readable_pages(world, role), *the_meeting]:
            response = clients[role].get(path)
            if (
                response.status_code != 200
                or response.streaming
                or not response["Content-Type"].startswith("text/html")
            ):
                continue  # a calendar feed is text for calendar programs, not a page a browser runs
            content = response.content.decode()
            shown_escaped += "&lt;script&gt;hostile()" in content
            assert "<script>hostile()" not in content, f"{path} as {role} shows stored markup unescaped"
            assert "onerror=hostile()" not in content.replace("onerror=hostile()&gt;", "")
            assert "<svg onload=hostile()>" not in content
    assert shown_escaped >= 3, "the markup was stored nowhere that a page shows: the check above proved nothing"


def test_a_nul_character_is_refused_with_a_clear_message_and_nothing_saved(client, member):
    client.force_login(member)
    response = client.post(reverse("learning:entry-new"), {"title": "Hello\x00there", "body": "x"})
    assert response.status_code == 400
    assert "cannot be saved (NUL)" in response.content.decode()
    assert not JournalEntry.objects.exists()
    assert client.get(reverse("meetings:my-actions"), {"status": "open\x00"}).status_code == 400


QUERY_VALUES = [
    "", "abc", "-1", "0", "99999999999999999999", "²", "2026-02-30", "0001-01-01", "9999-12-31", "Mars/Olympus_Mons",
    MARKUP,
]  # fmt: skip


def test_hostile_query_strings_never_break_a_page(world):
    """Every query parameter the pages use (in their GET forms and their links: filters, pages, searches, date
    ranges, the live poll's version) with values that are not what it expects: never a 500, never markup shown."""
    forms = collect_forms(world, method="get")
    # Pagination and the journal's "write about this" links, wherever a page could carry them.
    for role in ROLES:
        forms += [(role, Form(action=path, fields={"page": "2"}, method="get")) for path in readable_pages(world, role)]
    forms.append(("member", Form(action=reverse("learning:entry-new"), fields=dict.fromkeys(LINKS, "1"), method="get")))
    assert len({name for _role, form in forms for name in form.fields}) >= 5, "too few parameters found"
    clients = {}
    for role in ROLES:
        clients[role] = Client(raise_request_exception=False)
        clients[role].force_login(world.users[role])
    for role, form in forms:
        for name in sorted(form.fields):
            for value in QUERY_VALUES:
                response = clients[role].get(form.action, {**form.fields, name: value})
                assert response.status_code < 500, f"GET {form.action}?{name}={value!r} as {role}: 500"
                if not response.streaming and response["Content-Type"].startswith("text/html"):
                    assert "<script>hostile()" not in response.content.decode()
