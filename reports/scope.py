"""What a report covers (Scope: the sets, maybe one person, a range of days in the organisation's time zone), the
range's months, and the base querysets in a scope: meetings, actions, ratings, presentations and the people in
its sets now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Case, Exists, OuterRef, QuerySet, Value, When
from django.utils import timezone

from accounts.models import User
from meetings.models import Action, AirtimeSlot, Meeting, ProcessRating
from reports.rules import held
from sets.models import LearningSet, Organisation, SetMembership

DEFAULT_DAYS = 90


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
        """The sets' ids, for `IN (...)`: unordered (the sets' own order, by name, would be a sort in every query)."""
        return self.sets.order_by().values("pk")


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
    return meetings_in(scope).filter(held())


def actions_in(scope: Scope) -> QuerySet[Action]:
    actions = Action.objects.filter(
        learning_set__in=scope.set_ids(), created_at__gte=scope.start_at, created_at__lt=scope.end_at
    )
    if scope.person:
        actions = actions.filter(owner=scope.person)
    return actions.order_by()


def ratings_in(scope: Scope) -> QuerySet[ProcessRating]:
    return ProcessRating.objects.filter(meeting__in=held_meetings_in(scope).values("pk")).order_by()


def slots_in(scope: Scope) -> QuerySet[AirtimeSlot]:
    """Presentations: the airtime slots of held meetings in the scope (the person's only, for one person)."""
    slots = AirtimeSlot.objects.filter(meeting__in=held_meetings_in(scope).values("pk")).order_by()
    if scope.person:
        slots = slots.filter(presenter=scope.person)
    return slots


def current_members_in(scope: Scope) -> QuerySet[SetMembership]:
    """The memberships of the people in the scope's sets now (the person's only, for one person)."""
    memberships = SetMembership.objects.current().filter(learning_set__in=scope.set_ids()).order_by()
    if scope.person:
        memberships = memberships.filter(user=scope.person)
    return memberships


def has_presented(scope: Scope) -> Exists:
    """For a row of current_members_in: whether that person presented in that set (slots_in)."""
    return Exists(slots_in(scope).filter(meeting__learning_set=OuterRef("learning_set"), presenter=OuterRef("user")))


def month_index(field: str, scope: Scope) -> Case:
    """0 for the range's first month, 1 for the next, ... (the organisation's months): a comparison per row,
    cheaper than converting every timestamp to local time to truncate it."""
    boundaries = month_boundaries(scope)
    whens = [When(**{f"{field}__lt": boundary}, then=Value(index)) for index, boundary in enumerate(boundaries)]
    return Case(*whens, default=Value(len(boundaries))) if whens else Value(0)


def months_of(scope: Scope) -> list[date]:
    """The first day of each month the range touches."""
    months, current = [], scope.start.replace(day=1)
    while current <= scope.end:
        months.append(current)
        current = next_month(current)
    return months


def month_boundaries(scope: Scope) -> list[datetime]:
    """Where each month of the range after the first starts, in the organisation's time zone."""
    return [datetime.combine(month, time.min, tzinfo=scope.tz) for month in months_of(scope)[1:]]


def next_month(day: date) -> date:
    """The first day of the month after `day`'s."""
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


def month_key(value) -> date:
    return value.date() if isinstance(value, datetime) else value
