import hashlib
import secrets
from datetime import timedelta

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone as django_timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.timezones import timezone_choices
from core.dates import DateRule
from sets import contract


class Organisation(models.Model):
    """A tenant: a company or programme that runs action learning sets."""

    class DeparturePolicy(models.TextChoices):
        ANONYMISE = "anonymise", _("Keep what they shared in their sets, shown as from “a former member”")
        KEEP = "keep", _("Keep what they shared in their sets, with their name")

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("short name"), max_length=60, unique=True)
    timezone = models.CharField(_("time zone"), max_length=64, choices=timezone_choices, default="UTC")
    created_at = models.DateTimeField(auto_now_add=True)
    require_two_factor = models.BooleanField(
        _("require two-factor authentication"),
        default=False,
        help_text=_("Everyone in the organisation must set up an authenticator app before they can use it."),
    )
    # When someone leaves or deletes their account: their private writing always goes; this decides what their
    # sets keep of what they shared (actions, updates, shared reflections, questions, issues).
    departure_policy = models.CharField(
        _("when someone leaves"), max_length=20, choices=DeparturePolicy, default=DeparturePolicy.ANONYMISE
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class OrganisationMembership(models.Model):
    class Role(models.TextChoices):
        ADMIN = "admin", _("Admin")
        MEMBER = "member", _("Member")

    organisation = models.ForeignKey(Organisation, models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="organisation_memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role, default=Role.MEMBER)
    joined_at = models.DateTimeField(default=django_timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organisation", "user"], name="unique_organisation_membership")]

    def __str__(self) -> str:
        return f"{self.user} in {self.organisation} ({self.role})"

    @property
    def is_admin(self) -> bool:
        return self.role == self.Role.ADMIN


class LearningSet(models.Model):
    """One action learning set: a small group that meets regularly with a facilitator.

    The contract fields (ground rules, airtime, term) are versioned: every change bumps `contract_version`,
    and each member agrees to the version in force (SetMembership.contract_agreed_version).
    """

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        CLOSED = "closed", _("Closed")

    class AirtimeMode(models.TextChoices):
        EQUAL = "equal", _("Equal time for each member")
        BIDDING = "bidding", _("Bidding for time")

    organisation = models.ForeignKey(Organisation, models.CASCADE, related_name="learning_sets")
    name = models.CharField(_("name"), max_length=120)
    purpose = models.TextField(_("purpose"), blank=True)
    timezone = models.CharField(
        _("time zone"), max_length=64, choices=timezone_choices, default="UTC", help_text=_("Where the set meets.")
    )
    status = models.CharField(_("status"), max_length=20, choices=Status, default=Status.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    # Meeting defaults: every new meeting starts from these.
    meeting_duration_minutes = models.PositiveSmallIntegerField(_("meeting length (minutes)"), default=150)
    meeting_place = models.CharField(_("usual place"), max_length=200, blank=True)
    meeting_video_link = models.URLField(_("usual video link"), blank=True)
    checkin_minutes = models.PositiveSmallIntegerField(_("check-in (minutes)"), default=15)
    presentation_minutes = models.PositiveSmallIntegerField(_("issue presentation (minutes)"), default=10)
    questioning_minutes = models.PositiveSmallIntegerField(_("questioning (minutes)"), default=20)
    commitments_minutes = models.PositiveSmallIntegerField(_("action commitments (minutes)"), default=5)
    reflection_minutes = models.PositiveSmallIntegerField(_("reflection (minutes)"), default=15)
    nudge_days_before = models.PositiveSmallIntegerField(
        _("progress nudge (days before a meeting)"),
        default=3,
        help_text=_("Members with open actions and no update since the last meeting get a nudge. 0 for none."),
    )
    reminder_offsets_hours = models.JSONField(
        _("reminders (hours before a meeting)"), default=contract.default_reminder_offsets
    )

    # The contract the members agree.
    confidentiality = models.TextField(_("confidentiality and its limits"), default=contract.CONFIDENTIALITY)
    attendance = models.TextField(_("attendance and apologies"), default=contract.ATTENDANCE)
    punctuality = models.TextField(_("punctuality"), default=contract.PUNCTUALITY)
    issue_scope = models.TextField(_("what issues may be brought"), default=contract.ISSUE_SCOPE)
    other_ground_rules = models.TextField(_("other ground rules"), blank=True, default=contract.OTHER)
    quorum = models.PositiveSmallIntegerField(
        _("quorum"), default=3, help_text=_("The fewest members present for the set to meet.")
    )
    airtime_mode = models.CharField(
        _("how airtime is shared"), max_length=20, choices=AirtimeMode, default=AirtimeMode.EQUAL
    )
    term_meetings = models.PositiveSmallIntegerField(
        _("number of meetings"), null=True, blank=True, default=8, help_text=_("Typically 4 to 12.")
    )
    term_ends_on = models.DateField(_("term ends on"), null=True, blank=True)
    # A term's end as a person gives it (core/dates.py): today or later in their zone, within five years. Checked
    # by create_learning_set and update_learning_set (sets/services.py) when the date is new or changed.
    TERM_END = DateRule(
        earliest=relativedelta(),
        latest=relativedelta(years=5),
        too_early=_("The term's end date is in the past. Choose today or a later day."),
        too_late=_("The term's end date is too far ahead. Choose a day up to %(latest)s (within five years)."),
    )
    contract_version = models.PositiveIntegerField(default=1)
    contract_updated_at = models.DateTimeField(default=django_timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(quorum__gte=1), name="learning_set_quorum_positive"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_closed(self) -> bool:
        return self.status == self.Status.CLOSED


class SetMembershipQuerySet(models.QuerySet):
    def current(self):
        """Memberships of people in the set now: not removed, not left. The one rule for "a member of the set"
        (pages, permissions, emails, reminders and reports); across a join use `current_membership`."""
        return self.filter(left_at=None)


def current_membership(via: str, user=None) -> Q:
    """The same rule across a join: a condition on the memberships reached through `via` (for example
    "learning_set__memberships" from a meeting) that they are current, and `user`'s if one is given. Use it in a
    single filter() call, so both conditions apply to the same membership."""
    condition = Q(**{f"{via}__left_at": None})
    return condition & Q(**{f"{via}__user": user}) if user is not None else condition


class SetMembership(models.Model):
    """A person in a set. Removing someone sets `left_at`; the row (and so their history) stays."""

    class Role(models.TextChoices):
        FACILITATOR = "facilitator", _("Facilitator")
        MEMBER = "member", _("Member")

    learning_set = models.ForeignKey(LearningSet, models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="set_memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role, default=Role.MEMBER)
    joined_at = models.DateTimeField(default=django_timezone.now)
    left_at = models.DateTimeField(null=True, blank=True)
    contract_agreed_at = models.DateTimeField(null=True, blank=True)
    contract_agreed_version = models.PositiveIntegerField(null=True, blank=True)

    objects = SetMembershipQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["learning_set", "user"], name="unique_set_membership")]
        indexes = [models.Index(fields=["user", "left_at"], name="set_membership_user_active")]

    def __str__(self) -> str:
        return f"{self.user} in {self.learning_set} ({self.role})"

    @property
    def is_active(self) -> bool:
        return self.left_at is None

    @property
    def is_facilitator(self) -> bool:
        return self.role == self.Role.FACILITATOR

    def has_agreed_contract(self, learning_set: LearningSet | None = None) -> bool:
        version = (learning_set or self.learning_set).contract_version
        return self.contract_agreed_version == version


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


def default_expiry():
    return django_timezone.now() + timedelta(days=settings.INVITATION_EXPIRY_DAYS)


class Invitation(models.Model):
    """An emailed, expiring, single-use invitation to an organisation and, optionally, a set.

    Only a hash of the token is stored: the link in the email is the only copy of the token. Resending makes
    a new token, so an older email's link stops working.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        REVOKED = "revoked", _("Revoked")
        EXPIRED = "expired", _("Expired")

    organisation = models.ForeignKey(Organisation, models.CASCADE, related_name="invitations")
    learning_set = models.ForeignKey(LearningSet, models.CASCADE, null=True, blank=True, related_name="invitations")
    email = models.EmailField(_("email"))
    full_name = models.CharField(_("name"), max_length=150, blank=True)
    organisation_role = models.CharField(
        max_length=20, choices=OrganisationMembership.Role, default=OrganisationMembership.Role.MEMBER
    )
    set_role = models.CharField(max_length=20, choices=SetMembership.Role, blank=True)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    send_requested_at = models.DateTimeField(default=django_timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    send_count = models.PositiveSmallIntegerField(default=0)
    expires_at = models.DateTimeField(default=default_expiry)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["organisation", "accepted_at", "revoked_at"], name="invitation_pending")]

    def __str__(self) -> str:
        return f"Invitation of {self.email} to {self.organisation}"

    @property
    def status(self) -> str:
        if self.accepted_at:
            return self.Status.ACCEPTED
        if self.revoked_at:
            return self.Status.REVOKED
        if self.expires_at <= django_timezone.now():
            return self.Status.EXPIRED
        return self.Status.PENDING

    def get_status_display(self) -> str:
        return self.Status(self.status).label

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING

    @property
    def role(self) -> str:
        if self.organisation_role == OrganisationMembership.Role.ADMIN:
            return OrganisationMembership.Role.ADMIN.value
        return self.set_role or OrganisationMembership.Role.MEMBER.value

    @property
    def role_label(self) -> str:
        if self.role == OrganisationMembership.Role.ADMIN:
            return str(OrganisationMembership.Role.ADMIN.label)
        if self.set_role:
            return str(SetMembership.Role(self.set_role).label)
        return str(OrganisationMembership.Role.MEMBER.label)

    @property
    def role_after_as(self) -> str:
        """The role inside "… invited you to Acme as member" (ROLE_AFTER_AS)."""
        return str(ROLE_AFTER_AS[self.role])


# A role inside a sentence, after "as" ("Ann invited you to Acme as member") or "is now" ("Sam is now facilitator"):
# a language whose nouns keep their capital, or that needs another preposition, words it here (a capitalised label
# lower-cased by code would read "als mitglied" in German).
ROLE_AFTER_AS = {
    "admin": pgettext_lazy("a role, after “as” in “invited you … as admin”", "admin"),
    "facilitator": pgettext_lazy("a role, after “as” in “invited you … as facilitator”", "facilitator"),
    "member": pgettext_lazy("a role, after “as” in “invited you … as member”", "member"),
}
ROLE_AFTER_IS_NOW = {
    "admin": pgettext_lazy("a role, after “is now” in “Sam is now admin”", "admin"),
    "facilitator": pgettext_lazy("a role, after “is now” in “Sam is now facilitator”", "facilitator"),
    "member": pgettext_lazy("a role, after “is now” in “Sam is now member”", "member"),
}
