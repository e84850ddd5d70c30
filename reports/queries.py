"""The participation report's figures, every one an aggregate computed by the database.

Nothing here reads a content field (issue titles and summaries, questions, action texts, updates, reflections,
journal entries, notes): only counts, rates, dates and statuses leave these functions. Each function is one query
(or a fixed few) whatever the size of the organisation; rows are grouped in SQL, never looped over in Python
(Python only adds up already-aggregated (set, month) rows and joins per-set rows by set id). Attendance, progress
before meetings and the per-person rows are plain SQL (PAIRS_SQL, PERSON_SQL) that runs as is on PostgreSQL and
SQLite; the rest is the ORM.

Definitions (also on the report page and in the README):
- a meeting counts in the range when it starts in it (the organisation's time zone); held = ended.
- attendance is counted over (held meeting, person in the set) pairs: everyone who had not left the set when the
  meeting started is expected; present = checked in; apologies = sent apologies and not present; absent = the rest.
- actions count in the range when they were committed in it; overdue = open and due before today; completion
  rate = done / committed; days to done = completed - committed (median).
- progress before a meeting: a held meeting with an earlier held meeting, and an expected person who logged
  progress on an action of the set between the two.
- sets at risk: active sets whose average attendance per held meeting in the range is below the contract's quorum,
  or whose last meeting was longer ago than twice their usual interval (the average gap between held meetings).
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import (
    Aggregate,
    Avg,
    Case,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from accounts.models import User
from meetings.models import Action, ActionUpdate, AirtimeSlot, Attendance, Meeting, ProcessRating
from sets.models import Invitation, LearningSet, Organisation, OrganisationMembership, SetMembership

DEFAULT_DAYS = 90
CHART_SETS = 20  # the per-set comparison chart shows this many sets, lowest attendance first


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


@dataclass(frozen=True)
class Scope:
    """What a report covers: an organisation's sets (all, the viewer's, or one), maybe one person, and a range of
    days (inclusive) in the organisation's time zone."""

    organisation: Organisation
    sets: QuerySet[LearningSet]
    start: date
    end: date
    person: User | None = None
    learning_set: LearningSet | None = None

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.organisation.timezone)

    @property
    def start_at(self) -> datetime:
        return datetime.combine(self.start, time.min, tzinfo=self.tz)

    @property
    def end_at(self) -> datetime:
        return datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=self.tz)

    @property
    def today(self) -> date:
        return timezone.localdate(timezone=self.tz)

    def set_ids(self) -> QuerySet:
        return self.sets.values("pk")


def default_range(organisation: Organisation, days: int = DEFAULT_DAYS) -> tuple[date, date]:
    today = timezone.localdate(timezone=ZoneInfo(organisation.timezone))
    return today - timedelta(days=days - 1), today


# --- base querysets -------------------------------------------------------------------------------------------


def meetings_in(scope: Scope) -> QuerySet[Meeting]:
    meetings = Meeting.objects.filter(
        learning_set__in=scope.set_ids(), starts_at__gte=scope.start_at, starts_at__lt=scope.end_at
    )
    if scope.person:
        meetings = meetings.filter(learning_set__memberships__user=scope.person)
    return meetings.order_by()


def held_meetings_in(scope: Scope) -> QuerySet[Meeting]:
    return meetings_in(scope).filter(status=Meeting.Status.ENDED)


PAIR_FIGURES = ["expected", "present", "apologies", "engagement_due", "engaged"]

