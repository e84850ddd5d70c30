"""The participation report's figures, every one an aggregate computed by the database: report() for the report
page, dashboard() for the organisation's dashboard, composed from the modules of this app:

- reports.scope: what a report covers, its months, the base querysets;
- reports.rules: the rules named once (held meeting, active set, ...) and the rounding of numbers;
- reports.database: the Median aggregate, table names, named parameters, timestamps from raw rows;
- reports.attendance: attendance and progress before meetings (raw SQL over (meeting, person) pairs);
- reports.people: one row per person per set (raw SQL, streamed);
- reports.totals: totals over the scope, and by month;
- reports.sets_at_risk: one row per set, and whether it is at risk.

Nothing here reads a content field (issue titles and summaries, questions, action texts, updates, reflections,
journal entries, notes): only counts, rates, dates and statuses leave these functions. Each function is one query
(or a fixed few) whatever the size of the organisation; rows are grouped in SQL, never looped over in Python
(Python only adds up already-aggregated (set, month) rows and joins per-set rows by set id). Attendance, progress
before meetings and the per-person rows are plain SQL (PAIRS_SQL, PERSON_SQL) that runs as is on PostgreSQL and
SQLite; the rest is the ORM.

The definitions of every figure are in reports.rules.
"""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from django.db.models import Count, Q
from django.utils import timezone

from meetings.models import Meeting
from reports.attendance import pair_rows
from reports.rules import active_set, cancelled, held, to_come
from reports.scope import Scope, next_month
from reports.sets_at_risk import per_set
from reports.totals import (
    action_medians,
    action_rows,
    action_totals,
    attendance_totals,
    meeting_totals,
    monthly,
    presentation_totals,
)
from sets.models import Invitation, LearningSet, Organisation, OrganisationMembership, SetMembership


def report(scope: Scope) -> dict:
    """Everything the report page shows."""
    pairs = pair_rows(scope)
    actions, medians = action_rows(scope), action_medians(scope)
    sets = per_set(scope, pairs, actions, medians)
    return {
        "meetings": meeting_totals(scope),
        "attendance": attendance_totals(scope, pairs),
        "actions": action_totals(scope, actions, medians),
        "presenting": presentation_totals(scope, sets),
        "months": monthly(scope, pairs, actions),
        "sets": sets,
        "at_risk": [row for row in sets if row["at_risk"]],
    }


def dashboard(organisation: Organisation) -> dict:
    """The organisation dashboard: sets, people and roles, facilitators, meetings this month, pending invitations."""
    tz = ZoneInfo(organisation.timezone)
    today = timezone.localdate(timezone=tz)
    month_start = datetime.combine(today.replace(day=1), time.min, tzinfo=tz)
    month_end = datetime.combine(next_month(today), time.min, tzinfo=tz)
    sets = LearningSet.objects.filter(organisation=organisation).aggregate(
        active=Count("pk", filter=active_set()),
        closed=Count("pk", filter=Q(status=LearningSet.Status.CLOSED)),
    )
    people = OrganisationMembership.objects.filter(organisation=organisation).aggregate(
        total=Count("pk"),
        admins=Count("pk", filter=Q(role=OrganisationMembership.Role.ADMIN)),
    )
    roles = (
        SetMembership.objects.current()
        .filter(active_set("learning_set__"), learning_set__organisation=organisation)
        .aggregate(
            facilitators=Count("user", distinct=True, filter=Q(role=SetMembership.Role.FACILITATOR)),
            members=Count("user", distinct=True, filter=Q(role=SetMembership.Role.MEMBER)),
            in_sets=Count("user", distinct=True),
        )
    )
    month = Meeting.objects.filter(
        learning_set__organisation=organisation, starts_at__gte=month_start, starts_at__lt=month_end
    ).aggregate(
        total=Count("pk"),
        held=Count("pk", filter=held()),
        to_come=Count("pk", filter=to_come()),
        cancelled=Count("pk", filter=cancelled()),
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
