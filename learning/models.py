"""The learning journal (private unless shared with a set) and the organisation's learning library."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.encryption import EncryptedCharField, EncryptedTextField

# The three reflection prompts of action learning, offered on every entry and never forced.
PROMPTS = ("about_situation", "about_self", "about_relating")
CONTENT_FIELDS = ("title", "body", *PROMPTS)


class JournalEntry(models.Model):
    """A member's own note of learning. Readable by its author alone until they share it with one of their
    sets; never shown to facilitators or admins otherwise, and never in the Django admin."""

    author = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="journal_entries")
    learning_set = models.ForeignKey(
        "sets.LearningSet",
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="journal_entries",
        verbose_name=_("set"),
    )
    action = models.ForeignKey(
        "meetings.Action", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("action")
    )
    meeting = models.ForeignKey(
        "meetings.Meeting", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("meeting")
    )
    issue = models.ForeignKey(
        "meetings.Issue", models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("issue")
    )
    # Encrypted at rest (core/encryption.py).
    title = EncryptedCharField(_("title"), max_length=200, blank=True)
    body = EncryptedTextField(_("what happened, what I noticed"), blank=True)
    about_situation = EncryptedTextField(_("about the situation"), blank=True)
    about_self = EncryptedTextField(_("about myself"), blank=True)
    about_relating = EncryptedTextField(_("about how I think, act and relate to others"), blank=True)
    shared = models.BooleanField(default=False)
    shared_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "journal entries"
        indexes = [
            models.Index(fields=["author", "created_at"], name="journal_author_time"),
            models.Index(fields=["learning_set", "shared", "shared_at"], name="journal_set_shared"),
        ]

    def __str__(self) -> str:
        # No content: this is what the admin and logs show.
        return f"Journal entry {self.pk} of {self.author_id}"

    @property
    def heading(self) -> str:
        return self.title or (self.body or self.about_situation or self.about_self or self.about_relating)[:80]


class LibraryItem(models.Model):
    """A learning a member published to their organisation's library: a snapshot of the words they confirmed
    on the preview page (editing the journal entry later changes nothing here). `author` is kept so they can
    withdraw it; `by_line` is empty for an anonymous item, and pages show only `by_line`."""

    organisation = models.ForeignKey("sets.Organisation", models.CASCADE, related_name="library_items")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="library_items")
    anonymous = models.BooleanField(default=False)
    by_line = models.CharField(max_length=200, blank=True)
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("text"))
    journal_entry = models.ForeignKey(JournalEntry, models.SET_NULL, null=True, blank=True, related_name="+")
    reflection = models.ForeignKey("meetings.Reflection", models.SET_NULL, null=True, blank=True, related_name="+")
    published_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-published_at", "-pk"]
        indexes = [models.Index(fields=["organisation", "published_at"], name="library_org_time")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(anonymous=False) | models.Q(by_line=""), name="library_anonymous_has_no_name"
            )
        ]

    def __str__(self) -> str:
        return f"Library item {self.pk} in {self.organisation_id}"
