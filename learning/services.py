"""Every write of the learning app: journal entries, sharing, the library, deleting for good."""

from dataclasses import asdict, dataclass

from django.core import signing
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import audit
from core.errors import ServiceError
from core.form_tokens import once_per_form_token
from core.models import AuditEvent
from learning.models import PROMPTS, JournalEntry, LibraryItem
from meetings.models import Action, Issue, Meeting, Reflection
from sets import permissions
from sets.models import LearningSet, Organisation

TITLE_MAX = 200
TEXT_MAX = 20_000
PREVIEW_SALT = "learning.library.preview"
PREVIEW_MAX_AGE = 2 * 60 * 60  # a preview left open over lunch still publishes


@dataclass(frozen=True)
class EntryContent:
    title: str = ""
    body: str = ""
    about_situation: str = ""
    about_self: str = ""
    about_relating: str = ""
    learning_set: LearningSet | None = None
    action: Action | None = None
    meeting: Meeting | None = None
    issue: Issue | None = None


def _checked(author, content: EntryContent) -> dict:
    """The entry's fields, once the rules hold: something written; every link in one of the author's own sets,
    and all of them in the same set (which becomes the entry's set when none was chosen)."""
    texts = {name: getattr(content, name).strip() for name in ("title", "body", *PROMPTS)}
    if not any(texts.values()):
        raise ServiceError(_("Write something: a title, what happened, or one of the three prompts."))
    if len(texts["title"]) > TITLE_MAX:
        raise ServiceError(_("Keep the title under 200 characters."))
    my_set_ids = set(permissions.sets_to_share_with(author).values_list("pk", flat=True))
    learning_set = content.learning_set
    if learning_set is not None and learning_set.pk not in my_set_ids:
        raise ServiceError(_("You can only link an entry to a set you are in."))
    links = {"action": content.action, "meeting": content.meeting, "issue": content.issue}
    for obj in links.values():
        if obj is None:
            continue
        if obj.learning_set_id not in my_set_ids:
            raise ServiceError(_("You can only link an entry to actions, meetings and issues of your own sets."))
        if learning_set is None:
            learning_set = obj.learning_set
        elif obj.learning_set_id != learning_set.pk:
            raise ServiceError(_("The action, meeting and issue you link must all belong to the entry's set."))
    return {**texts, **links, "learning_set": learning_set}


@once_per_form_token
@transaction.atomic
def write_entry(*, author, content: EntryContent) -> JournalEntry:
    """Write a private journal entry. Side effects: none (it stays private until shared)."""
    return JournalEntry.objects.create(author=author, **_checked(author, content))


@transaction.atomic
def update_entry(*, entry: JournalEntry, by, content: EntryContent) -> JournalEntry:
    """Change an entry (its author only). An entry shared with a set that it no longer belongs to becomes
    private again, so it is never shown to a set it was not shared with."""
    if entry.author_id != by.pk:
        raise ServiceError(_("Only the author can change a journal entry."))
    fields = _checked(by, content)
    if entry.shared and fields["learning_set"] != entry.learning_set:
        entry.shared, entry.shared_at = False, None
    for name, value in fields.items():
        setattr(entry, name, value)
    entry.save()
    return entry


@transaction.atomic
def share_entry(*, entry: JournalEntry, by, learning_set: LearningSet | None = None) -> JournalEntry:
    """Share an entry with its set (or with `learning_set`, one of the author's sets, when it has none).
    Side effects: the set's members and facilitators can read it on the set's shared journal."""
    if entry.author_id != by.pk:
        raise ServiceError(_("Only the author can share a journal entry."))
    if entry.learning_set_id is None:
        if learning_set is None:
            raise ServiceError(_("Choose the set to share it with."))
        entry.learning_set = learning_set
    elif learning_set is not None and learning_set.pk != entry.learning_set_id:
        raise ServiceError(_("This entry belongs to another set."))
    # Also for an entry's own set: someone who has left a set no longer shares with it.
    if not permissions.sets_to_share_with(by).filter(pk=entry.learning_set_id).exists():
        raise ServiceError(_("You can only share with a set you are in."))
    if not entry.shared:
        entry.shared, entry.shared_at = True, timezone.now()
    entry.save(update_fields=["learning_set", "shared", "shared_at", "updated_at"])
    return entry


@transaction.atomic
def unshare_entry(*, entry: JournalEntry, by) -> JournalEntry:
    """Make an entry private again: the set no longer sees it."""
    if entry.author_id != by.pk:
        raise ServiceError(_("Only the author can change a journal entry."))
    entry.shared, entry.shared_at = False, None
    entry.save(update_fields=["shared", "shared_at", "updated_at"])
    return entry


@transaction.atomic
def delete_entry(*, entry: JournalEntry, by) -> None:
    """Delete an entry for good. Learnings published from it stay in the library (their author withdraws them
    there); they keep no link to the deleted entry."""
    if entry.author_id != by.pk:
        raise ServiceError(_("Only the author can delete a journal entry."))
    entry.delete()


# The learning library


