"""Every write to organisations, sets, memberships and invitations. Views, commands and tests call these."""

import csv
import io
from dataclasses import dataclass, field

from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from core import audit
from core.emails import send_templated
from core.errors import ServiceError
from core.form_tokens import once_per_form_token
from core.models import AuditEvent
from core.queueing import queue_after_commit
from sets.contract import CONTRACT_FIELDS
from sets.models import (
    Invitation,
    LearningSet,
    Organisation,
    OrganisationMembership,
    SetMembership,
    default_expiry,
    hash_token,
    new_token,
)

MAX_BULK_LINES = 500
MAX_BULK_CHARACTERS = 100_000


# Organisations


@once_per_form_token
@transaction.atomic
def create_organisation(*, name: str, by, timezone_name: str = "UTC") -> Organisation:
    """Create an organisation with `by` as its first admin. Once per `form_token` (core/form_tokens.py)."""
    base = slugify(name)[:50] or "organisation"
    slug, n = base, 1
    while Organisation.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    organisation = Organisation.objects.create(name=name, slug=slug, timezone=timezone_name)
    OrganisationMembership.objects.create(organisation=organisation, user=by, role=OrganisationMembership.Role.ADMIN)
    return organisation


def check_not_last_admin(membership: OrganisationMembership) -> None:
    """Refuse to take the organisation's last admin away (a role change, a removal, leaving). Locks the admins'
    rows, so two admins stepping down at once cannot both succeed. Call inside a transaction."""
    if not membership.is_admin:
        return
    admins = OrganisationMembership.objects.select_for_update().filter(
        organisation_id=membership.organisation_id, role=OrganisationMembership.Role.ADMIN
    )
    if len(admins) <= 1:
        raise ServiceError(_("An organisation needs at least one admin. Make someone else an admin first."))


@transaction.atomic
def change_organisation_role(*, membership: OrganisationMembership, role: str, by) -> OrganisationMembership:
    """Make someone an admin of the organisation or a plain member. An organisation keeps at least one admin."""
    if role not in OrganisationMembership.Role.values:
        raise ServiceError(_("Choose admin or member."))
    if membership.role == role:
        return membership
    check_not_last_admin(membership)
    audit.record(
        AuditEvent.Verb.ORGANISATION_ROLE_CHANGED,
        actor=by,
        organisation=membership.organisation,
        subject=membership.user,
        from_role=membership.role,
        to_role=role,
    )
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def remove_from_organisation(*, membership: OrganisationMembership, by) -> int:
    """Take someone out of an organisation. They leave each of its sets (their actions and reflections stay in
    the sets' records, with their name), its pages close to them at once, and every session of theirs ends, so
    nothing they had open keeps answering. An organisation keeps at least one admin. Side effects: an audit event;
    the person's sessions deleted. Returns how many sets they left."""
    from accounts import services as account_services

    membership = OrganisationMembership.objects.select_for_update().select_related("user").get(pk=membership.pk)
    if membership.user_id == getattr(by, "pk", None):
        raise ServiceError(_("You cannot remove yourself. Ask another admin."))
    check_not_last_admin(membership)
    left = (
        SetMembership.objects.current()
        .filter(user_id=membership.user_id, learning_set__organisation_id=membership.organisation_id)
        .update(left_at=timezone.now())
    )
    organisation, person = membership.organisation, membership.user
    membership.delete()
    audit.record(
        AuditEvent.Verb.REMOVED_FROM_ORGANISATION, actor=by, organisation=organisation, subject=person, sets=left
    )
    account_services.end_sessions(user=person)
    return left


@transaction.atomic
def set_departure_policy(*, organisation: Organisation, policy: str, by) -> Organisation:
    """Decide what the organisation's sets keep of what a departing person shared. Side effects: an audit event."""
    if policy not in Organisation.DeparturePolicy.values:
        raise ServiceError(_("Choose what the sets keep when someone leaves."))
    if organisation.departure_policy != policy:
        organisation.departure_policy = policy
        organisation.save(update_fields=["departure_policy"])
        audit.record(AuditEvent.Verb.DEPARTURE_POLICY_CHANGED, actor=by, organisation=organisation, policy=policy)
    return organisation


