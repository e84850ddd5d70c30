"""In a real browser: a facilitator schedules a weekly series of four; a member, on a phone, sees it on their
home page and the set's page and sends apologies; the facilitator sees them, note and all.

Screenshots (the schedule form at 1280 px, the meeting page at 375 px) go to $SCREENSHOT_DIR, or the test's
tmp_path, for a person to look at."""

import os
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from meetings.models import Attendance, Meeting
from tests.browser.conftest import label, log_in
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOTE = "At a conference that week"


@pytest.fixture
def shots(tmp_path) -> Path:
    folder = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_facilitator_schedules_a_weekly_series_and_a_member_sends_apologies(
    live_server, browser, learning_set, facilitator, member, shots
):
    first_day = timezone.localdate() + timedelta(days=21)

    # The facilitator: their home page → the set → its meetings → "Schedule meetings".
    runner = browser.new_page()  # 1280 px wide (tests/browser/conftest.py)
    log_in(runner, live_server, facilitator.email, PASSWORD)
    runner.get_by_role("link", name=learning_set.name, exact=True).click()
    expect(runner.get_by_role("heading", name=learning_set.name)).to_be_visible()
    coming_up = runner.get_by_role("region", name="Coming up")  # the set page's meetings panel, loaded by htmx
    expect(coming_up.get_by_text("No meetings scheduled yet.")).to_be_visible()
    coming_up.get_by_role("link", name=re.compile(r"^All meetings")).click()
    expect(runner.get_by_role("heading", name="Meetings", exact=True)).to_be_visible()
    runner.get_by_role("button", name="Schedule meetings").click()

    expect(runner.get_by_role("heading", name="Schedule meetings")).to_be_visible()
    runner.get_by_label(label("Date")).fill(first_day.isoformat())
    runner.get_by_label(label("Start time")).fill("09:30")
    runner.get_by_label(label("Place")).fill("Room 4, Riverside House")
    runner.get_by_label(label("Repeat")).select_option(label="Every week")
    runner.get_by_label(label("Number of meetings")).fill("4")
    runner.screenshot(path=shots / "schedule-form-1280.png", full_page=True)
    runner.get_by_role("button", name="Schedule", exact=True).click()

    expect(runner.get_by_text("4 meetings scheduled; everyone in the set gets a calendar invitation.")).to_be_visible()
    listed = runner.get_by_role("region", name="Coming up").get_by_role("listitem")
    expect(listed).to_have_count(4)
    expect(listed.first).to_contain_text(first_day.strftime("%A %-d %B %Y, 09:30"))
    expect(listed.last).to_contain_text((first_day + timedelta(weeks=3)).strftime("%A %-d %B %Y, 09:30"))
    meetings = list(Meeting.objects.filter(learning_set=learning_set).order_by("starts_at"))
    assert [m.series_id is not None for m in meetings] == [True] * 4

    # The member, on a phone, in a browser of their own.
    phone_context = browser.new_context(viewport={"width": 375, "height": 812})
    phone = phone_context.new_page()
    log_in(phone, live_server, member.email, PASSWORD)
    next_meetings = phone.get_by_role("region", name="Next meetings")  # the home page's htmx panel
    expect(next_meetings.get_by_role("listitem")).to_have_count(1)  # the next meeting of each set
    expect(next_meetings.get_by_role("listitem").first).to_contain_text(first_day.strftime("%A %-d %B %Y, 09:30"))
    expect(next_meetings.get_by_role("listitem").first).to_contain_text("No reply yet")
    phone.screenshot(path=shots / "home-375.png", full_page=True)

    phone.get_by_role("link", name=learning_set.name, exact=True).click()
    on_set_page = phone.get_by_role("region", name="Coming up").get_by_role("listitem")
    expect(on_set_page).to_have_count(4)
    on_set_page.first.get_by_role("link").click()

    expect(phone.get_by_role("heading", name=first_day.strftime("%A %-d %B"))).to_be_visible()
    phone.get_by_role("radio", name="Apologies").check()
    phone.get_by_label(label("Note (optional)")).fill(NOTE)
    phone.get_by_role("button", name="Send my reply").click()
    expect(phone.get_by_text("Thank you: your reply is saved.")).to_be_visible()
    expect(phone.get_by_text("You sent apologies")).to_be_visible()
    expect(phone.get_by_role("radio", name="Apologies")).to_be_checked()
    phone.screenshot(path=shots / "meeting-375.png", full_page=True)
    attendance = Attendance.objects.get(meeting=meetings[0], user=member)
    assert (attendance.rsvp, attendance.note) == ("apologies", NOTE)
    phone_context.close()

    # The facilitator opens the first meeting again: the apologies and the note.
    runner.goto(live_server.url + reverse("meetings:detail", args=[meetings[0].pk]))
    replies = runner.get_by_role("region", name="Replies")
    expect(replies.get_by_text("0 coming, 1 with apologies")).to_be_visible()
    milo = replies.get_by_role("listitem").filter(has_text=member.full_name)
    expect(milo).to_contain_text("Apologies")
    expect(milo).to_contain_text(f"“{NOTE}”")
    runner.screenshot(path=shots / "meeting-facilitator-1280.png", full_page=True)
