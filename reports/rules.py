"""The report's rules, each named once here so every figure uses the same one, and how its numbers are rounded.

Definitions (also on the report page and in the README):
- a meeting counts in the range when it starts in it (the organisation's time zone); held = ended.
- attendance is counted over (held meeting, person in the set) pairs: everyone who had joined the set and not left
  it when the meeting started is expected; present = checked in; apologies = sent apologies and not present;
  absent = the rest.
- actions count in the range when they were committed in it; overdue = open and due before today; completion
  rate = done / committed; days to done = completed - committed (median).
- progress before a meeting: a held meeting with an earlier held meeting, an expected person who was in the set
  at that earlier meeting already (progress is due from them), and who logged progress on an action of the set
  between the two.
- sets at risk: active sets whose average attendance per held meeting in the range is below the contract's quorum,
  or whose last meeting was longer ago than twice their usual interval (the average gap between held meetings).
"""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Q

from meetings.models import Action, Attendance, Meeting
from sets.models import LearningSet

# --- meetings ----------------------------------------------------------------------------------------------------

HELD = Meeting.Status.ENDED  # a held meeting is one that ended; cancelled, scheduled and live ones are not held


def held() -> Q:
    """A held meeting (HELD)."""
    return Q(status=HELD)


def cancelled() -> Q:
    return Q(status=Meeting.Status.CANCELLED)


def to_come() -> Q:
    """A meeting still to come: scheduled, or live now."""
    return Q(status__in=[Meeting.Status.SCHEDULED, Meeting.Status.LIVE])


def timed() -> Q:
    """A held meeting whose actual start and end were recorded (its length can be measured)."""
    return held() & Q(started_at__isnull=False, ended_at__isnull=False)


# --- sets --------------------------------------------------------------------------------------------------------

ACTIVE_SET = LearningSet.Status.ACTIVE  # only active sets can be at risk; the dashboard counts people in them


def active_set(via: str = "") -> Q:
    """An active set (ACTIVE_SET); `via` reaches the set across a join, for example "learning_set__"."""
    return Q(**{f"{via}status": ACTIVE_SET})


# --- actions -----------------------------------------------------------------------------------------------------


def done() -> Q:
    return Q(status=Action.Status.DONE)


def dropped() -> Q:
    return Q(status=Action.Status.DROPPED)


def still_open() -> Q:
    return Q(status=Action.Status.OPEN)


def overdue(today) -> Q:
    """Open and due before today."""
    return still_open() & Q(due_on__lt=today)


# The same rules' values for the raw queries, by the names their SQL uses (%(held)s, ...).
SQL_VALUES = {
    "held": HELD.value,
    "apologies": Attendance.Rsvp.APOLOGIES.value,
    "open": Action.Status.OPEN.value,
    "done": Action.Status.DONE.value,
    "dropped": Action.Status.DROPPED.value,
}


# --- numbers -----------------------------------------------------------------------------------------------------


def rate(part, whole) -> float | None:
    """A share in per cent, one decimal; None when there is nothing to share."""
    return round(100 * part / whole, 1) if whole else None


def days(duration: timedelta | None) -> float | None:
    return None if duration is None else round(duration.total_seconds() / 86400, 1)


def minutes(duration: timedelta | None) -> float | None:
    return None if duration is None else round(duration.total_seconds() / 60, 1)