def two_factor_needed(user) -> bool:
    """Whether the person belongs to an organisation that requires two-factor and has no authenticator yet."""
    from allauth.mfa.models import Authenticator

    return (
        OrganisationMembership.objects.filter(user=user, organisation__require_two_factor=True).exists()
        and not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    )


@transaction.atomic
def set_two_factor_requirement(*, organisation: Organisation, required: bool, by, request=None) -> Organisation:
    """Require (or stop requiring) two-factor authentication of everyone in the organisation. Turning it on signs
    out everyone in it who has no authenticator yet (their next login asks them to set one up); the admin who
    turns it on must have one. Side effects: an audit event; those people's sessions end."""
    from allauth.mfa.models import Authenticator

    from accounts import services as account_services

    if organisation.require_two_factor == required:
        return organisation
    if required and not Authenticator.objects.filter(user=by, type=Authenticator.Type.TOTP).exists():
        raise ServiceError(_("Set up two-factor authentication for yourself first (Profile → Two-factor)."))
    organisation.require_two_factor = required
    organisation.save(update_fields=["require_two_factor"])
    audit.record(AuditEvent.Verb.TWO_FACTOR_POLICY_CHANGED, actor=by, organisation=organisation, required=required)
    if required:
        with_totp = Authenticator.objects.filter(type=Authenticator.Type.TOTP).values("user_id")
        for membership in organisation.memberships.exclude(user_id__in=with_totp).select_related("user"):
            account_services.end_sessions(user=membership.user)
    return organisation


# Sets


@once_per_form_token
@transaction.atomic
def create_learning_set(*, organisation: Organisation, by, **fields) -> LearningSet:
    """Create a set. Its contract starts from the template in sets/contract.py unless `fields` say otherwise.
    Once per `form_token` (core/form_tokens.py)."""
    return LearningSet.objects.create(organisation=organisation, **fields)


@transaction.atomic
def update_learning_set(*, learning_set: LearningSet, by, changes: dict) -> LearningSet:
    """Change a set's details or contract. A change to the contract asks every member to agree again."""
    if learning_set.is_closed:
        raise ServiceError(_("This set is closed; its record can no longer be changed."))
    changed = [name for name, value in changes.items() if getattr(learning_set, name) != value]
    if not changed:
        return learning_set
    for name in changed:
        setattr(learning_set, name, changes[name])
    if any(name in CONTRACT_FIELDS for name in changed):
        learning_set.contract_version += 1
        learning_set.contract_updated_at = timezone.now()
        changed += ["contract_version", "contract_updated_at"]
    learning_set.save(update_fields=changed)
    return learning_set


@transaction.atomic
def close_learning_set(*, learning_set: LearningSet, by) -> LearningSet:
    """Close a set: it stays readable as an archive, and nothing more can be changed in it."""
    if learning_set.is_closed:
        return learning_set
    learning_set.status = LearningSet.Status.CLOSED
    learning_set.closed_at = timezone.now()
    learning_set.save(update_fields=["status", "closed_at"])
    Invitation.objects.filter(learning_set=learning_set, accepted_at=None, revoked_at=None).update(
        revoked_at=learning_set.closed_at
    )
    return learning_set


@transaction.atomic
def agree_contract(*, membership: SetMembership) -> SetMembership:
    """Record that a member agrees the set's contract as it stands now."""
    learning_set = LearningSet.objects.get(pk=membership.learning_set_id)
    membership.contract_agreed_version = learning_set.contract_version
    membership.contract_agreed_at = timezone.now()
    membership.save(update_fields=["contract_agreed_version", "contract_agreed_at"])
    return membership


