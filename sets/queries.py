"""The reads the sets pages share: named functions, a fixed number of queries each. Access is decided first, in
sets/permissions.py; these take what it returned (an organisation, a set, a queryset of sets) and read from it."""

from allauth.mfa.models import Authenticator
from django.db import connection
from django.db.models import Count, Prefetch, QuerySet

from accounts.versions import cached_for_user, user_scope
from sets.models import (
    Invitation,
    LearningSet,
    Organisation,
    OrganisationMembership,
    SetMembership,
    current_membership,
)

MAX_INVITATIONS_SHOWN = 200


def with_counts(organisations: QuerySet[Organisation]) -> QuerySet[Organisation]:
    """Organisations with how many sets each has (`set_count`)."""
    return organisations.annotate(set_count=Count("learning_sets"))


def with_member_counts(sets: QuerySet[LearningSet]) -> QuerySet[LearningSet]:
    """Sets with how many people are in each now (`member_count`)."""
    return sets.annotate(member_count=Count("memberships", filter=current_membership("memberships")))


def pending_invitation_count(organisation: Organisation) -> int:
    return Invitation.objects.filter(organisation=organisation, accepted_at=None, revoked_at=None).count()


def people_count(organisation: Organisation) -> int:
    return organisation.memberships.count()


def people(organisation: Organisation) -> QuerySet:
    """The organisation's people by name, each with the sets of it they are in now (`org_set_memberships`)."""
    current_sets = (
        SetMembership.objects.current().filter(learning_set__organisation=organisation).select_related("learning_set")
    )
    return (
        organisation.memberships.select_related("user")
        .prefetch_related(Prefetch("user__set_memberships", queryset=current_sets, to_attr="org_set_memberships"))
        .order_by("user__full_name", "user__email")
    )


def open_invitations(organisation: Organisation) -> QuerySet[Invitation]:
    """Invitations not yet accepted, newest first (revoked and expired ones too: the page says which)."""
    return (
        Invitation.objects.filter(organisation=organisation, accepted_at=None)
        .select_related("learning_set")
        .order_by("-created_at")[:MAX_INVITATIONS_SHOWN]
    )


def has_authenticator(user) -> bool:
    """Whether the person has set up two-factor (an authenticator app)."""
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def set_people(learning_set: LearningSet) -> list[SetMembership]:
    """The set's people now, facilitators first, then by name; each with `agreed` to the contract in force."""
    memberships = list(
        learning_set.memberships.current()
        .select_related("user")
        .order_by("role", "user__full_name", "user__email")  # "facilitator" sorts before "member"
    )
    for membership in memberships:
        membership.agreed = membership.contract_agreed_version == learning_set.contract_version
    return memberships


def my_membership(learning_set: LearningSet, user) -> SetMembership:
    return learning_set.memberships.current().get(user=user)


def fresh(learning_set: LearningSet) -> LearningSet:
    """The set as stored (a form edits this copy, not the one permissions annotated)."""
    return LearningSet.objects.get(pk=learning_set.pk)


def my_set_and_organisation_ids(user_id: int) -> tuple[list[int], list[int]]:
    """The ids of the sets person `user_id` is in now (`SetMembership.objects.current()`: not left) and of the
    organisations they belong to, in one query. Plain SQL: building it with the ORM cost ten times its execution
    (~1.2 ms against ~0.1 ms)."""
    sql = (
        f"SELECT 0, learning_set_id FROM {SetMembership._meta.db_table} WHERE user_id = %s AND left_at IS NULL "
        f"UNION ALL SELECT 1, organisation_id FROM {OrganisationMembership._meta.db_table} WHERE user_id = %s"
    )
    ids: tuple[list[int], list[int]] = ([], [])
    with connection.cursor() as cursor:
        cursor.execute(sql, [user_id, user_id])
        for kind, pk in cursor.fetchall():
            ids[kind].append(pk)
    return sorted(ids[0]), sorted(ids[1])


def my_ids(request) -> tuple[list[int], list[int]]:
    """`my_set_and_organisation_ids` of the viewer, kept on their version (accounts/versions.py `cached_for_user`):
    joining or leaving a set or an organisation bumps it (a membership's save or delete; the bulk departures of
    sets/services.py and learning/departure.py delete the organisation membership after), so a hit costs neither a
    query nor a cache round trip."""
    return ids_of(request, request.user.pk)


def ids_of(request, pk: int) -> tuple[list[int], list[int]]:
    """As `my_ids`, for person `pk` (the calendar feed's owner, who is not logged in)."""
    return cached_for_user(request, pk, "my-set-and-organisation-ids", lambda: my_set_and_organisation_ids(pk))


def my_set_scopes(request) -> list[str]:
    """The version scopes (sets/versions.py) of every set the viewer is in now, and the viewer's own: what a cached
    fragment of their own pages (actions, issues, what set-mates shared) is built from. A join or a departure
    changes the list itself, so such a fragment is never served from before it."""
    from sets.versions import set_scope  # noqa: PLC0415 (sets.versions imports the models)

    set_ids, _ = my_ids(request)
    return [*(set_scope(pk) for pk in set_ids), user_scope(request.user.pk)]
