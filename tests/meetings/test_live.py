"""The live meeting: agenda, controls through the service (versioned), the polled state endpoint."""

import threading
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.core.cache import cache
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from core import outbox
from core.errors import ServiceError
from core.models import OutboxMessage
from meetings import live, recording, summary
from meetings.live_version import LIVE_ROOMS, version_cache_key
from meetings.models import (
    Action,
    ActionUpdate,
    AirtimeSlot,
    Attendance,
    Meeting,
    MeetingEvent,
    ProcessRating,
    Question,
    Reflection,
)
from sets.models import LearningSet, SetMembership
from tests.factories import ActionFactory, MeetingFactory, SetMembershipFactory


@pytest.fixture
def meeting(learning_set, facilitator, member):
    meeting = MeetingFactory(learning_set=learning_set, starts_at=timezone.now() + timedelta(minutes=5))
    live.add_slot(meeting=meeting, presenter=member, by=facilitator, issue_title="Handing over between shifts")
    return meeting


def control(meeting, by, name):
    meeting.refresh_from_db()
    return live.control_meeting(meeting_id=meeting.pk, by=by, control=name, version=meeting.version)


def test_a_one_presenter_meeting_walks_through_every_step(meeting, facilitator):
    keys = []
    control(meeting, facilitator, "start")
    for _ in range(5):
        control(meeting, facilitator, "next")
    keys = list(MeetingEvent.objects.filter(meeting=meeting).values_list("kind", "step"))
    assert keys == [
        ("start", "checkin"),
        ("next", "presentation:0"),
        ("next", "questioning:0"),
        ("next", "commitments:0"),
        ("next", "reflection"),
        ("next", "ended"),
    ]
    meeting.refresh_from_db()
    assert (meeting.status, meeting.version) == ("ended", 6)
    assert meeting.ended_at is not None


def test_a_stale_click_is_refused_and_changes_nothing(meeting, facilitator):
    control(meeting, facilitator, "start")
    with pytest.raises(live.StaleVersion):
        live.control_meeting(meeting_id=meeting.pk, by=facilitator, control="next", version=0)
    meeting.refresh_from_db()
    assert (meeting.step_index, meeting.version, MeetingEvent.objects.count()) == (0, 1, 1)