# One pass over (held meeting, person expected at it) pairs, grouped by set and month. Plain SQL (it runs as is on
# PostgreSQL and SQLite) because the ORM cannot join updates to the window between two meetings: each meeting's
# window starts at the set's previous held meeting (LAG), and progress counts for a pair when the person logged an
# update on one of the set's actions inside it. Every join is an equi-join the database can hash; nothing is
# evaluated once per pair. Month numbers are 0, 1, ... from the range's first month, in the organisation's zone.
PAIRS_CTES = """
WITH held AS (
    SELECT m.id, m.learning_set_id, m.starts_at,
           LAG(m.starts_at) OVER (PARTITION BY m.learning_set_id ORDER BY m.starts_at) AS prev_start
    FROM {meeting} m
    WHERE m.status = %(held)s AND m.starts_at < %(end)s AND m.learning_set_id IN ({sets})
),
windows AS (SELECT * FROM held WHERE starts_at >= %(start)s),
pairs AS (
    SELECT w.id AS meeting_id, w.learning_set_id, w.starts_at, w.prev_start, sm.user_id
    FROM windows w
    JOIN {membership} sm ON sm.learning_set_id = w.learning_set_id
        AND (sm.left_at IS NULL OR sm.left_at > w.starts_at)
    WHERE {person_pairs}
),
engaged AS (
    SELECT DISTINCT w.id AS meeting_id, u.author_id
    FROM {update} u
    JOIN {action} a ON a.id = u.action_id
    JOIN windows w ON w.learning_set_id = a.learning_set_id
        AND u.created_at >= w.prev_start AND u.created_at < w.starts_at
    WHERE u.created_at < %(end)s AND {person_updates}
)
"""

PAIR_COUNTS = """
       COUNT(*) AS expected,
       SUM(CASE WHEN att.present THEN 1 ELSE 0 END) AS present,
       SUM(CASE WHEN att.present THEN 0 WHEN att.rsvp = %(apologies)s THEN 1 ELSE 0 END) AS apologies,
       SUM(CASE WHEN p.prev_start IS NULL THEN 0 ELSE 1 END) AS engagement_due,
       COUNT(e.meeting_id) AS engaged
FROM pairs p
LEFT JOIN {attendance} att ON att.meeting_id = p.meeting_id AND att.user_id = p.user_id
LEFT JOIN engaged e ON e.meeting_id = p.meeting_id AND e.author_id = p.user_id
"""

PAIRS_SQL = (
    PAIRS_CTES
    + "SELECT p.learning_set_id, {month} AS month_index,"
    + PAIR_COUNTS
    + """
GROUP BY p.learning_set_id, month_index
"""
)

# One row per person per set (the CSV and the per-person table): the pairs, actions and presentations grouped by
# (set, person) and joined to the memberships, so the database hashes and sorts once and a cursor streams it.
PERSON_SQL = (
    PAIRS_CTES
    + """,
pair_counts AS (
    SELECT p.learning_set_id, p.user_id,"""
    + PAIR_COUNTS
    + """
    GROUP BY p.learning_set_id, p.user_id
),
action_counts AS (
    SELECT a.learning_set_id, a.owner_id,
           COUNT(*) AS committed,
           SUM(CASE WHEN a.status = %(done)s THEN 1 ELSE 0 END) AS done,
           SUM(CASE WHEN a.status = %(dropped)s THEN 1 ELSE 0 END) AS dropped,
           SUM(CASE WHEN a.status = %(open)s THEN 1 ELSE 0 END) AS open,
           SUM(CASE WHEN a.status = %(open)s AND a.due_on < %(today)s THEN 1 ELSE 0 END) AS overdue
    FROM {action} a
    WHERE a.learning_set_id IN ({sets}) AND a.created_at >= %(start)s AND a.created_at < %(end)s
    GROUP BY a.learning_set_id, a.owner_id
),
slot_counts AS (
    SELECT w.learning_set_id, s.presenter_id, COUNT(*) AS presented
    FROM {slot} s JOIN windows w ON w.id = s.meeting_id
    GROUP BY w.learning_set_id, s.presenter_id
)
SELECT ls.name AS set_name, ls.id AS set_id, u.id AS user_id,
       COALESCE(NULLIF(u.full_name, ''), u.email) AS person, u.email, sm.role, sm.joined_at, sm.left_at,
       COALESCE(pc.expected, 0) AS meetings_expected, COALESCE(pc.present, 0) AS present,
       COALESCE(pc.apologies, 0) AS apologies, COALESCE(pc.engagement_due, 0) AS engagement_due,
       COALESCE(pc.engaged, 0) AS engaged, COALESCE(sc.presented, 0) AS presented,
       COALESCE(ac.committed, 0) AS committed, COALESCE(ac.done, 0) AS done, COALESCE(ac.dropped, 0) AS dropped,
       COALESCE(ac.open, 0) AS open, COALESCE(ac.overdue, 0) AS overdue
FROM {membership} sm
JOIN {learning_set} ls ON ls.id = sm.learning_set_id
JOIN {user} u ON u.id = sm.user_id
LEFT JOIN pair_counts pc ON pc.learning_set_id = sm.learning_set_id AND pc.user_id = sm.user_id
LEFT JOIN action_counts ac ON ac.learning_set_id = sm.learning_set_id AND ac.owner_id = sm.user_id
LEFT JOIN slot_counts sc ON sc.learning_set_id = sm.learning_set_id AND sc.presenter_id = sm.user_id
WHERE sm.learning_set_id IN ({sets}) AND {person_members}
ORDER BY ls.name, ls.id, person, u.id
"""
)

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


