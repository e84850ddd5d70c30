"""One outbox for every email: a row per message, written in the same transaction as the change that causes it,
and delivered by the worker with one set of rules.

- **Written with the change.** A service calls `enqueue(...)` inside its transaction: if the change rolls back,
  so does the email; if it commits, the email is in the database whatever Redis does. Each message has a unique
  `key`, so writing the same message twice stores (and sends) it once.
- **Claimed, then queued by name after commit.** A row due now is claimed (`claimed_at`) and its id queued to
  `core.send_outbox` once the transaction commits. If the broker is down the claim waits in the database.
- **Swept.** Beat's every-minute pass (`dispatch`) claims pending rows that are due and unclaimed or whose claim
  went stale (`STALE_CLAIM`: the worker died, or Redis was down), with `SELECT ... FOR UPDATE SKIP LOCKED`, and
  queues them again. A row past its `expires_at` is closed unsent; a row that failed `MAX_ATTEMPTS` times is
  marked failed.
- **Sent once.** `send` locks the row, asks the kind's `check` whether it is still wanted (a reason to skip, or
  ""), hands the email to the mail backend through the kind's `send`, and marks the row sent in the same
  transaction. An error rolls that back, is kept on the row (its kind on the page, never content) and retried with
  backoff by the task, then by later passes.

Apps register their kinds at start-up (`register`, from their AppConfig.ready): core imports no app. Rows carry
ids, never content: the kind's sender reads what it needs when it renders the email, in the recipient's zone.
Celery messages carry row ids only.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from core.models import OutboxMessage
from core.queueing import queue_after_commit

STALE_CLAIM = timedelta(minutes=10)  # a claimed row still unsent after this long is queued again
SEND_BATCH = 200
MAX_ATTEMPTS = 8
SEND_TASK = "core.send_outbox"

PENDING = OutboxMessage.Status.PENDING
SENT = OutboxMessage.Status.SENT
SKIPPED = OutboxMessage.Status.SKIPPED
FAILED = OutboxMessage.Status.FAILED


@dataclass(frozen=True)
class Kind:
    """How to deliver one kind of message: `check(message, now)` returns why it is no longer wanted ("" when it
    is), `send(message)` renders and hands it to the mail backend (core.emails.send_templated)."""

    name: str
    label: str
    check: Callable[[OutboxMessage, datetime], str]
    send: Callable[[OutboxMessage], None]
    expired_reason: str = "too late"


KINDS: dict[str, Kind] = {}


def register(name: str, *, label, check, send, expired_reason: str = "too late") -> None:
    """Called from an app's AppConfig.ready(): the app owns the kind, core delivers it."""
    KINDS[name] = Kind(name, label, check, send, expired_reason)


def label(kind: str) -> str:
    return str(KINDS[kind].label) if kind in KINDS else kind


@dataclass
class Message:
    """What a service asks to send: to whom, which kind, the ids the sender needs (`ref`), and a unique `key`."""

    kind: str
    key: str
    to_email: str
    to_user_id: int | None = None
    ref: dict = field(default_factory=dict)
    organisation_id: int | None = None
    learning_set_id: int | None = None
    due_at: datetime | None = None  # None: now
    expires_at: datetime | None = None
    skip_reason: str = ""  # written already closed: kept so the pages say what was not sent, and why

    def row(self, now: datetime) -> OutboxMessage:
        if self.kind not in KINDS:
            raise LookupError(f"no outbox kind {self.kind!r} is registered")  # a programming error: fail now
        return OutboxMessage(
            kind=self.kind,
            key=self.key[:200],
            to_email=self.to_email,
            to_user_id=self.to_user_id,
            ref=self.ref,
            organisation_id=self.organisation_id,
            learning_set_id=self.learning_set_id,
            created_at=now,
            due_at=self.due_at or now,
            expires_at=self.expires_at,
            status=SKIPPED if self.skip_reason else PENDING,
            reason=self.skip_reason,
        )


def write(messages: Iterable[Message], *, now: datetime | None = None) -> None:
    """Store messages (a key that exists already is left as it is). The caller's transaction decides whether
    they exist; `dispatch` sends them when they are due."""
    now = now or timezone.now()
    rows = [message.row(now) for message in messages]
    if rows:
        OutboxMessage.objects.bulk_create(rows, ignore_conflicts=True, batch_size=2000)