@transaction.atomic
def add_to_set(*, learning_set: LearningSet, user, role: str, by=None) -> SetMembership:
    """Put someone in a set with a role. Someone who left comes back (their old record is the same row)."""
    if learning_set.is_closed:
        raise ServiceError(_("This set is closed; nobody can join it."))
    membership, created = SetMembership.objects.select_for_update().get_or_create(
        learning_set=learning_set, user=user, defaults={"role": role}
    )
    if by is not None and (created or membership.left_at is not None):
        audit.record(AuditEvent.Verb.ADDED_TO_SET, actor=by, learning_set=learning_set, subject=user, role=role)
    if created:
        return membership
    if membership.left_at is not None:
        membership.left_at = None
        membership.joined_at = timezone.now()
        membership.contract_agreed_at = None
        membership.contract_agreed_version = None
        membership.role = role
        membership.save(update_fields=["left_at", "joined_at", "contract_agreed_at", "contract_agreed_version", "role"])
    elif role == SetMembership.Role.FACILITATOR and membership.role != role:
        membership.role = role
        membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def change_set_role(*, membership: SetMembership, role: str, by) -> SetMembership:
    if role not in SetMembership.Role.values:
        raise ServiceError(_("Choose facilitator or member."))
    if membership.role != role:
        audit.record(
            AuditEvent.Verb.SET_ROLE_CHANGED,
            actor=by,
            learning_set=membership.learning_set,
            subject=membership.user,
            from_role=membership.role,
            to_role=role,
        )
        membership.role = role
        membership.save(update_fields=["role"])
    return membership


@transaction.atomic
def remove_from_set(*, membership: SetMembership, by) -> SetMembership:
    """Take someone out of a set. The membership row stays, so their actions and reflections keep an author."""
    if membership.left_at is None:
        membership.left_at = timezone.now()
        membership.save(update_fields=["left_at"])
        audit.record(
            AuditEvent.Verb.REMOVED_FROM_SET, actor=by, learning_set=membership.learning_set, subject=membership.user
        )
    return membership


# Invitations

ROLE_ADMIN = "admin"
ROLE_FACILITATOR = "facilitator"
ROLE_MEMBER = "member"
INVITATION_ROLES = (ROLE_MEMBER, ROLE_FACILITATOR, ROLE_ADMIN)


@dataclass
class InvitationRequest:
    email: str
    full_name: str = ""
    role: str = ROLE_MEMBER
    line: int | None = None
    source: str = ""  # the pasted line, to show beside its error


@dataclass
class BulkResult:
    invitations: list[Invitation] = field(default_factory=list)
    errors: list[tuple[int, str, str]] = field(default_factory=list)  # (line number, line text, message)


def check_invitation(*, organisation: Organisation, learning_set: LearningSet | None, email: str, role: str) -> str:
    """Why this invitation cannot be made, or "" when it can."""
    try:
        validate_email(email)
    except ValidationError:
        return _("“%(email)s” is not an email address.") % {"email": email}
    if role not in INVITATION_ROLES:
        return _("“%(role)s” is not a role: use member, facilitator or admin.") % {"role": role}
    if role == ROLE_FACILITATOR and learning_set is None:
        return _("A facilitator is invited to a set: choose the set.")
    if learning_set is not None and learning_set.is_closed:
        return _("The set is closed.")
    pending = Invitation.objects.filter(
        organisation=organisation,
        learning_set=learning_set,
        email__iexact=email,
        accepted_at=None,
        revoked_at=None,
        expires_at__gt=timezone.now(),
    )
    if pending.exists():
        return _("%(email)s already has a pending invitation; resend it instead.") % {"email": email}
    if learning_set is not None:
        in_set = SetMembership.objects.current().filter(learning_set=learning_set, user__email__iexact=email)
        if in_set.exists():
            return _("%(email)s is already in this set.") % {"email": email}
        return ""
    # Inviting someone already in the organisation as an admin makes them one; anything else is a no-op.
    in_organisation = OrganisationMembership.objects.filter(organisation=organisation, user__email__iexact=email)
    if role != ROLE_ADMIN and in_organisation.exists():
        return _("%(email)s is already in the organisation.") % {"email": email}
    return ""


