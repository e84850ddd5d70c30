"""Reads about meetings that several views (and the calendar feed) share."""

import hashlib

from django.conf import settings
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.versions import cached_for_user
from core import outbox
from core.memo import LocalLRU
from core.models import OutboxMessage
from meetings.models import (
    Action,
    ActionUpdate,
    AirtimeSlot,
    Attendance,
    Encouragement,
    Issue,
    Meeting,
    Question,
    Reflection,
)
from sets import permissions
from sets.models import LearningSet, SetMembership, current_membership


def with_my_reply(meetings: QuerySet[Meeting], user) -> QuerySet[Meeting]:
    """Each meeting with the user's own reply as `my_attendance` (a list of none or one), in one more query."""
    mine = Attendance.objects.filter(user=user)
    return meetings.prefetch_related(Prefetch("attendances", queryset=mine, to_attr="my_attendance"))


def active_sets(user) -> QuerySet:
    """The user's own open sets, by name."""
    return permissions.my_sets(user).filter(status="active").order_by("name")


def set_people(learning_set) -> QuerySet[SetMembership]:
    """The set's current members (a set or its id) with their users: facilitators first, then by name."""
    return (
        SetMembership.objects.current()
        .filter(learning_set=learning_set)
        .select_related("user")
        .order_by("role", "user__full_name")
    )


def is_current_member(learning_set, user) -> bool:
    """Whether the user (or user id) is in the set (or set id) now."""
    return SetMembership.objects.current().filter(learning_set=learning_set, user=user).exists()


def upcoming_for_user(user, *, limit: int = 10) -> QuerySet[Meeting]:
    """The next meetings of the sets the user is in (not those they only administer), with their own reply."""
    return with_my_reply(
        Meeting.objects.upcoming()
        .filter(learning_set__in=permissions.my_sets(user).filter(status="active").values("pk"))
        .select_related("learning_set"),
        user,
    ).order_by("starts_at")[:limit]


def upcoming_for_set(learning_set, user, *, limit: int = 8) -> QuerySet[Meeting]:
    return with_my_reply(learning_set.meetings.upcoming(), user).order_by("starts_at")[:limit]


def past_for_set(learning_set, *, limit: int = 12) -> list[Meeting]:
    """The set's meetings that are over (by time), most recent first."""
    return list(learning_set.meetings.past().order_by("-starts_at")[:limit])


def meeting_people(meeting: Meeting) -> tuple[list[SetMembership], dict[int, Attendance]]:
    """The set's people for a meeting's page, each with their `reply` (or None), and the replies by user id."""
    people = list(set_people(meeting.learning_set))
    replies = {a.user_id: a for a in meeting.attendances.all()}
    for membership in people:
        membership.reply = replies.get(membership.user_id)
    return people, replies


CALENDAR_KINDS = ("meeting-scheduled", "meeting-changed", "meeting-cancelled")  # meetings/scheduling.py's


def meeting_emails(meeting: Meeting, *, limit: int = 200) -> list[OutboxMessage]:
    """What the outbox sent, or will send, about one meeting, for its facilitators, latest first: reminders,
    nudges and summaries (`ref["meeting"]`) and the calendar emails whose meetings include it. Two queries."""
    about = Q(ref__meeting=meeting.pk) | Q(kind__in=CALENDAR_KINDS, created_at__gte=meeting.created_at)
    rows = outbox.sent_log(OutboxMessage.objects.filter(about, learning_set_id=meeting.learning_set_id), limit=5000)
    return [row for row in rows if meeting.pk in row.ref.get("meetings", [row.ref.get("meeting")])][:limit]


def my_reply(meeting: Meeting, user) -> list[Attendance]:
    """The user's reply to the meeting, as the `my_attendance` list the upcoming rows use."""
    return list(Attendance.objects.filter(meeting=meeting, user=user))


def calendar_owner(token: str) -> User | None:
    """The active person whose private calendar feed this token opens, or None."""
    return User.objects.filter(calendar_token=token, is_active=True).first() if token else None


