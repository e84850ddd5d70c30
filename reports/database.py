"""What the raw queries and the ORM aggregates share: the Median aggregate (PostgreSQL and SQLite), the tables'
names, named parameters for an ORM subquery inside raw SQL, and timestamps read back from raw rows."""

from __future__ import annotations

import re
import statistics
from datetime import UTC

from django.db.models import Aggregate
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from accounts.models import User
from meetings.models import Action, ActionUpdate, AirtimeSlot, Attendance, Meeting
from sets.models import LearningSet, SetMembership


class Median(Aggregate):
    """The median: PERCENTILE_CONT(0.5) on PostgreSQL; a median aggregate registered on each SQLite connection
    (as Django does for its own statistics aggregates there)."""

    name = "Median"
    function = "PERCENTILE_CONT"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"

    def as_sqlite(self, compiler, connection, **extra_context):
        # Registered as the query is compiled, so every SQLite connection has it (cheap, and idempotent).
        connection.ensure_connection()
        connection.connection.create_aggregate("REPORTS_MEDIAN", 1, _SQLiteMedian)
        clone = self.copy()
        clone.function, clone.template = "REPORTS_MEDIAN", "%(function)s(%(expressions)s)"
        return clone.as_sql(compiler, connection, **extra_context)


class _SQLiteMedian:
    def __init__(self):
        self.values = []

    def step(self, value):
        if value is not None:
            self.values.append(value)

    def finalize(self):
        return statistics.median(self.values) if self.values else None


TABLES = {
    "meeting": Meeting._meta.db_table,
    "membership": SetMembership._meta.db_table,
    "update": ActionUpdate._meta.db_table,
    "action": Action._meta.db_table,
    "attendance": Attendance._meta.db_table,
    "slot": AirtimeSlot._meta.db_table,
    "learning_set": LearningSet._meta.db_table,
    "user": User._meta.db_table,
}


def named(sql: str, params, prefix: str) -> tuple[str, dict]:
    """The ORM's SQL with its positional %s placeholders named prefix_0, prefix_1, ... (a literal %% stays as is),
    and those names' values, so it can sit in a raw query with named parameters."""
    values = iter(params)
    by_name = {}

    def name(match):
        if match.group() == "%%":
            return "%%"
        key = f"{prefix}_{len(by_name)}"
        by_name[key] = next(values)
        return f"%({key})s"

    return re.sub("%%|%s", name, sql), by_name


def aware(value):
    """A timestamp from a raw query: SQLite gives naive UTC (text or datetime), PostgreSQL an aware datetime."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if value is not None and timezone.is_naive(value):
        value = timezone.make_aware(value, UTC)
    return value
