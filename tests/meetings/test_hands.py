"""Raise a hand in questioning: a queue everyone sees in order, lowered by its owner, cleared (one or all) by the
person running the meeting, and lowered when the step moves on."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from core.errors import ServiceError
from meetings import live, recording
from meetings.models import Meeting, RaisedHand
from tests.factories import MeetingFactory, SetMembershipFactory


@pytest.fixture
def meeting(learning_set, facilitator, member):
    meeting = MeetingFactory(learning_set=learning_set, starts_at=timezone.now() + timedelta(minutes=5))
    live.add_slot(meeting=meeting, presenter=member, by=facilitator, issue_title="Handing over between shifts")
    return meeting


def move(meeting, by, *controls):
    for control in controls:
        current = Meeting.objects.get(pk=meeting.pk)
        live.control_meeting(meeting_id=meeting.pk, by=by, control=control, version=current.version)
    return Meeting.objects.get(pk=meeting.pk)


def hand(client, meeting, **data):
    return client.post(reverse("meetings:live-record", args=[meeting.pk]), data, follow=True)


def queue(meeting):
    return list(RaisedHand.objects.filter(meeting=meeting, cleared_at=None).values_list("user__full_name", flat=True))


def test_hands_are_raised_in_questioning_only_and_queue_in_order(client, meeting, learning_set, facilitator):
    first = SetMembershipFactory(learning_set=learning_set, user__full_name="Ann First").user
    second = SetMembershipFactory(learning_set=learning_set, user__full_name="Bo Second").user
    current = move(meeting, facilitator, "start", "next")  # presentation
    with pytest.raises(ServiceError, match="during questioning"):
        recording.raise_hand(meeting=current, by=first)
    current = move(meeting, facilitator, "next")  # questioning
    client.force_login(first)
    before = current.revision
    hand(client, meeting, kind="hand", raised="1")
    client.force_login(second)
    hand(client, meeting, kind="hand", raised="1")
    client.force_login(first)
    hand(client, meeting, kind="hand", raised="1")  # again: keeps the first place
    assert queue(meeting) == ["Ann First", "Bo Second"]
    assert Meeting.objects.get(pk=meeting.pk).revision == before + 2
    client.force_login(facilitator)
    workspace = client.get(reverse("meetings:live-workspace", args=[meeting.pk]), {"v": before}).content.decode()
    assert workspace.index("Ann First") < workspace.index("Bo Second")
    assert "Clear all hands" in workspace
    client.force_login(second)
    page = client.get(reverse("meetings:live", args=[meeting.pk])).content.decode()
    assert "Ann First" in page and "Lower my hand" in page and "Clear all hands" not in page


def test_a_member_lowers_only_their_own_hand_and_the_runner_clears_one_or_all(
    client, meeting, learning_set, facilitator
):
    first = SetMembershipFactory(learning_set=learning_set, user__full_name="Ann First").user
    second = SetMembershipFactory(learning_set=learning_set, user__full_name="Bo Second").user
    third = SetMembershipFactory(learning_set=learning_set, user__full_name="Cy Third").user
    current = move(meeting, facilitator, "start", "next", "next")
    for person in (first, second, third):
        recording.raise_hand(meeting=current, by=person)
    client.force_login(first)
    url = reverse("meetings:live-record", args=[meeting.pk])
    assert client.post(url, {"kind": "clear_hands", "user": second.pk}).status_code == 403
    assert client.post(url, {"kind": "clear_hands"}).status_code == 403
    hand(client, meeting, kind="hand", raised="0")
    assert queue(meeting) == ["Bo Second", "Cy Third"]
    client.force_login(facilitator)
    hand(client, meeting, kind="clear_hands", user=second.pk)
    assert queue(meeting) == ["Cy Third"]
    hand(client, meeting, kind="clear_hands")
    assert queue(meeting) == []


def test_the_presenter_being_questioned_raises_no_hand(client, meeting, facilitator, member):
    current = move(meeting, facilitator, "start", "next", "next")
    with pytest.raises(ServiceError, match="The questions are for you"):
        recording.raise_hand(meeting=current, by=member)
    client.force_login(member)
    assert "Raise my hand" not in client.get(reverse("meetings:live", args=[meeting.pk])).content.decode()


def test_hands_are_lowered_when_the_step_moves_on_and_not_by_the_clock(meeting, learning_set, facilitator):
    asker = SetMembershipFactory(learning_set=learning_set).user
    current = move(meeting, facilitator, "start", "next", "next")
    recording.raise_hand(meeting=current, by=asker)
    move(meeting, facilitator, "extend", "pause", "resume")
    assert RaisedHand.objects.filter(cleared_at=None).count() == 1
    move(meeting, facilitator, "next")
    assert RaisedHand.objects.filter(cleared_at=None).count() == 0


def test_only_people_in_the_set_raise_a_hand(client, meeting, learning_set, facilitator, admin, outsider):
    current = move(meeting, facilitator, "start", "next", "next")
    gone = SetMembershipFactory(learning_set=learning_set)
    gone.left_at = timezone.now()
    gone.save(update_fields=["left_at"])
    with pytest.raises(ServiceError, match="Only people in the set"):
        recording.raise_hand(meeting=current, by=gone.user)
    url = reverse("meetings:live-record", args=[meeting.pk])
    client.force_login(admin)
    assert client.post(url, {"kind": "hand", "raised": "1"}).status_code == 403
    client.force_login(outsider)
    assert client.post(url, {"kind": "hand", "raised": "1"}).status_code == 404
    assert not RaisedHand.objects.exists()
