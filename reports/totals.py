"""The report's totals over its whole scope (meetings, attendance, actions, presentations) and by month; the
action figures the per-set rows share."""

from __future__ import annotations

from django.db.models import Avg, Count, DurationField, Exists, ExpressionWrapper, F, OuterRef, Q
from django.db.models.functions import TruncMonth

from meetings.models import Action, AirtimeSlot, Meeting
from reports.attendance import pair_rows, sum_pairs, with_attendance_rates
from reports.database import Median
from reports.rules import days, minutes, rate
from reports.scope import (
    Scope,
    actions_in,
    held_meetings_in,
    meetings_in,
    month_index,
    month_key,
    months_of,
    ratings_in,
)
from sets.models import SetMembership

EMPTY_ACTIONS = dict.fromkeys(["committed", "done", "dropped", "open", "overdue"], 0)


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


def with_action_rates(row: dict) -> dict:
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
    return with_attendance_rates(sum_pairs(pair_rows(scope) if pairs is None else pairs))


def action_totals(scope: Scope) -> dict:
    return with_action_rates(actions_in(scope).aggregate(**action_figures(scope)))


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
