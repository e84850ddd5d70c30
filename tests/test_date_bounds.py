"""Bounds on every date a person types (core/dates.py), on every path that takes one: an action's due date (the
live room, adding and editing one's own), a set's term end (creating a set, editing its contract), a meeting's
date and a series' last date (scheduling, rescheduling) and a report's range (the page and the CSV). Each path
refuses 0001-01-01 and 9999-12-31 with a message for the person and saves nothing; some used to save them, some
used to fail with a 500."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from core.errors import ServiceError
from meetings import live, recording
from meetings.models import Action, Meeting
from sets.models import LearningSet, SetMembership
from tests.factories import ActionFactory, LearningSetFactory, MeetingFactory, SetMembershipFactory
from tests.sets.test_views import form_data

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 30, 12, 0, tzinfo=UTC)  # 1 July, 02:00 at UTC+14 (Pacific/Kiritimati)
TODAY = date(2026, 6, 30)
FIVE_YEARS = date(2031, 6, 30)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def page(response) -> str:
    return response.content.decode().replace("&#x27;", "'")


# --- an action's due date -------------------------------------------------------------------------------------


@pytest.fixture
def commitments(learning_set, facilitator, member):
    """A live meeting at its presenter's action commitments."""
    meeting = MeetingFactory(learning_set=learning_set, starts_at=timezone.now())
    slot = live.add_slot(meeting=meeting, presenter=member, by=facilitator, issue_title="Handovers")
    for name in ("start", "next", "next", "next"):  # check-in, presentation, questioning, commitments
        meeting.refresh_from_db()
        live.control_meeting(meeting_id=meeting.pk, by=facilitator, control=name, version=meeting.version)
    return meeting, slot


@pytest.mark.parametrize(
    ("due_on", "message"),
    [
        ("0001-01-01", "The due date is in the past. Choose today or a later day."),
        ("2026-06-29", "The due date is in the past. Choose today or a later day."),
        ("2031-07-01", "The due date is too far ahead. Choose a day up to 30 Jun 2031 (within five years)."),
        ("9999-12-31", "The due date is too far ahead."),
    ],
)
def test_the_live_room_refuses_a_due_date_out_of_bounds(client, commitments, facilitator, due_on, message):
    meeting, slot = commitments
    client.force_login(facilitator)
    response = client.post(
        reverse("meetings:live-record", args=[meeting.pk]),
        {"kind": "action", "slot": slot.pk, "text": "Talk to the night team", "due_on": due_on, "form_token": "t1"},
        follow=True,
    )
    assert response.status_code == 200
    assert message in page(response)
    assert not Action.objects.exists()


def test_the_live_room_takes_today_and_five_years_ahead(client, commitments, facilitator, member):
    meeting, slot = commitments
    client.force_login(facilitator)
    for token, due_on in (("t1", TODAY), ("t2", FIVE_YEARS)):
        client.post(
            reverse("meetings:live-record", args=[meeting.pk]),
            {"kind": "action", "slot": slot.pk, "text": "Act", "due_on": due_on.isoformat(), "form_token": token},
        )
    assert sorted(Action.objects.values_list("due_on", flat=True)) == [TODAY, FIVE_YEARS]


def test_the_live_service_checks_the_due_date_whatever_calls_it(commitments, member):
    meeting, slot = commitments
    slot.meeting = Meeting.objects.get(pk=meeting.pk)
    with pytest.raises(ServiceError, match="too far ahead"):
        recording.commit_action(slot=slot, by=member, facilitating=False, text="Act", due_on=date(9999, 12, 31))
    assert not Action.objects.exists()


@pytest.mark.parametrize(
    ("due_on", "message"),
    [
        ("0001-01-01", "The due date is in the past."),
        ("2031-07-01", "The due date is too far ahead. Choose a day up to 30 Jun 2031"),
        ("9999-12-31", "The due date is too far ahead."),
    ],
)
def test_adding_and_editing_an_action_refuse_a_due_date_out_of_bounds(client, learning_set, member, due_on, message):
    client.force_login(member)
    response = client.post(
        reverse("meetings:action-new"), {"learning_set": learning_set.pk, "text": "Ask HR", "due_on": due_on}
    )
    assert message in page(response)
    assert not Action.objects.exists()
    action = ActionFactory(owner=member, learning_set=learning_set, text="Kept", due_on=TODAY)
    response = client.post(reverse("meetings:action-edit", args=[action.pk]), {"text": "Changed", "due_on": due_on})
    assert message in page(response)
    action.refresh_from_db()
    assert (action.text, action.due_on) == ("Kept", TODAY)


def test_today_is_the_persons_own_today(client, learning_set, member):
    # At 12:00 UTC on 30 June it is already 1 July at UTC+14: 30 June is in the past there, not in UTC.
    member.timezone = "Pacific/Kiritimati"
    member.save(update_fields=["timezone"])
    client.force_login(member)
    url = reverse("meetings:action-new")
    response = client.post(url, {"learning_set": learning_set.pk, "text": "Ask HR", "due_on": "2026-06-30"})
    assert "The due date is in the past." in page(response)
    client.post(url, {"learning_set": learning_set.pk, "text": "Ask HR", "due_on": "2026-07-01"})
    assert Action.objects.get().due_on == date(2026, 7, 1)