# The owners of the calendar feeds this process has answered, by the SHA-256 of the token (never the token itself).
feed_owners: LocalLRU[int] = LocalLRU(20_000)


def feed_owner(request, token: str) -> tuple[int, str] | None:
    """(pk, language) of the active person whose feed this token opens, or None. Kept on the owner's version
    (accounts/versions.py): a new or revoked token, a deactivation or a language change saves the person, which
    bumps it, so an old token stops answering at once. A token this process has not seen is looked up."""
    if not token:
        return None
    digest = hashlib.sha256(token.encode()).hexdigest()

    def facts() -> tuple[int, str] | None:
        user = calendar_owner(token)
        return None if user is None else (user.pk, user.language or settings.LANGUAGE_CODE)

    name = f"feed-owner|{digest}"
    pk = feed_owners.get(digest)
    if pk is not None:
        found = cached_for_user(request, pk, name, facts)
        if found is not None and found[0] == pk:
            return found
        feed_owners.discard(digest)
    first = facts()  # not seen here yet (or no longer that person's): looked up, then kept
    if first is None:
        return None
    feed_owners.put(digest, first[0])
    return cached_for_user(request, first[0], name, lambda: first)


def person(user_id: int) -> User | None:
    return User.objects.filter(pk=user_id).first()


def feed_meetings(user) -> QuerySet[Meeting]:
    """Everything for a person's calendar feed: their sets' meetings from 60 days back, cancelled ones included
    (so calendar programs remove them)."""
    return (
        Meeting.objects.filter(
            current_membership("learning_set__memberships", user=user),
            starts_at__gte=timezone.now() - timezone.timedelta(days=60),
        )
        .select_related("learning_set")
        .order_by("starts_at")[:500]
    )


def my_actions(user, *, status: str = "", set_id: int | None = None):
    """The user's actions in the sets they are still in: open ones first (overdue before the rest), bounded."""

    actions = Action.objects.filter(
        current_membership("learning_set__memberships", user=user), owner=user
    ).select_related("learning_set")  # not the meeting: its encrypted notes would be decrypted for nothing
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


def action_timeline(action: Action) -> QuerySet[ActionUpdate]:
    """An action's progress updates in time order, each with its author and words of support, bounded."""
    updates = action.updates.select_related("author").prefetch_related(
        Prefetch("encouragements", queryset=Encouragement.objects.select_related("author"))
    )
    return updates.order_by("created_at", "pk")[:300]


def last_update_at(action: Action):
    """When progress on the action was last logged (None if never)."""
    return action.updates.order_by("-created_at").values_list("created_at", flat=True).first()


def encouragements_of(update: ActionUpdate) -> QuerySet[Encouragement]:
    return update.encouragements.select_related("author")


# Between meetings: the member's home, the set board, issues.


def next_meeting_per_set(user, set_ids: list[int]) -> list[Meeting]:
    """The next meeting (scheduled or live) of each of the user's open sets (`set_ids`: sets.queries.my_ids), soonest
    first, with their reply. Two queries (the meetings, their replies), whatever the number of sets or meetings."""
    first = Meeting.objects.upcoming().held().filter(learning_set=OuterRef("pk")).order_by("starts_at").values("pk")[:1]
    ids = (
        LearningSet.objects.filter(pk__in=set_ids, status="active")
        .annotate(next_meeting_id=Subquery(first))
        .exclude(next_meeting_id=None)
        .values("next_meeting_id")
    )
    return list(
        with_my_reply(Meeting.objects.filter(pk__in=ids).select_related("learning_set"), user).order_by("starts_at")
    )


def last_meeting_start(learning_set_ref):
    """A subquery: when the set's most recent meeting (not cancelled) started, or NULL if none has."""
    return Subquery(
        Meeting.objects.held()
        .filter(learning_set=learning_set_ref, starts_at__lte=timezone.now())
        .order_by("-starts_at")
        .values("starts_at")[:1]
    )


def last_meeting_of(learning_set) -> Meeting | None:
    return (
        Meeting.objects.held()
        .filter(learning_set=learning_set, starts_at__lte=timezone.now())
        .order_by("-starts_at")
        .first()
    )


