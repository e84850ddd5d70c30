"""Rotating facilitation during the meeting: the person running it hands the controls on at any point and the
set's facilitator takes them back; a presenter who runs the meeting chooses who runs their slot; every screen
says who is running the meeting now."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from core.errors import ServiceError
from meetings import live
from meetings.models import AirtimeSlot, Meeting
from tests.factories import MeetingFactory, SetMembershipFactory


@pytest.fixture
def meeting(learning_set, facilitator, member):
    meeting = MeetingFactory(learning_set=learning_set, starts_at=timezone.now() + timedelta(minutes=5))
    live.add_slot(meeting=meeting, presenter=member, by=facilitator, issue_title="Handing over between shifts")
    return meeting


@pytest.fixture
def runner(learning_set):
    return SetMembershipFactory(learning_set=learning_set, user__full_name="Rae Runner").user


def move(meeting, by, *controls):
    for control in controls:
        current = Meeting.objects.get(pk=meeting.pk)
        live.control_meeting(meeting_id=meeting.pk, by=by, control=control, version=current.version)
    return Meeting.objects.get(pk=meeting.pk)


def press(client, meeting, control):
    version = Meeting.objects.get(pk=meeting.pk).version
    return client.post(reverse("meetings:live-control", args=[meeting.pk]), {"control": control, "version": version})


def agenda(client, meeting, **data):
    return client.post(reverse("meetings:agenda", args=[meeting.pk]), data)


def room(client, meeting):
    return client.get(reverse("meetings:live", args=[meeting.pk])).content.decode()


def test_the_controls_are_handed_over_during_the_meeting_and_taken_back(client, meeting, facilitator, member, runner):
    move(meeting, facilitator, "start")
    client.force_login(runner)
    assert press(client, meeting, "next").status_code == 403
    client.force_login(facilitator)
    agenda(client, meeting, action="hand-over", facilitator=runner.pk)
    assert Meeting.objects.get(pk=meeting.pk).facilitator == runner
    client.force_login(runner)  # the member handed to is told, and can press Next
    assert "You are running the meeting now." in room(client, meeting)
    assert press(client, meeting, "next").status_code == 302
    assert Meeting.objects.get(pk=meeting.pk).step_index == 1
    client.force_login(member)  # everyone else's screen says who runs it
    page = room(client, meeting)
    assert "Running the meeting now: <strong>Rae Runner</strong>" in page and "Next step" not in page
    client.force_login(facilitator)  # and takes it back
    assert "Running the meeting now: <strong>Rae Runner</strong>" in room(client, meeting)
    agenda(client, meeting, action="hand-over", facilitator="")
    client.force_login(runner)
    assert press(client, meeting, "next").status_code == 403
    assert "Running the meeting now: the set's facilitator" in room(client, meeting)


def test_a_member_running_the_meeting_hands_it_on_and_loses_the_controls(
    client, meeting, learning_set, facilitator, runner
):
    other = SetMembershipFactory(learning_set=learning_set, user__full_name="Ola Other").user
    current = move(meeting, facilitator, "start")
    live.hand_over(meeting=current, to=runner, by=facilitator)
    client.force_login(runner)
    agenda(client, meeting, action="hand-over", facilitator=other.pk)
    assert Meeting.objects.get(pk=meeting.pk).facilitator == other
    assert press(client, meeting, "next").status_code == 403
    client.force_login(other)
    assert press(client, meeting, "next").status_code == 302


def test_when_the_runner_presents_their_slot_is_run_by_whoever_they_chose(
    client, meeting, learning_set, facilitator, member, runner
):
    chosen = SetMembershipFactory(learning_set=learning_set, user__full_name="Cleo Chosen").user
    live.hand_over(meeting=meeting, to=runner, by=facilitator)
    live.add_slot(meeting=meeting, presenter=runner, by=facilitator, issue_title="My own rota")
    runners_slot = AirtimeSlot.objects.get(meeting=meeting, presenter=runner)
    client.force_login(runner)
    assert "While you present, who runs your slot" in room(client, meeting)
    agenda(client, meeting, action="slot-runner", slot=runners_slot.pk, facilitator=chosen.pk)
    assert AirtimeSlot.objects.get(pk=runners_slot.pk).run_by == chosen
    move(meeting, runner, "start", "next", "next", "next")  # check-in, then Milo's three steps
    client.force_login(chosen)
    assert press(client, meeting, "next").status_code == 403  # not yet: Milo's slot is the runner's
    move(meeting, runner, "next")  # the runner's presentation
    assert Meeting.objects.get(pk=meeting.pk).slot_runner == chosen
    assert "You are running the meeting now." in room(client, meeting)
    client.force_login(member)
    assert "Running the meeting now: <strong>Cleo Chosen</strong>" in room(client, meeting)
    client.force_login(chosen)
    for _ in range(3):  # presentation -> questioning -> commitments -> reflection, all by the chosen one
        assert press(client, meeting, "next").status_code == 302
    current = Meeting.objects.get(pk=meeting.pk)
    assert (current.step_index, current.slot_runner) == (7, None)  # the reflection: the controls came back
    assert press(client, meeting, "next").status_code == 403
    client.force_login(runner)
    assert "You are running the meeting now." in room(client, meeting)


def test_a_slot_runner_chosen_during_the_slot_takes_over_at_once(meeting, facilitator, member, runner):
    current = move(meeting, facilitator, "start", "next")  # Milo presents
    slot = AirtimeSlot.objects.get(meeting=meeting)
    live.choose_slot_runner(slot=slot, to=runner, by=facilitator)
    assert Meeting.objects.get(pk=current.pk).slot_runner == runner
    live.choose_slot_runner(slot=slot, to=None, by=facilitator)
    assert Meeting.objects.get(pk=current.pk).slot_runner is None


def test_hand_over_and_slot_runners_are_for_people_in_the_set_and_open_meetings(
    client, meeting, learning_set, facilitator, member, outsider
):
    slot = AirtimeSlot.objects.get(meeting=meeting)
    with pytest.raises(ServiceError, match="Only someone in the set"):
        live.hand_over(meeting=meeting, to=outsider, by=facilitator)
    with pytest.raises(ServiceError, match="Only someone in the set"):
        live.choose_slot_runner(slot=slot, to=outsider, by=facilitator)
    client.force_login(member)  # not running the meeting
    assert agenda(client, meeting, action="slot-runner", slot=slot.pk, facilitator=member.pk).status_code == 403
    ended = move(meeting, facilitator, "start", "end")
    with pytest.raises(ServiceError, match="over"):
        live.hand_over(meeting=ended, to=member, by=facilitator)
    with pytest.raises(ServiceError, match="over"):
        live.choose_slot_runner(slot=AirtimeSlot.objects.get(pk=slot.pk), to=member, by=facilitator)