def _named(sql: str, params, prefix: str) -> tuple[str, dict]:
    """The ORM's SQL with its positional %s placeholders named prefix_0, prefix_1, ... (a literal %% stays as is),
    and those names' values, so it can sit in a raw query with named parameters."""
    values = iter(params)
    named = {}

    def name(match):
        if match.group() == "%%":
            return "%%"
        key = f"{prefix}_{len(named)}"
        named[key] = next(values)
        return f"%({key})s"

    return re.sub("%%|%s", name, sql), named


def _sql(scope: Scope, template: str, **extra) -> tuple[str, dict]:
    """The SQL (tables, scope filters) and its named parameters, every raw query's in one dict: a fragment
    names what it uses, so the order of fragments does not matter."""
    adapt = connection.ops.adapt_datetimefield_value
    sets_sql, sets_params = _named(*scope.set_ids().query.sql_with_params(), prefix="set")
    person = "sm.user_id = %(person)s" if scope.person else "1 = 1"
    sql = template.format(
        **TABLES,
        sets=sets_sql,
        person_pairs=person,
        person_updates="u.author_id = %(person)s" if scope.person else "1 = 1",
        person_members=person,
        **extra,
    )
    params = {
        **sets_params,
        "held": Meeting.Status.ENDED.value,
        "start": adapt(scope.start_at),
        "end": adapt(scope.end_at),
        "today": scope.today,
        "person": scope.person.pk if scope.person else None,
        "apologies": Attendance.Rsvp.APOLOGIES.value,
        "open": Action.Status.OPEN.value,
        "done": Action.Status.DONE.value,
        "dropped": Action.Status.DROPPED.value,
    }
    return sql, params


