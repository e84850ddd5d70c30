from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from core import outbox
from core.models import Heartbeat
from meetings import reminders
from meetings.models import Attendance, Meeting
from sets.models import SetMembership
from sets.services import remove_from_set
from tests.factories import MeetingFactory, SetMembershipFactory

NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=True):
        yield


def page(response) -> str:
    return response.content.decode()


def schedule_data(**changes) -> dict:
    return {
        "date": "2027-03-16",
        "time": "09:30",
        "duration_minutes": "150",
        "place": "Room 4",
        "video_link": "",
        "repeat": "",
        "interval_weeks": "",
        "count": "",
        "until": "",
    } | changes


def test_schedule_page_starts_from_the_set_defaults(client, learning_set, facilitator):
    learning_set.meeting_place = "Riverside House"
    learning_set.meeting_duration_minutes = 120
    learning_set.save()
    client.force_login(facilitator)
    form = client.get(reverse("meetings:schedule", args=[learning_set.pk])).context["form"]
    assert (form["place"].value(), form["duration_minutes"].value()) == ("Riverside House", 120)


def test_facilitator_schedules_a_weekly_series(client, learning_set, facilitator, django_capture_on_commit_callbacks):
    client.force_login(facilitator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("meetings:schedule", args=[learning_set.pk]), schedule_data(repeat="weekly", count="4")
        )
    assert response["Location"] == reverse("meetings:set-meetings", args=[learning_set.pk])
    assert Meeting.objects.filter(learning_set=learning_set).count() == 4
    listing = page(client.get(reverse("meetings:set-meetings", args=[learning_set.pk])))
    assert listing.count("Tuesday") == 4


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"date": "2027-03-01", "time": "09:00"}, "The first meeting must be in the future."),
        ({"date": "2027-02-01"}, "That day is in the past: a meeting must be in the future."),
        # Bounds on the dates themselves (Meeting.DATE): 0001-01-01 at 00:30 used to overflow into a 500 in a zone
        # ahead of UTC, and a meeting in the year 9999 was scheduled.
        ({"date": "0001-01-01", "time": "00:30"}, "That day is in the past: a meeting must be in the future."),
        ({"date": "9999-12-31", "time": "23:30"}, "That day is too far ahead. Choose a day up to"),
        ({"date": "2032-03-02"}, "That day is too far ahead. Choose a day up to 1 Mar 2032 (within five years)."),
        ({"repeat": "weekly", "until": "9999-12-31"}, "That day is too far ahead."),
        ({"repeat": "weekly"}, "A repeating meeting needs a number of meetings or an end date."),
        ({"repeat": "every_n_weeks", "count": "3"}, "Say every how many weeks."),
        ({"duration_minutes": "5"}, "Ensure this value is greater than or equal to 30."),
        ({"date": "not a date"}, "Enter a valid date."),
        ({"repeat": "weekly", "until": "2027-03-01"}, "The end date is before the first meeting."),
    ],
)
def test_schedule_refuses_bad_input_and_saves_nothing(client, learning_set, facilitator, changes, message):
    client.force_login(facilitator)
    response = client.post(reverse("meetings:schedule", args=[learning_set.pk]), schedule_data(**changes))
    assert response.status_code == 200
    assert message in page(response)
    assert Meeting.objects.count() == 0


def test_meeting_page_shows_the_viewers_zone_and_the_sets(client, learning_set, member):
    learning_set.timezone = "Europe/London"
    learning_set.save(update_fields=["timezone"])
    member.timezone = "America/New_York"
    member.save(update_fields=["timezone"])
    meeting = MeetingFactory(learning_set=learning_set, starts_at=datetime(2027, 3, 16, 9, 30, tzinfo=UTC))
    client.force_login(member)
    content = page(client.get(reverse("meetings:detail", args=[meeting.pk])))
    assert "Tuesday 16 March 2027, 05:30–08:00 New York time" in content
    assert "09:30 London time, where the set meets" in content


def test_member_replies_and_the_facilitator_sees_it(client, learning_set, member, facilitator):
    meeting = MeetingFactory(learning_set=learning_set)
    client.force_login(member)
    response = client.post(reverse("meetings:reply", args=[meeting.pk]), {"rsvp": "apologies", "note": "On leave"})
    assert response["Location"] == reverse("meetings:detail", args=[meeting.pk])
    assert Attendance.objects.get(meeting=meeting, user=member).rsvp == "apologies"
    assert "You sent apologies" in page(client.get(reverse("meetings:detail", args=[meeting.pk])))
    client.force_login(facilitator)
    content = page(client.get(reverse("meetings:detail", args=[meeting.pk])))
    assert "0 coming, 1 with apologies" in content
    assert "“On leave”" in content
    assert "Reminders" in content


def test_a_member_does_not_see_the_reminders_table(client, learning_set, member):
    meeting = MeetingFactory(learning_set=learning_set)
    outbox.write([reminders.reminder_message(meeting, member.pk, member.email, "reminder", 48)])
    client.force_login(member)
    assert "emails-heading" not in page(client.get(reverse("meetings:detail", args=[meeting.pk])))


