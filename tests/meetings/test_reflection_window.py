"""Reflections and ratings can still be given for a day after the meeting ends; after that, a clear message."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from core.errors import ServiceError
from meetings import live, recording
from meetings.models import Meeting, ProcessRating, Reflection
from tests.factories import MeetingFactory


@pytest.fixture
def ended(learning_set, facilitator, member):
    meeting = MeetingFactory(learning_set=learning_set, starts_at=timezone.now() - timedelta(hours=2))
    live.add_slot(meeting=meeting, presenter=member, by=facilitator)
    live.control_meeting(meeting_id=meeting.pk, by=facilitator, control="start", version=0)
    live.control_meeting(meeting_id=meeting.pk, by=facilitator, control="end", version=1)
    return Meeting.objects.get(pk=meeting.pk)


def test_the_window_is_the_meeting_and_the_day_after_it(ended, learning_set):
    assert recording.reflections_close_at(ended) == ended.ended_at + timedelta(hours=24)
    assert recording.reflections_open(ended, now=ended.ended_at + timedelta(hours=23, minutes=59))
    assert recording.reflections_open(ended, now=ended.ended_at + timedelta(hours=24))
    assert not recording.reflections_open(ended, now=ended.ended_at + timedelta(hours=24, seconds=1))
    running = MeetingFactory(learning_set=learning_set, status="live")
    assert recording.reflections_open(running) and recording.reflections_close_at(running) is None
    assert not recording.reflections_open(MeetingFactory(learning_set=learning_set))  # not started
    assert not recording.reflections_open(MeetingFactory(learning_set=learning_set, status="cancelled"))


def test_reflections_and_ratings_are_taken_for_a_day_after_the_end(ended, member):
    with time_machine.travel(ended.ended_at + timedelta(hours=23), tick=False):
        recording.write_reflection(
            meeting=ended, by=member, situation="LATE-REFLECTION", myself="", relating="", shared=True
        )
        recording.rate_process(meeting=ended, by=member, rating=6, went_well="LATE-WORDS")
    with time_machine.travel(ended.ended_at + timedelta(hours=25), tick=False):
        with pytest.raises(ServiceError, match="closed a day after"):
            recording.write_reflection(
                meeting=ended, by=member, situation="TOO-LATE", myself="", relating="", shared=True
            )
        with pytest.raises(ServiceError, match="closed a day after"):
            recording.rate_process(meeting=ended, by=member, rating=2)
    assert list(Reflection.objects.values_list("about_situation", flat=True)) == ["LATE-REFLECTION"]
    assert ProcessRating.objects.get().rating == 6


def test_reflections_before_the_meeting_are_refused(learning_set, member):
    with pytest.raises(ServiceError, match="in or after the meeting"):
        recording.write_reflection(
            meeting=MeetingFactory(learning_set=learning_set),
            by=member,
            situation="x",
            myself="",
            relating="",
            shared=False,
        )


def test_the_room_shows_the_reflection_form_after_the_end_then_says_it_closed(client, ended, member):
    client.force_login(member)
    room = reverse("meetings:live", args=[ended.pk])
    page = client.get(room).content.decode()
    assert "You can still write your reflection" in page and "Save my reflection" in page and "Save my rating" in page
    response = client.post(
        reverse("meetings:live-record", args=[ended.pk]),
        {"kind": "reflection", "about_self": "AFTER-THE-END-MARKER"},
        follow=True,
    )
    assert "Saved." in response.content.decode()
    assert "AFTER-THE-END-MARKER" in client.get(reverse("meetings:record", args=[ended.pk])).content.decode()
    with time_machine.travel(ended.ended_at + timedelta(hours=25), tick=False):
        page = client.get(room).content.decode()
        assert "closed a day after the meeting ended" in page and "Save my reflection" not in page