@dataclass(frozen=True)
class Draft:
    """What the preview page shows, and exactly what publishing stores."""

    author_id: int
    organisation_id: int
    title: str
    text: str
    anonymous: bool
    journal_entry_id: int | None = None
    reflection_id: int | None = None


def compose_text(source) -> str:
    """The text offered for publishing from an entry or a reflection: its words, each prompt under its label."""
    parts = [getattr(source, "body", "").strip()]
    for name in PROMPTS:
        value = getattr(source, name).strip()
        if value:
            label = str(source._meta.get_field(name).verbose_name)
            parts.append(f"{label[:1].upper()}{label[1:]}: {value}")
    return "\n\n".join(part for part in parts if part)


def publishing_organisations(*, author, source) -> list[Organisation]:
    """Where a source may be published: the organisation of its set, or (an entry linked to no set) any of the
    author's organisations."""
    learning_set = source.meeting.learning_set if isinstance(source, Reflection) else source.learning_set
    if learning_set is not None:
        return [learning_set.organisation]
    return list(permissions.organisations_for(author).order_by("name"))


def _source_of(draft: Draft, author):
    if draft.journal_entry_id:
        queryset = JournalEntry.objects.select_related("learning_set__organisation")
        return queryset.filter(pk=draft.journal_entry_id, author=author).first()
    return (
        Reflection.objects.select_related("meeting__learning_set__organisation")
        .filter(pk=draft.reflection_id, author=author)
        .first()
    )


def make_draft(*, author, source, organisation: Organisation, title: str, text: str, anonymous: bool) -> Draft:
    """Check what the author wants to publish, before the preview. Writes nothing."""
    title, text = title.strip(), text.strip()
    if not title:
        raise ServiceError(_("Give the learning a title."))
    if not text:
        raise ServiceError(_("Write the learning you want to share."))
    if len(title) > TITLE_MAX or len(text) > TEXT_MAX:
        raise ServiceError(_("That is too long for the library."))
    if organisation not in publishing_organisations(author=author, source=source):
        raise ServiceError(_("You can publish only to your own organisation."))
    return Draft(
        author_id=author.pk,
        organisation_id=organisation.pk,
        title=title,
        text=text,
        anonymous=anonymous,
        journal_entry_id=source.pk if isinstance(source, JournalEntry) else None,
        reflection_id=source.pk if isinstance(source, Reflection) else None,
    )


def preview_token(draft: Draft) -> str:
    """Signed, so that confirming publishes exactly what the preview showed, not whatever is posted."""
    return signing.dumps(asdict(draft), salt=PREVIEW_SALT, compress=True)


@once_per_form_token
@transaction.atomic
def publish_previewed(*, author, token: str) -> LibraryItem:
    """Publish what the author saw on the preview page and confirmed. Side effects: everyone in the
    organisation can read it in the library, named or anonymous, until the author withdraws it. Once per
    `form_token` (core/form_tokens.py): the preview's Publish button sent twice publishes once."""
    try:
        draft = Draft(**signing.loads(token, salt=PREVIEW_SALT, max_age=PREVIEW_MAX_AGE))
    except (signing.BadSignature, TypeError) as problem:
        raise ServiceError(_("That preview has expired. Preview it again, then publish.")) from problem
    if draft.author_id != author.pk:
        raise ServiceError(_("That preview is not yours."))
    source = _source_of(draft, author)
    if source is None:
        raise ServiceError(_("The entry or reflection this came from no longer exists."))
    organisation = next(
        (org for org in publishing_organisations(author=author, source=source) if org.pk == draft.organisation_id),
        None,
    )
    if organisation is None:
        raise ServiceError(_("You can publish only to your own organisation."))
    # The audit log names the author of a named learning only: an anonymous one stays anonymous to the admins.
    audit.record(
        AuditEvent.Verb.LEARNING_PUBLISHED,
        actor=None if draft.anonymous else author,
        organisation=organisation,
        anonymous=draft.anonymous,
    )
    return LibraryItem.objects.create(
        organisation=organisation,
        author=author,
        anonymous=draft.anonymous,
        by_line="" if draft.anonymous else author.display_name,
        title=draft.title,
        text=draft.text,
        journal_entry_id=draft.journal_entry_id,
        reflection_id=draft.reflection_id,
    )


@transaction.atomic
def withdraw(*, item: LibraryItem, by) -> None:
    """Withdraw a published learning: it is deleted, and disappears from the library at once."""
    if item.author_id != by.pk:
        raise ServiceError(_("Only the author can withdraw a learning."))
    audit.record(
        AuditEvent.Verb.LEARNING_WITHDRAWN,
        actor=None if item.anonymous else by,
        organisation=item.organisation,
        anonymous=item.anonymous,
    )
    item.delete()


def record_export(*, user, format: str) -> None:
    """A person downloaded everything they wrote: noted in the log of each organisation they belong to."""
    for organisation in Organisation.objects.filter(memberships__user=user):
        audit.record(AuditEvent.Verb.EXPORTED, actor=user, organisation=organisation, kind="my_data", format=format)
