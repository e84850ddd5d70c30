"""Reads about meetings that several views (and the calendar feed) share."""

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from meetings.models import Attendance, Meeting
from sets import permissions


def upcoming_for_user(user, *, limit: int = 10) -> QuerySet[Meeting]:
    """The next meetings of the sets the user is in (not those they only administer), with their own reply."""
    mine = Attendance.objects.filter(user=user)
    return (
        Meeting.objects.filter(
            learning_set__in=permissions.my_sets(user).filter(status="active").values("pk"),
            starts_at__gte=timezone.now() - timezone.timedelta(hours=3),
        )
        .exclude(status=Meeting.Status.ENDED)
        .select_related("learning_set")
        .prefetch_related(Prefetch("attendances", queryset=mine, to_attr="my_attendance"))
        .order_by("starts_at")[:limit]
    )


def upcoming_for_set(learning_set, user, *, limit: int = 8) -> QuerySet[Meeting]:
    mine = Attendance.objects.filter(user=user)
    return (
        learning_set.meetings.filter(starts_at__gte=timezone.now() - timezone.timedelta(hours=3))
        .exclude(status=Meeting.Status.ENDED)
        .prefetch_related(Prefetch("attendances", queryset=mine, to_attr="my_attendance"))
        .order_by("starts_at")[:limit]
    )


def feed_meetings(user) -> QuerySet[Meeting]:
    """Everything for a person's calendar feed: their sets' meetings from 60 days back, cancelled ones included
    (so calendar programs remove them)."""
    return (
        Meeting.objects.filter(
            learning_set__memberships__user=user,
            learning_set__memberships__left_at=None,
            starts_at__gte=timezone.now() - timezone.timedelta(days=60),
        )
        .select_related("learning_set")
        .order_by("starts_at")[:500]
    )


def my_actions(user, *, status: str = "", set_id: int | None = None):
    """The user's actions in the sets they are still in: open ones first (overdue before the rest), bounded."""
    from django.db.models import Case, IntegerField, Max, Value, When

    from meetings.models import Action

    actions = Action.objects.filter(
        owner=user, learning_set__memberships__user=user, learning_set__memberships__left_at=None
    ).select_related("learning_set", "meeting")
    if status:
        actions = actions.filter(status=status)
    if set_id:
        actions = actions.filter(learning_set_id=set_id)
    today = timezone.localdate()
    return actions.annotate(
        open_first=Case(When(status=Action.Status.OPEN, then=Value(0)), default=Value(1), output_field=IntegerField()),
        overdue_first=Case(When(due_on__lt=today, then=Value(0)), default=Value(1), output_field=IntegerField()),
        last_update_at=Max("updates__created_at"),
    ).order_by("open_first", "overdue_first", "due_on", "created_at")[:200]
