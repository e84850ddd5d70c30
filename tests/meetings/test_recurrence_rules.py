"""meetings/recurrence.py: pure date arithmetic, no database."""

from datetime import UTC, date, datetime

import pytest

from meetings import recurrence
from meetings.recurrence import Rule


def utc(aware: datetime) -> tuple[int, int, int, int, int]:
    moment = aware.astimezone(UTC)
    return moment.month, moment.day, moment.hour, moment.minute, moment.weekday()


def test_weekly_keeps_local_time_across_both_london_changes():
    starts = recurrence.occurrences(datetime(2027, 3, 16, 9, 0), "Europe/London", Rule(recurrence.WEEKLY, count=3))
    assert [(s.month, s.day, s.hour) for s in starts] == [(3, 16, 9), (3, 23, 9), (3, 30, 9)]
    assert [s.astimezone(UTC).hour for s in starts] == [9, 9, 8]  # BST from 28 March
    autumn = recurrence.occurrences(datetime(2027, 10, 26, 9, 0), "Europe/London", Rule(recurrence.WEEKLY, count=2))
    assert [s.astimezone(UTC).hour for s in autumn] == [8, 9]  # GMT again from 31 October


def test_new_york_changes_on_its_own_dates():
    starts = recurrence.occurrences(datetime(2027, 3, 8, 18, 30), "America/New_York", Rule(recurrence.WEEKLY, count=2))
    assert [s.hour for s in starts] == [18, 18]
    assert [s.astimezone(UTC).hour for s in starts] == [23, 22]  # DST from 14 March


def test_fortnightly_and_every_n_weeks():
    first = datetime(2027, 1, 5, 10, 0)
    fortnightly = recurrence.local_starts(first, Rule(recurrence.FORTNIGHTLY, count=3))
    assert [d.date() for d in fortnightly] == [date(2027, 1, 5), date(2027, 1, 19), date(2027, 2, 2)]
    every_three = recurrence.local_starts(first, Rule(recurrence.EVERY_N_WEEKS, interval_weeks=3, count=3))
    assert [d.date() for d in every_three] == [date(2027, 1, 5), date(2027, 1, 26), date(2027, 2, 16)]


def test_monthly_on_the_same_weekday_of_the_month():
    # 12 January 2027 is the second Tuesday.
    starts = recurrence.local_starts(datetime(2027, 1, 12, 9, 0), Rule(recurrence.MONTHLY_WEEKDAY, count=3))
    assert [d.date() for d in starts] == [date(2027, 1, 12), date(2027, 2, 9), date(2027, 3, 9)]
    assert {d.weekday() for d in starts} == {1}


def test_a_fifth_weekday_means_the_last_one():
    # 29 March 2027 is the fifth Monday; April has four Mondays, the last on the 26th.
    starts = recurrence.local_starts(datetime(2027, 3, 29, 9, 0), Rule(recurrence.MONTHLY_WEEKDAY, count=2))
    assert [d.date() for d in starts] == [date(2027, 3, 29), date(2027, 4, 26)]


def test_until_is_inclusive_and_count_is_capped():
    until = recurrence.local_starts(datetime(2027, 1, 5, 9, 0), Rule(recurrence.WEEKLY, until=date(2027, 1, 19)))
    assert [d.day for d in until] == [5, 12, 19]
    both = recurrence.local_starts(datetime(2027, 1, 5, 9, 0), Rule(recurrence.WEEKLY, count=2, until=date(2027, 3, 1)))
    assert len(both) == 2
    capped = recurrence.local_starts(datetime(2027, 1, 5, 9, 0), Rule(recurrence.WEEKLY, count=500))
    assert len(capped) == recurrence.MAX_OCCURRENCES


def test_a_series_needs_an_end_and_a_known_frequency():
    with pytest.raises(ValueError):
        recurrence.local_starts(datetime(2027, 1, 5, 9, 0), Rule(recurrence.WEEKLY))
    with pytest.raises(ValueError):
        recurrence.local_starts(datetime(2027, 1, 5, 9, 0), Rule("yearly", count=2))
    with pytest.raises(ValueError):
        recurrence.local_starts(datetime(2027, 1, 5, 9, 0), Rule(recurrence.EVERY_N_WEEKS, interval_weeks=0, count=2))


def test_a_time_in_the_spring_forward_gap_becomes_a_real_time():
    aware = recurrence.to_aware(datetime(2027, 3, 28, 1, 30), "Europe/London")  # 01:00-02:00 does not exist
    assert aware.astimezone(UTC) == datetime(2027, 3, 28, 1, 30, tzinfo=UTC)
    assert (aware.hour, aware.minute) == (2, 30)
