"""Reminders through real Celery workers (subprocesses) on the configured broker (Redis in CI) and the real test
database: one email per person per kind when beat's pass runs twice, when a worker is killed in the middle of
a batch, and when the broker is down as the pass queues its sends."""

import logging
import time
import zoneinfo
from collections import Counter
from datetime import timedelta

import pytest
from django.db.models import F
from django.utils import timezone

from core.models import OutboxMessage
from meetings import reminders as reminder_services
from meetings import scheduling
from meetings.models import Meeting
from tests.factories import ActionFactory, MeetingFactory, SetMembershipFactory
from tests.worker_support import broker, unused_port, worker_pool

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

SLOW_EMAIL = "tests.slow_email.EmailBackend"  # sleeps 0.4 s, then writes the file, inside the row's transaction
PAUSE_AFTER_HAND_OVER = "tests.worker_support.HandOverThenPauseBackend"  # writes, then sleeps, inside it


@pytest.fixture
def workers(tmp_path, transactional_db):
    """Torn down (workers stopped, queue deleted) before the test database is flushed, even on failure."""
    with worker_pool(tmp_path) as pool:
        yield pool


def schedule_in_47_hours(learning_set, by):
    """One meeting through the service, as the facilitator's form does: 47 hours ahead, so the 48-hour reminder
    and the 3-day progress nudge are due now, and the 2-hour reminder is not. Its invitation is dated two hours
    back (`announced_at`), as if the meeting had been scheduled 49 hours ahead: so the 48-hour reminder's time
    came after the invitation and is not covered by it (meetings/reminders.py)."""
    tz = zoneinfo.ZoneInfo(learning_set.timezone)
    local = timezone.localtime(timezone.now() + timedelta(hours=47), tz).replace(tzinfo=None, second=0, microsecond=0)
    [meeting] = scheduling.schedule_meetings(
        learning_set=learning_set,
        by=by,
        details=scheduling.MeetingDetails(local_start=local, duration_minutes=120, place="Room 4"),
    )
    Meeting.objects.filter(pk=meeting.pk).update(announced_at=F("announced_at") - timedelta(hours=2))
    return meeting


def kind_of(message) -> str:
    subject = message["Subject"]
    if subject.startswith("Reminder:"):
        return "reminder"
    if subject.endswith("how are your actions going?"):
        return "nudge"
    if ": meeting on " in subject:
        return "invitation"
    raise AssertionError(f"unexpected email: {subject!r}")


def delivered(workers) -> Counter:
    """(recipient, kind) → how many emails the workers wrote."""
    return Counter((message["To"], kind_of(message)) for message in workers.emails())


def reminder_rows():
    """The outbox's reminder and nudge rows."""
    return OutboxMessage.objects.filter(kind__in=reminder_services.KINDS)


def sent_rows() -> int:
    return reminder_rows().filter(status=OutboxMessage.Status.SENT).count()


def test_each_person_gets_one_email_per_kind_when_the_pass_runs_twice(workers, learning_set, facilitator, member):
    away = SetMembershipFactory(learning_set=learning_set, user__full_name="Ari Away").user
    quiet = SetMembershipFactory(learning_set=learning_set, user__reminder_emails=False).user
    # Open actions with no progress: nudges for those who still want them and are coming.
    for person in (member, away, quiet):
        ActionFactory(learning_set=learning_set, owner=person)
    workers.start()

    meeting = schedule_in_47_hours(learning_set, by=facilitator)  # calendar invitations go through the worker
    scheduling.reply(meeting=meeting, user=away, rsvp="apologies", note="On leave")
    first = reminder_services.dispatch_due_reminders()
    second = reminder_services.dispatch_due_reminders()  # beat ran again before the worker got to the first batch
    assert (len(first), second) == (4, [])

    expected = Counter(
        {
            **{(person.email, "invitation"): 1 for person in (facilitator, member, away, quiet)},
            (facilitator.email, "reminder"): 1,
            (member.email, "reminder"): 1,
            (member.email, "nudge"): 1,
            (quiet.email, "nudge"): 1,  # reminders off, nudges on
        }
    )
    workers.wait_for(lambda: sent_rows() == 4 and delivered(workers).total() >= 8, what="8 emails, 4 rows sent")
    time.sleep(1.5)  # anything sent twice would have landed by now
    reminder_services.dispatch_due_reminders()  # and a later pass has nothing left to queue
    time.sleep(0.5)
    assert delivered(workers) == expected
    rows = reminder_rows().values_list("to_email", "kind", "status", "attempts")
    assert sorted(rows) == sorted(
        [
            (facilitator.email, "reminder", "sent", 1),
            (member.email, "reminder", "sent", 1),
            (member.email, "nudge", "sent", 1),
            (quiet.email, "nudge", "sent", 1),
        ]
    )
    assert not reminder_rows().filter(to_user=away).exists()