def test_facilitator_reschedules_and_cancels_from_the_pages(
    client, learning_set, facilitator, django_capture_on_commit_callbacks
):
    meeting = MeetingFactory(learning_set=learning_set, starts_at=datetime(2027, 3, 16, 9, 30, tzinfo=UTC))
    client.force_login(facilitator)
    client.post(
        reverse("meetings:edit", args=[meeting.pk]),
        schedule_data(date="2027-03-18", time="10:00", scope="one"),
    )
    meeting.refresh_from_db()
    assert (meeting.starts_at, meeting.sequence) == (datetime(2027, 3, 18, 10, 0, tzinfo=UTC), 1)
    assert "Cancel this meeting?" in page(client.get(reverse("meetings:cancel", args=[meeting.pk])))
    client.post(reverse("meetings:cancel", args=[meeting.pk]), {"scope": "one"})
    meeting.refresh_from_db()
    assert meeting.status == "cancelled"


def test_lists_show_only_the_users_own_sets(client, learning_set, member, other_set):
    mine = MeetingFactory(learning_set=learning_set, place="MY-PLACE")
    MeetingFactory(learning_set=other_set, place="OTHER-ORG-PLACE")
    client.force_login(member)
    upcoming = page(client.get(reverse("meetings:my-upcoming")))
    assert "MY-PLACE" in upcoming and "OTHER-ORG-PLACE" not in upcoming
    partial = client.get(reverse("meetings:set-meetings", args=[learning_set.pk]), HTTP_HX_REQUEST="true")
    assert "<html" not in page(partial)
    assert reverse("meetings:detail", args=[mine.pk]) in page(partial)


def test_calendar_feed_lifecycle(client, learning_set, member, other_set):
    meeting = MeetingFactory(learning_set=learning_set)
    cancelled = MeetingFactory(learning_set=learning_set, status="cancelled")
    MeetingFactory(learning_set=other_set)
    client.force_login(member)
    client.post(reverse("accounts:calendar-feed"), {"action": "regenerate"})
    member.refresh_from_db()
    first = member.calendar_token
    response = client.get(reverse("meetings:feed", args=[first]))
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    events = Calendar.from_ical(response.content).walk("VEVENT")
    assert sorted(str(e["UID"]) for e in events) == sorted(f"{m.uid}@actionlearning" for m in (meeting, cancelled))
    assert {str(e["UID"]): str(e["STATUS"]) for e in events}[f"{cancelled.uid}@actionlearning"] == "CANCELLED"
    client.post(reverse("accounts:calendar-feed"), {"action": "regenerate"})
    member.refresh_from_db()
    assert client.get(reverse("meetings:feed", args=[first])).status_code == 404
    assert client.get(reverse("meetings:feed", args=[member.calendar_token])).status_code == 200
    remove_from_set(membership=SetMembership.objects.get(user=member), by=member)
    assert (
        Calendar.from_ical(client.get(reverse("meetings:feed", args=[member.calendar_token])).content).walk("VEVENT")
        == []
    )
    client.post(reverse("accounts:calendar-feed"), {"action": "revoke"})
    member.refresh_from_db()
    assert member.calendar_token is None
    assert client.get(reverse("meetings:feed", args=["anything"])).status_code == 404


def test_healthz_says_degraded_when_beat_is_late(client, db):
    body = client.get(reverse("healthz")).json()
    assert (body["beat"], body["beat_last_run"], body["status"]) == ("late", None, "degraded")
    Heartbeat.objects.create(name=reminders.DISPATCH_HEARTBEAT, last_run_at=timezone.now() - timedelta(minutes=6))
    assert client.get(reverse("healthz")).json()["beat"] == "late"
    reminders.dispatch_due_reminders()
    body = client.get(reverse("healthz")).json()
    assert body["beat"] == "ok"
    assert body["status"] == ("ok" if body["broker"] == "ok" else "degraded")


@pytest.mark.parametrize("size", [1, 6])
def test_meeting_pages_make_a_fixed_number_of_queries(
    client, learning_set, facilitator, member, size, django_assert_max_num_queries
):
    meetings = [
        MeetingFactory(learning_set=learning_set, starts_at=NOW + timedelta(days=7 * (n + 1))) for n in range(size)
    ]
    for _ in range(size):
        person = SetMembershipFactory(learning_set=learning_set).user
        Attendance.objects.create(meeting=meetings[0], user=person, rsvp="yes")
    client.force_login(facilitator)
    with django_assert_max_num_queries(9):
        assert client.get(reverse("meetings:detail", args=[meetings[0].pk])).status_code == 200
    with django_assert_max_num_queries(7):
        assert client.get(reverse("meetings:set-meetings", args=[learning_set.pk])).status_code == 200
    with django_assert_max_num_queries(5):
        assert client.get(reverse("meetings:my-upcoming")).status_code == 200


def test_dates_in_forms_are_the_sets_local_dates(client, learning_set, facilitator):
    learning_set.timezone = "Pacific/Auckland"
    learning_set.save(update_fields=["timezone"])
    meeting = MeetingFactory(learning_set=learning_set, starts_at=datetime(2027, 3, 16, 20, 0, tzinfo=UTC))
    client.force_login(facilitator)
    form = client.get(reverse("meetings:edit", args=[meeting.pk])).context["form"]
    assert form["date"].value() == date(2027, 3, 17)  # 09:00 the next morning in Auckland
