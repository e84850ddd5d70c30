"""Leaving an organisation, and deleting one's account.

A person's private writing always goes: private reflections and private journal entries. What they shared with
their sets (issues, actions and updates, shared reflections and journal entries, questions, check-in notes,
ratings, words of support, their place on agendas) stays in those sets' records, because the set's story needs
it, under their name or as from "a former member", as each organisation has chosen
(`Organisation.departure_policy`). Anonymising hands their rows to a new, inactive placeholder person, one per
departure, so the set still sees which contributions came from the same person, but not who.

This lives in `learning`, the app that can see every kind of content (`accounts <- sets <- meetings <- learning`).
"""

import uuid

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.db import transaction
from django.db.models import CASCADE
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import services as account_services
from accounts.models import User
from core import audit
from core.models import AuditEvent, OutboxMessage
from learning.models import JournalEntry, LibraryItem
from meetings.models import (
    Action,
    ActionUpdate,
    AirtimeSlot,
    Attendance,
    Encouragement,
    Issue,
    Meeting,
    MeetingEvent,
    ProcessRating,
    Question,
    Reflection,
)
from sets.models import Organisation, OrganisationMembership, SetMembership
from sets.services import check_not_last_admin
from sets.versions import bump_organisation


def _placeholder() -> User:
    user = User.objects.create(
        email=f"former-member-{uuid.uuid4().hex}@invalid.example", full_name=_("A former member"), is_active=False
    )
    user.set_unusable_password()
    user.save(update_fields=["password"])
    return user


# Every row that names a person, in one list: (model, the field naming the person, the path to its organisation).
# Anonymising hands these to the stand-in; an account that still has any of them stays (closed) on deletion.
CREDITED = [
    (Issue, "owner", "learning_set__organisation"),
    (Action, "owner", "learning_set__organisation"),
    (ActionUpdate, "author", "action__learning_set__organisation"),
    (Encouragement, "author", "update__action__learning_set__organisation"),
    (Reflection, "author", "meeting__learning_set__organisation"),
    (ProcessRating, "author", "meeting__learning_set__organisation"),
    (Question, "author", "slot__meeting__learning_set__organisation"),
    (AirtimeSlot, "presenter", "meeting__learning_set__organisation"),
    (Attendance, "user", "meeting__learning_set__organisation"),
    (MeetingEvent, "actor", "meeting__learning_set__organisation"),
    (Meeting, "facilitator", "learning_set__organisation"),
    (Meeting, "created_by", "learning_set__organisation"),
    (JournalEntry, "author", "learning_set__organisation"),
    (LibraryItem, "author", "organisation"),
    (SetMembership, "user", "learning_set__organisation"),
]


def _depart(*, user, organisation: Organisation) -> str:
    """Take the person out of one organisation, as its policy says. Returns the policy applied."""
    now = timezone.now()
    bump_organisation(organisation.pk)  # its sets' records change below in bulk, past the signals
    # Private writing goes, whatever the policy.
    Reflection.objects.filter(author=user, shared=False, meeting__learning_set__organisation=organisation).delete()
    JournalEntry.objects.filter(author=user, shared=False, learning_set__organisation=organisation).delete()
    # What the organisation's outbox sent them (and anything still waiting to go) goes with them.
    OutboxMessage.objects.filter(to_user=user, organisation=organisation).delete()
    SetMembership.objects.current().filter(user=user, learning_set__organisation=organisation).update(left_at=now)
    if organisation.departure_policy == Organisation.DeparturePolicy.ANONYMISE:
        stand_in = _placeholder()
        # A named learning in the library becomes anonymous before it is handed over.
        LibraryItem.objects.filter(author=user, organisation=organisation).update(anonymous=True, by_line="")
        for model, person, to_organisation in CREDITED:
            model.objects.filter(**{person: user, to_organisation: organisation}).update(**{person: stand_in})
    OrganisationMembership.objects.filter(user=user, organisation=organisation).delete()
    return organisation.departure_policy


def _still_credited(user) -> bool:
    """Whether deleting the account would take shared rows with it (links that are merely cleared don't count)."""
    return any(
        model.objects.filter(**{person: user}).exists()
        for model, person, _path in CREDITED
        if model._meta.get_field(person).remote_field.on_delete is CASCADE
    )


def _check_not_last_admin(user, organisation) -> None:
    membership = OrganisationMembership.objects.filter(user=user, organisation=organisation).first()
    if membership is not None:
        check_not_last_admin(membership)


@transaction.atomic
def leave_organisation(*, user, organisation: Organisation) -> str:
    """The person leaves an organisation. Side effects: their private reflections and journal entries there are
    deleted; what they shared stays, named or anonymised as the organisation chose; an audit event."""
    _check_not_last_admin(user, organisation)
    policy = _depart(user=user, organisation=organisation)
    audit.record(AuditEvent.Verb.LEFT_ORGANISATION, actor=user, organisation=organisation, policy=policy)
    return policy


@transaction.atomic
def delete_account(*, user) -> None:
    """The person's account goes. Side effects: they leave every organisation (as in leave_organisation); every
    private writing of theirs is deleted; their sessions end. If an organisation keeps shared contributions with
    their name, a closed, unusable account with only that name stays behind for them; otherwise nothing does."""
    organisations = list(Organisation.objects.filter(memberships__user=user))
    for organisation in organisations:
        _check_not_last_admin(user, organisation)
    for organisation in organisations:
        policy = _depart(user=user, organisation=organisation)
        # Who asked to be deleted is not kept in the log either: only that someone left, and under which policy.
        audit.record(AuditEvent.Verb.ACCOUNT_DELETED, actor=None, organisation=organisation, policy=policy)
    # Whatever is left that is private, in no organisation: journal entries without a set, unshared reflections.
    JournalEntry.objects.filter(author=user, shared=False).delete()
    Reflection.objects.filter(author=user, shared=False).delete()
    account_services.end_sessions(user=user)
    # Contributions kept with their name (now, or when they left an organisation earlier) still point at this
    # account: it stays, closed and unusable, holding only the name. Otherwise it goes altogether.
    if _still_credited(user):
        EmailAddress.objects.filter(user=user).delete()
        user.email = f"deleted-{uuid.uuid4().hex}@invalid.example"
        user.is_active = False
        user.calendar_token = None
        user.set_unusable_password()
        user.save(update_fields=["email", "is_active", "calendar_token", "password"])
        Authenticator.objects.filter(user=user).delete()
    else:
        user.delete()