def test_a_worker_killed_mid_batch_loses_nothing_and_doubles_nothing(workers, learning_set):
    people = [SetMembershipFactory(learning_set=learning_set).user for _ in range(20)]
    MeetingFactory(learning_set=learning_set, starts_at=timezone.now() + timedelta(hours=47))  # no invitations
    first_worker = workers.start(email_backend=SLOW_EMAIL)
    claimed = reminder_services.dispatch_due_reminders()
    assert len(claimed) == 20  # one batch, one task

    # Kill once a few emails are out and each has its row committed. The worker writes a file and then commits
    # its row, so this state means it is now in the slow backend's 0.4 s pause before the next file, with that
    # row's transaction open and nothing written; the kill lands there unless this process stalls for 0.4 s.
    def settled_after_a_few() -> bool:
        sent = sent_rows()
        return sent >= 3 and len(workers.emails()) == sent

    workers.wait_for(settled_after_a_few, what="the first emails", interval=0.02)
    first_worker.kill()
    sent_at_kill = set(reminder_rows().filter(status="sent").values_list("to_email", flat=True))
    mailed_at_kill = Counter(message["To"] for message in workers.emails())
    assert 3 <= len(sent_at_kill) < 20, "the kill must land in the middle of the batch"
    # The honest limit: a kill after the email was handed over (here, the file written) but before its row's
    # commit leaves an email whose row is still pending, so that person gets it again from the next worker. Only
    # the one message in hand can be in that state; it shows as an email without a sent row. (In every run so
    # far the kill landed in the pause and this set was empty, so the result below was exact.)
    in_flight = set(mailed_at_kill) - sent_at_kill
    assert len(in_flight) <= 1 and all(n == 1 for n in mailed_at_kill.values())

    # A fresh worker, and the next beat pass after the claims went stale (still before the meeting).
    workers.start()
    later = timezone.now() + reminder_services.STALE_CLAIM + timedelta(seconds=5)
    requeued = reminder_services.dispatch_due_reminders(now=later)
    assert len(requeued) == 20 - len(sent_at_kill)
    workers.wait_for(lambda: sent_rows() == 20, what="all 20 reminders sent")
    time.sleep(1.5)  # anything sent twice would have landed by now

    # Exactly one email each (two only for the one person in flight at the kill, if any: see above).
    expected = Counter({(person.email, "reminder"): 2 if person.email in in_flight else 1 for person in people})
    assert delivered(workers) == expected
    assert reminder_rows().filter(status="sent", attempts=1).count() == 20  # the killed try left no trace


def test_the_limit_a_kill_between_hand_over_and_commit_repeats_that_one_email(workers, learning_set):
    """What the test above allows for, made to happen: the worker dies after the mail backend took an email and
    before the row's commit. That one email goes again (at-least-once for the message in hand); nobody else's."""
    people = [SetMembershipFactory(learning_set=learning_set).user for _ in range(8)]
    MeetingFactory(learning_set=learning_set, starts_at=timezone.now() + timedelta(hours=47))
    first_worker = workers.start(email_backend=PAUSE_AFTER_HAND_OVER)
    assert len(reminder_services.dispatch_due_reminders()) == 8

    workers.wait_for(lambda: len(workers.emails()) >= 3 and len(workers.emails()) > sent_rows(), what="a pause")
    first_worker.kill()
    sent_at_kill = set(reminder_rows().filter(status="sent").values_list("to_email", flat=True))
    in_flight = {message["To"] for message in workers.emails()} - sent_at_kill
    assert len(in_flight) == 1

    workers.start()
    reminder_services.dispatch_due_reminders(now=timezone.now() + reminder_services.STALE_CLAIM + timedelta(seconds=5))
    workers.wait_for(lambda: sent_rows() == 8, what="all 8 reminders sent")
    time.sleep(1.5)
    expected = Counter({(person.email, "reminder"): 2 if person.email in in_flight else 1 for person in people})
    assert delivered(workers) == expected


def test_a_broker_down_at_enqueue_time_loses_nothing(workers, learning_set, facilitator, member, caplog):
    workers.start()
    schedule_in_47_hours(learning_set, by=facilitator)
    invitations = {(facilitator.email, "invitation"): 1, (member.email, "invitation"): 1}
    workers.wait_for(lambda: delivered(workers) == invitations, what="the calendar invitations")
    # Beat's pass with the broker down: it claims the rows, queueing them fails fast and is logged; the claims
    # wait in the database.
    with broker(f"redis://127.0.0.1:{unused_port()}/0"), caplog.at_level(logging.ERROR, "actionlearning"):
        started = time.monotonic()
        claimed = reminder_services.dispatch_due_reminders()
        took = time.monotonic() - started
    assert len(claimed) == 2
    assert took < 10, f"a dead broker held the pass for {took:.1f}s"
    assert "Could not queue core.send_outbox" in caplog.text
    assert reminder_rows().filter(claimed_at__isnull=False, status="pending").count() == 2
    # The broker is back, but until the claims go stale nothing is sent, and nothing is queued twice.
    assert reminder_services.dispatch_due_reminders() == []
    time.sleep(1)
    assert (sent_rows(), delivered(workers)) == (0, invitations)

    requeued = reminder_services.dispatch_due_reminders(
        now=timezone.now() + reminder_services.STALE_CLAIM + timedelta(seconds=5)
    )
    assert sorted(requeued) == sorted(claimed)
    workers.wait_for(lambda: sent_rows() == 2, what="the waiting reminders")
    time.sleep(1.5)
    reminders = {(facilitator.email, "reminder"): 1, (member.email, "reminder"): 1}
    assert delivered(workers) == Counter({**invitations, **reminders})
