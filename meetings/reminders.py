"""Reminders and nudges before a meeting: which rows come due, the beat's dispatch pass that claims and queues
them, and sending one row once. Tasks, commands and tests call these."""

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q, Subquery
from django.utils import timezone

from core import heartbeat
from core.queueing import queue_after_commit
from meetings import emails
from meetings.models import Action, ActionUpdate, Attendance, Meeting, Reminder
from meetings.queries import is_current_member
from sets.models import SetMembership

# A claimed reminder that is still unsent after this long is queued again (its worker died, or Redis was down).
STALE_CLAIM = timedelta(minutes=10)
SEND_BATCH = 200
MAX_ATTEMPTS = 8
DISPATCH_HEARTBEAT = heartbeat.DISPATCH


def _due_reminder_rows(now: datetime) -> list[Reminder]:
    """Reminder rows that have come due and do not exist yet (a fixed number of queries, whatever the size)."""
    horizon = now + timedelta(days=15)
    meetings = list(
        Meeting.objects.filter(status=Meeting.Status.SCHEDULED, starts_at__gt=now, starts_at__lte=horizon)
        .select_related("learning_set")
        .only("pk", "starts_at", "learning_set__reminder_offsets_hours", "learning_set__nudge_days_before")
    )
    # (meeting, kind, offset hours) whose time has come; offsets are per set.
    due: list[tuple[Meeting, str, int]] = []
    for meeting in meetings:
        for hours in meeting.learning_set.reminder_offsets_hours or []:
            if meeting.starts_at - timedelta(hours=hours) <= now:
                due.append((meeting, Reminder.Kind.REMINDER, hours))
        days = meeting.learning_set.nudge_days_before
        if days and meeting.starts_at - timedelta(days=days) <= now:
            due.append((meeting, Reminder.Kind.NUDGE, days * 24))
    if not due:
        return []
    set_ids = {meeting.learning_set_id for meeting, _k, _h in due}
    meeting_ids = {meeting.pk for meeting, _k, _h in due}
    members: dict[int, list] = {}
    for set_id, user_id, reminders_on, nudges_on in (
        SetMembership.objects.current()
        .filter(learning_set_id__in=set_ids, user__is_active=True)
        .values_list("learning_set_id", "user_id", "user__reminder_emails", "user__nudge_emails")
    ):
        members.setdefault(set_id, []).append((user_id, reminders_on, nudges_on))
    apologies = set(
        Attendance.objects.filter(meeting_id__in=meeting_ids, rsvp=Attendance.Rsvp.APOLOGIES).values_list(
            "meeting_id", "user_id"
        )
    )
    needs_nudge = _people_needing_a_nudge([m for m, kind, _h in due if kind == Reminder.Kind.NUDGE], now)
    rows = []
    for meeting, kind, hours in due:
        for user_id, reminders_on, nudges_on in members.get(meeting.learning_set_id, []):
            if (meeting.pk, user_id) in apologies:
                continue
            if kind == Reminder.Kind.REMINDER and not reminders_on:
                continue
            if kind == Reminder.Kind.NUDGE and (not nudges_on or (meeting.pk, user_id) not in needs_nudge):
                continue
            rows.append(
                Reminder(
                    meeting_id=meeting.pk,
                    user_id=user_id,
                    kind=kind,
                    offset_hours=hours,
                    meeting_starts_at=meeting.starts_at,
                    due_at=meeting.starts_at - timedelta(hours=hours),
                )
            )
    return rows


def _people_needing_a_nudge(meetings: list[Meeting], now: datetime) -> set[tuple[int, int]]:
    """(meeting, person) pairs where the person has an open action in the set and has logged no progress on it
    since the set's last meeting. One query for any number of meetings."""
    if not meetings:
        return set()
    last_meeting = (
        Meeting.objects.held()
        .filter(learning_set=OuterRef(OuterRef("learning_set")), starts_at__lt=now)
        .order_by("-starts_at")
        .values("starts_at")[:1]
    )
    progress = ActionUpdate.objects.filter(action=OuterRef("pk"), created_at__gte=Subquery(last_meeting))
    lacking = set(
        Action.objects.filter(learning_set_id__in={m.learning_set_id for m in meetings}, status=Action.Status.OPEN)
        .filter(~Exists(progress))
        .values_list("learning_set_id", "owner_id")
        .distinct()
    )
    return {(m.pk, owner_id) for m in meetings for set_id, owner_id in lacking if set_id == m.learning_set_id}