# --- a set's term end -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("term_ends_on", "message"),
    [
        ("0001-01-01", "The term's end date is in the past. Choose today or a later day."),
        ("2026-06-29", "The term's end date is in the past."),
        ("2031-07-01", "The term's end date is too far ahead. Choose a day up to 30 Jun 2031 (within five years)."),
        ("9999-12-31", "The term's end date is too far ahead."),
    ],
)
def test_creating_a_set_and_editing_its_contract_refuse_a_term_end_out_of_bounds(
    client, organisation, admin, learning_set, facilitator, term_ends_on, message
):
    client.force_login(admin)
    create = reverse("sets:create", args=[organisation.slug])
    data = form_data(client.get(create)) | {"name": "Pilots", "term_ends_on": term_ends_on}
    response = client.post(create, data)
    assert response.status_code == 200 and message in page(response)
    assert not LearningSet.objects.filter(name="Pilots").exists()

    client.force_login(facilitator)
    contract = reverse("sets:contract", args=[learning_set.pk])
    response = client.post(contract, form_data(client.get(contract)) | {"term_ends_on": term_ends_on})
    assert response.status_code == 200 and message in page(response)
    learning_set.refresh_from_db()
    assert (learning_set.term_ends_on, learning_set.contract_version) == (None, 1)


def test_a_term_end_that_has_passed_may_stay_when_the_contract_changes(client, learning_set, facilitator):
    LearningSet.objects.filter(pk=learning_set.pk).update(term_ends_on=date(2026, 5, 1))
    client.force_login(facilitator)
    contract = reverse("sets:contract", args=[learning_set.pk])
    response = client.post(contract, form_data(client.get(contract)) | {"quorum": "4"})
    assert response.status_code == 302
    learning_set.refresh_from_db()
    assert (learning_set.term_ends_on, learning_set.quorum) == (date(2026, 5, 1), 4)
    client.post(contract, form_data(client.get(contract)) | {"term_ends_on": FIVE_YEARS.isoformat()})
    learning_set.refresh_from_db()
    assert learning_set.term_ends_on == FIVE_YEARS


# --- a meeting's date ---------------------------------------------------------------------------------------------


def schedule_data(**changes) -> dict:
    return {
        "date": "2026-07-14",
        "time": "09:30",
        "duration_minutes": "150",
        "place": "Room 4",
        "video_link": "",
        "repeat": "",
        "interval_weeks": "",
        "count": "",
        "until": "",
        "scope": "one",
    } | changes


@pytest.mark.parametrize(
    ("zone", "changes", "message"),
    [
        # 00:30 on 1 January of the year 1 in Tokyo is before the first instant Python can hold in UTC: a 500.
        ("Asia/Tokyo", {"date": "0001-01-01", "time": "00:30"}, "That day is in the past"),
        # 23:30 on 31 December 9999 in Los Angeles is after the last one: a 500 too.
        ("America/Los_Angeles", {"date": "9999-12-31", "time": "23:30"}, "That day is too far ahead."),
        ("UTC", {"date": "2031-07-01"}, "That day is too far ahead. Choose a day up to 30 Jun 2031"),
        ("UTC", {"repeat": "weekly", "until": "9999-12-31"}, "That day is too far ahead."),
    ],
)
def test_scheduling_and_rescheduling_refuse_a_date_out_of_bounds(client, organisation, zone, changes, message):
    learning_set = LearningSetFactory(organisation=organisation, timezone=zone)
    facilitator = SetMembershipFactory(learning_set=learning_set, role=SetMembership.Role.FACILITATOR).user
    client.force_login(facilitator)
    response = client.post(reverse("meetings:schedule", args=[learning_set.pk]), schedule_data(**changes))
    assert response.status_code == 200 and message in page(response)
    assert not Meeting.objects.exists()
    if "until" in changes:
        return  # a meeting has no "until"
    meeting = MeetingFactory(learning_set=learning_set, starts_at=NOW + timedelta(days=7))
    response = client.post(reverse("meetings:edit", args=[meeting.pk]), schedule_data(**changes))
    assert response.status_code == 200 and message in page(response)
    assert Meeting.objects.get().starts_at == NOW + timedelta(days=7)


def test_a_meeting_five_years_ahead_is_scheduled(client, learning_set, facilitator):
    client.force_login(facilitator)
    client.post(reverse("meetings:schedule", args=[learning_set.pk]), schedule_data(date=FIVE_YEARS.isoformat()))
    assert timezone.localdate(Meeting.objects.get().starts_at) == FIVE_YEARS


# --- a report's range ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["reports:report", "reports:report-csv"])
@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        # The day after 31 December 9999, where the range ends, cannot be held: a 500.
        ("9999-12-01", "9999-12-31", "Choose a day up to 30 Jun 2031 (a report goes five years ahead at most)."),
        ("0001-01-01", "0001-12-31", "Choose a day from 30 Jun 2006 on (a report goes back 20 years at most)."),
    ],
)
def test_a_report_refuses_a_range_out_of_bounds(client, organisation, admin, name, start, end, message):
    organisation.timezone = "Asia/Tokyo"
    organisation.save(update_fields=["timezone"])
    client.force_login(admin)
    response = client.get(reverse(name, args=[organisation.slug]), {"start": start, "end": end})
    assert response.status_code == 400
    assert message in page(response)
