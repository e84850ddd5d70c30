"""Scheduling meetings: schedule, move and cancel them (one or the rest of a series), the calendar emails that
tell the set, and members' replies. Views, tasks, commands and tests call these."""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core import outbox
from core.emails import send_templated
from core.errors import ServiceError
from core.form_tokens import once_per_form_token
from core.models import OutboxMessage
from meetings import ics, recurrence
from meetings.models import Attendance, Meeting, MeetingSeries
from meetings.queries import is_current_member
from sets.models import LearningSet, SetMembership
from sets.versions import bump_sets


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
    """Schedule one meeting, or a series. Side effects: a calendar invitation (.ics) to everyone in the set, written
    to the outbox with the meetings (reminders already due by then are covered by it). Once per `form_token`
    (core/form_tokens.py)."""
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
    now = timezone.now()
    if starts[0] <= now:
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
            announced_at=now,
        )
        for start in starts
    )
    _write_calendar_email(meetings, SCHEDULED)
    bump_sets(learning_set.pk)  # bulk_create sends no signal (meetings/versions.py)
    return meetings


def _later_in_series(meeting: Meeting):
    return Meeting.objects.select_for_update().filter(
        series_id=meeting.series_id, starts_at__gte=meeting.starts_at, status=Meeting.Status.SCHEDULED
    )


@transaction.atomic
def reschedule_meeting(*, meeting: Meeting, by, details: MeetingDetails, rest_of_series: bool = False) -> list[Meeting]:
    """Move a meeting (and, if asked, every later meeting of its series by the same local shift), or change its
    place, link or length. Side effects: an updated invitation (same UID, higher SEQUENCE) to the set, written to
    the outbox with the change; reminders follow the new time (they are keyed on the start time they were for),
    and those already due at the new time are covered by the change email."""
    if meeting.status != Meeting.Status.SCHEDULED or meeting.has_started:
        raise ServiceError(_("Only a meeting that has not started can be changed."))
    tz_name = meeting.learning_set.timezone
    new_start = recurrence.to_aware(details.local_start, tz_name)
    if new_start <= timezone.now():
        raise ServiceError(_("The new time must be in the future."))
    now = timezone.now()
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
        target.announced_at = now
        target.save(update_fields=[*fields, "sequence", "announced_at", "updated_at"])
        changed.append(target)
    if changed:
        _write_calendar_email(changed, CHANGED)
    return changed


@transaction.atomic
def cancel_meeting(*, meeting: Meeting, by, rest_of_series: bool = False) -> list[Meeting]:
    """Cancel a meeting (or it and the rest of its series). Side effects: a cancellation (.ics METHOD:CANCEL)
    to everyone in the set, those who sent apologies included, written to the outbox with the change; its pending
    reminders will not be sent."""
    if meeting.status != Meeting.Status.SCHEDULED or meeting.has_started:
        raise ServiceError(_("Only a meeting that has not started can be cancelled."))
    targets = list(_later_in_series(meeting)) if rest_of_series and meeting.series_id else [meeting]
    now = timezone.now()
    for target in targets:
        target.status = Meeting.Status.CANCELLED
        target.cancelled_at = now
        target.sequence += 1
        target.save(update_fields=["status", "cancelled_at", "sequence", "updated_at"])
    _write_calendar_email(targets, CANCELLED)
    return targets


# The calendar emails: outbox kinds (registered in meetings/apps.py), one message per person per change, with a
# .ics per meeting. The email's name is its kind.

SCHEDULED, CHANGED, CANCELLED = "meeting-scheduled", "meeting-changed", "meeting-cancelled"
CALENDAR_KINDS = (SCHEDULED, CHANGED, CANCELLED)


def _write_calendar_email(meetings: list[Meeting], kind: str) -> None:
    """One outbox row per person in the set now. The key names the first meeting and its SEQUENCE, which every
    change raises, so each change is one message and writing it twice stores it once."""
    first = meetings[0]
    learning_set = first.learning_set
    people = SetMembership.objects.current().filter(learning_set=learning_set).select_related("user")
    outbox.enqueue(
        outbox.Message(
            kind=kind,
            key=f"{kind}:{first.pk}:{first.sequence}:{membership.user_id}",
            to_email=membership.user.email,
            to_user_id=membership.user_id,
            ref={"meetings": [m.pk for m in meetings]},
            organisation_id=learning_set.organisation_id,
            learning_set_id=learning_set.pk,
        )
        for membership in people
    )


def _calendar_meetings(message: OutboxMessage) -> list[Meeting]:
    return list(
        Meeting.objects.filter(pk__in=message.ref.get("meetings", []))
        .select_related("learning_set", "learning_set__organisation")
        .order_by("starts_at")
    )


def check_calendar_email(message: OutboxMessage, now: datetime) -> str:
    """Why a calendar email should no longer be sent, or ""."""
    meetings = _calendar_meetings(message)
    if not meetings:
        return "meeting deleted"
    user = message.to_user
    if user is None or not is_current_member(meetings[0].learning_set_id, user.pk):
        return "left the set"
    if message.kind != CANCELLED:
        if all(m.status == Meeting.Status.CANCELLED for m in meetings):
            return "meeting cancelled"
        if all(m.starts_at <= now for m in meetings):
            return "meeting started"
    return ""


def send_calendar_email(message: OutboxMessage) -> None:
    """One person's message with a .ics per meeting, in their time zone."""
    meetings = _calendar_meetings(message)
    learning_set, user = meetings[0].learning_set, message.to_user
    method = ics.CANCEL if message.kind == CANCELLED else ics.REQUEST
    with translation.override(user.language or settings.LANGUAGE_CODE):  # the .ics in the email's language
        attachments = [
            (f"meeting-{index}.ics", ics.calendar([meeting], method=method, attendee_email=user.email))
            for index, meeting in enumerate(meetings, start=1)
        ]
    send_templated(
        message.kind,
        to=user.email,
        context={"meetings": meetings, "learning_set": learning_set, "recipient": user, "method": method},
        tz_name=user.timezone,
        language=user.language,
        attachments=[(name, body, f"text/calendar; method={method}; charset=utf-8") for name, body in attachments],
    )


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
