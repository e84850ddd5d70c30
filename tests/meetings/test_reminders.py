"""Reminders and nudges: when rows appear, who is left out, exactly once, errors kept, unsubscribe."""

import smtplib
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

from core.models import Heartbeat
from meetings import reminders, tasks
from meetings.models import ActionUpdate, Attendance, Meeting, Reminder
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


def sent_to() -> list[tuple[str, str]]:
    return sorted((m.to[0], m.subject.split(":")[0]) for m in mail.outbox)


def test_rows_appear_only_when_due(meeting, facilitator, member, django_capture_on_commit_callbacks):
    assert dispatch_at(START - timedelta(hours=49), django_capture_on_commit_callbacks) == []
    dispatch_at(START - timedelta(hours=47), django_capture_on_commit_callbacks)
    assert sorted(Reminder.objects.values_list("user__email", "offset_hours", "outcome")) == sorted(
        [(facilitator.email, 48, "sent"), (member.email, 48, "sent")]
    )
    dispatch_at(START - timedelta(hours=1), django_capture_on_commit_callbacks)
    assert Reminder.objects.filter(offset_hours=2, outcome="sent").count() == 2
    assert len(mail.outbox) == 4


def test_dispatching_twice_sends_once(meeting, django_capture_on_commit_callbacks):
    dispatch_at(START - timedelta(hours=47), django_capture_on_commit_callbacks)
    dispatch_at(START - timedelta(hours=46), django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 2
    assert Reminder.objects.count() == 2


def test_a_second_pass_finds_nothing_to_claim(meeting):
    with time_machine.travel(START - timedelta(hours=47), tick=False):
        first = reminders.dispatch_due_reminders()  # claimed, queued after commit (never run here)
        second = reminders.dispatch_due_reminders()
    assert (len(first), second) == (2, [])


def test_no_reminders_for_a_cancelled_meeting(meeting, django_capture_on_commit_callbacks):
    Meeting.objects.filter(pk=meeting.pk).update(status="cancelled")
    dispatch_at(START - timedelta(hours=1), django_capture_on_commit_callbacks)
    assert (Reminder.objects.count(), mail.outbox) == (0, [])


def test_no_reminder_for_someone_who_left_or_sent_apologies_or_turned_them_off(
    meeting, learning_set, facilitator, member, django_capture_on_commit_callbacks
):
    remove_from_set(membership=SetMembership.objects.get(user=member), by=facilitator)
    apologising = SetMembershipFactory(learning_set=learning_set).user
    Attendance.objects.create(meeting=meeting, user=apologising, rsvp="apologies")
    quiet = SetMembershipFactory(learning_set=learning_set, user__reminder_emails=False).user
    dispatch_at(START - timedelta(hours=47), django_capture_on_commit_callbacks)
    assert [m.to[0] for m in mail.outbox] == [facilitator.email]
    assert not Reminder.objects.filter(user__in=[member, apologising, quiet]).exists()


def test_apologies_after_the_row_was_claimed_skip_it(meeting, member, django_capture_on_commit_callbacks):
    with time_machine.travel(START - timedelta(hours=47), tick=False):
        reminders.dispatch_due_reminders()  # claimed, not yet sent
    Attendance.objects.create(meeting=meeting, user=member, rsvp="apologies")
    row = Reminder.objects.get(user=member)
    assert reminders.send_reminder(reminder_id=row.pk, now=START - timedelta(hours=46)) is False
    row.refresh_from_db()
    assert (row.outcome, row.skip_reason, row.sent_at) == ("skipped", "sent apologies", None)


def test_a_rescheduled_meeting_gets_reminders_for_its_new_time(meeting, django_capture_on_commit_callbacks):
    dispatch_at(START - timedelta(hours=47), django_capture_on_commit_callbacks)
    Meeting.objects.filter(pk=meeting.pk).update(starts_at=START + timedelta(days=7))
    dispatch_at(START + timedelta(days=7) - timedelta(hours=47), django_capture_on_commit_callbacks)
    assert Reminder.objects.filter(offset_hours=48, outcome="sent").count() == 4
    assert len(mail.outbox) == 4


def test_a_pending_reminder_for_the_old_time_is_skipped_as_moved(meeting, member):
    with time_machine.travel(START - timedelta(hours=47), tick=False):
        reminders.dispatch_due_reminders()
    Meeting.objects.filter(pk=meeting.pk).update(starts_at=START + timedelta(days=7))
    row = Reminder.objects.get(user=member)
    assert reminders.send_reminder(reminder_id=row.pk, now=START - timedelta(hours=46)) is False
    assert Reminder.objects.get(pk=row.pk).skip_reason == "meeting moved"


def test_reminders_missed_while_down_still_go_before_the_meeting(meeting, django_capture_on_commit_callbacks):
    dispatch_at(START - timedelta(minutes=30), django_capture_on_commit_callbacks)
    assert sorted(Reminder.objects.values_list("offset_hours", flat=True)) == [2, 2, 48, 48]
    assert len(mail.outbox) == 4


def test_nothing_is_sent_after_the_meeting_started(meeting, django_capture_on_commit_callbacks):
    with time_machine.travel(START - timedelta(hours=1), tick=False):
        reminders.dispatch_due_reminders()  # claimed but the worker never ran them
    dispatch_at(START + timedelta(minutes=5), django_capture_on_commit_callbacks)
    assert mail.outbox == []
    assert set(Reminder.objects.values_list("outcome", "skip_reason")) == {("skipped", "meeting started")}
    row = Reminder.objects.first()
    assert reminders.send_reminder(reminder_id=row.pk, now=START + timedelta(minutes=6)) is False


def test_a_stale_claim_is_queued_again(meeting, django_capture_on_commit_callbacks):
    with time_machine.travel(START - timedelta(hours=47), tick=False):
        reminders.dispatch_due_reminders()  # the worker died: nothing sent
    assert dispatch_at(START - timedelta(hours=47) + timedelta(minutes=5), django_capture_on_commit_callbacks) == []
    claimed = dispatch_at(
        START - timedelta(hours=47) + reminders.STALE_CLAIM + timedelta(minutes=1), django_capture_on_commit_callbacks
    )
    assert len(claimed) == 2
    assert len(mail.outbox) == 2


def test_a_failed_send_keeps_the_error_and_a_retry_sends_once(meeting, member, monkeypatch):
    with time_machine.travel(START - timedelta(hours=47), tick=False):
        reminders.dispatch_due_reminders()
    row = Reminder.objects.get(user=member)
    backend = "django.core.mail.backends.locmem.EmailBackend.send_messages"

    def refuse(self, messages):
        raise smtplib.SMTPServerDisconnected("the SMTP server went away")

    monkeypatch.setattr(backend, refuse)
    with pytest.raises(smtplib.SMTPException):
        reminders.send_reminder(reminder_id=row.pk, now=START - timedelta(hours=47))
    row.refresh_from_db()
    assert (row.outcome, row.attempts, row.sent_at) == ("", 1, None)
    assert "SMTPServerDisconnected" in row.last_error
    monkeypatch.undo()
    assert reminders.send_reminder(reminder_id=row.pk, now=START - timedelta(hours=46)) is True
    assert reminders.send_reminder(reminder_id=row.pk, now=START - timedelta(hours=46)) is False
    row.refresh_from_db()
    assert (row.outcome, row.attempts, row.last_error) == ("sent", 2, "")
    assert [m.to[0] for m in mail.outbox] == [member.email]


def test_the_send_task_retries_only_failed_rows(meeting, member, facilitator, monkeypatch):

    with time_machine.travel(START - timedelta(hours=47), tick=False):
        reminders.dispatch_due_reminders()
    real_send = reminders.send_reminder

    def flaky(*, reminder_id, now=None):
        if Reminder.objects.get(pk=reminder_id).user == member:
            raise ConnectionError("broker hiccup")
        return real_send(reminder_id=reminder_id, now=START - timedelta(hours=47))

    monkeypatch.setattr(reminders, "send_reminder", flaky)
    retried = []
    monkeypatch.setattr(tasks.send_reminders, "retry", lambda args: retried.append(args) or Retry())
    with pytest.raises(Retry):
        tasks.send_reminders.run(list(Reminder.objects.values_list("pk", flat=True)))
    assert retried == [[[Reminder.objects.get(user=member).pk]]]
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
    nudges = Reminder.objects.filter(kind="nudge")
    assert list(nudges.values_list("user", "offset_hours", "outcome")) == [(member.pk, 72, "sent")]
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
        Reminder.objects.all().delete()
        Meeting.objects.all().delete()
        return len(ctx.captured_queries)

    Heartbeat.objects.create(name=reminders.DISPATCH_HEARTBEAT, last_run_at=START)
    build(1)
    one = count_queries()
    build(10)
    assert count_queries() == one
