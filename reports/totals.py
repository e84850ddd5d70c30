"""The report's totals over its whole scope (meetings, attendance, actions, presentations) and by month; the
action figures the per-set rows share."""

from __future__ import annotations

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q
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

EMPTY_ACTIONS = dict.fromkeys(["committed", "done", "dropped", "open", "overdue"], 0)


def _days_to_done():
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
        figures["median_to_done"] = Median(_days_to_done(), filter=done() & Q(completed_at__isnull=False))
    return figures


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


def action_totals(scope: Scope) -> dict:
    return with_action_rates(actions_in(scope).aggregate(**action_figures(scope)))


def presentation_totals(scope: Scope) -> dict:
    """Presentations (airtime slots in held meetings) and, among the people in the sets now, how many never
    presented in the range."""
    row = current_members_in(scope).annotate(presented=has_presented(scope)).aggregate(**presenting_counts())
    return {**row, "presentations": slots_in(scope).count()}


def monthly(scope: Scope, pairs: list[dict] | None = None) -> list[dict]:
    """Per month (organisation's time zone): attendance, progress before meetings, actions committed and done,
    and the average process rating. Three grouped queries joined by month."""
    pairs = pair_rows(scope) if pairs is None else pairs
    months = months_of(scope)
    attendance = {
        first_day: sum_pairs(row for row in pairs if row["month_index"] == index)
        for index, first_day in enumerate(months)
    }
    actions = {
        months[row["month_index"]]: row
        for row in actions_in(scope)
        .values(month_index=month_index("created_at", scope))
        .annotate(**action_figures(scope, median=False))
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
        row |= with_action_rates({**EMPTY_ACTIONS, **_strip(actions.get(first_day))})
        rated = ratings.get(first_day) or {}
        row["rating"] = None if rated.get("rating") is None else round(rated["rating"], 1)
        row["ratings"] = rated.get("ratings", 0)
        rows.append(row)
    return rows


def _strip(row: dict | None) -> dict:
    return {k: v for k, v in (row or {}).items() if k not in ("month", "month_index")}
