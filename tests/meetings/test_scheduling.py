"""Scheduling, rescheduling and cancelling, and the calendar emails each one sends (.ics parsed back)."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from icalendar import Calendar

from core.errors import ServiceError
from meetings import recurrence, scheduling
from meetings.models import Attendance, Meeting
from sets.models import SetMembership
from sets.services import close_learning_set, remove_from_set
from tests.factories import UserFactory

NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def london_set(learning_set):
    learning_set.timezone = "Europe/London"
    learning_set.save(update_fields=["timezone"])
    return learning_set


def details(day=16, hour=9, minute=30, place="Room 4"):
    return scheduling.MeetingDetails(
        local_start=datetime(2027, 3, day, hour, minute), duration_minutes=120, place=place
    )


def calendars(message) -> list[Calendar]:
    return [Calendar.from_ical(content) for _name, content, _mime in message.attachments]


def event(cal: Calendar):
    return next(iter(cal.walk("VEVENT")))


def schedule(learning_set, by, capture, repeat=None, **kwargs):
    with capture(execute=True):
        return scheduling.schedule_meetings(learning_set=learning_set, by=by, details=details(**kwargs), repeat=repeat)


def test_one_meeting_is_stored_in_utc_and_everyone_gets_an_invitation(
    london_set, facilitator, member, django_capture_on_commit_callbacks
):
    [meeting] = schedule(london_set, facilitator, django_capture_on_commit_callbacks)
    assert meeting.starts_at == datetime(2027, 3, 16, 9, 30, tzinfo=UTC)  # GMT in March before the change
    assert sorted(m.to[0] for m in mail.outbox) == sorted([facilitator.email, member.email])
    cal = calendars(mail.outbox[0])[0]
    vevent = event(cal)
    assert str(cal["METHOD"]) == "REQUEST"
    assert str(vevent["UID"]) == f"{meeting.uid}@actionlearning"
    assert vevent["SEQUENCE"] == 0
    assert vevent["DTSTART"].params["TZID"] == "Europe/London"
    assert vevent.decoded("DTSTART").replace(tzinfo=None) == datetime(2027, 3, 16, 9, 30)
    assert str(vevent["LOCATION"]) == "Room 4"
    assert cal.walk("VTIMEZONE"), "the zone is described for programs without the IANA database"


def test_a_weekly_series_keeps_nine_thirty_local_across_the_clock_change(
    london_set, facilitator, django_capture_on_commit_callbacks
):
    meetings = schedule(
        london_set, facilitator, django_capture_on_commit_callbacks, repeat=recurrence.Rule(recurrence.WEEKLY, count=3)
    )
    assert [m.starts_at.astimezone(UTC).hour for m in meetings] == [9, 9, 8]  # 28 March: BST
    assert len({m.series_id for m in meetings}) == 1
    assert len(calendars(mail.outbox[0])) == 3


def test_closed_sets_and_past_times_are_refused(london_set, facilitator, admin):
    with pytest.raises(ServiceError, match="in the future"):
        scheduling.schedule_meetings(learning_set=london_set, by=facilitator, details=details(day=1, hour=9))
    close_learning_set(learning_set=london_set, by=admin)
    with pytest.raises(ServiceError, match="closed"):
        scheduling.schedule_meetings(learning_set=london_set, by=facilitator, details=details())
    assert Meeting.objects.count() == 0


def test_a_change_is_the_same_uid_with_a_higher_sequence(london_set, facilitator, django_capture_on_commit_callbacks):
    [meeting] = schedule(london_set, facilitator, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        scheduling.reschedule_meeting(meeting=meeting, by=facilitator, details=details(day=17, hour=10, minute=0))
    meeting.refresh_from_db()
    vevent = event(calendars(mail.outbox[0])[0])
    assert str(vevent["UID"]) == f"{meeting.uid}@actionlearning"
    assert vevent["SEQUENCE"] == 1 == meeting.sequence
    assert vevent.decoded("DTSTART").replace(tzinfo=None) == datetime(2027, 3, 17, 10, 0)
    assert "changed" in mail.outbox[0].subject


def test_saving_without_a_change_sends_nothing(london_set, facilitator, django_capture_on_commit_callbacks):
    [meeting] = schedule(london_set, facilitator, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        changed = scheduling.reschedule_meeting(meeting=meeting, by=facilitator, details=details())
    assert (changed, mail.outbox) == ([], [])


def test_moving_the_rest_of_a_series_shifts_each_later_meeting(
    london_set, facilitator, django_capture_on_commit_callbacks
):
    meetings = schedule(
        london_set, facilitator, django_capture_on_commit_callbacks, repeat=recurrence.Rule(recurrence.WEEKLY, count=4)
    )
    second = meetings[1]
    with django_capture_on_commit_callbacks(execute=True):
        scheduling.reschedule_meeting(
            meeting=second, by=facilitator, details=details(day=24, hour=14, minute=0), rest_of_series=True
        )
    local = [
        (m.starts_at.astimezone(recurrence.zoneinfo.ZoneInfo("Europe/London")).day, m.starts_at.hour, m.sequence)
        for m in Meeting.objects.order_by("starts_at")
    ]
    # The first stays; the rest move a day later and to 14:00 local (13:00 UTC once BST starts).
    assert local == [(16, 9, 0), (24, 14, 1), (31, 13, 1), (7, 13, 1)]


def test_cancelling_tells_everyone_including_apologies_but_not_people_who_left(
    london_set, facilitator, member, django_capture_on_commit_callbacks
):
    [meeting] = schedule(london_set, facilitator, django_capture_on_commit_callbacks)
    scheduling.reply(meeting=meeting, user=member, rsvp=Attendance.Rsvp.APOLOGIES)
    leaver = SetMembership.objects.create(learning_set=london_set, user=_user("leaver@example.org"))
    remove_from_set(membership=leaver, by=facilitator)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        scheduling.cancel_meeting(meeting=meeting, by=facilitator)
    assert sorted(m.to[0] for m in mail.outbox) == sorted([facilitator.email, member.email])
    cal = calendars(mail.outbox[0])[0]
    assert str(cal["METHOD"]) == "CANCEL"
    assert str(event(cal)["STATUS"]) == "CANCELLED"
    assert event(cal)["SEQUENCE"] == 1
    with pytest.raises(ServiceError):
        scheduling.cancel_meeting(meeting=Meeting.objects.get(pk=meeting.pk), by=facilitator)


def test_cancel_the_rest_of_a_series(london_set, facilitator, django_capture_on_commit_callbacks):
    meetings = schedule(
        london_set, facilitator, django_capture_on_commit_callbacks, repeat=recurrence.Rule(recurrence.WEEKLY, count=3)
    )
    scheduling.cancel_meeting(meeting=meetings[1], by=facilitator, rest_of_series=True)
    assert list(Meeting.objects.order_by("starts_at").values_list("status", flat=True)) == [
        "scheduled",
        "cancelled",
        "cancelled",
    ]


def test_replies_close_when_the_meeting_starts(london_set, facilitator, member, django_capture_on_commit_callbacks):
    [meeting] = schedule(london_set, facilitator, django_capture_on_commit_callbacks)
    scheduling.reply(meeting=meeting, user=member, rsvp="yes", note=" see you ")
    scheduling.reply(meeting=meeting, user=member, rsvp="apologies", note="ill")
    assert list(Attendance.objects.values_list("rsvp", "note")) == [("apologies", "ill")]
    with time_machine.travel(meeting.starts_at + timedelta(minutes=1)), pytest.raises(ServiceError):
        scheduling.reply(meeting=meeting, user=member, rsvp="yes")
    with pytest.raises(ServiceError):
        scheduling.reply(meeting=meeting, user=member, rsvp="maybe")


def _user(email):

    return UserFactory(email=email)
