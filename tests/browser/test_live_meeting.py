"""Two browsers: the facilitator runs a two-presenter meeting; the member's page follows without reloading.

Served by pytest-django's live server, which is WSGI and holds no websocket: the pages' sockets fail, so this is
the fallback, the 2-second poll, with the "Reconnecting…" note showing (the push: test_live_room_push.py)."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from meetings import live
from meetings.models import Meeting
from tests.browser.conftest import log_in
from tests.factories import PASSWORD, MeetingFactory, SetMembershipFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_members_page_follows_every_step_the_facilitator_takes(
    live_server, browser, learning_set, facilitator, member
):
    second = SetMembershipFactory(learning_set=learning_set, user__full_name="Sal Second").user
    meeting = MeetingFactory(learning_set=learning_set, starts_at=timezone.now() + timedelta(minutes=2))
    live.add_slot(meeting=meeting, presenter=member, by=facilitator, issue_title="Handing over between shifts")
    live.add_slot(meeting=meeting, presenter=second, by=facilitator, issue_title="A difficult rota")
    room = live_server.url + reverse("meetings:live", args=[meeting.pk])

    runner = browser.new_page()
    log_in(runner, live_server, facilitator.email, PASSWORD)
    runner.goto(room)
    follower_context = browser.new_context(viewport={"width": 375, "height": 800})
    follower = follower_context.new_page()
    log_in(follower, live_server, member.email, PASSWORD)
    follower.goto(room)
    follower_url = follower.url
    stage = follower.locator("#stage")
    expect(stage.locator(".stage-phase")).to_have_text("Not started yet")
    expect(follower.locator("#room-connection")).to_be_visible()  # no socket here: the page says it polls

    runner.get_by_role("button", name="Start the meeting").click()
    expect(stage.locator(".stage-phase")).to_have_text("Check-in", timeout=5000)
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
        runner.get_by_role("button", name="Next step").click()
        expect(runner.locator("#stage .stage-phase")).to_have_text(phase)
        expect(stage.locator(".stage-phase")).to_have_text(phase, timeout=5000)
        if presenter:
            expect(stage.locator(".stage-presenter")).to_have_text(presenter)
        if phase == "Questioning":
            expect(stage.get_by_text("Open questions only")).to_be_visible()
        if phase == "Action commitments" and presenter == "Milo Member":
            runner.get_by_label("Action", exact=True).fill("Talk to the night team about handovers")
            runner.get_by_role("button", name="Commit to this action").click()
            expect(runner.get_by_text("Talk to the night team about handovers")).to_be_visible()
    expect(stage.locator(".timer")).to_have_text(re.compile(r"^\+?\d+:\d\d$"))  # counted in the browser
    follower.screenshot(path="test-results/live-member-375.png", full_page=True)
    runner.get_by_role("button", name="End", exact=True).click()
    runner.locator("#end-dialog").get_by_role("button", name="End the meeting").click()
    expect(stage.locator(".stage-phase")).to_have_text("The meeting has ended", timeout=5000)
    assert follower.url == follower_url  # followed by polling, never reloaded
    assert Meeting.objects.get(pk=meeting.pk).status == "ended"

    # The action committed in the meeting is in the member's list, and they log progress without a reload.
    follower.get_by_role("link", name="My actions").click()
    row = follower.locator(".action-row", has_text="Talk to the night team about handovers")
    expect(row).to_be_visible()
    row.get_by_text("Log progress…").click()
    row.get_by_label("Progress", exact=True).fill("Met two of them on Tuesday")
    row.get_by_role("button", name="Log progress").click()
    expect(follower.get_by_text("Progress saved.")).to_be_visible()
    expect(follower.locator(".action-row").first).to_contain_text("last update")
    follower_context.close()