@transaction.atomic
def enqueue(messages: Iterable[Message], *, now: datetime | None = None) -> list[int]:
    """Store messages in the current transaction and, once it commits, queue those due now for the worker.

    Returns the ids queued. A message whose key was stored before is neither stored nor queued again.
    """
    now = now or timezone.now()
    messages = list(messages)
    if not messages:
        return []
    existing = set(OutboxMessage.objects.filter(key__in=[m.key[:200] for m in messages]).values_list("key", flat=True))
    fresh = [m for m in messages if m.key[:200] not in existing]
    write(fresh, now=now)
    due = OutboxMessage.objects.filter(
        key__in=[m.key[:200] for m in fresh], status=PENDING, claimed_at=None, due_at__lte=now
    )
    ids = list(due.values_list("pk", flat=True))
    OutboxMessage.objects.filter(pk__in=ids).update(claimed_at=now)
    _queue(ids)
    return ids


def _queue(ids: list[int]) -> None:
    for start in range(0, len(ids), SEND_BATCH):
        queue_after_commit(SEND_TASK, ids[start : start + SEND_BATCH])


def dispatch(*, now: datetime | None = None) -> list[int]:
    """Beat's pass over the outbox: claim every pending row that is due, unexpired, not given up on, and not
    claimed (or claimed longer than STALE_CLAIM ago), and queue it after commit; close expired rows and mark rows
    that failed MAX_ATTEMPTS times as failed.

    Safe to run twice at once: rows another pass has locked are skipped, and claimed rows no longer match.
    Returns the ids it claimed.
    """
    now = now or timezone.now()
    with transaction.atomic():
        claimable = OutboxMessage.objects.filter(
            Q(claimed_at=None) | Q(claimed_at__lt=now - STALE_CLAIM),
            Q(expires_at=None) | Q(expires_at__gt=now),
            status=PENDING,
            due_at__lte=now,
            attempts__lt=MAX_ATTEMPTS,
        )
        claimed = list(claimable.select_for_update(skip_locked=True).values_list("pk", flat=True))
        OutboxMessage.objects.filter(pk__in=claimed).update(claimed_at=now)
        _queue(claimed)
    expired = OutboxMessage.objects.filter(status=PENDING, expires_at__lte=now)
    for kind, reason in {(k, KINDS[k].expired_reason if k in KINDS else "too late") for k in _kinds(expired)}:
        expired.filter(kind=kind).update(status=SKIPPED, reason=reason)
    OutboxMessage.objects.filter(status=PENDING, attempts__gte=MAX_ATTEMPTS).update(status=FAILED)
    return claimed


def _kinds(rows: QuerySet) -> list[str]:
    return list(rows.order_by().values_list("kind", flat=True).distinct())


def send(*, message_id: int, now: datetime | None = None) -> bool:
    """Send one row, once. Returns True if an email went out.

    The row is locked and checked (still pending, not expired, still wanted by its kind's `check`), and marked
    sent in the same transaction as the email is handed to the mail backend. An error rolls the transaction
    back and is recorded on the row (a row that has failed MAX_ATTEMPTS times is marked failed); the caller
    retries.
    """
    now = now or timezone.now()
    try:
        with transaction.atomic():
            message = (
                OutboxMessage.objects.select_for_update(of=("self",))
                .select_related("to_user")
                .filter(pk=message_id)
                .first()
            )
            if message is None or message.status != PENDING:
                return False
            kind = KINDS[message.kind]
            reason = kind.expired_reason if message.expires_at and message.expires_at <= now else ""
            reason = reason or kind.check(message, now)
            if reason:
                message.status, message.reason = SKIPPED, reason[:200]
                message.save(update_fields=["status", "reason"])
                return False
            kind.send(message)
            message.status, message.sent_at, message.reason, message.last_error = SENT, timezone.now(), "", ""
            message.attempts += 1
            message.save(update_fields=["status", "sent_at", "reason", "attempts", "last_error"])
            return True
    except Exception as error:
        OutboxMessage.objects.filter(pk=message_id, status=PENDING).update(
            attempts=F("attempts") + 1, last_error=repr(error)[:2000], reason=type(error).__name__[:200]
        )
        OutboxMessage.objects.filter(pk=message_id, status=PENDING, attempts__gte=MAX_ATTEMPTS).update(status=FAILED)
        raise


# Reads for the pages that show what was sent: kind, recipient, time, status and reason, never content.


def sent_log(rows: QuerySet, *, limit: int = 200) -> list[OutboxMessage]:
    """The newest rows of `rows` with their recipient and set, each labelled (`kind_label`). One query."""
    found = list(rows.select_related("to_user", "learning_set").order_by("-created_at", "-pk")[:limit])
    for row in found:
        row.kind_label = label(row.kind)
    return found


def for_organisation(organisation_id: int, *, limit: int = 200) -> list[OutboxMessage]:
    """What the organisation's people were sent (for its admins)."""
    return sent_log(OutboxMessage.objects.filter(organisation_id=organisation_id), limit=limit)
