"""Every kind of email (invitation, meeting scheduled / changed / cancelled, reminder, nudge, meeting summary)
through the outbox and real Celery workers, with the faults the outbox is there for: Redis restarted empty in the
middle of a run (our own redis-server, tests/reliability/servers.py), each task delivered twice, and a worker
killed mid-batch. In each, every email goes out, and none twice."""

import time
import uuid
from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from core import outbox
from core.models import OutboxMessage
from meetings import live, recording, reminders, scheduling
from meetings.models import Meeting
from sets import invitations
from tests.factories import ActionFactory, MeetingFactory
from tests.reliability.test_redis_outage import caches_on
from tests.worker_support import WorkerPool, broker, routed_to, worker_pool

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

SLOW_EMAIL = "tests.slow_email.EmailBackend"  # sleeps 0.4 s, then writes the file, inside the row's transaction
KINDS = ("invitation", "meeting-scheduled", "meeting-changed", "meeting-cancelled", "reminder", "nudge", "summary")


def kind_of(message) -> str:
    subject = message["Subject"]
    for kind, says in (
        ("invitation", "You are invited to join"),
        ("meeting-scheduled", ": meeting on "),
        ("meeting-changed", ": meeting changed"),
        ("meeting-cancelled", ": meeting cancelled"),
        ("summary", ": the record of "),
        ("reminder", "Reminder:"),
        ("nudge", "how are your actions going?"),
    ):
        if says in subject:
            return kind
    raise AssertionError(f"unexpected email: {subject!r}")


def delivered(pool) -> Counter:
    """(recipient, kind) → how many emails the workers wrote."""
    return Counter((message["To"], kind_of(message)) for message in pool.emails())


def local(learning_set, moment):
    return timezone.localtime(moment, scheduling.recurrence.zoneinfo.ZoneInfo(learning_set.timezone)).replace(
        tzinfo=None, second=0, microsecond=0
    )


class World:
    """A set with a facilitator and a member, and the meetings each kind of email is about."""

    def __init__(self, organisation, learning_set, admin, facilitator, member):
        self.organisation, self.learning_set, self.admin = organisation, learning_set, admin
        self.facilitator, self.member = facilitator, member
        self.people = (facilitator, member)
        now = timezone.now()
        self.to_remind = MeetingFactory(learning_set=learning_set, starts_at=now + timedelta(hours=47))
        self.to_change = MeetingFactory(learning_set=learning_set, starts_at=now + timedelta(days=12))
        self.to_cancel = MeetingFactory(learning_set=learning_set, starts_at=now + timedelta(days=14))
        ActionFactory(learning_set=learning_set, owner=member)  # open, no progress: the member gets a nudge

    def invite(self, email):
        invitations.invite(
            organisation=self.organisation,
            learning_set=self.learning_set,
            request=invitations.InvitationRequest(email=email),
            by=self.admin,
        )

    def schedule(self):
        details = scheduling.MeetingDetails(
            local_start=local(self.learning_set, timezone.now() + timedelta(days=10)), duration_minutes=120
        )
        scheduling.schedule_meetings(learning_set=self.learning_set, by=self.facilitator, details=details)

    def change(self):
        details = scheduling.MeetingDetails(
            local_start=local(self.learning_set, self.to_change.starts_at + timedelta(days=1)), duration_minutes=120
        )
        scheduling.reschedule_meeting(meeting=self.to_change, by=self.facilitator, details=details)

    def cancel(self):
        scheduling.cancel_meeting(meeting=self.to_cancel, by=self.facilitator)

    def remind(self):
        return reminders.dispatch_due_reminders()

    def hold_and_end(self):
        """A meeting held now and ended (made here, so that no earlier pass reminded anyone of it)."""
        meeting = MeetingFactory(learning_set=self.learning_set, starts_at=timezone.now() + timedelta(minutes=5))
        live.control_meeting(meeting_id=meeting.pk, by=self.facilitator, control="start", version=0)
        meeting.refresh_from_db()
        for person in self.people:
            recording.mark_present(meeting=meeting, user=person, present=True, by=self.facilitator)
        meeting.refresh_from_db()
        live.control_meeting(meeting_id=meeting.pk, by=self.facilitator, control="end", version=meeting.version)

    def expected(self, invited) -> Counter:
        mine = {(p.email, kind): 1 for p in self.people for kind in KINDS if kind not in ("invitation", "nudge")}
        return Counter({**mine, (self.member.email, "nudge"): 1, **{(email, "invitation"): 1 for email in invited}})


@pytest.fixture
def world(organisation, learning_set, admin, facilitator, member):
    return World(organisation, learning_set, admin, facilitator, member)


def every_row_sent() -> bool:
    return not OutboxMessage.objects.exclude(status="sent").exists()


def later(minutes: float = 0):
    """A beat pass after every claim so far went stale."""
    return timezone.now() + outbox.STALE_CLAIM + timedelta(seconds=5, minutes=minutes)


