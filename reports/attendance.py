"""Attendance and progress before meetings: one raw query over (held meeting, person expected at it) pairs,
grouped by set and month (pair_rows), the raw-query plumbing the per-person rows share with it (raw_sql), and
adding up its rows."""

from __future__ import annotations

from django.db import connection

from reports.database import TABLES, named
from reports.rules import SQL_VALUES, rate
from reports.scope import Scope, month_boundaries

PAIR_FIGURES = ["expected", "present", "apologies", "engagement_due", "engaged"]

# One pass over (held meeting, person expected at it) pairs, grouped by set and month. Plain SQL because the ORM
# cannot join updates to the window between two meetings: each meeting's window starts at the set's previous held
# meeting (LAG), and progress counts for a pair when the person logged an update on one of the set's actions inside
# it. A person is expected at the meetings that started while they were in the set (joined_at <= start < left_at:
# none before they joined, none after they left), and progress is due from them before a meeting only when they
# were in the set for its whole window (joined by the previous meeting), so a newcomer owes no progress before
# their first meeting. Every join is an equi-join the database can hash (the membership dates only filter the
# hashed rows); nothing is evaluated once per pair. Month numbers are 0, 1, ... from the range's first month, in
# the organisation's zone.
#
# Whether a pair logged progress ({engaged_test}) is found two ways, with the same answer (tests/reports check
# both on the same data): on PostgreSQL each (set, author)'s update times, sorted into one array (LOGGED_PG), and
# two binary searches per pair (WIDTH_BUCKET: how many updates came before the window's end, and before its
# start); elsewhere (SQLite) every update joined to the windows of its set (ENGAGED_ANY). The second joins each
# update to every window of its set and dedupes the matches, about ten times the rows of the first: at the top
# bench scale (300,000 updates) that was 0.54 s of the report's 0.8 s. Each update carries its action's set
# (ActionUpdate.learning_set), so neither joins the updates to their actions: on PostgreSQL the (set, author,
# time) index gives each array in order.
PAIRS_CTES = """
WITH held AS (
    SELECT m.id, m.learning_set_id, m.starts_at,
           LAG(m.starts_at) OVER (PARTITION BY m.learning_set_id ORDER BY m.starts_at) AS prev_start
    FROM {meeting} m
    WHERE m.status = %(held)s AND m.starts_at < %(end)s AND m.learning_set_id IN ({sets})
),
windows AS (SELECT * FROM held WHERE starts_at >= %(start)s),
pairs AS (
    SELECT w.id AS meeting_id, w.learning_set_id, w.starts_at, w.prev_start, sm.user_id,
           CASE WHEN w.prev_start IS NOT NULL AND sm.joined_at <= w.prev_start THEN 1 ELSE 0 END AS progress_due
    FROM windows w
    JOIN {membership} sm ON sm.learning_set_id = w.learning_set_id
        AND sm.joined_at <= w.starts_at
        AND (sm.left_at IS NULL OR sm.left_at > w.starts_at)
    WHERE {person_pairs}
),
{engaged_cte}
"""

# PostgreSQL: each (set, author)'s update times, sorted. WIDTH_BUCKET(t, times)
# is how many of them are <= t; timestamps are whole microseconds, so "<= t - 1 microsecond" is "< t", and a pair
# logged progress when more updates came before its meeting than before the previous one (prev_start <= u < start).
LOGGED_PG = """logged AS (
    SELECT u.learning_set_id, u.author_id, ARRAY_AGG(u.created_at ORDER BY u.created_at) AS times
    FROM {update} u
    WHERE u.created_at < %(end)s AND u.learning_set_id IN ({sets}) AND {person_updates}
    GROUP BY u.learning_set_id, u.author_id
)"""
LOGGED_PG_JOIN = "LEFT JOIN logged lg ON lg.learning_set_id = p.learning_set_id AND lg.author_id = p.user_id"
LOGGED_PG_TEST = (
    "WIDTH_BUCKET(p.starts_at - INTERVAL '1 microsecond', lg.times)"
    " > WIDTH_BUCKET(p.prev_start - INTERVAL '1 microsecond', lg.times)"
)