def pair_rows(scope: Scope) -> list[dict]:
    """Attendance and progress before meetings, one row per (set, month): the figures in PAIR_FIGURES."""
    adapt = connection.ops.adapt_datetimefield_value
    boundaries = [datetime.combine(month, time.min, tzinfo=scope.tz) for month in _months(scope)[1:]]
    month_sql = "0"
    if boundaries:
        month_sql = "CASE " + " ".join(f"WHEN p.starts_at < %(month_{i})s THEN {i}" for i in range(len(boundaries)))
        month_sql += f" ELSE {len(boundaries)} END"
    sql, params = _sql(scope, PAIRS_SQL, month=month_sql)
    params |= {f"month_{i}": adapt(boundary) for i, boundary in enumerate(boundaries)}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        columns = [column[0] for column in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def person_rows(scope: Scope, chunk_size: int = 2000):
    """One dict per person per set (current or past members), ordered by set and name; streamed from a
    server-side cursor on PostgreSQL (fetchmany on SQLite), so the CSV never holds every row."""
    sql, params = _sql(scope, PERSON_SQL)
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        columns = [column[0] for column in cursor.description]
        while rows := cursor.fetchmany(chunk_size):
            for row in rows:
                item = dict(zip(columns, row, strict=True))
                item["joined_at"], item["left_at"] = _aware(item["joined_at"]), _aware(item["left_at"])
                item["absent"] = item["meetings_expected"] - item["present"] - item["apologies"]
                yield item


def _aware(value):
    """A timestamp from a raw query: SQLite gives naive UTC (text or datetime), PostgreSQL an aware datetime."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if value is not None and timezone.is_naive(value):
        value = timezone.make_aware(value, UTC)
    return value


def person_table(scope: Scope) -> list[dict]:
    """person_rows for the page (one set or one person: a handful of rows), with the role's label."""
    labels = dict(SetMembership.Role.choices)
    return [{**row, "role_label": labels.get(row["role"], row["role"])} for row in person_rows(scope)]


def _sum_pairs(rows) -> dict:
    """Adds up already-aggregated (set, month) rows: a handful per set, never one per pair."""
    total = dict.fromkeys(PAIR_FIGURES, 0)
    for row in rows:
        for key in PAIR_FIGURES:
            total[key] += int(row[key] or 0)
    return total


EMPTY_ACTIONS = dict.fromkeys(["committed", "done", "dropped", "open", "overdue"], 0)


def actions_in(scope: Scope) -> QuerySet[Action]:
    actions = Action.objects.filter(
        learning_set__in=scope.set_ids(), created_at__gte=scope.start_at, created_at__lt=scope.end_at
    )
    if scope.person:
        actions = actions.filter(owner=scope.person)
    return actions.order_by()


def _days_to_done():
    return ExpressionWrapper(F("completed_at") - F("created_at"), output_field=DurationField())


def action_figures(scope: Scope, *, median: bool = True) -> dict:
    figures = {
        "committed": Count("pk"),
        "done": Count("pk", filter=Q(status=Action.Status.DONE)),
        "dropped": Count("pk", filter=Q(status=Action.Status.DROPPED)),
        "open": Count("pk", filter=Q(status=Action.Status.OPEN)),
        "overdue": Count("pk", filter=Q(status=Action.Status.OPEN, due_on__lt=scope.today)),
    }
    if median:
        figures["median_to_done"] = Median(
            _days_to_done(), filter=Q(status=Action.Status.DONE, completed_at__isnull=False)
        )
    return figures


# --- the figures ---------------------------------------------------------------------------------------------


def rate(part, whole) -> float | None:
    """A share in per cent, one decimal; None when there is nothing to share."""
    return round(100 * part / whole, 1) if whole else None


def days(duration: timedelta | None) -> float | None:
    return None if duration is None else round(duration.total_seconds() / 86400, 1)


def minutes(duration: timedelta | None) -> float | None:
    return None if duration is None else round(duration.total_seconds() / 60, 1)


def _with_attendance_rates(row: dict) -> dict:
    row["absent"] = row["expected"] - row["present"] - row["apologies"]
    row["attendance_rate"] = rate(row["present"], row["expected"])
    row["engagement_rate"] = rate(row["engaged"], row["engagement_due"])
    return row


def _with_action_rates(row: dict) -> dict:
    row["completion_rate"] = rate(row["done"], row["committed"])
    if "median_to_done" in row:
        row["median_days_to_done"] = days(row.pop("median_to_done"))
    return row


def meeting_totals(scope: Scope) -> dict:
    """Meetings scheduled (all in the range), held, cancelled and still to come; the average planned and actual
    length of the held meetings whose start and end were recorded."""
    timed = Q(status=Meeting.Status.ENDED, started_at__isnull=False, ended_at__isnull=False)
    row = meetings_in(scope).aggregate(
        scheduled=Count("pk"),
        held=Count("pk", filter=Q(status=Meeting.Status.ENDED)),
        cancelled=Count("pk", filter=Q(status=Meeting.Status.CANCELLED)),
        to_come=Count("pk", filter=Q(status__in=[Meeting.Status.SCHEDULED, Meeting.Status.LIVE])),
        timed=Count("pk", filter=timed),
        planned=Avg("duration_minutes", filter=timed),
        actual=Avg(ExpressionWrapper(F("ended_at") - F("started_at"), output_field=DurationField()), filter=timed),
    )
    row["planned_minutes"] = None if row["planned"] is None else round(row.pop("planned"), 1)
    row["actual_minutes"] = minutes(row.pop("actual"))
    return row


def attendance_totals(scope: Scope, pairs: list[dict] | None = None) -> dict:
    return _with_attendance_rates(_sum_pairs(pair_rows(scope) if pairs is None else pairs))


def action_totals(scope: Scope) -> dict:
    return _with_action_rates(actions_in(scope).aggregate(**action_figures(scope)))


def presentation_totals(scope: Scope) -> dict:
    """Presentations (airtime slots in held meetings) and, among the people in the sets now, how many never
    presented in the range."""
    slots = AirtimeSlot.objects.filter(meeting__in=held_meetings_in(scope).values("pk"))
    memberships = SetMembership.objects.current().filter(learning_set__in=scope.set_ids())
    if scope.person:
        slots = slots.filter(presenter=scope.person)
        memberships = memberships.filter(user=scope.person)
    presented = slots.filter(meeting__learning_set=OuterRef("learning_set"), presenter=OuterRef("user"))
    row = memberships.annotate(presented=Exists(presented)).aggregate(
        people=Count("pk"), never_presented=Count("pk", filter=Q(presented=False))
    )
    return {**row, "presentations": slots.count()}


def monthly(scope: Scope, pairs: list[dict] | None = None) -> list[dict]:
    """Per month (organisation's time zone): attendance, progress before meetings, actions committed and done,
    and the average process rating. Three grouped queries joined by month."""
    pairs = pair_rows(scope) if pairs is None else pairs
    months = _months(scope)
    attendance = {
        first_day: _sum_pairs(row for row in pairs if row["month_index"] == index)
        for index, first_day in enumerate(months)
    }
    actions = {
        months[row["month_index"]]: row
        for row in actions_in(scope)
        .values(month_index=_month_index("created_at", scope))
        .annotate(**action_figures(scope, median=False))
    }
    ratings = {
        _month_key(row["month"]): row
        for row in ratings_in(scope)
        .values(month=TruncMonth("meeting__starts_at", tzinfo=scope.tz))
        .annotate(rating=Avg("rating"), ratings=Count("pk"))
        .order_by("month")
    }
    rows = []
    for first_day in months:
        row = {"month": first_day}
        row |= _with_attendance_rates(attendance[first_day])
        row |= _with_action_rates({**EMPTY_ACTIONS, **_strip(actions.get(first_day))})
        rated = ratings.get(first_day) or {}
        row["rating"] = None if rated.get("rating") is None else round(rated["rating"], 1)
        row["ratings"] = rated.get("ratings", 0)
        rows.append(row)
    return rows


def _strip(row: dict | None) -> dict:
    return {k: v for k, v in (row or {}).items() if k not in ("month", "month_index")}


def _month_index(field: str, scope: Scope) -> Case:
    """0 for the range's first month, 1 for the next, ... (the organisation's months): a comparison per row,
    cheaper than converting every timestamp to local time to truncate it."""
    boundaries = [datetime.combine(month, time.min, tzinfo=scope.tz) for month in _months(scope)[1:]]
    whens = [When(**{f"{field}__lt": boundary}, then=Value(index)) for index, boundary in enumerate(boundaries)]
    return Case(*whens, default=Value(len(boundaries))) if whens else Value(0)


def _months(scope: Scope) -> list[date]:
    months, current = [], scope.start.replace(day=1)
    while current <= scope.end:
        months.append(current)
        current = (current + timedelta(days=32)).replace(day=1)
    return months


def _month_key(value) -> date:
    return value.date() if isinstance(value, datetime) else value


def ratings_in(scope: Scope) -> QuerySet[ProcessRating]:
    return ProcessRating.objects.filter(meeting__in=held_meetings_in(scope).values("pk")).order_by()


def per_set(scope: Scope, pairs: list[dict] | None = None) -> list[dict]:
    """One row per set in scope: meetings, attendance, progress before meetings, actions, presentations, process
    ratings by month, and whether the set is at risk. Six grouped queries joined by set id."""
    sets = list(scope.sets.order_by("name").values("pk", "name", "status", "quorum"))
    meetings = _by_set(_meetings_by_set(scope))
    pairs = pair_rows(scope) if pairs is None else pairs
    attendance: dict[int, list] = {}
    for row in pairs:
        attendance.setdefault(row["learning_set_id"], []).append(row)
    actions = _by_set(actions_in(scope).values("learning_set_id").annotate(**action_figures(scope)))
    presenting = _by_set(_presenting_by_set(scope))
    presentations = _by_set(_presentations_by_set(scope))
    ratings: dict[int, dict] = {}
    for row in (
        ratings_in(scope)
        .values("meeting__learning_set_id", month=TruncMonth("meeting__starts_at", tzinfo=scope.tz))
        .annotate(rating=Avg("rating"))
        .order_by("meeting__learning_set_id", "month")
    ):
        ratings.setdefault(row["meeting__learning_set_id"], {})[_month_key(row["month"])] = round(row["rating"], 1)
    overall = {
        row["meeting__learning_set_id"]: round(row["rating"], 1)
        for row in ratings_in(scope).values("meeting__learning_set_id").annotate(rating=Avg("rating"))
    }
    cadence = _by_set(_cadence_by_set(scope))
    months = _months(scope)
    reference = min(timezone.now(), scope.end_at)
    rows = []
    for learning_set in sets:
        pk = learning_set["pk"]
        row = {"set_id": pk, "name": learning_set["name"], "status": learning_set["status"]}
        row["quorum"] = learning_set["quorum"]
        row |= meetings.get(pk) or {"scheduled": 0, "held": 0, "cancelled": 0}
        row |= _with_attendance_rates(_sum_pairs(attendance.get(pk, [])))
        row |= _with_action_rates({**EMPTY_ACTIONS, "median_to_done": None, **actions.get(pk, {})})
        row |= presenting.get(pk) or {"people": 0, "never_presented": 0}
        row["presentations"] = presentations.get(pk, {}).get("presentations", 0)
        # Present per held meeting, from the pairs (only people expected at the meeting count).
        row["average_present"] = row["present"] / row["held"] if row["held"] else None
        row["rating"] = overall.get(pk)
        row["ratings_by_month"] = [ratings.get(pk, {}).get(m) for m in months]
        row |= _risk(learning_set, row, cadence.get(pk), reference)
        rows.append(row)
    return rows


def _by_set(rows) -> dict[int, dict]:
    return {row.pop("learning_set_id"): row for row in rows}


def _meetings_by_set(scope: Scope):
    return (
        meetings_in(scope)
        .values("learning_set_id")
        .annotate(
            scheduled=Count("pk"),
            held=Count("pk", filter=Q(status=Meeting.Status.ENDED)),
            cancelled=Count("pk", filter=Q(status=Meeting.Status.CANCELLED)),
        )
    )


def _presenting_by_set(scope: Scope):
    """People in each set now, and how many of them have not presented at a held meeting in the range."""
    held = held_meetings_in(scope).values("pk")
    slots = AirtimeSlot.objects.filter(meeting__in=held)
    memberships = SetMembership.objects.current().filter(learning_set__in=scope.set_ids()).order_by()
    if scope.person:
        memberships = memberships.filter(user=scope.person)
    presented = slots.filter(meeting__learning_set=OuterRef("learning_set"), presenter=OuterRef("user"))
    return (
        memberships.annotate(presented=Exists(presented))
        .values("learning_set_id")
        .annotate(people=Count("pk"), never_presented=Count("pk", filter=Q(presented=False)))
    )


def _presentations_by_set(scope: Scope):
    slots = AirtimeSlot.objects.filter(meeting__in=held_meetings_in(scope).values("pk")).order_by()
    if scope.person:
        slots = slots.filter(presenter=scope.person)
    return slots.values(learning_set_id=F("meeting__learning_set_id")).annotate(presentations=Count("pk"))


def _cadence_by_set(scope: Scope):
    """Every held meeting of each set up to the end of the range (not only in it): first, last and how many."""
    return (
        Meeting.objects.filter(
            learning_set__in=scope.set_ids(), status=Meeting.Status.ENDED, starts_at__lt=scope.end_at
        )
        .order_by()
        .values("learning_set_id")
        .annotate(first_held=Min("starts_at"), last_held=Max("starts_at"), held_ever=Count("pk"))
    )


def _risk(learning_set: dict, row: dict, cadence: dict | None, reference: datetime) -> dict:
    low_attendance = (
        row["held"] > 0 and row["average_present"] is not None and row["average_present"] < learning_set["quorum"]
    )
    usual = None
    overdue_meeting = False
    last_held = cadence["last_held"] if cadence else None
    if cadence and cadence["held_ever"] >= 2:
        usual = (cadence["last_held"] - cadence["first_held"]) / (cadence["held_ever"] - 1)
        overdue_meeting = reference - cadence["last_held"] > 2 * usual
    active = learning_set["status"] == LearningSet.Status.ACTIVE
    return {
        "average_present": None if row["average_present"] is None else round(row["average_present"], 1),
        "last_held": last_held,
        "usual_interval_days": days(usual),
        "low_attendance": active and low_attendance,
        "meeting_overdue": active and overdue_meeting,
        "at_risk": active and (low_attendance or overdue_meeting),
    }


def report(scope: Scope) -> dict:
    """Everything the report page shows."""
    pairs = pair_rows(scope)
    sets = per_set(scope, pairs)
    return {
        "meetings": meeting_totals(scope),
        "attendance": attendance_totals(scope, pairs),
        "actions": action_totals(scope),
        "presenting": presentation_totals(scope),
        "months": monthly(scope, pairs),
        "sets": sets,
        "at_risk": [row for row in sets if row["at_risk"]],
    }


def dashboard(organisation: Organisation) -> dict:
    """The organisation dashboard: sets, people and roles, facilitators, meetings this month, pending invitations."""
    tz = ZoneInfo(organisation.timezone)
    today = timezone.localdate(timezone=tz)
    month_start = datetime.combine(today.replace(day=1), time.min, tzinfo=tz)
    next_month = datetime.combine((today.replace(day=1) + timedelta(days=32)).replace(day=1), time.min, tzinfo=tz)
    sets = LearningSet.objects.filter(organisation=organisation).aggregate(
        active=Count("pk", filter=Q(status=LearningSet.Status.ACTIVE)),
        closed=Count("pk", filter=Q(status=LearningSet.Status.CLOSED)),
    )
    people = OrganisationMembership.objects.filter(organisation=organisation).aggregate(
        total=Count("pk"),
        admins=Count("pk", filter=Q(role=OrganisationMembership.Role.ADMIN)),
    )
    roles = (
        SetMembership.objects.current()
        .filter(
            learning_set__organisation=organisation,
            learning_set__status=LearningSet.Status.ACTIVE,
        )
        .aggregate(
            facilitators=Count("user", distinct=True, filter=Q(role=SetMembership.Role.FACILITATOR)),
            members=Count("user", distinct=True, filter=Q(role=SetMembership.Role.MEMBER)),
            in_sets=Count("user", distinct=True),
        )
    )
    month = Meeting.objects.filter(
        learning_set__organisation=organisation, starts_at__gte=month_start, starts_at__lt=next_month
    ).aggregate(
        total=Count("pk"),
        held=Count("pk", filter=Q(status=Meeting.Status.ENDED)),
        to_come=Count("pk", filter=Q(status__in=[Meeting.Status.SCHEDULED, Meeting.Status.LIVE])),
        cancelled=Count("pk", filter=Q(status=Meeting.Status.CANCELLED)),
    )
    pending = Invitation.objects.filter(
        organisation=organisation, accepted_at=None, revoked_at=None, expires_at__gt=timezone.now()
    ).count()
    return {
        "sets": sets,
        "people": {**people, **roles},
        "month": {**month, "first_day": today.replace(day=1)},
        "pending_invitations": pending,
    }
