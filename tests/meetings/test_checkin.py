"""Check-in: last time's actions reviewed with their status, who is here, who sent apologies, who is missing; and
the meeting's record of present, apologies and absent."""

from datetime import date, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from meetings import live, recording, room
from meetings.models import Action, ActionUpdate, Attendance, Meeting
from tests.factories import MeetingFactory, SetMembershipFactory

NOTE = "Had the conversation; tense but useful"


@pytest.fixture
def meeting(learning_set, facilitator, member):
    meeting = MeetingFactory(learning_set=learning_set, starts_at=timezone.now() + timedelta(minutes=5))
    live.add_slot(meeting=meeting, presenter=member, by=facilitator, issue_title="Handing over between shifts")
    return meeting


def start(meeting, by):
    return live.control_meeting(meeting_id=meeting.pk, by=by, control="start", version=0)


def previous_meetings(learning_set, meeting):
    """An older ended meeting, and the previous one (ended two weeks before this one)."""
    older = MeetingFactory(learning_set=learning_set, starts_at=meeting.starts_at - timedelta(days=28), status="ended")
    previous = MeetingFactory(
        learning_set=learning_set, starts_at=meeting.starts_at - timedelta(days=14), status="ended"
    )
    return older, previous


def action(owner, learning_set, at, text, status=Action.Status.OPEN, **fields):
    found = Action.objects.create(
        owner=owner, learning_set=learning_set, meeting=at, text=text, status=status, **fields
    )
    if status != Action.Status.OPEN:
        found.completed_at = timezone.now() - timedelta(days=3)
        found.save(update_fields=["completed_at"])
    return found


def test_review_status_tells_done_dropped_overdue_and_open():
    day = date(2026, 3, 10)
    assert room.review_status(Action(status="done", due_on=date(2026, 3, 1)), day) == "done"
    assert room.review_status(Action(status="dropped"), day) == "dropped"
    assert room.review_status(Action(status="open", due_on=date(2026, 3, 9)), day) == "overdue"
    assert room.review_status(Action(status="open", due_on=day), day) == "open"  # due on the day: not yet late
    assert room.review_status(Action(status="open", due_on=None), day) == "open"


def test_check_in_reviews_every_action_of_the_previous_meeting_and_those_still_open(
    meeting, learning_set, facilitator, member
):
    older, previous = previous_meetings(learning_set, meeting)
    done = action(member, learning_set, previous, "Talk to the night team", Action.Status.DONE)
    ActionUpdate.objects.create(action=done, author=member, note="Booked it", status_after="in_progress")
    ActionUpdate.objects.create(
        action=done, author=member, note=NOTE, status_after="done", created_at=timezone.now() + timedelta(seconds=1)
    )
    dropped = action(member, learning_set, previous, "Rewrite the rota", Action.Status.DROPPED)
    late = action(facilitator, learning_set, previous, "Read the policy", due_on=date.today() - timedelta(days=1))
    still_open = action(member, learning_set, older, "Ask HR about cover")  # from before: still open
    old_done = action(member, learning_set, older, "OLD-DONE-ACTION", Action.Status.DONE)
    Action.objects.filter(pk=old_done.pk).update(completed_at=previous.starts_at - timedelta(days=1))  # before it
    own = action(member, learning_set, None, "Shadow a night shift", Action.Status.DONE)  # own, done since

    review = room.actions_to_review(meeting)
    assert {a.text: a.review_status for a in review[member.pk]} == {
        "Talk to the night team": "done",
        "Rewrite the rota": "dropped",
        "Ask HR about cover": "open",
        "Shadow a night shift": "done",
    }
    assert [a.review_status for a in review[facilitator.pk]] == ["overdue"]
    assert next(a for a in review[member.pk] if a.pk == done.pk).latest_update.note == NOTE
    assert {done.pk, dropped.pk, late.pk, still_open.pk, own.pk} == {a.pk for each in review.values() for a in each}

    start(meeting, facilitator)
    page = client_page(meeting, member)
    assert NOTE in page and "Talk to the night team" in page and "Done" in page
    assert "Dropped" in page and "Overdue" in page and "OLD-DONE-ACTION" not in page