@transaction.atomic
def invite(
    *, organisation: Organisation, learning_set: LearningSet | None, request: InvitationRequest, by
) -> Invitation:
    """Invite one person. Side effects: the invitation email is queued (a Celery task) after commit."""
    email = request.email.strip()
    role = request.role.strip().lower() or ROLE_MEMBER
    problem = check_invitation(organisation=organisation, learning_set=learning_set, email=email, role=role)
    if problem:
        raise ServiceError(problem)
    if learning_set is not None:
        set_role = SetMembership.Role.FACILITATOR if role == ROLE_FACILITATOR else SetMembership.Role.MEMBER
    else:
        set_role = ""
    invitation = Invitation.objects.create(
        organisation=organisation,
        learning_set=learning_set,
        email=email,
        full_name=request.full_name.strip()[:150],
        organisation_role=OrganisationMembership.Role.ADMIN
        if role == ROLE_ADMIN
        else OrganisationMembership.Role.MEMBER,
        set_role=set_role,
        # Unusable until the email goes out: the worker makes the real token when it sends the link.
        token_hash=hash_token(new_token()),
        invited_by=by,
    )
    audit.record(
        AuditEvent.Verb.INVITED,
        actor=by,
        organisation=organisation,
        learning_set=learning_set,
        subject_email=email,
        role=role,
    )
    _queue_invitation_email(invitation)
    return invitation


def parse_invitation_lines(text: str) -> tuple[list[InvitationRequest], list[tuple[int, str, str]]]:
    """Read pasted `email, name, role` lines. Blank lines and lines starting with # are skipped."""
    if len(text) > MAX_BULK_CHARACTERS:
        return [], [(0, "", _("That is too much text: paste at most %(n)s characters.") % {"n": MAX_BULK_CHARACTERS})]
    rows, errors = [], []
    lines = [(number, line) for number, line in enumerate(text.splitlines(), start=1) if line.strip()]
    lines = [(number, line) for number, line in lines if not line.lstrip().startswith("#")]
    if len(lines) > MAX_BULK_LINES:
        return [], [(0, "", _("Paste at most %(n)s lines at once.") % {"n": MAX_BULK_LINES})]
    for number, line in lines:
        cells = [cell.strip() for cell in next(csv.reader(io.StringIO(line), skipinitialspace=True), [])]
        if len(cells) > 3:
            errors.append((number, line, _("Too many commas: write email, name, role.")))
            continue
        cells += [""] * (3 - len(cells))
        rows.append(
            InvitationRequest(
                email=cells[0], full_name=cells[1], role=cells[2].lower() or ROLE_MEMBER, line=number, source=line
            )
        )
    return rows, errors


def invite_many(*, organisation: Organisation, learning_set: LearningSet | None, text: str, by) -> BulkResult:
    """Invite everyone on the pasted lines that can be invited; report each line that cannot, keep the rest."""
    requests, errors = parse_invitation_lines(text)
    result = BulkResult(errors=errors)
    seen: set[str] = set()
    for request in requests:
        if request.email.lower() in seen:
            result.errors.append((request.line, request.source, _("This address is on an earlier line too.")))
            continue
        seen.add(request.email.lower())
        try:
            result.invitations.append(
                invite(organisation=organisation, learning_set=learning_set, request=request, by=by)
            )
        except ServiceError as error:
            result.errors.append((request.line, request.source, str(error)))
    result.errors.sort()
    return result


def _queue_invitation_email(invitation: Invitation) -> None:
    # If the broker is down the invitation still exists: "Resend" on the people page queues it again.
    queue_after_commit("sets.send_invitation", invitation.pk)


