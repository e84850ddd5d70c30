"""Every write to meetings, replies and reminders. Views, tasks, commands and tests call these."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from core import heartbeat
from core.errors import ServiceError
from core.form_tokens import once_per_form_token
from core.queueing import queue_after_commit
from meetings import ics, recurrence
from meetings.models import Action, ActionUpdate, Attendance, Meeting, MeetingSeries, Reminder
from sets.models import LearningSet, SetMembership

# A claimed reminder that is still unsent after this long is queued again (its worker died, or Redis was down).
STALE_CLAIM = timedelta(minutes=10)
SEND_BATCH = 200
MAX_ATTEMPTS = 8
DISPATCH_HEARTBEAT = heartbeat.DISPATCH


@dataclass(frozen=True)
class MeetingDetails:
    """What a facilitator types: the local wall-clock start in the set's zone, and the rest."""

    local_start: datetime  # naive, in the set's time zone
    duration_minutes: int
    place: str = ""
    video_link: str = ""


# Scheduling


def _local(meeting: Meeting, tz_name: str) -> datetime:
    return timezone.localtime(meeting.starts_at, recurrence.zoneinfo.ZoneInfo(tz_name)).replace(tzinfo=None)


@once_per_form_token
@transaction.atomic
def schedule_meetings(
    *, learning_set: LearningSet, by, details: MeetingDetails, repeat: recurrence.Rule | None = None
) -> list[Meeting]:
    """Schedule one meeting, or a series. Side effects: a calendar invitation (.ics) to everyone in the set,
    queued after commit. Once per `form_token` (core/form_tokens.py)."""
    if learning_set.is_closed:
        raise ServiceError(_("This set is closed; it has no more meetings."))
    tz_name = learning_set.timezone
    series = None
    if repeat is None:
        starts = [recurrence.to_aware(details.local_start, tz_name)]
    else:
        try:
            starts = recurrence.occurrences(details.local_start, tz_name, repeat)
        except ValueError as error:
            raise ServiceError(str(error)) from error
        series = MeetingSeries.objects.create(
            learning_set=learning_set,
            frequency=repeat.frequency,
            interval_weeks=repeat.interval_weeks,
            count=repeat.count,
            until=repeat.until,
            timezone=tz_name,
            created_by=by,
        )
    if not starts:
        raise ServiceError(_("That series has no meetings: check its end date."))
    if starts[0] <= timezone.now():
        raise ServiceError(_("The first meeting must be in the future."))
    meetings = Meeting.objects.bulk_create(
        Meeting(
            learning_set=learning_set,
            series=series,
            starts_at=start,
            duration_minutes=details.duration_minutes,
            place=details.place,
            video_link=details.video_link,
            created_by=by,
        )
        for start in starts
    )
    _queue_calendar_email([m.pk for m in meetings], ics.REQUEST, "scheduled")
    return meetings


def _later_in_series(meeting: Meeting):
    return Meeting.objects.select_for_update().filter(
        series_id=meeting.series_id, starts_at__gte=meeting.starts_at, status=Meeting.Status.SCHEDULED
    )


@transaction.atomic
def reschedule_meeting(*, meeting: Meeting, by, details: MeetingDetails, rest_of_series: bool = False) -> list[Meeting]:
    """Move a meeting (and, if asked, every later meeting of its series by the same local shift), or change its
    place, link or length. Side effects: an updated invitation (same UID, higher SEQUENCE) to the set; reminders
    follow the new time (they are keyed on the start time they were for)."""
    if meeting.status != Meeting.Status.SCHEDULED or meeting.has_started:
        raise ServiceError(_("Only a meeting that has not started can be changed."))
    tz_name = meeting.learning_set.timezone
    new_start = recurrence.to_aware(details.local_start, tz_name)
    if new_start <= timezone.now():
        raise ServiceError(_("The new time must be in the future."))
    shift = details.local_start - _local(meeting, tz_name)
    targets = list(_later_in_series(meeting)) if rest_of_series and meeting.series_id else [meeting]
    changed = []
    for target in targets:
        start = recurrence.to_aware(_local(target, tz_name) + shift, tz_name)
        fields = {
            "starts_at": start,
            "duration_minutes": details.duration_minutes,
            "place": details.place,
            "video_link": details.video_link,
        }
        if all(getattr(target, name) == value for name, value in fields.items()):
            continue
        for name, value in fields.items():
            setattr(target, name, value)
        target.sequence += 1
        target.save(update_fields=[*fields, "sequence", "updated_at"])
        changed.append(target)
    if changed:
        _queue_calendar_email([m.pk for m in changed], ics.REQUEST, "changed")
    return changed


