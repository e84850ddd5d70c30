"""The report's totals over its whole scope (meetings, attendance, actions, presentations) and by month; the
action figures the per-set rows share."""

from __future__ import annotations

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, IntegerField, Q, Value
from django.db.models.functions import TruncMonth

from reports.attendance import pair_rows, sum_pairs, with_attendance_rates
from reports.database import Median
from reports.rules import cancelled, days, done, dropped, held, minutes, overdue, rate, still_open, timed, to_come
from reports.scope import (
    Scope,
    actions_in,
    current_members_in,
    has_presented,
    meetings_in,
    month_index,
    month_key,
    months_of,
    ratings_in,
    slots_in,
)

ACTION_COUNTS = ["committed", "done", "dropped", "open", "overdue"]
EMPTY_ACTIONS = dict.fromkeys(ACTION_COUNTS, 0)


def days_to_done():
    return ExpressionWrapper(F("completed_at") - F("created_at"), output_field=DurationField())


def action_figures(scope: Scope, *, median: bool = True) -> dict:
    figures = {
        "committed": Count("pk"),
        "done": Count("pk", filter=done()),
        "dropped": Count("pk", filter=dropped()),
        "open": Count("pk", filter=still_open()),
        "overdue": Count("pk", filter=overdue(scope.today)),
    }
    if median:
        figures["median_to_done"] = Median(days_to_done(), filter=done() & Q(completed_at__isnull=False))
    return figures


def action_rows(scope: Scope) -> list[dict]:
    """The actions committed in the scope counted by (set, month): one grouped query whose rows the per-set
    figures, the months and the totals add up (ACTION_COUNTS; the medians come from action_medians)."""
    return list(
        actions_in(scope)
        .values("learning_set_id", month_index=month_index("created_at", scope))
        .annotate(**action_figures(scope, median=False))
    )


def sum_actions(rows) -> dict:
    """Adds up already-aggregated action_rows: a handful per set, never one per action."""
    total = dict(EMPTY_ACTIONS)
    for row in rows:
        for key in ACTION_COUNTS:
            total[key] += row[key]
    return total


def done_in(scope: Scope):
    """The actions done in the scope with a completion time: what the median days to done is taken over."""
    return actions_in(scope).filter(done(), completed_at__isnull=False)


def action_medians(scope: Scope) -> dict:
    """The median time from commitment to done (a duration) of each set in the scope, by set id, and over the
    whole scope, under the key None: one query (two grouped selects, UNION ALL). Over the done rows only: much
    cheaper than a filtered median beside the counts, which sorts inside the scan of every action."""
    by_set = done_in(scope).values(set_id=F("learning_set_id")).annotate(median=Median(days_to_done()))
    overall = (
        done_in(scope).values(set_id=Value(None, output_field=IntegerField())).annotate(median=Median(days_to_done()))
    )
    return {row["set_id"]: row["median"] for row in by_set.union(overall, all=True)}


def meeting_counts() -> dict:
    """Meetings scheduled (every one in the range), held and cancelled: the totals' and each set's."""
    return {
        "scheduled": Count("pk"),
        "held": Count("pk", filter=held()),
        "cancelled": Count("pk", filter=cancelled()),
    }


def with_action_rates(row: dict) -> dict:
    row["completion_rate"] = rate(row["done"], row["committed"])
    if "median_to_done" in row:
        row["median_days_to_done"] = days(row.pop("median_to_done"))
    return row


def presenting_counts() -> dict:
    """Over current_members_in annotated with `presented` (has_presented): the people, and how many of them never
    presented. The totals' and each set's."""
    return {"people": Count("pk"), "never_presented": Count("pk", filter=Q(presented=False))}


def meeting_totals(scope: Scope) -> dict:
    """Meetings scheduled (all in the range), held, cancelled and still to come; the average planned and actual
    length of the held meetings whose start and end were recorded."""
    row = meetings_in(scope).aggregate(
        **meeting_counts(),
        to_come=Count("pk", filter=to_come()),
        timed=Count("pk", filter=timed()),
        planned=Avg("duration_minutes", filter=timed()),
        actual=Avg(ExpressionWrapper(F("ended_at") - F("started_at"), output_field=DurationField()), filter=timed()),
    )
    row["planned_minutes"] = None if row["planned"] is None else round(row.pop("planned"), 1)
    row["actual_minutes"] = minutes(row.pop("actual"))
    return row


def attendance_totals(scope: Scope, pairs: list[dict] | None = None) -> dict:
    return with_attendance_rates(sum_pairs(pair_rows(scope) if pairs is None else pairs))


def action_totals(scope: Scope, actions: list[dict] | None = None, medians: dict | None = None) -> dict:
    """The actions' figures over the scope: one query alone, or the sum of action_rows and the overall median of
    action_medians, when the report has run them."""
    if actions is None or medians is None:
        return with_action_rates(actions_in(scope).aggregate(**action_figures(scope)))
    return with_action_rates({**sum_actions(actions), "median_to_done": medians.get(None)})


def presentation_totals(scope: Scope, sets: list[dict] | None = None) -> dict:
    """Presentations (airtime slots in held meetings) and, among the people in the sets now, how many never
    presented in the range. Two queries alone, or the sum of the per-set rows (sets_at_risk.per_set), which
    count the same rows set by set."""
    if sets is not None:
        return {key: sum(row[key] for row in sets) for key in ("people", "never_presented", "presentations")}
    row = current_members_in(scope).annotate(presented=has_presented(scope)).aggregate(**presenting_counts())
    return {**row, "presentations": slots_in(scope).count()}


def monthly(scope: Scope, pairs: list[dict] | None = None, actions: list[dict] | None = None) -> list[dict]:
    """Per month (organisation's time zone): attendance, progress before meetings, actions committed and done,
    and the average process rating. Three grouped queries (pair_rows, action_rows and the ratings) joined by
    month; the first two may be given, already run."""
    pairs = pair_rows(scope) if pairs is None else pairs
    actions = action_rows(scope) if actions is None else actions
    months = months_of(scope)
    attendance = {
        first_day: sum_pairs(row for row in pairs if row["month_index"] == index)
        for index, first_day in enumerate(months)
    }
    actions = {
        first_day: sum_actions(row for row in actions if row["month_index"] == index)
        for index, first_day in enumerate(months)
    }
    ratings = {
        month_key(row["month"]): row
        for row in ratings_in(scope)
        .values(month=TruncMonth("meeting__starts_at", tzinfo=scope.tz))
        .annotate(rating=Avg("rating"), ratings=Count("pk"))
        .order_by("month")
    }
    rows = []
    for first_day in months:
        row = {"month": first_day}
        row |= with_attendance_rates(attendance[first_day])
        row |= with_action_rates(actions[first_day])
        rated = ratings.get(first_day) or {}
        row["rating"] = None if rated.get("rating") is None else round(rated["rating"], 1)
        row["ratings"] = rated.get("ratings", 0)
        rows.append(row)
    return rows
