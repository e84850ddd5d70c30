"""'My data': everything a person wrote, as JSON and as Markdown. Only rows they wrote, selected by author or
owner, never by set: another person's private content cannot come along. Rows are read in chunks and written
as they come, so memory stays bounded whatever the amount."""

from collections.abc import Iterator

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from learning.models import JournalEntry, LibraryItem
from meetings.models import Action, ActionUpdate, Attendance, Issue, ProcessRating, Question, Reflection

CHUNK = 500


def _sections(user) -> list[tuple[str, object, tuple[str, ...]]]:
    """(key, queryset, fields) for each kind of thing a person writes."""
    return [
        (
            "issues",
            Issue.objects.filter(owner=user).order_by("created_at", "pk"),
            ("id", "learning_set__name", "title", "summary", "status", "created_at"),
        ),
        (
            "actions",
            Action.objects.filter(owner=user).order_by("created_at", "pk"),
            (
                "id",
                "learning_set__name",
                "meeting__starts_at",
                "text",
                "due_on",
                "status",
                "created_at",
                "completed_at",
            ),
        ),
        (
            "action_updates",
            ActionUpdate.objects.filter(author=user).order_by("created_at", "pk"),
            ("id", "action_id", "status_after", "note", "created_at"),
        ),
        (
            "journal_entries",
            JournalEntry.objects.filter(author=user).order_by("created_at", "pk"),
            (
                "id",
                "learning_set__name",
                "action_id",
                "meeting_id",
                "issue_id",
                "title",
                "body",
                "about_situation",
                "about_self",
                "about_relating",
                "shared",
                "shared_at",
                "created_at",
                "updated_at",
            ),
        ),
        (
            "reflections",
            Reflection.objects.filter(author=user).order_by("created_at", "pk"),
            (
                "id",
                "meeting__learning_set__name",
                "meeting__starts_at",
                "about_situation",
                "about_self",
                "about_relating",
                "shared",
                "closing",
                "created_at",
            ),
        ),
        (
            "check_in_notes",
            Attendance.objects.filter(user=user)
            .filter(~Q(checkin_note="") | ~Q(note=""))
            .order_by("meeting__starts_at", "pk"),
            (
                "id",
                "meeting__learning_set__name",
                "meeting__starts_at",
                "rsvp",
                "note",
                "checkin_note",
                "checked_in_at",
            ),
        ),
        (
            "process_ratings",
            ProcessRating.objects.filter(author=user).order_by("meeting__starts_at", "pk"),
            ("id", "meeting__learning_set__name", "meeting__starts_at", "rating", "went_well", "do_better"),
        ),
        (
            "questions",
            Question.objects.filter(author=user).order_by("created_at", "pk"),
            ("id", "slot__meeting__learning_set__name", "slot__meeting__starts_at", "text", "created_at"),
        ),
        (
            "library_publications",
            LibraryItem.objects.filter(author=user).order_by("published_at", "pk"),
            ("id", "organisation__name", "anonymous", "title", "text", "published_at"),
        ),
    ]


SECTION_TITLES = {
    "issues": _("Issues"),
    "actions": _("Actions"),
    "action_updates": _("Progress updates"),
    "journal_entries": _("Journal entries"),
    "reflections": _("Meeting reflections"),
    "check_in_notes": _("Replies and check-in notes"),
    "process_ratings": _("Process ratings"),
    "questions": _("Questions you asked"),
    "library_publications": _("Published to the library"),
}


def _rows(queryset, fields) -> Iterator[dict]:
    for row in queryset.values(*fields).iterator(chunk_size=CHUNK):
        yield {name.replace("__", "_"): value for name, value in row.items()}


def as_json(user) -> Iterator[str]:
    encoder = DjangoJSONEncoder(ensure_ascii=False, indent=None)
    person = {"name": user.display_name, "email": user.email, "exported_at": timezone.now()}
    yield '{"person": ' + encoder.encode(person)
    for key, queryset, fields in _sections(user):
        yield f', "{key}": ['
        for index, row in enumerate(_rows(queryset, fields)):
            yield ("," if index else "") + "\n  " + encoder.encode(row)
        yield "]"
    yield "}\n"


def _markdown_value(value) -> str:
    if value is None or value == "":
        return "-"
    if hasattr(value, "isoformat"):
        return value.isoformat(timespec="minutes") if hasattr(value, "hour") else value.isoformat()
    return str(value)


def as_markdown(user) -> Iterator[str]:
    """One heading per kind, one sub-heading per row; long text as its own paragraph."""
    yield f"# {_('Everything I wrote in actionlearning')}\n\n"
    yield f"{user.display_name} <{user.email}>, {timezone.now():%Y-%m-%d %H:%M} UTC\n"
    for key, queryset, fields in _sections(user):
        yield f"\n## {SECTION_TITLES[key]}\n"
        empty = True
        for row in _rows(queryset, fields):
            empty = False
            yield f"\n### {SECTION_TITLES[key]} #{row['id']}\n\n"
            for name, value in row.items():
                if name == "id":
                    continue
                label = name.replace("_", " ")
                if isinstance(value, str) and ("\n" in value or len(value) > 80):
                    yield f"**{label}:**\n\n{value.strip()}\n\n"
                else:
                    yield f"- **{label}:** {_markdown_value(value)}\n"
        if empty:
            yield f"\n{_('Nothing yet.')}\n"