# When a set has not met yet, "since the last meeting" means the last few weeks.
SHARED_WINDOW_WITHOUT_MEETING = timezone.timedelta(days=28)

# Apps above this one add kinds of shared things to the home's panel without `meetings` importing them: each is
# called as source(user, sets=<queryset of set ids>, fallback=<datetime>, limit=<int>) and returns items shaped
# like the ones below (one query each). The learning app adds shared journal entries (learning/apps.py).
SHARED_SOURCES: list = []


# Likewise for the learning linked to an issue (the learning app: journal entries linked to it that the viewer
# may read). Each is called as source(issue, viewer) and returns dicts: title, text, created_at, url.
ISSUE_LEARNING_SOURCES: list = []


def since_last_meeting(queryset, *, set_path: str, at: str, fallback):
    """The rows of `queryset` written (`at`) since the last meeting of their set (`set_path` leads to it), or
    since `fallback` if the set has not met, newest first. One subquery per row's set, in the same query."""
    return (
        queryset.annotate(since=Coalesce(last_meeting_start(OuterRef(set_path)), fallback))
        .filter(**{f"{at}__gte": F("since")})
        .order_by(f"-{at}")
    )


def linked_learning(issue, viewer) -> list[dict]:
    return [item for source in ISSUE_LEARNING_SOURCES for item in source(issue, viewer)]


def shared_since_last_meeting(user, *, limit: int = 15) -> list[dict]:
    """What the user's set-mates shared since their set's last meeting, newest first: shared meeting reflections,
    progress updates on actions, and words of support on the user's own updates. One query per kind, whatever
    the number of sets.

    Each item is a dict: kind ("reflection" | "update" | "support"), at, author, learning_set, text, url, and the
    object.
    Other apps add kinds through SHARED_SOURCES (the learning app: shared journal entries, kind "entry").
    """

    sets = permissions.my_sets(user).values("pk")
    fallback = timezone.now() - SHARED_WINDOW_WITHOUT_MEETING
    reflections = since_last_meeting(
        Reflection.objects.filter(shared=True, meeting__learning_set__in=sets).exclude(author=user),
        set_path="meeting__learning_set",
        at="created_at",
        fallback=fallback,
    ).select_related("author", "meeting__learning_set")[:limit]
    updates = since_last_meeting(
        ActionUpdate.objects.filter(action__learning_set__in=sets).exclude(author=user),
        set_path="action__learning_set",
        at="created_at",
        fallback=fallback,
    ).select_related("author", "action__owner", "action__learning_set")[:limit]
    support = since_last_meeting(
        Encouragement.objects.filter(update__action__owner=user, update__action__learning_set__in=sets).exclude(
            author=user
        ),
        set_path="update__action__learning_set",
        at="created_at",
        fallback=fallback,
    ).select_related("author", "update__action__learning_set")[:limit]
    items = (
        [
            {
                "kind": "reflection",
                "at": r.created_at,
                "author": r.author,
                "learning_set": r.meeting.learning_set,
                "text": r.about_situation or r.about_self or r.about_relating,
                "url": reverse("meetings:record", args=[r.meeting_id]),
                "object": r,
            }
            for r in reflections
        ]
        + [
            {
                "kind": "update",
                "at": u.created_at,
                "author": u.author,
                "learning_set": u.action.learning_set,
                "text": u.note,
                "url": reverse("meetings:action", args=[u.action_id]),
                "object": u,
            }
            for u in updates
        ]
        + [
            {
                "kind": "support",
                "at": e.created_at,
                "author": e.author,
                "learning_set": e.update.action.learning_set,
                "text": e.text,
                "url": reverse("meetings:action", args=[e.update.action_id]),
                "object": e,
            }
            for e in support
        ]
    )
    for source in SHARED_SOURCES:
        items += source(user, sets=sets, fallback=fallback, limit=limit)
    items.sort(key=lambda item: item["at"], reverse=True)
    return items[:limit]


