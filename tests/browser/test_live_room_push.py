"""Four browsers, one room, under daphne (ASGI): the facilitator runs a whole two-presenter meeting with the
controls posted in place; three members' pages follow every change by push, and no page ever reloads."""

import statistics
import time
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from meetings import live
from meetings.models import Attendance, Meeting
from tests.browser.conftest import log_in
from tests.factories import PASSWORD, MeetingFactory, SetMembershipFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Installed once the room has loaded: a marker that only a reload (a new document) would lose, and the time each
# version of the stage first appeared on this screen.
WATCH = """() => {
  window.roomMarker = "loaded-once";
  window.seenVersions = {};
  const note = () => {
    const stage = document.getElementById("stage");
    if (stage && !(stage.dataset.version in window.seenVersions)) {
      window.seenVersions[stage.dataset.version] = Date.now();
    }
  };
  note();
  new MutationObserver(note).observe(document.getElementById("main"), {childList: true, subtree: true});
}"""


def open_room(browser, server, user, room, width=1280, height=900):
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    log_in(page, server, user.email, PASSWORD)
    page.goto(room)
    expect(page.locator("html")).to_have_attribute("data-room-socket", "open")
    page.evaluate(WATCH)
    return page


def scroll_to(locator) -> None:
    """Scroll a button into view. The room re-renders a region when a push says it changed, so the element found
    may be replaced while it is being scrolled to: find it again (a locator does) and try once more."""
    for _ in range(5):
        try:
            locator.scroll_into_view_if_needed(timeout=3000)
            return
        except PlaywrightError:
            time.sleep(0.2)
    locator.scroll_into_view_if_needed()


def test_four_people_run_a_meeting_and_every_page_follows_by_push_without_reloading(
    asgi_live_server, browser, learning_set, facilitator, member
):
    second = SetMembershipFactory(learning_set=learning_set, user__full_name="Sal Second").user
    third = SetMembershipFactory(learning_set=learning_set, user__full_name="Tia Third").user
    meeting = MeetingFactory(learning_set=learning_set, starts_at=timezone.now() + timedelta(minutes=2))
    live.add_slot(meeting=meeting, presenter=member, by=facilitator, issue_title="Handing over between shifts")
    live.add_slot(meeting=meeting, presenter=second, by=facilitator, issue_title="A difficult rota")
    room = asgi_live_server.url + reverse("meetings:live", args=[meeting.pk])

    runner = open_room(browser, asgi_live_server, facilitator, room, height=500)
    members = [
        open_room(browser, asgi_live_server, person, room, width=375 if person == third else 1280)
        for person in (member, second, third)
    ]
    everyone = [runner, *members]
    expect(runner.locator("#room-presence")).to_contain_text(
        "In the room now: Fay Facilitator, Milo Member, Sal Second, Tia Third"
    )

    clicks: dict[int, float] = {}  # version the click leads to -> when it was clicked (ms)
    version = 0
    click_count = 0

    def click(page, name, *, moves_on=True):
        nonlocal version, click_count
        click_count += 1
        if moves_on:
            version += 1
            clicks[version] = time.time() * 1000
        page.get_by_role("button", name=name, exact=True).click()

    click(runner, "Start the meeting")
    for page in members:
        expect(page.locator("#stage .stage-phase")).to_have_text("Check-in", timeout=5000)

    # Someone types a check-in while the facilitator marks people present: nothing they type is lost.
    members[0].get_by_label("Your check-in: how you are, and what came of your actions").fill("Tired but keen")
    runner.get_by_label("Your check-in: how you are, and what came of your actions").fill("Glad to be here")
    positions = []
    for person in (member, second, third):
        scroll_to(runner.get_by_role("button", name=f"{person.get_short_name()} is here", exact=True))
        before = runner.evaluate("window.scrollY")
        click(runner, f"{person.get_short_name()} is here", moves_on=False)
        expect(runner.locator(f"#person-{person.pk}")).to_contain_text("Here")
        positions.append((before, runner.evaluate("window.scrollY")))
    assert Attendance.objects.filter(meeting=meeting, present=True).count() == 3
    # The page stays where it was (it was scrolled down, so a reload's jump to the top would show): it never moves
    # up, and moves down by no more than what grows above the row (the "Saved." note, the row's own new lines).
    assert all(before > 0 and -50 < after - before < 250 for before, after in positions), positions
    expect(runner.get_by_label("Your check-in: how you are, and what came of your actions")).to_have_value(
        "Glad to be here"
    )

    runner.screenshot(path="test-results/live-room-runner-1280.png", full_page=True)
    members[2].screenshot(path="test-results/live-room-member-375.png", full_page=True)
    click(runner, "+5 min")
    minutes = learning_set.checkin_minutes + 5
    expect(members[1].locator("#stage .stage-clock")).to_contain_text(f"of {minutes} min", timeout=5000)
    expect(members[0].get_by_label("Your check-in: how you are, and what came of your actions")).to_have_value(
        "Tired but keen"
    )

    expected = [
        ("Issue presentation", "Milo Member"),
        ("Questioning", "Milo Member"),
        ("Action commitments", "Milo Member"),
        ("Issue presentation", "Sal Second"),
        ("Questioning", "Sal Second"),
        ("Action commitments", "Sal Second"),
        ("Reflection", None),
    ]
    for phase, presenter in expected:
        click(runner, "Next step")
        for page in everyone:
            expect(page.locator("#stage .stage-phase")).to_have_text(phase, timeout=5000)
            if presenter:
                expect(page.locator("#stage .stage-presenter")).to_have_text(presenter)
        # each member's workspace followed the step too
        expect(members[2].locator("#workspace h2").first).to_be_visible()

    # Ending asks first; "Keep going" leaves the meeting running.
    runner.get_by_role("button", name="End", exact=True).click()
    dialog = runner.locator("#end-dialog")
    expect(dialog).to_be_visible()
    runner.screenshot(path="test-results/live-room-end-dialog-1280.png")
    dialog.get_by_role("button", name="Keep going").click()
    expect(dialog).to_be_hidden()
    assert Meeting.objects.get(pk=meeting.pk).status == "live"
    runner.get_by_role("button", name="End", exact=True).click()
    click_count += 1
    click(runner, "End the meeting")
    for page in everyone:
        expect(page.locator("#stage .stage-phase")).to_have_text("The meeting has ended", timeout=5000)
    assert Meeting.objects.get(pk=meeting.pk).status == "ended"

    for page in everyone:
        assert page.evaluate("window.roomMarker") == "loaded-once"  # no navigation, ever
    assert click_count <= 15, f"the facilitator clicked {click_count} times"

    latencies = []
    for page in members:
        seen = page.evaluate("window.seenVersions")
        latencies += [seen[str(v)] - at for v, at in clicks.items() if str(v) in seen]
    assert len(latencies) == 3 * len(clicks)  # every member saw every version
    latencies.sort()
    print(
        f"\nclick -> member's screen over {len(latencies)} changes: p50 {statistics.median(latencies):.0f} ms, "
        f"p95 {latencies[int(0.95 * (len(latencies) - 1))]:.0f} ms, max {latencies[-1]:.0f} ms; "
        f"facilitator's clicks: {click_count}"
    )
    members[2].screenshot(path="test-results/live-room-push-375.png", full_page=True)
