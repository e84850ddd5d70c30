"""Invitations: one at a time or pasted lines, sent by the worker, accepted once. Every write goes through here."""

import csv
import io
from dataclasses import dataclass, field

from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from accounts.models import User
from core import audit, outbox
from core.emails import send_templated
from core.errors import ServiceError
from core.models import AuditEvent, OutboxMessage
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
from sets.services import add_to_set

MAX_BULK_LINES = 500
MAX_BULK_CHARACTERS = 100_000

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
    """Invite one person. Side effects: the invitation email, written to the outbox with the invitation."""
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


INVITATION = "invitation"  # the outbox kind (registered in sets/apps.py) and the email's name


def _queue_invitation_email(invitation: Invitation) -> None:
    """One outbox row per request to send (the invitation, each resend), keyed on the time it was asked for."""
    requested = invitation.send_requested_at
    outbox.enqueue(
        [
            outbox.Message(
                kind=INVITATION,
                key=f"{INVITATION}:{invitation.pk}:{int(requested.timestamp() * 1_000_000)}",
                to_email=invitation.email,
                ref={"invitation": invitation.pk, "requested_at": requested.isoformat()},
                organisation_id=invitation.organisation_id,
                learning_set_id=invitation.learning_set_id,
            )
        ]
    )


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


def check_invitation_email(message: OutboxMessage, now) -> str:
    """Why an invitation email should no longer be sent, or ""."""
    invitation = Invitation.objects.filter(pk=message.ref.get("invitation")).first()
    if invitation is None:
        return "invitation deleted"
    if not invitation.is_pending:
        return str(invitation.status)  # accepted, revoked or expired
    if invitation.send_requested_at != parse_datetime(message.ref.get("requested_at", "")):
        return "resent since"
    return ""


def send_invitation_email(message: OutboxMessage) -> None:
    """Make a fresh token and email the link (the outbox sends this, in the worker).

    The token exists only in the email: it is made here and only its hash is saved, in the outbox's transaction,
    which marks the row sent as the email is handed to the mail backend. If sending fails it all rolls back and
    the row is retried."""
    invitation = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("organisation", "learning_set", "invited_by")
        .get(pk=message.ref["invitation"])
    )
    token = new_token()
    invitation.token_hash = hash_token(token)
    invitation.sent_at = timezone.now()
    invitation.send_count += 1
    invitation.save(update_fields=["token_hash", "sent_at", "send_count"])
    send_templated(
        INVITATION,
        to=invitation.email,
        context={"invitation": invitation, "accept_path": reverse("sets:invitation", args=[token])},
        tz_name=invitation.organisation.timezone,
        language=_invitation_language(invitation),
    )


def _invitation_language(invitation: Invitation) -> str:
    """The invitation's language: the invitee's own if they already have an account with a language, otherwise
    the inviter's (an admin writes to the people of their organisation); empty for the site's."""
    own = User.objects.filter(email__iexact=invitation.email).exclude(language="").values_list("language", flat=True)
    return next(iter(own), "") or (invitation.invited_by.language if invitation.invited_by else "")


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
