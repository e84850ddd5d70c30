"""axe-core finds no WCAG 2.x A/AA violation on any kind of page, on a desk (1280 px) and on a phone (375 px).

axe-core is vendored in tests/browser/vendor/ (used by tests only, never served). It goes into each page as an
init script, which Chromium runs outside the page's Content Security Policy, so the CSP stays on and its watch
(tests/browser/conftest.py) still fails a test on any violation of the app's own."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from learning.models import JournalEntry, LibraryItem
from meetings import live
from meetings.models import Action, ActionUpdate, Issue, Meeting
from sets.models import Invitation, hash_token
from tests.factories import InvitationFactory, MeetingFactory, SetMembershipFactory
from tests.reports.test_views import grow

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = (Path(__file__).parent / "vendor" / "axe-core-4.14.1.min.js").read_text()
WCAG_A_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
# The rules Lighthouse's accessibility score also counts that axe files under "best practice", not under a WCAG tag,
# and one more: every page has an <h1>.
LIGHTHOUSE_EXTRAS = [
    "empty-heading", "empty-table-header", "heading-order", "identical-links-same-purpose", "image-redundant-alt",
    "landmark-one-main", "page-has-heading-one", "skip-link", "table-duplicate-name", "tabindex",
]  # fmt: skip
VIEWPORTS = {"desk": {"width": 1280, "height": 900}, "phone": {"width": 375, "height": 812}}
TOKEN = "accessibility-invitation-token"
RUN_AXE = """async ([tags, extras]) => {
  const rules = Object.fromEntries(extras.map(rule => [rule, {enabled: true}]));
  const results = await axe.run(document, {runOnly: {type: "tag", values: tags}, rules, resultTypes: ["violations"]});
  return results.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map(n => n.target.join(" ") + ": " + n.failureSummary.replace(/\\s+/g, " ")),
    more: Math.max(0, v.nodes.length - 5),
  }));
}"""


def readable(found: dict[str, list[dict]]) -> str:
    """Each violation once, with the pages it is on."""
    pages_of: dict[tuple, list[str]] = {}
    for page, violations in found.items():
        for v in violations:
            pages_of.setdefault((v["impact"], v["id"], v["help"], tuple(v["nodes"]), v["more"]), []).append(page)
    lines = []
    for (impact, rule, help_, nodes, more), pages in pages_of.items():
        lines.append(f"[{impact}] {rule}: {help_}")
        lines += [f"    {node}" for node in nodes]
        if more:
            lines.append(f"    ... and {more} more")
        lines += [f"  on {page}" for page in pages]
    return "\n".join(lines)


class Visitor:
    """One person's browser at one screen size; `check` opens a page and keeps what axe found on it."""

    def __init__(self, browser, live_server, viewport, found: dict, user=None):
        self.live_server, self.found, self.size = live_server, found, viewport["width"]
        self.context = browser.new_context(viewport=viewport)
        self.context.add_init_script(script=AXE)
        if user is not None:
            client = Client()
            client.force_login(user)
            cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
            self.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])
        self.page = self.context.new_page()
        self.who = user.full_name if user else "anonymous"

    def check(self, kind: str, path: str) -> None:
        self.page.goto(self.live_server.url + path)
        self.page.wait_for_load_state("networkidle")  # htmx's slots (the home's panels) have loaded
        violations = self.page.evaluate(RUN_AXE, [WCAG_A_AA, LIGHTHOUSE_EXTRAS])
        if violations:
            self.found[f"{kind} ({path} as {self.who} at {self.size} px)"] = violations


@pytest.fixture
def people(organisation, learning_set, admin, facilitator, member):
    """An organisation with something on every page: held meetings and figures (grow), an upcoming meeting with a
    presenter, an action with progress, an issue, journal entries, a library item, an invitation."""
    grow(organisation, 1)
    second = SetMembershipFactory(learning_set=learning_set, user__full_name="Sal Second").user
    meeting = MeetingFactory(learning_set=learning_set, starts_at=timezone.now() + timedelta(minutes=5))
    live.add_slot(meeting=meeting, presenter=member, by=facilitator, issue_title="Handing over between shifts")
    live.add_slot(meeting=meeting, presenter=second, by=facilitator, issue_title="A difficult rota")
    Meeting.objects.create(learning_set=learning_set, starts_at=timezone.now() + timedelta(days=14))
    action = Action.objects.create(
        owner=member, learning_set=learning_set, text="Talk to the night team", due_on=timezone.localdate()
    )
    ActionUpdate.objects.create(action=action, author=member, note="Met two of them on Tuesday")
    issue = Issue.objects.create(owner=member, learning_set=learning_set, title="Handing over between shifts")
    entry = JournalEntry.objects.create(author=member, learning_set=learning_set, body="What I noticed today.")
    JournalEntry.objects.create(author=second, learning_set=learning_set, body="Shared with the set.", shared=True)
    item = LibraryItem.objects.create(organisation=organisation, author=member, title="Ask before telling", text="…")
    invitation = InvitationFactory(organisation=organisation, learning_set=learning_set, full_name="Ivy Invitee")
    Invitation.objects.filter(pk=invitation.pk).update(token_hash=hash_token(TOKEN))
    return {"meeting": meeting, "action": action, "issue": issue, "entry": entry, "item": item}