def settle(pool, expected: Counter) -> None:
    pool.wait_for(lambda: every_row_sent() and delivered(pool).total() >= expected.total(), what="every email")
    time.sleep(1.5)  # anything sent twice would have landed by now
    assert reminders.dispatch_due_reminders(now=later(1)) == []  # and a later pass has nothing left to queue
    time.sleep(0.5)


# Redis restarted in the middle of a run: a worker of our own on a redis-server of our own.


@pytest.fixture
def own_redis_workers(tmp_path, redis_server, transactional_db):
    outbox_dir = tmp_path / "outbox"
    outbox_dir.mkdir()
    pool = WorkerPool(f"test-{uuid.uuid4().hex}", outbox_dir, tmp_path / "worker.log", redis_server.url(0), None)
    try:
        with broker(redis_server.url(0)), routed_to(pool.queue), caches_on(redis_server):
            yield pool
    finally:
        for worker in pool.workers:
            worker.stop()


def connections_made(pool) -> int:
    return pool.log.read_text().count("Connected to redis://") if pool.log.exists() else 0


def test_every_kind_survives_a_redis_restart_mid_run_and_goes_once(own_redis_workers, redis_server, world):
    workers = own_redis_workers
    workers.start(email_backend=SLOW_EMAIL)  # 0.4 s an email: the restart lands while work is queued
    workers.wait_for(lambda: connections_made(workers) == 1, what="the worker to connect")
    # Half of the changes with Redis up: their send tasks are queued (some sent, most waiting in Redis).
    world.invite("first@example.org")
    world.schedule()
    world.remind()
    workers.wait_for(lambda: delivered(workers).total() >= 1, what="the first email", interval=0.02)
    redis_server.stop()  # queued tasks vanish with it (no persistence on this server)
    # The other half while Redis is down: each change is saved with its outbox rows; queueing fails (logged).
    world.invite("second@example.org")
    world.change()
    world.cancel()
    world.hold_and_end()
    redis_server.start()  # the same port, empty
    workers.wait_for(lambda: connections_made(workers) >= 2, what="the worker to reconnect", timeout=60)
    assert not every_row_sent(), "the restart must leave emails waiting, or it proves nothing"
    # Until the claims go stale, nothing is queued twice; then beat's pass queues every waiting row again.
    assert reminders.dispatch_due_reminders() == []
    requeued = reminders.dispatch_due_reminders(now=later())
    assert requeued, "the rows lost with Redis were not queued again"
    expected = world.expected(["first@example.org", "second@example.org"])
    settle(workers, expected)
    assert delivered(workers) == expected
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {"sent"}


# Each task delivered twice, and a worker killed mid-batch: workers on the configured broker.


@pytest.fixture
def workers(tmp_path, transactional_db):
    with worker_pool(tmp_path) as pool:
        yield pool


def make_every_kind(world) -> Counter:
    world.invite("first@example.org")
    world.schedule()
    world.change()
    world.cancel()
    world.remind()
    world.hold_and_end()
    return world.expected(["first@example.org"])


def test_every_kind_goes_once_when_its_task_is_delivered_twice(workers, world):
    expected = make_every_kind(world)  # queued, with no worker running yet
    # Beat's pass after the claims went stale queues every row again: each one is now in the queue twice.
    assert len(reminders.dispatch_due_reminders(now=later())) == OutboxMessage.objects.count() == expected.total()
    workers.start()
    settle(workers, expected)
    assert delivered(workers) == expected
    assert list(OutboxMessage.objects.values_list("status", "attempts").distinct()) == [("sent", 1)]


def test_every_kind_goes_once_when_a_worker_is_killed_mid_run(workers, world):
    first_worker = workers.start(email_backend=SLOW_EMAIL)
    expected = make_every_kind(world)

    # Kill once a few emails are out and each has its row committed (the slow backend pauses before writing, so
    # the kill lands in a pause with that row's transaction open and nothing written: see
    # tests/meetings/test_worker_reminders.py).
    def settled_after_a_few() -> bool:
        sent = OutboxMessage.objects.filter(status="sent").count()
        return sent >= 3 and len(workers.emails()) == sent

    workers.wait_for(settled_after_a_few, what="the first emails", interval=0.02)
    first_worker.kill()
    sent_at_kill = OutboxMessage.objects.filter(status="sent").count()
    assert 3 <= sent_at_kill < expected.total(), "the kill must land in the middle of the run"
    mailed_at_kill = delivered(workers)
    assert mailed_at_kill.total() - sent_at_kill <= 1  # at most the one email in hand (the honest limit)

    workers.start()
    assert reminders.dispatch_due_reminders(now=later())
    settle(workers, expected)
    in_flight = mailed_at_kill.total() - sent_at_kill
    assert delivered(workers).total() == expected.total() + in_flight
    assert set(delivered(workers)) == set(expected) and max(delivered(workers).values()) <= 1 + in_flight
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {"sent"}
    assert not Meeting.objects.filter(pk=world.to_cancel.pk, status="scheduled").exists()