def dispatch_due_reminders(*, now: datetime | None = None) -> list[int]:
    """One beat pass: create the reminder rows that have come due, claim every unsent row whose meeting has not
    started (new ones, and ones whose claim went stale), and queue them for sending after commit.

    Safe to run twice at once: rows are unique, and a row is claimed by a conditional UPDATE, so a second pass
    finds nothing to do. Returns the ids it claimed. Side effects: send tasks queued (batches of ids).
    """
    now = now or timezone.now()
    with transaction.atomic():
        heartbeat.beat(DISPATCH_HEARTBEAT, now)
        rows = _due_reminder_rows(now)
        if rows:
            Reminder.objects.bulk_create(rows, ignore_conflicts=True, batch_size=2000)
        claimable = Reminder.objects.filter(
            Q(claimed_at=None) | Q(claimed_at__lt=now - STALE_CLAIM),
            outcome=Reminder.Outcome.PENDING,
            meeting__starts_at__gt=now,
            attempts__lt=MAX_ATTEMPTS,
        )
        # Claim: rows another pass holds are skipped, and rows it has claimed no longer match; so each row is
        # queued by one pass only.
        claimed = list(claimable.select_for_update(of=("self",), skip_locked=True).values_list("pk", flat=True))
        Reminder.objects.filter(pk__in=claimed).update(claimed_at=now)
        _queue_reminder_batches(claimed)
    # Rows of meetings that started unsent are closed: a reminder is never sent after the meeting began.
    Reminder.objects.filter(outcome=Reminder.Outcome.PENDING, meeting__starts_at__lte=now).update(
        outcome=Reminder.Outcome.SKIPPED, skip_reason="meeting started"
    )
    return claimed


def _queue_reminder_batches(ids: list[int]) -> None:
    for start in range(0, len(ids), SEND_BATCH):
        batch = ids[start : start + SEND_BATCH]
        queue_after_commit("meetings.send_reminders", batch)


def _skip_reason(reminder: Reminder, now: datetime) -> str:
    meeting = reminder.meeting
    if meeting.status != Meeting.Status.SCHEDULED:
        return "meeting cancelled"
    if meeting.starts_at <= now:
        return "meeting started"
    if meeting.starts_at != reminder.meeting_starts_at:
        return "meeting moved"
    if not is_current_member(meeting.learning_set_id, reminder.user_id):
        return "left the set"
    if Attendance.objects.filter(meeting=meeting, user_id=reminder.user_id, rsvp=Attendance.Rsvp.APOLOGIES).exists():
        return "sent apologies"
    wanted = reminder.user.reminder_emails if reminder.kind == Reminder.Kind.REMINDER else reminder.user.nudge_emails
    if not wanted:
        return "turned off"
    return ""


def send_reminder(*, reminder_id: int, now: datetime | None = None) -> bool:
    """Send one reminder row, once. Returns True if an email went out.

    The row is locked, checked (still pending; meeting still on and not started; person still in the set, no
    apologies, still wants the email), and marked sent in the same transaction as the email is handed to the
    mail backend. An error rolls the transaction back and is recorded on the row; the caller retries.
    """
    now = now or timezone.now()
    try:
        with transaction.atomic():
            reminder = (
                Reminder.objects.select_for_update(of=("self",))
                .select_related("meeting", "meeting__learning_set", "meeting__learning_set__organisation", "user")
                .filter(pk=reminder_id)
                .first()
            )
            if reminder is None or reminder.outcome != Reminder.Outcome.PENDING:
                return False
            reason = _skip_reason(reminder, now)
            if reason:
                reminder.outcome = Reminder.Outcome.SKIPPED
                reminder.skip_reason = reason
                reminder.save(update_fields=["outcome", "skip_reason"])
                return False
            emails.send_reminder_email(reminder)
            reminder.outcome = Reminder.Outcome.SENT
            reminder.sent_at = timezone.now()
            reminder.attempts += 1
            reminder.last_error = ""
            reminder.save(update_fields=["outcome", "sent_at", "attempts", "last_error"])
            return True
    except Exception as error:
        Reminder.objects.filter(pk=reminder_id).update(attempts=F("attempts") + 1, last_error=repr(error)[:2000])
        raise
