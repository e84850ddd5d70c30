"""When the meetings of a series fall: python-dateutil's rrule over local wall-clock times, then the set's zone.

Recurrence runs on naive local datetimes and only then takes the set's time zone, so a 09:00 meeting stays at
09:00 local across a daylight-saving change (its UTC time moves instead). Pure Python: no database.
"""

import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, time
from itertools import islice

from dateutil import rrule

WEEKLY = "weekly"
FORTNIGHTLY = "fortnightly"
MONTHLY_WEEKDAY = "monthly"
EVERY_N_WEEKS = "every_n_weeks"

MAX_OCCURRENCES = 52


@dataclass(frozen=True)
class Rule:
    frequency: str
    interval_weeks: int = 1  # only for EVERY_N_WEEKS
    count: int | None = None
    until: date | None = None


def nth_weekday(day: date) -> int:
    """Which weekday of its month a date is: 1 for the first Tuesday ... 4; -1 for a fifth (read as "last")."""
    n = (day.day - 1) // 7 + 1
    return -1 if n == 5 else n


def to_aware(local: datetime, tz_name: str) -> datetime:
    """A wall-clock time in a zone as an aware datetime (a time skipped by a DST change moves forward)."""
    tz = zoneinfo.ZoneInfo(tz_name)
    aware = local.replace(tzinfo=tz)
    # Round-trip through UTC: a non-existent local time (the spring-forward gap) comes back as a real one.
    return aware.astimezone(zoneinfo.ZoneInfo("UTC")).astimezone(tz)


def local_starts(first: datetime, rule: Rule) -> list[datetime]:
    """The naive local start times of a series whose first meeting starts at `first` (naive, local)."""
    if rule.count is None and rule.until is None:
        raise ValueError("A series needs a number of meetings or an end date.")
    kwargs: dict = {"dtstart": first}
    if rule.frequency == WEEKLY:
        kwargs |= {"freq": rrule.WEEKLY, "interval": 1}
    elif rule.frequency == FORTNIGHTLY:
        kwargs |= {"freq": rrule.WEEKLY, "interval": 2}
    elif rule.frequency == EVERY_N_WEEKS:
        if not 1 <= rule.interval_weeks <= 12:
            raise ValueError("Every 1 to 12 weeks.")
        kwargs |= {"freq": rrule.WEEKLY, "interval": rule.interval_weeks}
    elif rule.frequency == MONTHLY_WEEKDAY:
        weekday = rrule.weekdays[first.weekday()]
        kwargs |= {"freq": rrule.MONTHLY, "byweekday": weekday(nth_weekday(first.date()))}
    else:
        raise ValueError(f"Unknown frequency {rule.frequency!r}.")
    count = min(rule.count or MAX_OCCURRENCES, MAX_OCCURRENCES)
    if rule.until is not None:
        # rrule refuses count and until together (RFC 5545); cut the count ourselves.
        kwargs["until"] = datetime.combine(rule.until, time.max)
    return list(islice(rrule.rrule(**kwargs), count))


def occurrences(first: datetime, tz_name: str, rule: Rule) -> list[datetime]:
    """The aware start times of a series, at most MAX_OCCURRENCES."""
    return [to_aware(local, tz_name) for local in local_starts(first, rule)]
