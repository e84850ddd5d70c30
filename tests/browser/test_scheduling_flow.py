"""In a real browser: a facilitator schedules a weekly series; a member sees it and sends apologies."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from meetings.models import Attendance, Meeting
from tests.browser.conftest import label, log_in
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_facilitator_schedules_a_weekly_series_and_a_member_sends_apologies(
    live_server, browser, learning_set, facilitator, member
):
    first_day = (timezone.localdate() + timedelta(days=21)).isoformat()
    runner = browser.new_page()
    log_in(runner, live_server, facilitator.email, PASSWORD)
    runner.get_by_role("link", name=learning_set.name).click()
    runner.get_by_role("button", name="Schedule the first one").click()
    runner.get_by_label(label("Date")).fill(first_day)
    runner.get_by_label(label("Start time")).fill("09:30")
    runner.get_by_label(label("Place")).fill("Room 4, Riverside House")
    runner.get_by_label(label("Repeat")).select_option("weekly")
    runner.get_by_label(label("Number of meetings")).fill("4")
    runner.get_by_role("button", name="Schedule", exact=True).click()
    expect(runner.get_by_text("4 meetings scheduled")).to_be_visible()
    expect(runner.locator(".meeting-list > li")).to_have_count(4)
    assert Meeting.objects.filter(learning_set=learning_set).count() == 4

    context = browser.new_context(viewport={"width": 375, "height": 800})
    phone = context.new_page()
    log_in(phone, live_server, member.email, PASSWORD)
    panel = phone.locator(".next-meetings")
    expect(panel.locator(".meeting-list > li")).to_have_count(4)  # loaded by htmx on the home page
    panel.locator(".meeting-when").first.click()
    phone.get_by_label("Apologies").check()
    phone.get_by_label(label("Note (optional)")).fill("At a conference that week")
    phone.get_by_role("button", name="Send my reply").click()
    expect(phone.get_by_text("You sent apologies")).to_be_visible()
    first = Meeting.objects.order_by("starts_at").first()
    assert Attendance.objects.get(meeting=first, user=member).rsvp == "apologies"
    phone.screenshot(path=str(live_server_shot("meeting-375.png")), full_page=True)
    context.close()

    runner.goto(live_server.url + reverse("meetings:detail", args=[first.pk]))
    expect(runner.get_by_text("0 coming, 1 apologies")).to_be_visible()
    expect(runner.get_by_text("“At a conference that week”")).to_be_visible()


def live_server_shot(name: str):
    from pathlib import Path

    folder = Path("test-results")
    folder.mkdir(exist_ok=True)
    return folder / name
