"""Every write to organisations, sets and memberships. Views, commands and tests call these; invitations are in
sets/invitations.py."""

from allauth.mfa.models import Authenticator
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accounts import services as account_services
from core import audit
from core.errors import ServiceError
from core.form_tokens import once_per_form_token
from core.models import AuditEvent
from sets import versions
from sets.contract import CONTRACT_FIELDS
from sets.models import (
    Invitation,
    LearningSet,
    Organisation,
    OrganisationMembership,
    SetMembership,
)

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
    versions.bump_organisation(organisation.pk)
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
    return (
        OrganisationMembership.objects.filter(user=user, organisation__require_two_factor=True).exists()
        and not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    )


@transaction.atomic
def set_two_factor_requirement(*, organisation: Organisation, required: bool, by, request=None) -> Organisation:
    """Require (or stop requiring) two-factor authentication of everyone in the organisation. Turning it on signs
    out everyone in it who has no authenticator yet (their next login asks them to set one up); the admin who
    turns it on must have one. Side effects: an audit event; those people's sessions end."""
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
    """Create a set. Its contract starts from the template in sets/contract.py unless `fields` say otherwise; a
    term end date must be within LearningSet.TERM_END. Once per `form_token` (core/form_tokens.py)."""
    LearningSet.TERM_END.check(fields.get("term_ends_on"))
    return LearningSet.objects.create(organisation=organisation, **fields)


@transaction.atomic
def update_learning_set(*, learning_set: LearningSet, by, changes: dict) -> LearningSet:
    """Change a set's details or contract. A change to the contract asks every member to agree again. A new term
    end date must be within LearningSet.TERM_END (one that has passed may stay as it is)."""
    if learning_set.is_closed:
        raise ServiceError(_("This set is closed; its record can no longer be changed."))
    changed = [name for name, value in changes.items() if getattr(learning_set, name) != value]
    if not changed:
        return learning_set
    if "term_ends_on" in changed:
        LearningSet.TERM_END.check(changes["term_ends_on"])
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
def make_self_facilitator(*, learning_set: LearningSet, by) -> SetMembership:
    """An organisation admin becomes a facilitator of the set in one step, so they can schedule and run its
    meetings. Side effects: an audit event (added to the set, or the role change when they were a member)."""
    current = SetMembership.objects.current().filter(learning_set=learning_set, user=by).first()
    if current is not None:
        return change_set_role(membership=current, role=SetMembership.Role.FACILITATOR, by=by)
    return add_to_set(learning_set=learning_set, user=by, role=SetMembership.Role.FACILITATOR, by=by)


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