def client_page(meeting, user):
    client = Client()
    client.force_login(user)
    return client.get(reverse("meetings:live", args=[meeting.pk])).content.decode()


def test_an_action_committed_in_this_meeting_is_not_reviewed_at_its_check_in(meeting, learning_set, member):
    action(member, learning_set, meeting, "THIS-MEETING-ACTION")
    assert room.actions_to_review(meeting) == {}


def test_check_in_shows_who_is_here_who_sent_apologies_and_who_is_missing(
    client, meeting, learning_set, facilitator, member
):
    away = SetMembershipFactory(learning_set=learning_set, user__full_name="Abe Away").user
    SetMembershipFactory(learning_set=learning_set, user__full_name="Mia Missing")
    Attendance.objects.create(meeting=meeting, user=away, rsvp="apologies", note="APOLOGY-NOTE-MARKER")
    start(meeting, facilitator)
    recording.mark_present(meeting=Meeting.objects.get(pk=meeting.pk), user=member, present=True, by=facilitator)
    found = room.checkin(Meeting.objects.get(pk=meeting.pk), member)
    assert found["presence_counts"] == {"here": 1, "apologies": 1, "missing": 2}
    assert {m.user.full_name: m.presence for m in found["people"]} == {
        "Fay Facilitator": "missing",
        "Milo Member": "here",
        "Abe Away": "apologies",
        "Mia Missing": "missing",
    }
    client.force_login(member)
    page = client.get(reverse("meetings:live", args=[meeting.pk])).content.decode()
    assert "1 here · 1 sent apologies · 2 not here yet" in page and "Sent apologies" in page
    assert "APOLOGY-NOTE-MARKER" not in page  # the note is for the facilitator
    client.force_login(facilitator)
    assert "APOLOGY-NOTE-MARKER" in client.get(reverse("meetings:live", args=[meeting.pk])).content.decode()


def test_the_record_lists_present_apologies_and_absent(client, meeting, learning_set, facilitator, member):
    away = SetMembershipFactory(learning_set=learning_set, user__full_name="Abe Away").user
    SetMembershipFactory(learning_set=learning_set, user__full_name="Mia Missing")
    Attendance.objects.create(meeting=meeting, user=away, rsvp="apologies")
    start(meeting, facilitator)
    current = Meeting.objects.get(pk=meeting.pk)
    recording.mark_present(meeting=current, user=member, present=True, by=facilitator)
    live.control_meeting(meeting_id=meeting.pk, by=facilitator, control="end", version=1)
    found = room.attendance_record(Meeting.objects.get(pk=meeting.pk))
    names = {key: [person.full_name for person in people] for key, people in found.items()}
    assert names == {
        "present": ["Milo Member"],
        "apologies": ["Abe Away"],
        "absent": ["Fay Facilitator", "Mia Missing"],
    }
    client.force_login(member)
    page = client.get(reverse("meetings:record", args=[meeting.pk])).content.decode()
    assert "Apologies" in page and "Absent" in page and "Mia Missing" in page


@pytest.mark.parametrize("size", [1, 6])
def test_check_in_with_last_times_actions_makes_a_fixed_number_of_queries(
    client, learning_set, facilitator, size, django_assert_max_num_queries
):
    meeting = MeetingFactory(learning_set=learning_set, starts_at=timezone.now())
    _older, previous = previous_meetings(learning_set, meeting)
    for n in range(size):
        person = SetMembershipFactory(learning_set=learning_set).user
        Attendance.objects.create(meeting=meeting, user=person, rsvp="apologies" if n % 2 else "yes")
        for status in ("open", "done", "dropped"):
            each = action(person, learning_set, previous, f"Action {n} {status}", status)
            ActionUpdate.objects.create(action=each, author=person, note="progress", status_after="in_progress")
    start(meeting, facilitator)
    client.force_login(facilitator)
    url = reverse("meetings:live", args=[meeting.pk])
    client.get(url)
    with django_assert_max_num_queries(9):  # as before the review: people, attendance, actions, their updates
        page = client.get(url)
    assert page.content.decode().count("progress") >= 3 * size
    live.control_meeting(meeting_id=meeting.pk, by=facilitator, control="end", version=1)
    with django_assert_max_num_queries(11):  # as before: the attendance record is one query
        assert client.get(reverse("meetings:record", args=[meeting.pk])).status_code == 200


