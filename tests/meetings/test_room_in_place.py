"""The room's controls posted with htmx are answered in place (the parts that changed and the page's messages),
never with a redirect; the same forms posted without JavaScript still redirect back to the room."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from meetings import live
from meetings.models import Attendance, Meeting
from tests.factories import MeetingFactory, SetMembershipFactory

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def meeting(learning_set, facilitator, member):
    meeting = MeetingFactory(learning_set=learning_set, starts_at=timezone.now() + timedelta(minutes=5))
    live.add_slot(meeting=meeting, presenter=member, by=facilitator, issue_title="Handing over between shifts")
    return meeting


def test_a_control_from_the_page_is_answered_with_the_new_stage_not_a_redirect(client, meeting, facilitator):
    client.force_login(facilitator)
    url = reverse("meetings:live-control", args=[meeting.pk])
    response = client.post(url, {"control": "start", "version": "0"}, **HTMX)
    assert response.status_code == 200
    content = response.content.decode()
    assert content.count('id="stage"') == 1 and 'data-version="1"' in content and "Check-in" in content
    assert 'id="room-messages"' in content
    assert client.post(url, {"control": "next", "version": "1"}).status_code == 302  # without JS: as ever


def test_a_stale_click_is_answered_in_place_with_the_message_and_where_the_meeting_is(client, meeting, facilitator):
    client.force_login(facilitator)
    url = reverse("meetings:live-control", args=[meeting.pk])
    client.post(url, {"control": "start", "version": "0"}, **HTMX)
    client.post(url, {"control": "next", "version": "1"}, **HTMX)
    response = client.post(url, {"control": "next", "version": "1"}, **HTMX)  # a second page, one step behind
    content = response.content.decode()
    assert response.status_code == 200
    assert "already moved on" in content.split('id="room-messages"')[1]
    assert 'data-version="2"' in content
    assert Meeting.objects.get(pk=meeting.pk).step_index == 1  # applied once


def test_marking_someone_present_answers_with_their_row(client, meeting, facilitator, member):
    live.control_meeting(meeting_id=meeting.pk, by=facilitator, control="start", version=0)
    client.force_login(facilitator)
    response = client.post(
        reverse("meetings:live-record", args=[meeting.pk]),
        {"kind": "present", "user": member.pk, "present": "1"},
        **HTMX,
    )
    assert response.status_code == 200
    assert f'id="person-{member.pk}"' in response.content.decode()
    assert Attendance.objects.get(meeting=meeting, user=member).present


def test_an_agenda_change_before_the_meeting_answers_with_the_agenda_and_the_stage(
    client, meeting, learning_set, facilitator
):
    second = SetMembershipFactory(learning_set=learning_set, user__full_name="Sal Second").user
    client.force_login(facilitator)
    response = client.post(
        reverse("meetings:agenda", args=[meeting.pk]), {"action": "add", "presenter": second.pk}, **HTMX
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert 'id="agenda"' in content and "Sal Second" in content
    assert "2 presenters on the agenda" in content  # the stage, taken out of band


def test_the_end_control_asks_first_and_the_page_without_js_shows_the_question(client, meeting, facilitator):
    live.control_meeting(meeting_id=meeting.pk, by=facilitator, control="start", version=0)
    client.force_login(facilitator)
    room = reverse("meetings:live", args=[meeting.pk])
    page = client.get(room).content.decode()
    assert 'data-opens-dialog="end-dialog"' in page
    assert '<dialog id="end-dialog" aria-labelledby="end-dialog-title">' in page  # closed until asked
    assert (
        '<dialog id="end-dialog" aria-labelledby="end-dialog-title" open>'
        in client.get(room, {"end": "confirm"}).content.decode()
    )
