"""Reminders through real Celery workers on the configured broker (Redis in CI) and the real database:
exactly one email per person per kind, also when a worker is killed mid-batch or the broker is down."""

import os
import re
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from meetings import services
from meetings.models import Attendance, Reminder
from tests.factories import MeetingFactory, SetMembershipFactory
from tests.worker_support import database_url, emails_in, wait_for, worker_pool

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def recipients(outbox) -> Counter:
    return Counter(re.search(r"^To: (.+)$", text, re.MULTILINE).group(1) for text in emails_in(outbox))


def run_pass_in_a_process(*, broker: str, tmp_path) -> str:
    """One dispatch pass in its own process (as beat's worker would run it), on the given broker."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.worker_settings",
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": broker,
        "TEST_EMAIL_DIR": str(tmp_path),
    }
    code = "from meetings import services; print('claimed', len(services.dispatch_due_reminders()))"
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout + result.stderr


def test_each_person_gets_one_reminder_even_when_the_pass_runs_twice(tmp_path, learning_set, facilitator, member):
    away = SetMembershipFactory(learning_set=learning_set).user
    quiet = SetMembershipFactory(learning_set=learning_set, user__reminder_emails=False).user
    meeting = MeetingFactory(learning_set=learning_set, starts_at=timezone.now() + timedelta(hours=47))
    Attendance.objects.create(meeting=meeting, user=away, rsvp="apologies")
    with worker_pool(tmp_path) as (start, outbox, log):
        start()
        services.dispatch_due_reminders()
        services.dispatch_due_reminders()  # beat ran twice
        wait_for(lambda: Reminder.objects.filter(outcome="sent").count() == 2, log=log, what="two sent reminders")
        time.sleep(1.5)  # anything doubled would arrive by now
        assert recipients(outbox) == Counter({facilitator.email: 1, member.email: 1})
    assert not Reminder.objects.filter(user__in=[away, quiet]).exists()


def test_a_worker_killed_mid_batch_loses_nothing_and_doubles_nothing(tmp_path, learning_set):
    people = [SetMembershipFactory(learning_set=learning_set).user for _ in range(12)]
    MeetingFactory(learning_set=learning_set, starts_at=timezone.now() + timedelta(hours=47))
    with worker_pool(tmp_path) as (start, outbox, log):
        first = start(email_backend="tests.slow_email.EmailBackend")
        claimed = services.dispatch_due_reminders()
        assert len(claimed) == 12
        wait_for(lambda: len(emails_in(outbox)) >= 3, log=log, what="the first emails")
        first.kill()
        sent_before = Reminder.objects.filter(outcome="sent").count()
        assert 3 <= sent_before < 12, "the kill must land mid-batch"
        # A fresh worker, and the next beat pass after the claims went stale, finish the batch.
        start()
        later = timezone.now() + services.STALE_CLAIM + timedelta(seconds=5)
        requeued = services.dispatch_due_reminders(now=later)
        assert len(requeued) == 12 - sent_before
        wait_for(lambda: Reminder.objects.filter(outcome="sent").count() == 12, log=log, what="all 12 reminders")
        time.sleep(1.5)
        # The slow backend writes the file only after its pause, inside the row's transaction, so a kill during
        # the pause leaves no file and no sent row: every person has exactly one email.
        assert recipients(outbox) == Counter({person.email: 1 for person in people})


def test_a_broker_down_at_enqueue_time_loses_nothing(tmp_path, learning_set, facilitator, member):
    MeetingFactory(learning_set=learning_set, starts_at=timezone.now() + timedelta(hours=47))
    with worker_pool(tmp_path) as (start, outbox, log):
        start()
        # A beat process whose broker is down: it claims the rows, queueing them fails and is logged.
        started = time.monotonic()
        output = run_pass_in_a_process(broker="redis://127.0.0.1:9/0", tmp_path=tmp_path)
        assert time.monotonic() - started < 30, "a dead broker must not hang the pass"
        assert "claimed 2" in output
        assert "Could not queue meetings.send_reminders" in output
        assert Reminder.objects.filter(claimed_at__isnull=False).count() == 2
        time.sleep(1)
        assert Reminder.objects.filter(outcome="sent").count() == 0
        services.dispatch_due_reminders(now=timezone.now() + services.STALE_CLAIM + timedelta(seconds=5))
        wait_for(lambda: Reminder.objects.filter(outcome="sent").count() == 2, log=log, what="the waiting reminders")
        time.sleep(1)
        assert recipients(outbox) == Counter({facilitator.email: 1, member.email: 1})