def test_controls_that_do_not_apply_are_refused(meeting, facilitator):
    with pytest.raises(ServiceError, match="not running"):
        live.control_meeting(meeting_id=meeting.pk, by=facilitator, control="next", version=0)
    with pytest.raises(ServiceError, match="Unknown"):
        live.control_meeting(meeting_id=meeting.pk, by=facilitator, control="jump", version=0)
    control(meeting, facilitator, "start")
    with pytest.raises(ServiceError):
        control(meeting, facilitator, "back")
    with pytest.raises(ServiceError, match="fixed"):
        live.add_slot(meeting=Meeting.objects.get(pk=meeting.pk), presenter=facilitator, by=facilitator)


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_next_clicks_advance_once(learning_set, facilitator, member):
    meeting = MeetingFactory(learning_set=learning_set, starts_at=timezone.now())
    live.control_meeting(meeting_id=meeting.pk, by=facilitator, control="start", version=0)
    barrier = threading.Barrier(2)
    outcomes = []

    def click():
        try:
            barrier.wait()
            live.control_meeting(meeting_id=meeting.pk, by=facilitator, control="next", version=1)
            outcomes.append("advanced")
        except live.StaleVersion:
            outcomes.append("stale")
        finally:
            connection.close()

    threads = [threading.Thread(target=click) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["advanced", "stale"]
    meeting.refresh_from_db()
    assert (meeting.step_index, meeting.version) == (1, 2)
    assert MeetingEvent.objects.filter(kind="next").count() == 1


def test_agenda_order_can_be_changed_before_the_meeting(meeting, learning_set, facilitator, member):
    other = SetMembershipFactory(learning_set=learning_set).user
    live.add_slot(meeting=meeting, presenter=other, by=facilitator)
    with pytest.raises(ServiceError, match="already has a slot"):
        live.add_slot(meeting=meeting, presenter=member, by=facilitator)
    second = meeting.slots.get(presenter=other)
    live.move_slot(slot=second, by=facilitator, earlier=True)
    assert [s.presenter for s in meeting.slots.all()] == [other, member]


def test_the_state_endpoint_answers_304_in_two_queries_while_nothing_changed(
    client, meeting, member, facilitator, django_assert_max_num_queries
):
    control(meeting, facilitator, "start")
    client.force_login(member)
    url = reverse("meetings:live-state", args=[meeting.pk])
    client.get(url)  # warms the session cache
    with django_assert_max_num_queries(2):
        response = client.get(url, {"v": "1"})
    assert response.status_code == 304
    control(meeting, facilitator, "next")
    response = client.get(url, {"v": "1"})
    content = response.content.decode()
    assert response.status_code == 200
    assert "Issue presentation" in content and "Handing over between shifts" in content
    assert "<html" not in content
    assert f"?v={meeting.version + 1}" in content or "?v=2" in content


def test_members_follow_and_only_the_facilitator_has_controls(client, meeting, member, facilitator, admin):
    control(meeting, facilitator, "start")
    control(meeting, facilitator, "next")
    control(meeting, facilitator, "next")
    client.force_login(member)
    content = client.get(reverse("meetings:live", args=[meeting.pk])).content.decode()
    assert "Questioning" in content and "Open questions only" in content
    assert "Next step" not in content
    client.force_login(facilitator)
    assert "Next step" in client.get(reverse("meetings:live", args=[meeting.pk])).content.decode()
    client.force_login(admin)
    assert client.get(reverse("meetings:live", args=[meeting.pk])).status_code == 403


def test_a_stale_click_from_the_page_shows_a_message(client, meeting, facilitator):
    client.force_login(facilitator)
    url = reverse("meetings:live-control", args=[meeting.pk])
    client.post(url, {"control": "start", "version": "0"})
    response = client.post(url, {"control": "next", "version": "0"}, follow=True)
    assert "already moved on" in response.content.decode()
    assert Meeting.objects.get(pk=meeting.pk).step_index == 0


def record(client, meeting, **data):
    return client.post(reverse("meetings:live-record", args=[meeting.pk]), data, follow=True)


def test_the_meeting_is_recorded_as_it_runs(client, meeting, learning_set, facilitator, member):

    later = MeetingFactory(learning_set=learning_set, starts_at=meeting.starts_at + timedelta(days=28))
    control(meeting, facilitator, "start")
    client.force_login(facilitator)
    record(client, meeting, kind="present", user=member.pk, present="1")
    assert Attendance.objects.get(meeting=meeting, user=member).present is True
    client.force_login(member)
    record(client, meeting, kind="checkin", note="Tired but here")
    assert "Tired but here" in client.get(reverse("meetings:live", args=[meeting.pk])).content.decode()
    control(meeting, facilitator, "next")  # presentation
    slot = meeting.slots.get()
    record(client, meeting, kind="issue", slot=slot.pk, title="Shift handovers", summary="ISSUE-SUMMARY-MARKER")
    assert slot.issue.__class__.objects.get(pk=slot.issue_id).summary == "ISSUE-SUMMARY-MARKER"
    control(meeting, facilitator, "next")  # questioning
    control(meeting, facilitator, "next")  # commitments
    client.force_login(facilitator)  # the facilitator types it for the presenter
    record(client, meeting, kind="action", slot=slot.pk, text="Talk to the night team")
    action = Action.objects.get(meeting=meeting)
    assert (action.owner, action.due_on) == (member, timezone.localdate(later.starts_at))
    control(meeting, facilitator, "next")  # reflection
    client.force_login(member)
    record(client, meeting, kind="reflection", about_self="PRIVATE-REFLECTION-MARKER")
    record(client, meeting, kind="reflection", about_situation="SHARED-REFLECTION-MARKER", shared="on")
    record(client, meeting, kind="rating", rating="8", went_well="Listening")
    assert ProcessRating.objects.get(meeting=meeting, author=member).rating == 8
    assert Reflection.objects.filter(meeting=meeting).count() == 2
    control(meeting, facilitator, "end")

    own = client.get(reverse("meetings:record", args=[meeting.pk])).content.decode()
    assert "PRIVATE-REFLECTION-MARKER" in own and "SHARED-REFLECTION-MARKER" in own
    assert "Talk to the night team" in own and "Shift handovers" in own
    client.force_login(facilitator)
    theirs = client.get(reverse("meetings:record", args=[meeting.pk])).content.decode()
    assert "SHARED-REFLECTION-MARKER" in theirs
    assert "PRIVATE-REFLECTION-MARKER" not in theirs  # private to its author, even for the facilitator
    assert "rated its work together 8.0 out of 10" in theirs


def test_only_the_presenter_or_facilitator_writes_the_issue_and_actions(client, meeting, learning_set, facilitator):

    control(meeting, facilitator, "start")
    control(meeting, facilitator, "next")
    bystander = SetMembershipFactory(learning_set=learning_set).user
    client.force_login(bystander)
    slot = meeting.slots.get()
    response = client.post(
        reverse("meetings:live-record", args=[meeting.pk]), {"kind": "issue", "slot": slot.pk, "title": "Hijack"}
    )
    assert response.status_code == 403
    response = client.post(
        reverse("meetings:live-record", args=[meeting.pk]), {"kind": "present", "user": bystander.pk, "present": "1"}
    )
    assert response.status_code == 403
    assert Action.objects.count() == 0


def test_bad_input_in_the_room_is_refused_with_a_message(client, meeting, facilitator, member):
    control(meeting, facilitator, "start")
    client.force_login(member)
    for data, message in [
        ({"kind": "rating", "rating": "11"}, "Rate from 1 to 10."),
        ({"kind": "reflection"}, "Write at least one of the three."),
        ({"kind": "nonsense"}, "Nothing to record."),
    ]:
        assert message in record(client, meeting, **data).content.decode()


def test_the_workspace_answers_304_until_the_room_changes(client, meeting, facilitator, member):
    control(meeting, facilitator, "start")
    client.force_login(member)
    url = reverse("meetings:live-workspace", args=[meeting.pk])
    assert client.get(url, {"v": "1"}).status_code == 304
    control(meeting, facilitator, "extend")  # same step, but the room moved on (typing is kept by drafts.js)
    assert client.get(url, {"v": "1"}).status_code == 200
    assert client.get(url, {"v": "2"}).status_code == 304
    control(meeting, facilitator, "next")
    assert "Handing over between shifts" in client.get(url, {"v": "2"}).content.decode()


def test_a_question_captured_moves_the_revision_not_the_version_and_reaches_the_presenter(
    client, meeting, learning_set, facilitator, member, django_capture_on_commit_callbacks
):
    asker = SetMembershipFactory(learning_set=learning_set).user
    with django_capture_on_commit_callbacks(execute=True):
        control(meeting, facilitator, "start")
        control(meeting, facilitator, "next")
        control(meeting, facilitator, "next")  # questioning
    meeting.refresh_from_db()
    version, revision = meeting.version, meeting.revision
    client.force_login(member)  # the presenter follows the room
    client.get(reverse("meetings:live", args=[meeting.pk]))
    state = reverse("meetings:live-state", args=[meeting.pk])
    workspace = reverse("meetings:live-workspace", args=[meeting.pk])
    assert client.get(state, {"v": revision}).status_code == 304
    assert client.get(workspace, {"v": revision}).status_code == 304
    client.force_login(asker)
    with django_capture_on_commit_callbacks(execute=True):
        record(client, meeting, kind="question", slot=meeting.slots.get().pk, text="What have you tried so far?")
    meeting.refresh_from_db()
    assert (meeting.version, meeting.revision) == (version, revision + 1)
    assert cache.get(version_cache_key(meeting.pk)) == revision + 1  # the poll's shortcut moved on too
    client.force_login(member)
    client.get(reverse("meetings:live", args=[meeting.pk]))
    polled = client.get(state, {"v": revision})
    assert polled.status_code == 200 and "1 question captured" in polled.content.decode()
    assert f"?v={revision + 1}" in polled.content.decode()
    polled = client.get(workspace, {"v": revision})
    assert polled.status_code == 200 and "What have you tried so far?" in polled.content.decode()
    # The facilitator's "Next", clicked from the version before the question, is not stale.
    live.control_meeting(meeting_id=meeting.pk, by=facilitator, control="next", version=version)
    assert Meeting.objects.get(pk=meeting.pk).step_index == 3


def test_every_room_write_moves_the_revision_and_shows_within_the_step(
    client, meeting, learning_set, facilitator, member
):
    def revision():
        return Meeting.objects.get(pk=meeting.pk).revision

    control(meeting, facilitator, "start")
    slot = meeting.slots.get()
    client.force_login(facilitator)
    workspace = reverse("meetings:live-workspace", args=[meeting.pk])
    before = revision()
    record(client, meeting, kind="present", user=member.pk, present="1")
    client.force_login(member)
    record(client, meeting, kind="checkin", note="CHECKIN-WITHIN-STEP")
    assert revision() == before + 2
    client.force_login(facilitator)
    assert "CHECKIN-WITHIN-STEP" in client.get(workspace, {"v": before}).content.decode()
    control(meeting, facilitator, "next")  # presentation
    before = revision()
    client.force_login(member)
    record(client, meeting, kind="issue", slot=slot.pk, title="Saved by the presenter", summary="In detail")
    assert revision() == before + 1
    client.force_login(facilitator)  # the facilitator's screen shows it within the step
    state = client.get(reverse("meetings:live-state", args=[meeting.pk]), {"v": before}).content.decode()
    assert "Saved by the presenter" in state
    assert "In detail" in client.get(workspace, {"v": before}).content.decode()
    control(meeting, facilitator, "next")
    control(meeting, facilitator, "next")  # commitments
    before = revision()
    record(client, meeting, kind="action", slot=slot.pk, text="ACTION-WITHIN-STEP")
    assert revision() == before + 1
    client.force_login(member)
    assert "ACTION-WITHIN-STEP" in client.get(workspace, {"v": before}).content.decode()
    control(meeting, facilitator, "next")  # reflection
    before = revision()
    record(client, meeting, kind="reflection", about_self="PRIVATE", shared="")
    record(client, meeting, kind="rating", rating="7")
    assert revision() == before + 2
    client.force_login(facilitator)
    state = client.get(reverse("meetings:live-state", args=[meeting.pk]), {"v": before}).content.decode()
    assert "1 person has written a reflection" in state and "1 rating given" in state
    assert "PRIVATE" not in state


def test_actual_minutes_come_from_the_events(meeting, facilitator):

    start = timezone.now()
    with time_machine.travel(start, tick=False):
        control(meeting, facilitator, "start")
    with time_machine.travel(start + timedelta(minutes=12), tick=False):
        control(meeting, facilitator, "next")
    with time_machine.travel(start + timedelta(minutes=21), tick=False):
        control(meeting, facilitator, "next")
    assert live.actual_minutes(Meeting.objects.get(pk=meeting.pk)) == {"checkin": 12.0, "presentation:0": 9.0}


def test_check_in_shows_each_members_open_actions_and_their_latest_progress(
    client, meeting, learning_set, facilitator, member
):

    action = ActionFactory(owner=member, learning_set=learning_set, text="Ask the night team")
    ActionUpdate.objects.create(
        action=action, author=member, note="First try", created_at=timezone.now() - timedelta(days=9)
    )
    ActionUpdate.objects.create(
        action=action, author=member, note="LATEST-PROGRESS", created_at=timezone.now() - timedelta(days=2)
    )
    ActionFactory(owner=facilitator, learning_set=learning_set, text="Read the rota")
    control(meeting, facilitator, "start")
    client.force_login(member)
    content = client.get(reverse("meetings:live", args=[meeting.pk])).content.decode()
    assert "Ask the night team" in content and "LATEST-PROGRESS" in content and "First try" not in content
    assert "Read the rota" in content and "no update yet" in content


def test_questions_are_captured_only_during_the_presenters_questioning(
    client, meeting, learning_set, facilitator, member
):

    bystander = SetMembershipFactory(learning_set=learning_set).user
    control(meeting, facilitator, "start")
    slot = meeting.slots.get()
    client.force_login(bystander)
    assert (
        "during the presenter"
        in record(client, meeting, kind="question", slot=slot.pk, text="Too early?").content.decode()
    )
    control(meeting, facilitator, "next")
    control(meeting, facilitator, "next")  # questioning
    record(client, meeting, kind="question", slot=slot.pk, text="What would success look like for you?")
    assert list(Question.objects.values_list("text", flat=True)) == ["What would success look like for you?"]
    control(meeting, facilitator, "end")
    client.force_login(member)
    assert (
        "What would success look like for you?"
        in client.get(reverse("meetings:record", args=[meeting.pk])).content.decode()
    )


def test_the_projector_shows_the_stage_without_controls(client, meeting, facilitator):
    control(meeting, facilitator, "start")
    client.force_login(facilitator)
    content = client.get(reverse("meetings:projector", args=[meeting.pk])).content.decode()
    assert "Check-in" in content and "Next step" not in content
    assert "p=1" in content
    polled = client.get(reverse("meetings:live-state", args=[meeting.pk]), {"v": "0", "p": "1"}).content.decode()
    assert "Next step" not in polled


def test_attendees_get_one_summary_with_their_own_actions(
    meeting, learning_set, facilitator, member, django_capture_on_commit_callbacks
):

    absent = SetMembershipFactory(learning_set=learning_set).user
    control(meeting, facilitator, "start")
    meeting.refresh_from_db()
    recording.mark_present(meeting=meeting, user=member, present=True, by=facilitator)
    recording.mark_present(meeting=meeting, user=facilitator, present=True, by=facilitator)
    Action.objects.create(owner=member, learning_set=learning_set, meeting=meeting, text="MEMBER-ACTION")
    Action.objects.create(owner=facilitator, learning_set=learning_set, meeting=meeting, text="FACILITATOR-ACTION")
    with django_capture_on_commit_callbacks(execute=True):
        control(meeting, facilitator, "end")
    assert sorted(m.to[0] for m in mail.outbox) == sorted([member.email, facilitator.email])
    assert absent.email not in [m.to[0] for m in mail.outbox]
    [to_member] = [m for m in mail.outbox if m.to == [member.email]]
    assert "MEMBER-ACTION" in to_member.body and "FACILITATOR-ACTION" not in to_member.body
    assert "Handing over between shifts" in to_member.body
    # Once per meeting: writing the summaries again stores nothing, and sending the rows again sends nothing.
    meeting.refresh_from_db()
    assert summary.write_meeting_summaries(meeting=meeting, now=timezone.now()) == []
    rows = OutboxMessage.objects.filter(kind="meeting-summary")
    assert sorted(rows.values_list("to_email", "status")) == sorted(
        [(member.email, "sent"), (facilitator.email, "sent")]
    )
    assert [outbox.send(message_id=pk) for pk in rows.values_list("pk", flat=True)] == [False, False]
    assert len(mail.outbox) == 2


def test_a_member_handed_the_meeting_runs_it_and_can_be_replaced(client, meeting, learning_set, facilitator, member):
    runner = SetMembershipFactory(learning_set=learning_set, user__full_name="Rota Runner").user
    client.force_login(runner)
    control_url = reverse("meetings:live-control", args=[meeting.pk])
    assert client.post(control_url, {"control": "start", "version": "0"}).status_code == 403
    client.force_login(member)
    agenda_url = reverse("meetings:agenda", args=[meeting.pk])
    assert client.post(agenda_url, {"action": "hand-over", "facilitator": member.pk}).status_code == 403
    client.force_login(facilitator)
    client.post(agenda_url, {"action": "hand-over", "facilitator": runner.pk})
    assert Meeting.objects.get(pk=meeting.pk).facilitator == runner
    client.force_login(runner)
    assert "Start the meeting" in client.get(reverse("meetings:live", args=[meeting.pk])).content.decode()
    client.post(control_url, {"control": "start", "version": "0"})
    assert Meeting.objects.get(pk=meeting.pk).status == "live"
    # The facilitator can still run it (for the slot the runner presents, say).
    client.force_login(facilitator)
    client.post(control_url, {"control": "next", "version": "1"})
    assert Meeting.objects.get(pk=meeting.pk).step_index == 1


def test_members_bid_for_time_in_a_bidding_set(client, meeting, learning_set, facilitator, member):

    bidder = SetMembershipFactory(learning_set=learning_set, user__full_name="Bea Bidder").user
    client.force_login(bidder)
    response = record(client, meeting, kind="bid", minutes="40", urgent="on", issue_title="Budget cuts")
    assert "shares time equally" in response.content.decode()
    learning_set.airtime_mode = "bidding"
    learning_set.save(update_fields=["airtime_mode"])
    record(client, meeting, kind="bid", minutes="40", urgent="on", issue_title="Budget cuts")
    slot = AirtimeSlot.objects.get(meeting=meeting, presenter=bidder)
    assert (slot.bid_minutes, slot.bid_urgent, slot.issue.title) == (40, True, "Budget cuts")
    assert slot.presentation_minutes + slot.questioning_minutes + slot.commitments_minutes == 40
    assert "Ask for between" in record(client, meeting, kind="bid", minutes="500").content.decode()
    page = client.get(reverse("meetings:live", args=[meeting.pk])).content.decode()
    assert "Bids ask for 40 of the 120 minutes available" in page  # 150 - 15 check-in - 15 reflection
    assert "Urgent" in page


def test_process_notes_are_for_facilitators_only(client, meeting, facilitator, member):
    control(meeting, facilitator, "start")
    client.force_login(member)
    assert (
        client.post(
            reverse("meetings:live-record", args=[meeting.pk]), {"kind": "process_notes", "notes": "x"}
        ).status_code
        == 403
    )
    client.force_login(facilitator)
    record(client, meeting, kind="process_notes", notes="PROCESS-NOTE-MARKER")
    control(meeting, facilitator, "end")
    assert "PROCESS-NOTE-MARKER" in client.get(reverse("meetings:record", args=[meeting.pk])).content.decode()
    client.force_login(member)
    assert "PROCESS-NOTE-MARKER" not in client.get(reverse("meetings:record", args=[meeting.pk])).content.decode()


def test_presenters_still_to_come_can_be_skipped_or_reordered_during_the_meeting(
    client, meeting, learning_set, facilitator, member
):
    second = SetMembershipFactory(learning_set=learning_set, user__full_name="Sal Second").user
    third = SetMembershipFactory(learning_set=learning_set, user__full_name="Tia Third").user
    live.add_slot(meeting=meeting, presenter=second, by=facilitator)
    live.add_slot(meeting=meeting, presenter=third, by=facilitator)
    control(meeting, facilitator, "start")
    control(meeting, facilitator, "next")  # Milo presents
    first, sal, tia = meeting.slots.all()
    with pytest.raises(ServiceError, match="already begun"):
        live.remove_slot(slot=first, by=facilitator)
    with pytest.raises(ServiceError, match="still to come"):
        live.move_slot(slot=sal, by=facilitator, earlier=True)
    live.move_slot(slot=tia, by=facilitator, earlier=True)
    assert [s.presenter for s in meeting.slots.all()] == [member, third, second]
    client.force_login(facilitator)
    client.post(reverse("meetings:agenda", args=[meeting.pk]), {"action": "remove", "slot": sal.pk})
    meeting.refresh_from_db()
    assert [s.presenter for s in meeting.slots.all()] == [member, third]
    assert (meeting.step_index, meeting.version) == (1, 4)  # same step; every page told to refresh
    for _ in range(3):
        control(meeting, facilitator, "next")
    assert client.get(reverse("meetings:live-state", args=[meeting.pk])).content.decode().count("Tia Third") >= 1


def test_the_last_meeting_of_the_term_ends_with_a_closing_review(client, meeting, learning_set, facilitator, member):

    learning_set.term_meetings = 1
    learning_set.save(update_fields=["term_meetings"])
    control(meeting, facilitator, "start")
    for _ in range(4):
        control(meeting, facilitator, "next")  # reflection
    client.force_login(member)
    page = client.get(reverse("meetings:live", args=[meeting.pk])).content.decode()
    assert (
        "Closing review" in page and "Re-contract for a new term" not in page
    )  # members write, the facilitator decides
    record(client, meeting, kind="reflection", closing="1", about_self="CLOSING-MARKER", shared="on")
    assert Reflection.objects.get(author=member).closing is True
    assert (
        client.post(
            reverse("meetings:live-record", args=[meeting.pk]), {"kind": "term", "decision": "close"}
        ).status_code
        == 403
    )
    client.force_login(facilitator)
    record(client, meeting, kind="term", decision="recontract")
    learning_set = LearningSet.objects.get(pk=learning_set.pk)
    assert (learning_set.term_meetings, learning_set.contract_version, learning_set.status) == (2, 2, "active")
    assert "Closing review" not in client.get(reverse("meetings:live", args=[meeting.pk])).content.decode()
    learning_set.term_meetings = 1  # say the set decided to close instead (a save: it bumps the set's version)
    learning_set.save(update_fields=["term_meetings"])
    record(client, meeting, kind="term", decision="close")
    assert LearningSet.objects.get(pk=learning_set.pk).status == "closed"


def test_an_ordinary_meeting_has_no_closing_review(client, meeting, facilitator, member):
    control(meeting, facilitator, "start")
    for _ in range(4):
        control(meeting, facilitator, "next")
    client.force_login(facilitator)
    assert "Closing review" not in client.get(reverse("meetings:live", args=[meeting.pk])).content.decode()
    assert (
        client.post(
            reverse("meetings:live-record", args=[meeting.pk]), {"kind": "term", "decision": "close"}
        ).status_code
        == 403
    )


@pytest.mark.parametrize("size", [1, 6])
def test_the_meeting_room_makes_a_fixed_number_of_queries(
    client, learning_set, facilitator, member, size, django_assert_max_num_queries
):

    meeting = MeetingFactory(learning_set=learning_set, starts_at=timezone.now())
    for n in range(size):
        person = SetMembershipFactory(learning_set=learning_set).user
        live.add_slot(meeting=meeting, presenter=person, by=facilitator, issue_title=f"Issue {n}")
        action = Action.objects.create(owner=person, learning_set=learning_set, text=f"Action {n}")
        ActionUpdate.objects.create(action=action, author=person, note="progress")
    live.control_meeting(meeting_id=meeting.pk, by=facilitator, control="start", version=0)
    client.force_login(facilitator)
    url = reverse("meetings:live", args=[meeting.pk])
    client.get(url)  # the first visit also saves the session (it is let into the room)
    with django_assert_max_num_queries(9):  # check-in: people, attendance, open actions with their updates
        assert client.get(url).status_code == 200
    live.control_meeting(meeting_id=meeting.pk, by=facilitator, control="next", version=1)
    with django_assert_max_num_queries(8):  # the facilitator's page: +1 for the people to hand the controls to
        assert client.get(url).status_code == 200
    with django_assert_max_num_queries(11):
        assert client.get(reverse("meetings:record", args=[meeting.pk])).status_code == 200


def test_a_session_in_the_room_polls_unchanged_state_without_a_query(
    client, meeting, member, facilitator, django_capture_on_commit_callbacks, django_assert_num_queries
):
    with django_capture_on_commit_callbacks(execute=True):
        control(meeting, facilitator, "start")
    client.force_login(member)
    client.get(reverse("meetings:live", args=[meeting.pk]))  # lets this session into the room
    url = reverse("meetings:live-state", args=[meeting.pk])
    with django_assert_num_queries(0):
        response = client.get(url, {"v": "1"})
    assert response.status_code == 304
    assert response["Cache-Control"] == "private, no-cache" and response["Vary"] == "Cookie"
    with django_capture_on_commit_callbacks(execute=True):
        control(meeting, facilitator, "next")
    assert client.get(url, {"v": "1"}).status_code == 200  # the cache moved on with the version
    remove = SetMembership.objects.get(user=member)
    remove.left_at = timezone.now()
    remove.save(update_fields=["left_at"])
    with django_capture_on_commit_callbacks(execute=True):
        control(meeting, facilitator, "next")
    assert client.get(url, {"v": "2"}).status_code == 404  # a changed state is always checked in full


def test_the_poll_shortcut_needs_a_session_let_into_that_room(
    client, meeting, member, facilitator, other_set, django_capture_on_commit_callbacks, django_assert_num_queries
):
    with django_capture_on_commit_callbacks(execute=True):
        control(meeting, facilitator, "start")
    url = reverse("meetings:live-state", args=[meeting.pk])
    # A session that has not been through the room (nor any room) gets the full permission check: from the
    # database the first time (the user, the meeting, the viewer's set), then from the cache on their versions.
    client.force_login(member)
    with django_assert_num_queries(3):
        assert client.get(url, {"v": "1"}).status_code == 304
    with django_assert_num_queries(0):
        assert client.get(url, {"v": "1"}).status_code == 304
    # Someone let into another meeting's room is not let into this one.
    other_meeting = MeetingFactory(learning_set=other_set)
    client.force_login(SetMembershipFactory(learning_set=other_set).user)
    session = client.session
    session[LIVE_ROOMS] = [other_meeting.pk]
    session.save()
    assert client.get(url, {"v": "1"}).status_code == 404
    # Forged or missing cookies never reach the cache shortcut's answer.
    client.cookies[settings.SESSION_COOKIE_NAME] = "not-a-session"
    assert client.get(url, {"v": "1"}).status_code == 302  # to the login page


def test_a_lost_cached_version_is_put_back_by_the_next_full_check(
    client, meeting, member, facilitator, django_capture_on_commit_callbacks, django_assert_num_queries
):
    with django_capture_on_commit_callbacks(execute=True):
        control(meeting, facilitator, "start")
    client.force_login(member)
    client.get(reverse("meetings:live", args=[meeting.pk]))
    cache.delete(version_cache_key(meeting.pk))  # Redis restarted, or the key expired
    url = reverse("meetings:live-state", args=[meeting.pk])
    assert client.get(url, {"v": "1"}).status_code == 304  # from the database
    assert cache.get(version_cache_key(meeting.pk)) == 1
    with django_assert_num_queries(0):
        assert client.get(url, {"v": "1"}).status_code == 304
