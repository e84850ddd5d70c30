"""Nothing typed in the meeting room is lost: a question being typed survives the workspace refreshing within
the step, a reload, a step change (listed as unsaved text) and coming back to the step; saving it drops it."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from meetings import live, recording
from meetings.models import AirtimeSlot, Meeting, Question
from tests.browser.conftest import log_in
from tests.factories import PASSWORD, MeetingFactory, SetMembershipFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TYPED = "What would a good handover look like to you?"


def move(meeting, by, control):
    current = Meeting.objects.get(pk=meeting.pk)
    live.control_meeting(meeting_id=meeting.pk, by=by, control=control, version=current.version)


def test_a_typed_question_survives_a_refresh_a_reload_and_a_step_change(
    live_server, browser, learning_set, facilitator, member
):
    asker = SetMembershipFactory(learning_set=learning_set, user__full_name="Ada Asker").user
    meeting = MeetingFactory(learning_set=learning_set, starts_at=timezone.now() + timedelta(minutes=2))
    live.add_slot(meeting=meeting, presenter=member, by=facilitator, issue_title="Handing over between shifts")
    move(meeting, facilitator, "start")
    move(meeting, facilitator, "next")
    move(meeting, facilitator, "next")  # questioning

    page = browser.new_page()
    log_in(page, live_server, asker.email, PASSWORD)
    page.goto(live_server.url + reverse("meetings:live", args=[meeting.pk]))
    field = page.locator("#question-text")
    field.fill(TYPED[:20])
    field.press_sequentially(TYPED[20:])

    # Someone else captures a question: the workspace refreshes within the step, the typing stays.
    slot = AirtimeSlot.objects.select_related("meeting").get(meeting_id=meeting.pk)
    recording.capture_question(slot=slot, by=facilitator, text="What have you tried so far?")
    expect(page.locator("#workspace")).to_contain_text("What have you tried so far?", timeout=6000)
    expect(page.locator("#question-text")).to_have_value(TYPED)
    expect(page.locator("#question-text")).to_be_focused()

    page.reload()
    expect(page.locator("#question-text")).to_have_value(TYPED)

    move(meeting, facilitator, "next")  # commitments: the question's form is gone, its text is listed
    expect(page.locator("#stage .stage-phase")).to_have_text("Action commitments", timeout=6000)
    drafts = page.locator("#unsaved-drafts")
    expect(drafts).to_be_visible(timeout=6000)
    expect(drafts).to_contain_text(TYPED)
    page.screenshot(path="test-results/live-drafts-1280.png", full_page=True)

    move(meeting, facilitator, "back")  # back to questioning: the text is in its field again
    expect(page.locator("#question-text")).to_have_value(TYPED, timeout=6000)
    expect(drafts).to_be_hidden()

    page.get_by_role("button", name="Capture the question").click()
    expect(page.get_by_text("Saved.")).to_be_visible()
    assert TYPED in [q.text for q in Question.objects.all()]
    expect(page.locator("#question-text")).to_have_value("")
    page.reload()
    expect(page.locator("#question-text")).to_have_value("")
    expect(drafts).to_be_hidden()