@transaction.atomic
def cancel_meeting(*, meeting: Meeting, by, rest_of_series: bool = False) -> list[Meeting]:
    """Cancel a meeting (or it and the rest of its series). Side effects: a cancellation (.ics METHOD:CANCEL)
    to everyone in the set, those who sent apologies included; its pending reminders will not be sent."""
    if meeting.status != Meeting.Status.SCHEDULED or meeting.has_started:
        raise ServiceError(_("Only a meeting that has not started can be cancelled."))
    targets = list(_later_in_series(meeting)) if rest_of_series and meeting.series_id else [meeting]
    now = timezone.now()
    for target in targets:
        target.status = Meeting.Status.CANCELLED
        target.cancelled_at = now
        target.sequence += 1
        target.save(update_fields=["status", "cancelled_at", "sequence", "updated_at"])
    _queue_calendar_email([m.pk for m in targets], ics.CANCEL, "cancelled")
    return targets


def _queue_calendar_email(meeting_ids: list[int], method: str, change: str) -> None:
    queue_after_commit("meetings.send_calendar_emails", meeting_ids, method, change)


def send_calendar_emails(*, meeting_ids: list[int], method: str, change: str) -> int:
    """Email each active member of the set one message with a .ics per meeting. Returns the number sent."""
    from core.emails import send_templated

    meetings = list(
        Meeting.objects.filter(pk__in=meeting_ids).select_related("learning_set", "learning_set__organisation")
    )
    if not meetings:
        return 0
    learning_set = meetings[0].learning_set
    people = SetMembership.objects.current().filter(learning_set=learning_set).select_related("user")
    sent = 0
    for membership in people:
        user = membership.user
        attachments = [
            (f"meeting-{index}.ics", ics.calendar([meeting], method=method, attendee_email=user.email))
            for index, meeting in enumerate(meetings, start=1)
        ]
        send_templated(
            f"meeting-{change}",
            to=user.email,
            context={"meetings": meetings, "learning_set": learning_set, "recipient": user, "method": method},
            tz_name=user.timezone,
            attachments=[(name, body, f"text/calendar; method={method}; charset=utf-8") for name, body in attachments],
        )
        sent += 1
    return sent


# Replies


@transaction.atomic
def reply(*, meeting: Meeting, user, rsvp: str, note: str = "") -> Attendance:
    """Answer "I'll be there" or "apologies" for a meeting that has not started."""
    if rsvp not in (Attendance.Rsvp.YES, Attendance.Rsvp.APOLOGIES):
        raise ServiceError(_("Choose “I'll be there” or “Apologies”."))
    if meeting.status != Meeting.Status.SCHEDULED or meeting.has_started:
        raise ServiceError(_("Replies close when the meeting starts."))
    attendance, _created = Attendance.objects.update_or_create(
        meeting=meeting,
        user=user,
        defaults={"rsvp": rsvp, "note": note.strip()[:500], "responded_at": timezone.now()},
    )
    return attendance


# Reminders


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
        Meeting.objects.filter(learning_set=OuterRef(OuterRef("learning_set")), starts_at__lt=now)
        .exclude(status=Meeting.Status.CANCELLED)
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
    if (
        not SetMembership.objects.current()
        .filter(learning_set_id=meeting.learning_set_id, user_id=reminder.user_id)
        .exists()
    ):
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
    from meetings import emails

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
