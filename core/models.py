"""Shared tables: the audit log, the heartbeat of periodic jobs, the claimed one-time form tokens and the outbox.

The audit log's rows point at organisations and sets by name ("sets.Organisation"), the one link from core to an
app above it; no Python module of core imports an app (docs/architecture.md).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone as django_timezone
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """Who did what, and when, to people and access: never any content (no titles, texts or notes), so an
    organisation's admins can read their log without reading what members bring."""

    class Verb(models.TextChoices):
        INVITED = "invited", _("invited")
        INVITATION_RESENT = "invitation_resent", _("resent an invitation")
        INVITATION_REVOKED = "invitation_revoked", _("revoked an invitation")
        INVITATION_ACCEPTED = "invitation_accepted", _("accepted an invitation")
        ORGANISATION_ROLE_CHANGED = "organisation_role_changed", _("changed an organisation role")
        SET_ROLE_CHANGED = "set_role_changed", _("changed a set role")
        ADDED_TO_SET = "added_to_set", _("added someone to a set")
        REMOVED_FROM_SET = "removed_from_set", _("removed someone from a set")
        REMOVED_FROM_ORGANISATION = "removed_from_organisation", _("removed someone from the organisation")
        TWO_FACTOR_POLICY_CHANGED = "two_factor_policy_changed", _("changed the two-factor policy")
        DEPARTURE_POLICY_CHANGED = "departure_policy_changed", _("changed what is kept when someone leaves")
        LEFT_ORGANISATION = "left_organisation", _("left the organisation")
        ACCOUNT_DELETED = "account_deleted", _("deleted their account")
        EXPORTED = "exported", _("exported data")
        LEARNING_PUBLISHED = "learning_published", _("published a learning")
        LEARNING_WITHDRAWN = "learning_withdrawn", _("withdrew a learning")
        ADMIN_LOGIN = "admin_login", _("logged in (admin)")

    organisation = models.ForeignKey(
        "sets.Organisation", models.CASCADE, null=True, blank=True, related_name="audit_events"
    )  # empty for events outside any organisation (a staff login to the Django admin)
    verb = models.CharField(max_length=40, choices=Verb)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    # Kept as text too, so the log still says who when an account is deleted.
    actor_email = models.EmailField(blank=True)
    subject = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    subject_email = models.EmailField(blank=True)
    learning_set = models.ForeignKey("sets.LearningSet", models.SET_NULL, null=True, blank=True, related_name="+")
    # Roles, kinds of export, counts: facts about access, never content.
    detail = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(default=django_timezone.now)

    class Meta:
        db_table = "sets_auditevent"  # the table it has had since it was made, in the sets app
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["organisation", "-at"], name="audit_organisation_time")]

    def __str__(self) -> str:
        return f"{self.verb} by {self.actor_email or '-'} at {self.at:%Y-%m-%d %H:%M}"


class Heartbeat(models.Model):
    """When a periodic job last ran: /healthz says "degraded" when beat has been silent too long (core/heartbeat.py)."""

    name = models.CharField(max_length=100, unique=True)
    last_run_at = models.DateTimeField()

    class Meta:
        db_table = "meetings_heartbeat"  # the table it has had since it was made, in the meetings app

    def __str__(self) -> str:
        return f"{self.name} at {self.last_run_at}"


class FormTokenClaim(models.Model):
    """A form's one-time token, claimed by the person who sent it (core/form_tokens.py). The unique constraint is
    the claim: a second INSERT of the same (person, token) fails. Holds a hash of the token, never the token,
    and no content. Rows older than a day are swept (`form_tokens.sweep`)."""

    user_id = models.BigIntegerField()  # no foreign key: a claim is a day's bookkeeping, not a link to keep
    token_hash = models.CharField(max_length=64)  # SHA-256 of the token, hex
    claimed_at = models.DateTimeField(default=django_timezone.now, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user_id", "token_hash"], name="form_token_claimed_once")]

    def __str__(self) -> str:
        return f"form token of user {self.user_id} at {self.claimed_at:%Y-%m-%d %H:%M}"


class OutboxMessage(models.Model):
    """One email to one person, written in the same transaction as the change that causes it and delivered by
    the worker (core/outbox.py): claimed, sent once, retried, swept when a claim goes stale.

    It holds who, what kind, and a small `ref` of ids (`{"meeting": 12}`, `{"invitation": 3}`): never content,
    which the kind's sender reads from the database when it renders the email. `key` is unique per message, so
    writing the same message twice queues it once. The organisation and set say whose pages list it (an admin's
    people page, a facilitator's meeting page); like the audit log they point at `sets` by name."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        SKIPPED = "skipped", _("Not sent")
        FAILED = "failed", _("Failed")

    kind = models.CharField(max_length=40)
    key = models.CharField(max_length=200, unique=True)
    to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, null=True, blank=True, related_name="outbox_messages"
    )  # empty for someone without an account yet (an invitation)
    to_email = models.EmailField()
    organisation = models.ForeignKey("sets.Organisation", models.CASCADE, null=True, blank=True, related_name="+")
    learning_set = models.ForeignKey("sets.LearningSet", models.CASCADE, null=True, blank=True, related_name="+")
    ref = models.JSONField(default=dict, blank=True)  # ids only
    created_at = models.DateTimeField(default=django_timezone.now)
    due_at = models.DateTimeField(default=django_timezone.now)  # not sent before
    expires_at = models.DateTimeField(null=True, blank=True)  # not sent after (a reminder: the meeting's start)
    status = models.CharField(max_length=20, choices=Status, default=Status.PENDING)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=200, blank=True)  # why it was not sent, or the last error's kind
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["due_at"], condition=Q(status="pending"), name="outbox_pending"),
            models.Index(fields=["organisation", "-created_at"], name="outbox_organisation_time"),
            models.Index(fields=["learning_set", "-created_at"], name="outbox_set_time"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} to {self.to_email} ({self.status})"