def post(client, meeting, **data):
    return client.post(reverse("meetings:live-record", args=[meeting.pk]), data)


def test_a_member_says_im_here_for_themselves_only(client, meeting, learning_set, facilitator, member):
    other = SetMembershipFactory(learning_set=learning_set).user
    start(meeting, facilitator)
    client.force_login(member)
    page = client.get(reverse("meetings:live", args=[meeting.pk])).content.decode()
    assert page.count("I'm here") == 1  # their own row only
    before = Meeting.objects.get(pk=meeting.pk).revision
    assert post(client, meeting, kind="here", user=other.pk).status_code == 302  # `user` is ignored
    mine = Attendance.objects.get(meeting=meeting, user=member)
    assert mine.present and mine.checked_in_at is not None
    assert not Attendance.objects.filter(meeting=meeting, user=other).exists()
    assert Meeting.objects.get(pk=meeting.pk).revision == before + 1
    post(client, meeting, kind="here")  # again: the first time is kept
    assert Attendance.objects.get(meeting=meeting, user=member).checked_in_at == mine.checked_in_at
    # Marking someone else, or everyone, is for the person running the meeting.
    assert post(client, meeting, kind="present", user=other.pk, present="1").status_code == 403
    assert post(client, meeting, kind="present_expected").status_code == 403
    # The facilitator corrects it.
    client.force_login(facilitator)
    post(client, meeting, kind="present", user=member.pk, present="0")
    assert Attendance.objects.get(meeting=meeting, user=member).present is False


def test_im_here_needs_a_running_meeting(client, meeting, member):
    client.force_login(member)
    response = client.post(reverse("meetings:live-record", args=[meeting.pk]), {"kind": "here"}, follow=True)
    assert "not running" in response.content.decode()
    assert not Attendance.objects.filter(present=True).exists()


def test_everyone_who_said_they_would_come_is_marked_here_in_one_click(
    client, meeting, learning_set, facilitator, member
):
    coming = SetMembershipFactory(learning_set=learning_set).user
    away = SetMembershipFactory(learning_set=learning_set).user
    gone = SetMembershipFactory(learning_set=learning_set)
    for person, rsvp in ((member, "yes"), (coming, "yes"), (away, "apologies"), (gone.user, "yes")):
        Attendance.objects.create(meeting=meeting, user=person, rsvp=rsvp)
    gone.left_at = timezone.now()
    gone.save(update_fields=["left_at"])
    start(meeting, facilitator)
    client.force_login(member)
    post(client, meeting, kind="here")
    early = Attendance.objects.get(meeting=meeting, user=member).checked_in_at
    client.force_login(facilitator)
    page = client.get(reverse("meetings:live", args=[meeting.pk])).content.decode()
    assert "Mark the 1 person who said they'd come as here" in page
    post(client, meeting, kind="present_expected")
    present = set(Attendance.objects.filter(meeting=meeting, present=True).values_list("user_id", flat=True))
    assert present == {member.pk, coming.pk}  # not the apologies, not someone who has left the set
    assert Attendance.objects.get(meeting=meeting, user=member).checked_in_at == early
    assert recording.mark_expected_present(meeting=Meeting.objects.get(pk=meeting.pk), by=facilitator) == 0


def test_a_late_arrival_says_im_here_from_any_step(client, meeting, facilitator, member):
    start(meeting, facilitator)
    live.control_meeting(meeting_id=meeting.pk, by=facilitator, control="next", version=1)
    client.force_login(member)
    url = reverse("meetings:live", args=[meeting.pk])
    assert "Arrived late?" in client.get(url).content.decode()
    post(client, meeting, kind="here")
    assert "Arrived late?" not in client.get(url).content.decode()
