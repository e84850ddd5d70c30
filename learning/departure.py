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
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import services as account_services
from accounts.models import User
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
    Reminder,
)
from sets import audit
from sets.models import AuditEvent, Organisation, OrganisationMembership, SetMembership
from sets.services import check_not_last_admin


def _placeholder() -> User:
    user = User.objects.create(
        email=f"former-member-{uuid.uuid4().hex}@invalid.example", full_name=_("A former member"), is_active=False
    )
    user.set_unusable_password()
    user.save(update_fields=["password"])
    return user


def _shared_rows(user, organisation) -> list[tuple]:
    """(queryset, field) for every row in the organisation's sets that carries the person as its author."""
    in_sets = Q(learning_set__organisation=organisation)
    in_meetings = Q(meeting__learning_set__organisation=organisation)
    return [
        (Issue.objects.filter(in_sets, owner=user), "owner"),
        (Action.objects.filter(in_sets, owner=user), "owner"),
        (ActionUpdate.objects.filter(author=user, action__learning_set__organisation=organisation), "author"),
        (Encouragement.objects.filter(author=user, update__action__learning_set__organisation=organisation), "author"),
        (Reflection.objects.filter(in_meetings, author=user), "author"),
        (ProcessRating.objects.filter(in_meetings, author=user), "author"),
        (Question.objects.filter(author=user, slot__meeting__learning_set__organisation=organisation), "author"),
        (AirtimeSlot.objects.filter(in_meetings, presenter=user), "presenter"),
        (Attendance.objects.filter(in_meetings, user=user), "user"),
        (MeetingEvent.objects.filter(in_meetings, actor=user), "actor"),
        (Meeting.objects.filter(in_sets, facilitator=user), "facilitator"),
        (Meeting.objects.filter(in_sets, created_by=user), "created_by"),
        (JournalEntry.objects.filter(in_sets, author=user), "author"),
        (SetMembership.objects.filter(in_sets, user=user), "user"),
    ]


def _depart(*, user, organisation: Organisation) -> str:
    """Take the person out of one organisation, as its policy says. Returns the policy applied."""
    now = timezone.now()
    # Private writing goes, whatever the policy.
    Reflection.objects.filter(author=user, shared=False, meeting__learning_set__organisation=organisation).delete()
    JournalEntry.objects.filter(author=user, shared=False, learning_set__organisation=organisation).delete()
    Reminder.objects.filter(user=user, meeting__learning_set__organisation=organisation).delete()
    SetMembership.objects.filter(user=user, learning_set__organisation=organisation, left_at=None).update(left_at=now)
    if organisation.departure_policy == Organisation.DeparturePolicy.ANONYMISE:
        stand_in = _placeholder()
        for rows, field in _shared_rows(user, organisation):
            rows.update(**{field: stand_in})
        LibraryItem.objects.filter(author=user, organisation=organisation).update(
            author=stand_in, anonymous=True, by_line=""
        )
    OrganisationMembership.objects.filter(user=user, organisation=organisation).delete()
    return organisation.departure_policy


def _still_credited(user) -> bool:
    return any(
        rows.exists()
        for rows in (
            Issue.objects.filter(owner=user),
            Action.objects.filter(owner=user),
            ActionUpdate.objects.filter(author=user),
            Encouragement.objects.filter(author=user),
            Reflection.objects.filter(author=user),
            ProcessRating.objects.filter(author=user),
            Question.objects.filter(author=user),
            AirtimeSlot.objects.filter(presenter=user),
            Attendance.objects.filter(user=user),
            JournalEntry.objects.filter(author=user),
            LibraryItem.objects.filter(author=user),
            SetMembership.objects.filter(user=user),
        )
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
        from allauth.mfa.models import Authenticator

        Authenticator.objects.filter(user=user).delete()
    else:
        user.delete()