def control(meeting, by, name):
    meeting.refresh_from_db()
    live.control_meeting(meeting_id=meeting.pk, by=by, control=name, version=meeting.version)


@pytest.mark.parametrize("screen", list(VIEWPORTS))
def test_every_kind_of_page_has_no_axe_violations(
    live_server, browser, screen, organisation, learning_set, admin, facilitator, member, people
):
    found: dict[str, list[dict]] = {}
    viewport = VIEWPORTS[screen]
    slug, meeting = organisation.slug, people["meeting"]

    anonymous = Visitor(browser, live_server, viewport, found)
    anonymous.check("login", reverse("account_login"))
    anonymous.check("sign-up", reverse("account_signup"))
    anonymous.check("invitation", reverse("sets:invitation", args=[TOKEN]))

    org_admin = Visitor(browser, live_server, viewport, found, admin)
    org_admin.check("home (admin)", reverse("sets:home"))
    org_admin.check("organisation", reverse("sets:organisation", args=[slug]))
    org_admin.check("people", reverse("sets:people", args=[slug]))
    org_admin.check("audit log", reverse("sets:audit-log", args=[slug]))
    org_admin.check("dashboard", reverse("reports:dashboard", args=[slug]))
    org_admin.check("report", reverse("reports:report", args=[slug]))
    org_admin.check("report print", reverse("reports:report-print", args=[slug]))
    org_admin.check("invite form", reverse("sets:invite", args=[slug]))

    runner = Visitor(browser, live_server, viewport, found, facilitator)
    runner.check("set page", reverse("sets:detail", args=[learning_set.pk]))
    runner.check("set meetings", reverse("meetings:set-meetings", args=[learning_set.pk]))
    runner.check("meeting page", reverse("meetings:detail", args=[meeting.pk]))
    runner.check("schedule form", reverse("meetings:schedule", args=[learning_set.pk]))
    runner.check("meeting edit form", reverse("meetings:edit", args=[meeting.pk]))
    runner.check("set form", reverse("sets:edit", args=[learning_set.pk]))
    runner.check("contract form", reverse("sets:contract", args=[learning_set.pk]))

    person = Visitor(browser, live_server, viewport, found, member)
    person.check("home (member)", reverse("sets:home"))
    person.check("my actions", reverse("meetings:my-actions"))
    person.check("action page", reverse("meetings:action", args=[people["action"].pk]))
    person.check("my issues", reverse("meetings:my-issues"))
    person.check("issue page", reverse("meetings:issue", args=[people["issue"].pk]))
    person.check("board", reverse("meetings:board", args=[learning_set.pk]))
    person.check("journal", reverse("learning:journal"))
    person.check("journal entry", reverse("learning:entry", args=[people["entry"].pk]))
    person.check("library", reverse("learning:library", args=[slug]))
    person.check("library item", reverse("learning:library-item", args=[people["item"].pk]))
    person.check("profile", reverse("accounts:profile"))
    person.check("journal entry form", reverse("learning:entry-new"))
    person.check("action form", reverse("meetings:action-new"))
    person.check("issue form", reverse("meetings:issue-edit", args=[people["issue"].pk]))
    person.check("my data", reverse("learning:my-data"))
    person.check("password change", reverse("account_change_password"))
    person.check("sessions", reverse("usersessions_list"))

    room = reverse("meetings:live", args=[meeting.pk])
    runner.check("live room before the meeting (facilitator)", room)
    person.check("live room before the meeting (member)", room)
    control(meeting, facilitator, "start")
    runner.check("live room: check-in (facilitator)", room)
    runner.check("projector: check-in", reverse("meetings:projector", args=[meeting.pk]))
    person.check("live room: check-in (member)", room)
    control(meeting, facilitator, "next")  # the member presents their issue
    control(meeting, facilitator, "next")
    runner.check("live room: questioning (facilitator)", room)
    person.check("live room: questioning (presenter)", room)
    for _ in range(5):  # commitments; the second presenter's three steps; reflection
        control(meeting, facilitator, "next")
    runner.check("live room: reflection (facilitator)", room)
    person.check("live room: reflection (member)", room)
    control(meeting, facilitator, "next")
    person.check("meeting record", reverse("meetings:record", args=[meeting.pk]))

    assert found == {}, "axe found WCAG A/AA violations:\n" + readable(found)
    for visitor in (anonymous, org_admin, runner, person):
        visitor.context.close()
