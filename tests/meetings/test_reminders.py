"""Reminders and nudges: when rows appear, who is left out, exactly once, errors kept, unsubscribe. They are outbox
rows (core/outbox.py) of kind "reminder" and "nudge"."""

import smtplib
import zoneinfo
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from celery.exceptions import Retry
from django.conf import settings
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core import outbox
from core.models import Heartbeat, OutboxMessage
from core.tasks import send_outbox
from meetings import reminders, scheduling
from meetings.models import ActionUpdate, Attendance, Meeting
from sets.models import SetMembership
from sets.services import remove_from_set
from tests.factories import ActionFactory, LearningSetFactory, MeetingFactory, SetMembershipFactory

START = datetime(2027, 3, 16, 9, 30, tzinfo=UTC)


@pytest.fixture
def meeting(learning_set, facilitator, member):
    return MeetingFactory(learning_set=learning_set, starts_at=START)


def dispatch_at(moment, capture):
    """One beat pass at `moment`; the send tasks run (eagerly) after commit, still at `moment`."""
    with time_machine.travel(moment, tick=False), capture(execute=True):
        return reminders.dispatch_due_reminders()


def rows():
    """The reminder and nudge rows of the outbox."""
    return OutboxMessage.objects.filter(kind__in=["reminder", "nudge"])


def sent_to() -> list[tuple[str, str]]:
    return sorted((m.to[0], m.subject.split(":")[0]) for m in mail.outbox)


def test_rows_appear_only_when_due(meeting, facilitator, member, django_capture_on_commit_callbacks):
    assert dispatch_at(START - timedelta(hours=49), django_capture_on_commit_callbacks) == []
    dispatch_at(START - timedelta(hours=47), django_capture_on_commit_callbacks)
    assert sorted(rows().values_list("to_user__email", "ref__offset_hours", "status")) == sorted(
        [(facilitator.email, 48, "sent"), (member.email, 48, "sent")]
    )
    dispatch_at(START - timedelta(hours=1), django_capture_on_commit_callbacks)
    assert rows().filter(ref__offset_hours=2, status="sent").count() == 2
    assert len(mail.outbox) == 4