@transaction.atomic
def resend_invitation(*, invitation: Invitation, by) -> Invitation:
    """Send a pending or expired invitation again with a fresh link and a new expiry. The old link stops working."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at or invitation.revoked_at:
        raise ServiceError(_("Only an invitation that has not been accepted or revoked can be resent."))
    invitation.expires_at = default_expiry()
    invitation.send_requested_at = timezone.now()
    invitation.save(update_fields=["expires_at", "send_requested_at"])
    audit.record(
        AuditEvent.Verb.INVITATION_RESENT,
        actor=by,
        organisation=invitation.organisation,
        learning_set=invitation.learning_set,
        subject_email=invitation.email,
    )
    _queue_invitation_email(invitation)
    return invitation


@transaction.atomic
def revoke_invitation(*, invitation: Invitation, by) -> Invitation:
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at:
        raise ServiceError(_("This invitation has already been accepted."))
    if not invitation.revoked_at:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        audit.record(
            AuditEvent.Verb.INVITATION_REVOKED,
            actor=by,
            organisation=invitation.organisation,
            learning_set=invitation.learning_set,
            subject_email=invitation.email,
        )
    return invitation


def send_invitation_email(*, invitation_id: int) -> bool:
    """Make a fresh token and email the link (called by the Celery task).

    The token exists only in the email: it is made here, in the worker, and only its hash is saved, in the same
    transaction as the email is handed to the mail backend. If sending fails the transaction rolls back and the
    task retries. Returns False when there was nothing to send (accepted, revoked, expired or gone).
    """
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update(of=("self",))
            .select_related("organisation", "learning_set", "invited_by")
            .filter(pk=invitation_id)
            .first()
        )
        if invitation is None or not invitation.is_pending:
            return False
        if invitation.sent_at and invitation.sent_at >= invitation.send_requested_at:
            return False  # a duplicate delivery of the task: this request was already sent
        token = new_token()
        invitation.token_hash = hash_token(token)
        invitation.sent_at = timezone.now()
        invitation.send_count += 1
        invitation.save(update_fields=["token_hash", "sent_at", "send_count"])
        send_templated(
            "invitation",
            to=invitation.email,
            context={"invitation": invitation, "accept_path": reverse("sets:invitation", args=[token])},
            tz_name=invitation.organisation.timezone,
        )
    return True


def invitation_for_token(token: str) -> Invitation | None:
    return (
        Invitation.objects.select_related("organisation", "learning_set", "invited_by")
        .filter(token_hash=hash_token(token))
        .first()
    )


def email_belongs_to(user, email: str) -> bool:
    return EmailAddress.objects.filter(user=user, email__iexact=email, verified=True).exists()


@transaction.atomic
def accept_invitation(*, invitation: Invitation, user) -> Invitation:
    """Join the organisation (and set) the invitation is for. Single use: a second accept is refused."""
    invitation = Invitation.objects.select_for_update(of=("self",)).select_related("learning_set").get(pk=invitation.pk)
    status = invitation.status
    if status == Invitation.Status.ACCEPTED:
        raise ServiceError(_("This invitation has already been used."))
    if status == Invitation.Status.REVOKED:
        raise ServiceError(_("This invitation was withdrawn. Ask the person who invited you for a new one."))
    if status == Invitation.Status.EXPIRED:
        raise ServiceError(_("This invitation has expired. Ask the person who invited you to send it again."))
    if not email_belongs_to(user, invitation.email):
        raise ServiceError(
            _("This invitation was sent to %(email)s. Log in with that address, or add and verify it in your profile.")
            % {"email": invitation.email}
        )
    membership, created = OrganisationMembership.objects.get_or_create(
        organisation_id=invitation.organisation_id, user=user, defaults={"role": invitation.organisation_role}
    )
    if not created and invitation.organisation_role == OrganisationMembership.Role.ADMIN and not membership.is_admin:
        membership.role = OrganisationMembership.Role.ADMIN
        membership.save(update_fields=["role"])
    if invitation.learning_set is not None:
        add_to_set(
            learning_set=invitation.learning_set, user=user, role=invitation.set_role or SetMembership.Role.MEMBER
        )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    audit.record(
        AuditEvent.Verb.INVITATION_ACCEPTED,
        actor=user,
        organisation=invitation.organisation,
        learning_set=invitation.learning_set,
        subject=user,
        role=invitation.organisation_role,
    )
    return invitation


def account_exists(email: str) -> bool:
    return EmailAddress.objects.filter(email__iexact=email).exists()