# Any other database: the (meeting, author) pairs with an update in the meeting's window.
ENGAGED_ANY = """engaged AS (
    SELECT DISTINCT w.id AS meeting_id, u.author_id
    FROM {update} u
    JOIN windows w ON w.learning_set_id = u.learning_set_id
        AND u.created_at >= w.prev_start AND u.created_at < w.starts_at
    WHERE u.created_at < %(end)s AND {person_updates}
)"""
ENGAGED_ANY_JOIN = "LEFT JOIN engaged e ON e.meeting_id = p.meeting_id AND e.author_id = p.user_id"
ENGAGED_ANY_TEST = "e.meeting_id IS NOT NULL"

PAIR_COUNTS = """
       COUNT(*) AS expected,
       SUM(CASE WHEN att.present THEN 1 ELSE 0 END) AS present,
       SUM(CASE WHEN att.present THEN 0 WHEN att.rsvp = %(apologies)s THEN 1 ELSE 0 END) AS apologies,
       SUM(p.progress_due) AS engagement_due,
       SUM(CASE WHEN p.progress_due = 1 AND {engaged_test} THEN 1 ELSE 0 END) AS engaged
FROM pairs p
LEFT JOIN {attendance} att ON att.meeting_id = p.meeting_id AND att.user_id = p.user_id
{engaged_join}
"""

PAIRS_SQL = (
    PAIRS_CTES
    + "SELECT p.learning_set_id, {month} AS month_index,"
    + PAIR_COUNTS
    + """
GROUP BY p.learning_set_id, month_index
"""
)


def progress_sql(vendor: str | None = None) -> dict:
    """The fragments that find who logged progress before each meeting, for this database (see PAIRS_CTES)."""
    if (vendor or connection.vendor) == "postgresql":
        return {"engaged_cte": LOGGED_PG, "engaged_join": LOGGED_PG_JOIN, "engaged_test": LOGGED_PG_TEST}
    return {"engaged_cte": ENGAGED_ANY, "engaged_join": ENGAGED_ANY_JOIN, "engaged_test": ENGAGED_ANY_TEST}


def raw_sql(scope: Scope, template: str, *, vendor: str | None = None, **extra) -> tuple[str, dict]:
    """The SQL (tables, scope filters) and its named parameters, every raw query's in one dict: a fragment
    names what it uses, so the order of fragments does not matter."""
    adapt = connection.ops.adapt_datetimefield_value
    sets_sql, sets_params = named(*scope.set_ids().query.sql_with_params(), prefix="set")
    person = "sm.user_id = %(person)s" if scope.person else "1 = 1"
    # The progress fragments go in first: they hold placeholders ({update}, {sets}, ...) filled in below.
    template = template.format_map(_Keep(progress_sql(vendor)))
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
        **SQL_VALUES,
        "start": adapt(scope.start_at),
        "end": adapt(scope.end_at),
        "today": scope.today,
        "person": scope.person.pk if scope.person else None,
    }
    return sql, params


class _Keep(dict):
    """For str.format_map: fills in the names it has and leaves every other {name} as it is."""

    def __missing__(self, key):
        return "{" + key + "}"


def pair_rows(scope: Scope, *, vendor: str | None = None) -> list[dict]:
    """Attendance and progress before meetings, one row per (set, month): the figures in PAIR_FIGURES. `vendor`
    picks the progress fragments of another database (tests compare the two ways on PostgreSQL)."""
    adapt = connection.ops.adapt_datetimefield_value
    boundaries = month_boundaries(scope)
    month_sql = "0"
    if boundaries:
        month_sql = "CASE " + " ".join(f"WHEN p.starts_at < %(month_{i})s THEN {i}" for i in range(len(boundaries)))
        month_sql += f" ELSE {len(boundaries)} END"
    sql, params = raw_sql(scope, PAIRS_SQL, vendor=vendor, month=month_sql)
    params |= {f"month_{i}": adapt(boundary) for i, boundary in enumerate(boundaries)}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        columns = [column[0] for column in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def sum_pairs(rows) -> dict:
    """Adds up already-aggregated (set, month) rows: a handful per set, never one per pair."""
    total = dict.fromkeys(PAIR_FIGURES, 0)
    for row in rows:
        for key in PAIR_FIGURES:
            total[key] += row[key] or 0
    return {key: int(value) for key, value in total.items()}


def with_attendance_rates(row: dict) -> dict:
    row["absent"] = row["expected"] - row["present"] - row["apologies"]
    row["attendance_rate"] = rate(row["present"], row["expected"])
    row["engagement_rate"] = rate(row["engaged"], row["engagement_due"])
    return row
