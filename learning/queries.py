"""Reads of the learning app that its views, and later the member home, share. Every list is bounded."""

from django.core.paginator import Page, Paginator
from django.db.models import CharField, F, Q, QuerySet, Value
from django.urls import reverse
from django.utils.functional import cached_property

from learning.models import JournalEntry, LibraryItem
from meetings.models import Reflection
from meetings.queries import since_last_meeting

PAGE_SIZE = 20
SEARCH_COUNT_LIMIT = 1000


class BoundedPaginator(Paginator):
    """Counts at most SEARCH_COUNT_LIMIT + 1 rows: a common word in a large library would otherwise make every
    search count the whole library. `page.paginator.count_is_bounded` says "more than" is meant."""

    @cached_property
    def count(self) -> int:
        return self.object_list.order_by()[: SEARCH_COUNT_LIMIT + 1].count()

    @property
    def count_is_bounded(self) -> bool:
        return self.count > SEARCH_COUNT_LIMIT


def _merged_page(entries: QuerySet, reflections: QuerySet, *, at: str, page_number, per_page: int) -> Page:
    """One page of journal entries and reflections together, newest first, in a fixed number of queries:
    a count, a union of (kind, pk, time) for the page, then each kind's rows with their relations."""
    keys = (
        entries.order_by()
        .annotate(kind=Value("entry", output_field=CharField()), at=F(at))
        .values_list("kind", "pk", "at")
        .union(
            reflections.order_by()
            .annotate(kind=Value("reflection", output_field=CharField()), at=F("created_at"))
            .values_list("kind", "pk", "at"),
            all=True,
        )
        .order_by("-at", "-pk")
    )
    page = Paginator(keys, per_page).get_page(page_number)
    rows = list(page.object_list)
    wanted = {"entry": [pk for kind, pk, _ in rows if kind == "entry"]}
    wanted["reflection"] = [pk for kind, pk, _ in rows if kind == "reflection"]
    found = {("entry", e.pk): e for e in entries.filter(pk__in=wanted["entry"])} if wanted["entry"] else {}
    if wanted["reflection"]:
        found |= {("reflection", r.pk): r for r in reflections.filter(pk__in=wanted["reflection"])}
    items = []
    for kind, pk, _ in rows:
        item = found[(kind, pk)]
        item.kind = kind
        items.append(item)
    page.object_list = items
    return page


def my_journal(user, *, page_number=1, per_page: int = PAGE_SIZE) -> Page:
    """A person's journal: their entries and their meeting reflections, newest first."""
    entries = JournalEntry.objects.filter(author=user).select_related("learning_set", "action", "meeting", "issue")
    reflections = Reflection.objects.filter(author=user).select_related("meeting__learning_set")
    return _merged_page(entries, reflections, at="created_at", page_number=page_number, per_page=per_page)


def _shared_with(learning_set):
    entries = JournalEntry.objects.filter(learning_set=learning_set, shared=True).select_related("author")
    reflections = Reflection.objects.filter(meeting__learning_set=learning_set, shared=True).select_related(
        "author", "meeting"
    )
    return entries, reflections


def shared_with_set(learning_set, *, page_number=1, per_page: int = PAGE_SIZE) -> Page:
    """What the set's people shared with it: journal entries (by when they were shared) and meeting reflections."""
    entries, reflections = _shared_with(learning_set)
    return _merged_page(entries, reflections, at="shared_at", page_number=page_number, per_page=per_page)


def shared_journal_since(learning_set, since, *, limit: int = 10) -> list:
    """What set-mates shared with the set since `since` (e.g. the last meeting), newest first, at most `limit`:
    journal entries (`kind == "entry"`, by `shared_at`) and meeting reflections (`kind == "reflection"`). For
    the member home; two queries. The caller has already checked that the viewer is in the set."""
    entries, reflections = _shared_with(learning_set)
    items = [
        *entries.filter(shared_at__gte=since).order_by("-shared_at")[:limit],
        *reflections.filter(created_at__gte=since).order_by("-created_at")[:limit],
    ]
    for item in items:
        item.kind = "entry" if isinstance(item, JournalEntry) else "reflection"
        item.at = item.shared_at if item.kind == "entry" else item.created_at
    return sorted(items, key=lambda item: item.at, reverse=True)[:limit]


def library(organisation, *, search: str = "", page_number=1, per_page: int = PAGE_SIZE) -> Page:
    """The organisation's published learnings, newest first, searched over title and text. Selects no author:
    a page that never loads the author cannot show an anonymous one's."""
    items = LibraryItem.objects.filter(organisation=organisation).only(
        "pk", "organisation_id", "author_id", "anonymous", "by_line", "title", "text", "published_at"
    )
    if not search:
        return Paginator(items, per_page).get_page(page_number)
    for word in search.split()[:8]:
        items = items.filter(Q(title__icontains=word) | Q(text__icontains=word))
    return BoundedPaginator(items, per_page).get_page(page_number)


def shared_entries_since_last_meeting(user, *, sets, fallback, limit: int) -> list[dict]:
    """Journal entries set-mates shared with the user's sets since each set's last meeting, for the member home's
    "shared since the last meeting" panel (meetings.queries.SHARED_SOURCES). One query."""
    entries = since_last_meeting(
        JournalEntry.objects.filter(shared=True, learning_set__in=sets).exclude(author=user),
        set_path="learning_set",
        at="shared_at",
        fallback=fallback,
    ).select_related("author", "learning_set")[:limit]
    return [
        {
            "kind": "entry",
            "at": entry.shared_at,
            "author": entry.author,
            "learning_set": entry.learning_set,
            "text": entry.heading,
            "url": reverse("learning:entry", args=[entry.pk]),
            "object": entry,
        }
        for entry in entries
    ]


def entries_linked_to_issue(issue, viewer, *, limit: int = 20) -> list[dict]:
    """Journal entries linked to an issue, for its page: the viewer's own, and those shared with the issue's set.
    A private entry of someone else is never among them. One query."""
    entries = (
        JournalEntry.objects.filter(issue=issue)
        .filter(Q(author=viewer) | Q(shared=True, learning_set_id=issue.learning_set_id))
        .order_by("-created_at")[:limit]
    )
    return [
        {
            "title": entry.title,
            "text": entry.heading,
            "created_at": entry.created_at,
            "url": reverse("learning:entry", args=[entry.pk]),
        }
        for entry in entries
    ]


def publications_of(entry, author):
    """Where the author has published this entry in the library (with each organisation), for the entry's page."""
    return LibraryItem.objects.filter(journal_entry=entry, author=author).select_related("organisation")


def is_published(entry, author) -> bool:
    return LibraryItem.objects.filter(journal_entry=entry, author=author).exists()