def latest_update_id():
    """A subquery: the id of an action's latest progress update."""

    return Subquery(ActionUpdate.objects.filter(action=OuterRef("pk")).order_by("-created_at", "-pk").values("pk")[:1])


def attach_latest_updates(actions: list, *, with_support: bool = True) -> list:
    """Give each action (annotated with `latest_update_id`) its `latest_update`, with the update's author (and
    its words of support), in one query (two) whatever the number of actions."""
    ids = [a.latest_update_id for a in actions if a.latest_update_id]
    updates = ActionUpdate.objects.filter(pk__in=ids).select_related("author")
    if with_support:
        updates = updates.prefetch_related(
            Prefetch("encouragements", queryset=Encouragement.objects.select_related("author"))
        )
    updates = {u.pk: u for u in updates} if ids else {}
    for action in actions:
        action.latest_update = updates.get(action.latest_update_id)
    return actions


def board(learning_set) -> dict:
    """The set board: each person in the set with their actions since the last meeting (open ones, and any
    created or updated since), each with its latest update, and whether they have updated since. A fixed
    number of queries whatever the size of the set."""

    last = last_meeting_of(learning_set)
    since = last.starts_at if last else None
    people = list(set_people(learning_set))
    updates_since = ActionUpdate.objects.filter(action=OuterRef("pk"))
    if since:
        updates_since = updates_since.filter(created_at__gte=since)
    actions = Action.objects.filter(learning_set=learning_set, owner__in=[m.user_id for m in people]).annotate(
        updated_since=Exists(updates_since), latest_update_id=latest_update_id()
    )
    if since:
        actions = actions.filter(Q(status=Action.Status.OPEN) | Q(updated_since=True) | Q(created_at__gte=since))
    else:
        actions = actions.filter(Q(status=Action.Status.OPEN) | Q(updated_since=True))
    actions = attach_latest_updates(list(actions.select_related("meeting").order_by("owner_id", "due_on", "pk")[:500]))
    by_owner: dict[int, list] = {}
    for action in actions:
        by_owner.setdefault(action.owner_id, []).append(action)
    for membership in people:
        membership.board_actions = by_owner.get(membership.user_id, [])
        membership.has_updated = any(a.updated_since for a in membership.board_actions)
        membership.waiting = bool(membership.board_actions) and not membership.has_updated
    return {
        "last_meeting": last,
        "since": since,
        "people": people,
        "waiting": [m for m in people if m.waiting],
    }


def my_issues(user, *, status: str = ""):
    """The user's issues in the sets they are still in, with how often each was presented and its actions."""

    issues = Issue.objects.filter(current_membership("learning_set__memberships", user=user), owner=user)
    if status:
        issues = issues.filter(status=status)
    # Counted in subqueries, not by joining both slots and actions (a row per slot x action, then DISTINCT); the
    # encrypted summary is not shown, so not read (nor decrypted).
    presented = AirtimeSlot.objects.filter(issue=OuterRef("pk")).order_by().values("issue").annotate(n=Count("pk"))
    actions = Action.objects.filter(issue=OuterRef("pk")).order_by().values("issue").annotate(n=Count("pk"))
    return (
        issues.select_related("learning_set")
        .defer("summary")
        .annotate(
            presented=Coalesce(Subquery(presented.values("n")[:1]), 0),
            action_count=Coalesce(Subquery(actions.values("n")[:1]), 0),
        )
        .order_by("-updated_at")[:200]
    )


def issue_story(issue) -> dict:
    """Everything an issue's page tells: each time it was presented (meeting, slot, the questions captured),
    and the actions it produced with their latest progress. A fixed number of queries."""
    slots = list(
        AirtimeSlot.objects.filter(issue=issue)
        .select_related("meeting")
        .prefetch_related(Prefetch("questions", queryset=Question.objects.order_by("created_at", "pk")))
        .order_by("meeting__starts_at")[:100]
    )
    actions = list(
        issue.actions.select_related("meeting", "owner")
        .annotate(latest_update_id=latest_update_id())
        .order_by("created_at", "pk")[:200]
    )
    return {"presentations": slots, "actions": attach_latest_updates(actions, with_support=False)}
