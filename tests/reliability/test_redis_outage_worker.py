"""Redis (the broker and the cache) gone while members use the site, then back on the same port, empty: pages
work throughout, reminders due and calendar emails written during the outage wait in the outbox and go out once
Redis is back, and nobody gets one twice. A real Celery worker process on our own redis-server
(tests/reliability/servers.py); the machine's shared Redis is never touched.

(A worker killed mid-batch is tests/meetings/test_worker_reminders.py; it is not repeated here.)"""

import logging
import time
import uuid
from collections import Counter
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from meetings import reminders as reminder_services
from meetings.models import Attendance
from tests.meetings.test_worker_reminders import delivered, reminder_rows, schedule_in_47_hours, sent_rows
from tests.reliability.test_redis_outage import caches_on
from tests.worker_support import WorkerPool, broker, routed_to

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def workers(tmp_path, redis_server, transactional_db):
    """Workers on our own Redis (db 0 the broker), this process's tasks routed to them, the cache on db 1.
    Stopped before the test database is flushed, even on failure."""
    outbox = tmp_path / "outbox"
    outbox.mkdir()
    pool = WorkerPool(f"test-{uuid.uuid4().hex}", outbox, tmp_path / "worker.log", redis_server.url(0), None)
    try:
        with broker(redis_server.url(0)), routed_to(pool.queue), caches_on(redis_server):
            yield pool
    finally:
        for worker in pool.workers:
            worker.stop()


def connections_made(pool) -> int:
    return pool.log.read_text().count("Connected to redis://") if pool.log.exists() else 0


def test_reminders_wait_out_a_redis_outage_and_go_once_it_is_back(
    workers, redis_server, client, learning_set, facilitator, member, caplog
):
    workers.start()
    workers.wait_for(lambda: connections_made(workers) == 1, what="the worker to connect")
    meeting = schedule_in_47_hours(learning_set, by=facilitator)
    invitations = {(facilitator.email, "invitation"): 1, (member.email, "invitation"): 1}
    workers.wait_for(lambda: delivered(workers) == invitations, what="the calendar invitations")
    client.force_login(member)
    pages = [
        reverse("sets:home"),
        reverse("meetings:my-actions"),
        reverse("meetings:set-meetings", args=[learning_set.pk]),
        reverse("meetings:detail", args=[meeting.pk]),
    ]
    assert [client.get(page).status_code for page in pages] == [200, 200, 200, 200]

    redis_server.stop()  # the broker and the cache, gone
    assert [client.get(page).status_code for page in pages] == [200, 200, 200, 200]
    response = client.post(reverse("meetings:reply", args=[meeting.pk]), {"rsvp": "yes", "note": ""})
    assert response.status_code == 302
    assert Attendance.objects.get(meeting=meeting, user=member).rsvp == "yes"
    # A facilitator's write that queues a task (calendar invitations): saved with its outbox rows, and answered in
    # bounded time; queueing the rows fails (logged) and they wait in the outbox (docs/reliability.md).
    facilitating = Client()
    facilitating.force_login(facilitator)
    day = (timezone.localdate() + timedelta(days=20)).isoformat()
    data = {"date": day, "time": "10:00", "duration_minutes": "120", "place": "Room 5", "form_token": ""}
    with caplog.at_level(logging.ERROR, "actionlearning"):
        started = time.monotonic()
        response = facilitating.post(reverse("meetings:schedule", args=[learning_set.pk]), data)
        took = time.monotonic() - started
    assert response.status_code == 302
    assert learning_set.meetings.count() == 2
    assert took < 10, f"a dead broker held the facilitator's page for {took:.1f}s"
    assert "Could not queue core.send_outbox" in caplog.text
    waiting_invitations = {(facilitator.email, "invitation"): 2, (member.email, "invitation"): 2}
    caplog.clear()
    # Beat's pass during the outage: the rows are claimed, queueing fails fast and is logged; they wait.
    with caplog.at_level(logging.ERROR, "actionlearning"):
        started = time.monotonic()
        claimed = reminder_services.dispatch_due_reminders()
        took = time.monotonic() - started
    assert len(claimed) == 2
    assert took < 10, f"a dead broker held the pass for {took:.1f}s"
    assert "Could not queue core.send_outbox" in caplog.text
    assert reminder_rows().filter(claimed_at__isnull=False, status="pending").count() == 2

    redis_server.start()  # the same port, empty
    workers.wait_for(lambda: connections_made(workers) == 2, what="the worker to reconnect", timeout=60)
    assert [client.get(page).status_code for page in pages] == [200, 200, 200, 200]
    # Until the claims go stale nothing is queued again (a pass that queued fine is not doubled either).
    assert reminder_services.dispatch_due_reminders() == []
    time.sleep(1)
    assert (sent_rows(), delivered(workers)) == (0, invitations)

    requeued = reminder_services.dispatch_due_reminders(
        now=timezone.now() + reminder_services.STALE_CLAIM + timedelta(seconds=5)
    )
    assert set(claimed) < set(requeued)  # the reminders, and the calendar emails written during the outage
    workers.wait_for(
        lambda: sent_rows() == 2 and delivered(workers).total() >= 6, what="the waiting reminders and invitations"
    )
    time.sleep(1.5)  # anything sent twice would have landed by now
    assert (
        reminder_services.dispatch_due_reminders(
            now=timezone.now() + reminder_services.STALE_CLAIM + timedelta(seconds=10)
        )
        == []
    )
    time.sleep(0.5)
    reminders = {(facilitator.email, "reminder"): 1, (member.email, "reminder"): 1}
    assert delivered(workers) == Counter({**waiting_invitations, **reminders})
    assert reminder_rows().filter(status="sent", attempts=1).count() == 2
