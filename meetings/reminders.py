"""Reminders and nudges before a meeting: which come due, beat's pass that writes them to the outbox and runs
the outbox's dispatch, and the outbox kinds that check and send them. Tasks, commands and tests call these.

A reminder is an outbox row (core/outbox.py) of kind "reminder" or "nudge", keyed on the meeting, the person,
the offset and the start time it was for: writing it twice stores it once, and a moved meeting gets fresh rows
for its new time. Sending follows the outbox's rules (claim, send once, retry, sweep stale claims).
"""

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from core import heartbeat, outbox
from core.models import OutboxMessage
from meetings import emails
from meetings.models import Action, ActionUpdate, Attendance, Meeting, ReminderKind
from meetings.queries import is_current_member
from sets.models import SetMembership

STALE_CLAIM = outbox.STALE_CLAIM
DISPATCH_HEARTBEAT = heartbeat.DISPATCH
KINDS = (ReminderKind.REMINDER, ReminderKind.NUDGE)
MEETING_STARTED = "meeting started"


def reminder_message(meeting: Meeting, user_id: int, email: str, kind: str, hours: int) -> outbox.Message:
    """The outbox row of one reminder (or nudge) for one person and one start time."""
    due_at = meeting.starts_at - timedelta(hours=hours)
    covered = ""
    # Reminders whose time had come when the set was emailed this time (scheduled or moved close in) are covered
    # by that email: one message, not three. Nudges ask about actions, which no calendar email does.
    if kind == ReminderKind.REMINDER and meeting.announced_at and due_at <= meeting.announced_at:
        covered = "covered by the invitation" if meeting.sequence == 0 else "covered by the change email"
    return outbox.Message(
        kind=kind,
        key=f"{kind}:{meeting.pk}:{user_id}:{hours}:{int(meeting.starts_at.timestamp())}",
        to_email=email,
        to_user_id=user_id,
        ref={"meeting": meeting.pk, "offset_hours": hours, "starts_at": meeting.starts_at.isoformat()},
        organisation_id=meeting.learning_set.organisation_id,
        learning_set_id=meeting.learning_set_id,
        due_at=due_at,
        expires_at=meeting.starts_at,
        skip_reason=covered,
    )


def _due_reminders(now: datetime) -> list[outbox.Message]:
    """Reminders that have come due (new rows, or ones that exist already: the outbox keeps one per key), in a
    fixed number of queries whatever the size."""
    horizon = now + timedelta(days=15)
    meetings = list(
        Meeting.objects.filter(status=Meeting.Status.SCHEDULED, starts_at__gt=now, starts_at__lte=horizon)
        .select_related("learning_set")
        .only(
            "pk",
            "starts_at",
            "sequence",
            "announced_at",
            "learning_set__organisation_id",
            "learning_set__reminder_offsets_hours",
            "learning_set__nudge_days_before",
        )
    )
    # (meeting, kind, offset hours) whose time has come; offsets are per set.
    due: list[tuple[Meeting, str, int]] = []
    for meeting in meetings:
        for hours in meeting.learning_set.reminder_offsets_hours or []:
            if meeting.starts_at - timedelta(hours=hours) <= now:
                due.append((meeting, ReminderKind.REMINDER, hours))
        days = meeting.learning_set.nudge_days_before
        if days and meeting.starts_at - timedelta(days=days) <= now:
            due.append((meeting, ReminderKind.NUDGE, days * 24))
    if not due:
        return []
    set_ids = {meeting.learning_set_id for meeting, _k, _h in due}
    meeting_ids = {meeting.pk for meeting, _k, _h in due}
    members: dict[int, list] = {}
    for set_id, user_id, email, reminders_on, nudges_on in (
        SetMembership.objects.current()
        .filter(learning_set_id__in=set_ids, user__is_active=True)
        .values_list("learning_set_id", "user_id", "user__email", "user__reminder_emails", "user__nudge_emails")
    ):
        members.setdefault(set_id, []).append((user_id, email, reminders_on, nudges_on))
    apologies = set(
        Attendance.objects.filter(meeting_id__in=meeting_ids, rsvp=Attendance.Rsvp.APOLOGIES).values_list(
            "meeting_id", "user_id"
        )
    )
    needs_nudge = _people_needing_a_nudge([m for m, kind, _h in due if kind == ReminderKind.NUDGE], now)
    messages = []
    for meeting, kind, hours in due:
        for user_id, email, reminders_on, nudges_on in members.get(meeting.learning_set_id, []):
            if (meeting.pk, user_id) in apologies:
                continue
            if kind == ReminderKind.REMINDER and not reminders_on:
                continue
            if kind == ReminderKind.NUDGE and (not nudges_on or (meeting.pk, user_id) not in needs_nudge):
                continue
            messages.append(reminder_message(meeting, user_id, email, kind, hours))
    return messages


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
    """Beat's every-minute pass: record the heartbeat, write the reminder rows that have come due to the outbox,
    and run the outbox's dispatch, which claims and queues every email due (reminders, and any other message whose
    claim went stale) and closes rows whose time has passed (a reminder is never sent after the meeting began).

    Safe to run twice at once (core/outbox.py). Returns the outbox ids it claimed.
    """
    now = now or timezone.now()
    with transaction.atomic():
        heartbeat.beat(DISPATCH_HEARTBEAT, now)
        outbox.write(_due_reminders(now), now=now)
    return outbox.dispatch(now=now)


# The outbox kinds "reminder" and "nudge" (registered in meetings/apps.py).


def check(message: OutboxMessage, now: datetime) -> str:
    """Why a reminder row should no longer be sent, or ""."""
    meeting = Meeting.objects.filter(pk=message.ref.get("meeting")).first()
    if meeting is None or meeting.status == Meeting.Status.CANCELLED:
        return "meeting cancelled"
    if meeting.status != Meeting.Status.SCHEDULED or meeting.starts_at <= now:
        return MEETING_STARTED
    if meeting.starts_at != parse_datetime(message.ref.get("starts_at", "")):
        return "meeting moved"
    user = message.to_user
    if user is None or not is_current_member(meeting.learning_set_id, user.pk):
        return "left the set"
    if Attendance.objects.filter(meeting=meeting, user=user, rsvp=Attendance.Rsvp.APOLOGIES).exists():
        return "sent apologies"
    wanted = user.reminder_emails if message.kind == ReminderKind.REMINDER else user.nudge_emails
    if not wanted:
        return "turned off"
    return ""


def send(message: OutboxMessage) -> None:
    meeting = Meeting.objects.select_related("learning_set", "learning_set__organisation").get(
        pk=message.ref["meeting"]
    )
    emails.send_reminder_email(meeting=meeting, user=message.to_user, kind=message.kind)
