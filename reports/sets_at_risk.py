"""One row per set in scope (its meetings, attendance, actions, presentations, ratings by month) and whether the
set is at risk."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Avg, Count, F, IntegerField, Max, Min, Value
from django.db.models.functions import TruncMonth
from django.utils import timezone

from meetings.models import Meeting
from reports.attendance import pair_rows, sum_pairs, with_attendance_rates
from reports.rules import ACTIVE_SET, days, held
from reports.scope import (
    Scope,
    current_members_in,
    has_presented,
    meetings_in,
    month_key,
    months_of,
    ratings_in,
    slots_in,
)
from reports.totals import (
    action_medians,
    action_rows,
    meeting_counts,
    sum_actions,
    with_action_rates,
)


def per_set(
    scope: Scope, pairs: list[dict] | None = None, actions: list[dict] | None = None, medians: dict | None = None
) -> list[dict]:
    """One row per set in scope: meetings, attendance, progress before meetings, actions, presentations, process
    ratings by month, and whether the set is at risk. The sets and eight grouped queries joined by set id; pair_rows,
    action_rows and action_medians may be given, already run (the report's totals and months use them too)."""
    sets = list(scope.sets.order_by("name").values("pk", "name", "status", "quorum"))
    meetings = _by_set(_meetings_by_set(scope))
    pairs = pair_rows(scope) if pairs is None else pairs
    attendance: dict[int, list] = {}
    for row in pairs:
        attendance.setdefault(row["learning_set_id"], []).append(row)
    action_groups: dict[int, list] = {}
    for row in action_rows(scope) if actions is None else actions:
        action_groups.setdefault(row["learning_set_id"], []).append(row)
    medians = action_medians(scope) if medians is None else medians
    presenting = _presenting_by_set(scope)
    ratings: dict[int, dict] = {}
    for row in (
        ratings_in(scope)
        .values("meeting__learning_set_id", month=TruncMonth("meeting__starts_at", tzinfo=scope.tz))
        .annotate(rating=Avg("rating"))
        .order_by("meeting__learning_set_id", "month")
    ):
        ratings.setdefault(row["meeting__learning_set_id"], {})[month_key(row["month"])] = round(row["rating"], 1)
    overall = {
        row["meeting__learning_set_id"]: round(row["rating"], 1)
        for row in ratings_in(scope).values("meeting__learning_set_id").annotate(rating=Avg("rating"))
    }
    cadence = _by_set(_cadence_by_set(scope))
    months = months_of(scope)
    reference = min(timezone.now(), scope.end_at)
    rows = []
    for learning_set in sets:
        pk = learning_set["pk"]
        row = {"set_id": pk, "name": learning_set["name"], "status": learning_set["status"]}
        row["quorum"] = learning_set["quorum"]
        row |= meetings.get(pk) or {"scheduled": 0, "held": 0, "cancelled": 0}
        row |= with_attendance_rates(sum_pairs(attendance.get(pk, [])))
        row |= with_action_rates({**sum_actions(action_groups.get(pk, [])), "median_to_done": medians.get(pk)})
        row |= presenting.get(pk) or {"people": 0, "never_presented": 0, "presentations": 0}
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
    return meetings_in(scope).values("learning_set_id").annotate(**meeting_counts())


def _presenting_by_set(scope: Scope) -> dict[int, dict]:
    """People in each set now, how many of them have not presented at a held meeting in the range, and the
    presentations (airtime slots of held meetings): one query, three grouped selects (UNION ALL) added up here.
    The people who presented are found with EXISTS in a WHERE, which the database runs as one hashed semi-join;
    the same EXISTS inside a filtered count ran once for each of the 10,000 memberships at the top bench scale."""
    zero = Value(0, output_field=IntegerField())
    members = current_members_in(scope).values(set_id=F("learning_set_id"))
    people = members.annotate(people=Count("pk"), presented=zero, presentations=zero)
    presented = members.filter(has_presented(scope)).annotate(people=zero, presented=Count("pk"), presentations=zero)
    slots = (
        slots_in(scope)
        .values(set_id=F("meeting__learning_set_id"))
        .annotate(people=zero, presented=zero, presentations=Count("pk"))
    )
    totals: dict[int, dict] = {}
    for row in people.union(presented, slots, all=True):
        total = totals.setdefault(row["set_id"], {"people": 0, "presented": 0, "presentations": 0})
        for key in total:
            total[key] += row[key]
    return {
        pk: {
            "people": row["people"],
            "never_presented": row["people"] - row["presented"],
            "presentations": row["presentations"],
        }
        for pk, row in totals.items()
    }


def _cadence_by_set(scope: Scope):
    """Every held meeting of each set up to the end of the range (not only in it): first, last and how many."""
    return (
        Meeting.objects.filter(held(), learning_set__in=scope.set_ids(), starts_at__lt=scope.end_at)
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
    active = learning_set["status"] == ACTIVE_SET
    return {
        "average_present": None if row["average_present"] is None else round(row["average_present"], 1),
        "last_held": last_held,
        "usual_interval_days": days(usual),
        "low_attendance": active and low_attendance,
        "meeting_overdue": active and overdue_meeting,
        "at_risk": active and (low_attendance or overdue_meeting),
    }
