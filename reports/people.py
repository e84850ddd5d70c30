"""One row per person per set (the CSV and the per-person table): one raw query, streamed from a cursor."""

from __future__ import annotations

from django.db import connection

from reports.attendance import PAIR_COUNTS, PAIRS_CTES, raw_sql
from reports.database import aware
from reports.scope import Scope
from sets.models import SetMembership

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


def person_rows(scope: Scope, chunk_size: int = 2000):
    """One dict per person per set (current or past members), ordered by set and name; streamed from a
    server-side cursor on PostgreSQL (fetchmany on SQLite), so the CSV never holds every row."""
    sql, params = raw_sql(scope, PERSON_SQL)
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        columns = [column[0] for column in cursor.description]
        while rows := cursor.fetchmany(chunk_size):
            for row in rows:
                item = dict(zip(columns, row, strict=True))
                item["joined_at"], item["left_at"] = aware(item["joined_at"]), aware(item["left_at"])
                item["absent"] = item["meetings_expected"] - item["present"] - item["apologies"]
                yield item


def person_table(scope: Scope) -> list[dict]:
    """person_rows for the page (one set or one person: a handful of rows), with the role's label."""
    labels = dict(SetMembership.Role.choices)
    return [{**row, "role_label": labels.get(row["role"], row["role"])} for row in person_rows(scope)]