def test_dispatching_twice_sends_once(meeting, django_capture_on_commit_callbacks):
    dispatch_at(START - timedelta(hours=47), django_capture_on_commit_callbacks)
    dispatch_at(START - timedelta(hours=46), django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 2
    assert rows().count() == 2


def test_a_second_pass_finds_nothing_to_claim(meeting):
    with time_machine.travel(START - timedelta(hours=47), tick=False):
        first = reminders.dispatch_due_reminders()  # claimed, queued after commit (never run here)
        second = reminders.dispatch_due_reminders()
    assert (len(first), second) == (2, [])


def test_no_reminders_for_a_cancelled_meeting(meeting, django_capture_on_commit_callbacks):
    Meeting.objects.filter(pk=meeting.pk).update(status="cancelled")
    dispatch_at(START - timedelta(hours=1), django_capture_on_commit_callbacks)
    assert (rows().count(), mail.outbox) == (0, [])


def test_no_reminder_for_someone_who_left_or_sent_apologies_or_turned_them_off(
    meeting, learning_set, facilitator, member, django_capture_on_commit_callbacks
):
    remove_from_set(membership=SetMembership.objects.get(user=member), by=facilitator)
    apologising = SetMembershipFactory(learning_set=learning_set).user
    Attendance.objects.create(meeting=meeting, user=apologising, rsvp="apologies")
    quiet = SetMembershipFactory(learning_set=learning_set, user__reminder_emails=False).user
    dispatch_at(START - timedelta(hours=47), django_capture_on_commit_callbacks)
    assert [m.to[0] for m in mail.outbox] == [facilitator.email]
    assert not rows().filter(to_user__in=[member, apologising, quiet]).exists()


def test_apologies_after_the_row_was_claimed_skip_it(meeting, member, django_capture_on_commit_callbacks):
    with time_machine.travel(START - timedelta(hours=47), tick=False):
        reminders.dispatch_due_reminders()  # claimed, not yet sent
    Attendance.objects.create(meeting=meeting, user=member, rsvp="apologies")
    row = rows().get(to_user=member)
    assert outbox.send(message_id=row.pk, now=START - timedelta(hours=46)) is False
    row.refresh_from_db()
    assert (row.status, row.reason, row.sent_at) == ("skipped", "sent apologies", None)


def test_a_rescheduled_meeting_gets_reminders_for_its_new_time(meeting, django_capture_on_commit_callbacks):
    dispatch_at(START - timedelta(hours=47), django_capture_on_commit_callbacks)
    Meeting.objects.filter(pk=meeting.pk).update(starts_at=START + timedelta(days=7))
    dispatch_at(START + timedelta(days=7) - timedelta(hours=47), django_capture_on_commit_callbacks)
    assert rows().filter(ref__offset_hours=48, status="sent").count() == 4
    assert len(mail.outbox) == 4


def test_a_pending_reminder_for_the_old_time_is_skipped_as_moved(meeting, member):
    with time_machine.travel(START - timedelta(hours=47), tick=False):
        reminders.dispatch_due_reminders()
    Meeting.objects.filter(pk=meeting.pk).update(starts_at=START + timedelta(days=7))
    row = rows().get(to_user=member)
    assert outbox.send(message_id=row.pk, now=START - timedelta(hours=46)) is False
    assert rows().get(pk=row.pk).reason == "meeting moved"


def test_reminders_missed_while_down_still_go_before_the_meeting(meeting, django_capture_on_commit_callbacks):
    dispatch_at(START - timedelta(minutes=30), django_capture_on_commit_callbacks)
    assert sorted(rows().values_list("ref__offset_hours", flat=True)) == [2, 2, 48, 48]
    assert len(mail.outbox) == 4


def test_nothing_is_sent_after_the_meeting_started(meeting, django_capture_on_commit_callbacks):
    with time_machine.travel(START - timedelta(hours=1), tick=False):
        reminders.dispatch_due_reminders()  # claimed but the worker never ran them
    dispatch_at(START + timedelta(minutes=5), django_capture_on_commit_callbacks)
    assert mail.outbox == []
    assert set(rows().values_list("status", "reason")) == {("skipped", "meeting started")}
    row = rows().first()
    assert outbox.send(message_id=row.pk, now=START + timedelta(minutes=6)) is False


def test_a_stale_claim_is_queued_again(meeting, django_capture_on_commit_callbacks):
    with time_machine.travel(START - timedelta(hours=47), tick=False):
        reminders.dispatch_due_reminders()  # the worker died: nothing sent
    assert dispatch_at(START - timedelta(hours=47) + timedelta(minutes=5), django_capture_on_commit_callbacks) == []
    claimed = dispatch_at(
        START - timedelta(hours=47) + outbox.STALE_CLAIM + timedelta(minutes=1), django_capture_on_commit_callbacks
    )
    assert len(claimed) == 2
    assert len(mail.outbox) == 2


def test_a_failed_send_keeps_the_error_and_a_retry_sends_once(meeting, member, monkeypatch):
    with time_machine.travel(START - timedelta(hours=47), tick=False):
        reminders.dispatch_due_reminders()
    row = rows().get(to_user=member)
    backend = "django.core.mail.backends.locmem.EmailBackend.send_messages"

    def refuse(self, messages):
        raise smtplib.SMTPServerDisconnected("the SMTP server went away")

    monkeypatch.setattr(backend, refuse)
    with pytest.raises(smtplib.SMTPException):
        outbox.send(message_id=row.pk, now=START - timedelta(hours=47))
    row.refresh_from_db()
    assert (row.status, row.attempts, row.sent_at) == ("pending", 1, None)
    assert "SMTPServerDisconnected" in row.last_error
    assert row.reason == "SMTPServerDisconnected"  # what the facilitator's page shows: the kind of error
    monkeypatch.undo()
    assert outbox.send(message_id=row.pk, now=START - timedelta(hours=46)) is True
    assert outbox.send(message_id=row.pk, now=START - timedelta(hours=46)) is False
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == ("sent", 2, "")
    assert [m.to[0] for m in mail.outbox] == [member.email]


def test_the_send_task_retries_only_failed_rows(meeting, member, facilitator, monkeypatch):

    with time_machine.travel(START - timedelta(hours=47), tick=False):
        reminders.dispatch_due_reminders()
    real_send = outbox.send

    def flaky(*, message_id, now=None):
        if rows().get(pk=message_id).to_user == member:
            raise ConnectionError("broker hiccup")
        return real_send(message_id=message_id, now=START - timedelta(hours=47))

    monkeypatch.setattr(outbox, "send", flaky)
    retried = []
    monkeypatch.setattr(send_outbox, "retry", lambda args: retried.append(args) or Retry())
    with pytest.raises(Retry):
        send_outbox.run(list(rows().values_list("pk", flat=True)))
    assert retried == [[[rows().get(to_user=member).pk]]]
    assert [m.to[0] for m in mail.outbox] == [facilitator.email]


def test_the_email_is_in_the_recipients_zone_with_only_their_own_actions(
    meeting, learning_set, facilitator, member, django_capture_on_commit_callbacks
):
    member.timezone = "America/New_York"
    member.save(update_fields=["timezone"])
    ActionFactory(owner=member, learning_set=learning_set, text="Call the ward manager")
    ActionFactory(owner=facilitator, learning_set=learning_set, text="FACILITATOR-PRIVATE-MARKER")
    away = SetMembershipFactory(learning_set=learning_set, user__full_name="Away Person").user
    Attendance.objects.create(meeting=meeting, user=away, rsvp="apologies")
    dispatch_at(START - timedelta(hours=47), django_capture_on_commit_callbacks)
    [message] = [m for m in mail.outbox if m.to == [member.email] and m.subject.startswith("Reminder")]
    html = message.alternatives[0][0]
    assert "Tuesday 16 March 2027, 05:30\u201308:00 New York time" in message.body
    assert "Call the ward manager" in message.body and "Call the ward manager" in html
    assert f"Log your progress: {settings.SITE_URL}{reverse('meetings:my-actions')}" in message.body
    assert "FACILITATOR-PRIVATE-MARKER" not in message.body + html
    assert "Fay Facilitator" in message.body and "Away Person" not in message.body
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.extra_headers["List-Unsubscribe"].startswith("<http")


def test_one_click_unsubscribe_turns_reminders_off(meeting, member, django_capture_on_commit_callbacks, client):

    dispatch_at(START - timedelta(hours=47), django_capture_on_commit_callbacks)
    [message] = [m for m in mail.outbox if m.to == [member.email]]
    url = message.extra_headers["List-Unsubscribe"].strip("<>").split("testserver", 1)[-1]
    path = url[url.index("/unsubscribe/") :]
    assert "Stop reminder emails?" in client.get(path).content.decode()
    response = Client(enforce_csrf_checks=True).post(path)  # mail programs post without a CSRF token
    assert response.status_code == 200
    member.refresh_from_db()
    assert (member.reminder_emails, member.nudge_emails) == (False, True)
    assert client.get(path[:-3] + "xx/").status_code == 404


def test_a_nudge_goes_to_members_whose_actions_have_no_update_since_the_last_meeting(
    meeting, learning_set, facilitator, member, django_capture_on_commit_callbacks
):
    last = MeetingFactory(learning_set=learning_set, starts_at=START - timedelta(days=28), status="ended")
    ActionFactory(owner=member, learning_set=learning_set, meeting=last)
    updated = ActionFactory(owner=facilitator, learning_set=learning_set, meeting=last)
    ActionUpdate.objects.create(action=updated, author=facilitator, created_at=START - timedelta(days=10))
    quiet = SetMembershipFactory(learning_set=learning_set, user__nudge_emails=False).user
    ActionFactory(owner=quiet, learning_set=learning_set, meeting=last)
    dispatch_at(START - timedelta(days=3) + timedelta(minutes=1), django_capture_on_commit_callbacks)
    nudges = rows().filter(kind="nudge")
    assert list(nudges.values_list("to_user", "ref__offset_hours", "status")) == [(member.pk, 72, "sent")]
    assert [m.to[0] for m in mail.outbox] == [member.email]
    assert "how are your actions going" in mail.outbox[0].subject


def test_dispatch_makes_the_same_number_of_queries_for_one_set_or_ten(db, django_capture_on_commit_callbacks):
    def build(count):
        for _ in range(count):
            learning_set = LearningSetFactory()
            for _ in range(3):
                membership = SetMembershipFactory(learning_set=learning_set)
                ActionFactory(owner=membership.user, learning_set=learning_set)
            MeetingFactory(learning_set=learning_set, starts_at=START)

    def count_queries():
        with time_machine.travel(START - timedelta(hours=47), tick=False), CaptureQueriesContext(connection) as ctx:
            reminders.dispatch_due_reminders()
        OutboxMessage.objects.all().delete()
        Meeting.objects.all().delete()
        return len(ctx.captured_queries)

    Heartbeat.objects.create(name=reminders.DISPATCH_HEARTBEAT, last_run_at=START)
    build(1)
    one = count_queries()
    build(10)
    assert count_queries() == one


def local(learning_set, moment):
    return moment.astimezone(zoneinfo.ZoneInfo(learning_set.timezone)).replace(tzinfo=None)


def test_a_meeting_moved_close_in_is_one_message_not_three(
    learning_set, facilitator, member, django_capture_on_commit_callbacks
):
    """Moved to 90 minutes ahead, both reminders' times have come: the change email tells people; neither
    reminder follows it (one 6 minutes later used to be the 2-hour one)."""
    now = START - timedelta(days=10)
    details = scheduling.MeetingDetails(local_start=local(learning_set, START), duration_minutes=120)
    with time_machine.travel(now, tick=False), django_capture_on_commit_callbacks(execute=True):
        [meeting] = scheduling.schedule_meetings(learning_set=learning_set, by=facilitator, details=details)
    moved_at = START - timedelta(days=1)
    close = scheduling.MeetingDetails(
        local_start=local(learning_set, moved_at + timedelta(minutes=90)), duration_minutes=120
    )
    with time_machine.travel(moved_at, tick=False), django_capture_on_commit_callbacks(execute=True):
        scheduling.reschedule_meeting(meeting=meeting, by=facilitator, details=close)
    for minutes in (0, 1, 6, 30, 89):
        dispatch_at(moved_at + timedelta(minutes=minutes), django_capture_on_commit_callbacks)
    to_member = [m.subject for m in mail.outbox if m.to == [member.email]]
    assert len(to_member) == 2 and "changed" in to_member[1], to_member
    assert sorted(rows().values_list("to_email", "ref__offset_hours", "status", "reason")) == sorted(
        (person.email, hours, "skipped", "covered by the change email")
        for person in (facilitator, member)
        for hours in (2, 48)
    )


def test_a_meeting_moved_to_tomorrow_skips_the_48_hour_reminder_and_keeps_the_2_hour_one(
    learning_set, facilitator, member, django_capture_on_commit_callbacks
):
    with time_machine.travel(START - timedelta(days=10), tick=False), django_capture_on_commit_callbacks(execute=True):
        [meeting] = scheduling.schedule_meetings(
            learning_set=learning_set,
            by=facilitator,
            details=scheduling.MeetingDetails(local_start=local(learning_set, START), duration_minutes=120),
        )
    moved_at = START - timedelta(days=2)
    new_start = moved_at + timedelta(hours=30)
    with time_machine.travel(moved_at, tick=False), django_capture_on_commit_callbacks(execute=True):
        scheduling.reschedule_meeting(
            meeting=meeting,
            by=facilitator,
            details=scheduling.MeetingDetails(local_start=local(learning_set, new_start), duration_minutes=120),
        )
    dispatch_at(moved_at + timedelta(minutes=1), django_capture_on_commit_callbacks)
    dispatch_at(new_start - timedelta(hours=2), django_capture_on_commit_callbacks)
    assert sorted(rows().values_list("ref__offset_hours", "status", "reason")) == [
        (2, "sent", ""),
        (2, "sent", ""),
        (48, "skipped", "covered by the change email"),
        (48, "skipped", "covered by the change email"),
    ]
    assert sorted(s.split(":")[0] for to, s in sent_to() if to == member.email and s.startswith("Reminder")) == [
        "Reminder"
    ]


def test_a_meeting_scheduled_close_in_sends_only_the_invitation(
    learning_set, facilitator, member, django_capture_on_commit_callbacks
):
    now = START - timedelta(hours=1)
    with time_machine.travel(now, tick=False), django_capture_on_commit_callbacks(execute=True):
        scheduling.schedule_meetings(
            learning_set=learning_set,
            by=facilitator,
            details=scheduling.MeetingDetails(local_start=local(learning_set, START), duration_minutes=120),
        )
    dispatch_at(now + timedelta(minutes=1), django_capture_on_commit_callbacks)
    dispatch_at(now + timedelta(minutes=7), django_capture_on_commit_callbacks)
    assert len([m for m in mail.outbox if m.to == [member.email]]) == 1
    assert set(rows().values_list("status", "reason")) == {("skipped", "covered by the invitation")}


def test_a_row_that_keeps_failing_is_marked_failed_and_left_alone(meeting, member, monkeypatch):
    def refuse(self, messages):
        raise smtplib.SMTPServerDisconnected("the SMTP server went away")

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", refuse)
    moment = START - timedelta(hours=47)
    for attempt in range(outbox.MAX_ATTEMPTS):
        with time_machine.travel(moment + attempt * (outbox.STALE_CLAIM + timedelta(minutes=1)), tick=False):
            claimed = reminders.dispatch_due_reminders()
        assert len(claimed) == 2, attempt
        for message_id in claimed:
            with pytest.raises(smtplib.SMTPException):
                outbox.send(message_id=message_id, now=moment)
    assert set(rows().values_list("status", "attempts", "reason")) == {
        ("failed", outbox.MAX_ATTEMPTS, "SMTPServerDisconnected")
    }
    with time_machine.travel(moment + timedelta(hours=3), tick=False):
        assert reminders.dispatch_due_reminders() == []
