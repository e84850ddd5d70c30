"""Every "may this user ...?" question, and every queryset scoped to what a user may see.

Views ask this module and nothing else. Not-yours is a 404 (no hint that it exists); yours-but-not-allowed
(a member pressing an admin's button) is a 403.

The roles (docs/architecture.md, "Permissions"): an organisation admin sees and manages the organisation's sets and
people, never their confidential content; a facilitator runs and edits their set; a member reads their set.
"""

from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from django.shortcuts import get_object_or_404

from accounts.models import User
from accounts.versions import user_scope
from core import versions
from core.memo import LocalLRU
from sets.models import Invitation, LearningSet, Organisation, OrganisationMembership, SetMembership
from sets.versions import set_scope


def organisations_for(user) -> QuerySet[Organisation]:
    """The organisations a user belongs to, each annotated with `viewer_role`."""
    role = OrganisationMembership.objects.filter(organisation=OuterRef("pk"), user=user).values("role")[:1]
    return Organisation.objects.filter(memberships__user=user).annotate(viewer_role=Subquery(role))


def organisation_for_member(user, slug: str) -> Organisation:
    """The organisation, if the user belongs to it (404 otherwise). Sets `viewer_is_admin`.

    Cached on the person's version (see `set_for_viewer`): a change to their memberships or roles, and any save of
    an organisation they belong to, bumps it (sets/versions.py)."""
    organisation = versions.cached(
        f"organisation-for-member|{user.pk}|{slug}",
        [user_scope(user.pk)],
        lambda: organisations_for(user).filter(slug=slug).first(),
    )
    if organisation is None:
        raise Http404
    organisation.viewer_is_admin = organisation.viewer_role == OrganisationMembership.Role.ADMIN
    return organisation


def organisation_for_admin(user, slug: str) -> Organisation:
    """The organisation, if the user is its admin: 404 for strangers, 403 for its other members."""
    organisation = organisation_for_member(user, slug)
    if not organisation.viewer_is_admin:
        raise PermissionDenied
    return organisation


def is_organisation_admin(user, organisation: Organisation) -> bool:
    if getattr(organisation, "viewer_is_admin", None) is not None:
        return organisation.viewer_is_admin
    return OrganisationMembership.objects.filter(
        organisation=organisation, user=user, role=OrganisationMembership.Role.ADMIN
    ).exists()


def sets_visible_to(user) -> QuerySet[LearningSet]:
    """Sets the user may open: those they are in (and have not left), and every set of an organisation they
    administer. Each is annotated with `viewer_role` (their role in the set, or None) and `viewer_is_admin`."""
    own = SetMembership.objects.current().filter(user=user)
    administered = OrganisationMembership.objects.filter(user=user, role=OrganisationMembership.Role.ADMIN)
    return (
        # Filter on the user's own rows first (indexed), so the annotations run only for the sets that qualify.
        LearningSet.objects.filter(
            Q(pk__in=own.values("learning_set_id")) | Q(organisation_id__in=administered.values("organisation_id"))
        )
        .select_related("organisation")
        .annotate(
            viewer_role=Subquery(own.filter(learning_set=OuterRef("pk")).values("role")[:1]),
            viewer_is_admin=Exists(administered.filter(organisation=OuterRef("organisation"))),
        )
    )


def my_sets(user) -> QuerySet[LearningSet]:
    """Sets the user is a member or facilitator of (not the ones they only administer)."""
    own = SetMembership.objects.current().filter(user=user)
    return (
        LearningSet.objects.filter(pk__in=own.values("learning_set_id"))
        .select_related("organisation")
        .annotate(
            viewer_role=Subquery(own.filter(learning_set=OuterRef("pk")).values("role")[:1]),
            viewer_is_admin=Exists(
                OrganisationMembership.objects.filter(
                    user=user, role=OrganisationMembership.Role.ADMIN, organisation=OuterRef("organisation")
                )
            ),
        )
    )


def _set_for_viewer_entry(user, set_id: int) -> tuple[str, list[str]]:
    """The cached entry (name, scopes) of set_for_viewer's answer."""
    return f"set-for-viewer|{user.pk}|{set_id}", [user_scope(user.pk), set_scope(set_id)]


def set_for_viewer(user, set_id: int) -> LearningSet:
    """A set the user may read (purpose, contract, people): 404 for everyone else.

    Asked on every page of a set, so the answer (the set with the viewer's roles, or none) is cached on the
    versions of the person and of the set (core/versions.py): every change to a membership, a role, the set or its
    organisation bumps one of them (sets/versions.py), so the next request asks the database again."""
    learning_set = versions.cached(
        *_set_for_viewer_entry(user, set_id), lambda: sets_visible_to(user).filter(pk=set_id).first()
    )
    if learning_set is None:
        raise Http404
    return learning_set


def can_manage_set(learning_set: LearningSet) -> bool:
    """Edit the set's details and contract: its organisation's admins and its facilitators, while it is open.
    `learning_set` must come from `set_for_viewer` / `sets_visible_to` (it carries the viewer's roles)."""
    if learning_set.is_closed:
        return False
    return learning_set.viewer_is_admin or learning_set.viewer_role == SetMembership.Role.FACILITATOR


def can_administer_set(learning_set: LearningSet) -> bool:
    """Close the set, invite to it, change roles and remove people: the organisation's admins."""
    return learning_set.viewer_is_admin and not learning_set.is_closed


def can_make_self_facilitator(learning_set: LearningSet) -> bool:
    """Offer "Make me the facilitator" (one step to scheduling): an admin of the organisation who is not in the
    open set. `learning_set` must come from `set_for_viewer` / `sets_visible_to`."""
    return can_administer_set(learning_set) and learning_set.viewer_role is None


def set_for_self_facilitation(user, set_id: int) -> LearningSet:
    """A set an admin may make themselves the facilitator of: any open set of their organisation (one they are
    already in makes them its facilitator too). 404 for strangers, 403 for everyone else."""
    return set_for_admin(user, set_id)


def set_for_manager(user, set_id: int) -> LearningSet:
    learning_set = set_for_viewer(user, set_id)
    if not can_manage_set(learning_set):
        raise PermissionDenied
    return learning_set


def set_for_admin(user, set_id: int) -> LearningSet:
    learning_set = set_for_viewer(user, set_id)
    if not can_administer_set(learning_set):
        raise PermissionDenied
    return learning_set


def set_for_member(user, set_id: int) -> LearningSet:
    """A set the user is in (to agree its contract): 404 for strangers, 403 for an admin who is not in it."""
    learning_set = set_for_viewer(user, set_id)
    if learning_set.viewer_role is None:
        raise PermissionDenied
    return learning_set


def set_membership_for_admin(user, set_id: int, membership_id: int) -> SetMembership:
    learning_set = set_for_admin(user, set_id)
    membership = get_object_or_404(
        SetMembership.objects.current().select_related("user"), pk=membership_id, learning_set=learning_set
    )
    membership.learning_set = learning_set
    return membership


def organisation_membership_for_admin(user, slug: str, membership_id: int) -> OrganisationMembership:
    organisation = organisation_for_admin(user, slug)
    membership = get_object_or_404(
        OrganisationMembership.objects.select_related("user"), pk=membership_id, organisation=organisation
    )
    membership.organisation = organisation
    return membership


def invitation_for_admin(user, slug: str, invitation_id: int) -> Invitation:
    organisation = organisation_for_admin(user, slug)
    invitation = get_object_or_404(
        Invitation.objects.select_related("learning_set"), pk=invitation_id, organisation=organisation
    )
    invitation.organisation = organisation
    return invitation


def sets_for_organisation_page(user, organisation: Organisation) -> QuerySet[LearningSet]:
    """The sets on an organisation's page: all of them for its admins, the user's own for its other members."""
    return sets_visible_to(user).filter(organisation=organisation)


def can_facilitate(learning_set: LearningSet) -> bool:
    """Schedule and run the set's meetings: its facilitators (an admin only when also a facilitator)."""
    return learning_set.viewer_role == SetMembership.Role.FACILITATOR and not learning_set.is_closed


def set_for_facilitator(user, set_id: int) -> LearningSet:
    learning_set = set_for_viewer(user, set_id)
    if not can_facilitate(learning_set):
        raise PermissionDenied
    return learning_set


# The set of an object read through `cache_as`, by (model, pk), in this process: an object never changes set.
sets_of_objects: LocalLRU[int] = LocalLRU(50_000)


def object_in_visible_set(user, queryset: QuerySet, pk: int, *, cache_as: str = ""):
    """An object of any model with a `learning_set`, if the user may read that set: 404 otherwise.

    The object's `learning_set` is replaced by the one `set_for_viewer` returns, carrying the viewer's roles,
    so the other helpers here (can_facilitate, ...) can be asked about it without another query.

    `cache_as` (pages that only read, with a queryset that is the same for every viewer) names the queryset: the
    object's set (which never changes) is then remembered in this process and kept in the cache, the viewer's right
    to that set checked first, and the object read from the cache on the set's version (every save or delete of it
    bumps the set: sets/versions.py, meetings/versions.py). Both entries come in one round trip; the object's is
    opened only once the check has passed, and must name the same set. A missing object is never cached: it is a
    404 from the database.
    """
    if not cache_as:
        obj = get_object_or_404(queryset, pk=pk)
        obj.learning_set = set_for_viewer(user, obj.learning_set_id)
        return obj
    model = queryset.model._meta.label_lower
    set_key, name = f"set-of:{model}:{pk}", f"object|{cache_as}|{pk}"
    set_id = sets_of_objects.get((model, pk)) or cache.get(set_key)
    if set_id is not None:
        versions.prefetch(_set_for_viewer_entry(user, set_id), (name, [set_scope(set_id)]))  # one round trip
        learning_set = set_for_viewer(user, set_id)
        obj = versions.cached(name, [set_scope(set_id)], lambda: get_object_or_404(queryset, pk=pk))
        if obj.learning_set_id == set_id:
            sets_of_objects.put((model, pk), set_id)
            obj.learning_set = learning_set
            return obj
    # Not known yet (or, never expected, known wrong): from the database, then kept for the next request.
    found = get_object_or_404(queryset, pk=pk)
    set_id = found.learning_set_id
    cache.set(set_key, set_id, versions.TIMEOUT)
    sets_of_objects.put((model, pk), set_id)
    learning_set = set_for_viewer(user, set_id)
    obj = versions.cached(name, [set_scope(set_id)], lambda: found)
    obj.learning_set = learning_set
    return obj


def object_in_facilitated_set(user, queryset: QuerySet, pk: int):
    obj = object_in_visible_set(user, queryset, pk)
    if not can_facilitate(obj.learning_set):
        raise PermissionDenied
    return obj


def object_in_own_set(user, queryset: QuerySet, pk: int, *, cache_as: str = ""):
    """As object_in_visible_set, for what only the set's own people do (an admin outside it gets 403)."""
    obj = object_in_visible_set(user, queryset, pk, cache_as=cache_as)
    if obj.learning_set.viewer_role is None:
        raise PermissionDenied
    return obj


def can_run_meeting(user, meeting) -> bool:
    """Run a meeting live (controls, agenda, hand-over): the set's facilitators, the member the meeting was handed
    to, and, during a presenter's slot, the person that presenter chose to run it (`slot_runner`).
    `meeting.learning_set` must carry the viewer's roles (object_in_visible_set does that)."""
    learning_set = meeting.learning_set
    if learning_set.is_closed or learning_set.viewer_role is None:
        return False
    return can_facilitate(learning_set) or user.pk in (meeting.facilitator_id, meeting.slot_runner_id)


def meeting_for_runner(user, queryset: QuerySet, pk: int):
    meeting = object_in_visible_set(user, queryset, pk)
    if not can_run_meeting(user, meeting):
        raise PermissionDenied
    return meeting


def can_edit_action(user, action) -> bool:
    """An action is written to by its owner, or by a facilitator of its set; set-mates only read it. A closed
    set's record is read-only. `action.learning_set` must carry the viewer's roles (object_in_visible_set)."""
    if action.learning_set.is_closed:
        return False
    return action.owner_id == user.pk or can_facilitate(action.learning_set)


def action_for_editor(user, queryset: QuerySet, pk: int):
    action = object_in_own_set(user, queryset, pk)
    if not can_edit_action(user, action):
        raise PermissionDenied
    return action


# The learning journal and library (the learning app). The caller passes the queryset, so that sets imports
# nothing above it.


def own_writing(user, queryset: QuerySet, pk: int):
    """Something only its author may open: a journal entry to edit, share, publish or delete; a reflection to
    publish. 404 for everyone else, the set's facilitator and the organisation's admins included."""
    return get_object_or_404(queryset, pk=pk, author=user)


def journal_entry_for_reader(user, queryset: QuerySet, pk: int):
    """A journal entry: its author always; while it is shared with a set, that set's own people (an admin of the
    organisation outside the set gets 403); 404 for everyone else: a private entry exists for its author alone."""
    entry = get_object_or_404(queryset, pk=pk)
    if entry.author_id == user.pk:
        return entry
    if not entry.shared or entry.learning_set_id is None:
        raise Http404
    entry.learning_set = set_for_member(user, entry.learning_set_id)
    return entry


def sets_to_share_with(user) -> QuerySet[LearningSet]:
    """The sets a person may share their journal with, or link an entry to: the ones they are in."""
    return my_sets(user)


def library_for_reader(user, slug: str) -> Organisation:
    """An organisation's learning library: read and searched by all its people, members and admins alike."""
    return organisation_for_member(user, slug)


def library_item_for_reader(user, queryset: QuerySet, pk: int):
    """A published learning, for the people of its organisation: 404 for everyone else."""
    return get_object_or_404(
        queryset.filter(organisation__in=OrganisationMembership.objects.filter(user=user).values("organisation_id")),
        pk=pk,
    )


def library_item_for_author(user, queryset: QuerySet, pk: int):
    """Withdraw a published learning: its author only (the organisation's other people get 403)."""
    item = library_item_for_reader(user, queryset, pk)
    if item.author_id != user.pk:
        raise PermissionDenied
    return item


def own_set_for_new_action(user, set_id) -> LearningSet | None:
    """One of the user's own open sets (to add an action to), or None: an admin's other sets do not count."""
    try:
        set_id = int(set_id)
    except (TypeError, ValueError):
        return None
    if not 0 < set_id < 2**63:  # beyond what the database holds: not one of theirs
        return None
    return my_sets(user).filter(pk=set_id, status=LearningSet.Status.ACTIVE).first()


def can_edit_issue(user, issue) -> bool:
    """An issue is its owner's: they edit it and mark it resolved or set aside. The set reads it."""
    return issue.owner_id == user.pk and not issue.learning_set.is_closed


def issue_for_owner(user, queryset: QuerySet, pk: int):
    issue = object_in_own_set(user, queryset, pk)
    if not can_edit_issue(user, issue):
        raise PermissionDenied
    return issue


def can_encourage(user, action) -> bool:
    """Set-mates (members and facilitators in the set, not the action's owner) leave a word of support.
    `action.learning_set` must carry the viewer's roles."""
    learning_set = action.learning_set
    return learning_set.viewer_role is not None and action.owner_id != user.pk and not learning_set.is_closed


def update_for_encourager(user, queryset: QuerySet, pk: int):
    """A progress update (`queryset` selects its `action`) a set-mate may encourage: 404 for strangers, 403 for
    an admin outside the set and for the action's owner."""
    update = get_object_or_404(queryset, pk=pk)
    update.action.learning_set = set_for_viewer(user, update.action.learning_set_id)
    if not can_encourage(user, update.action):
        raise PermissionDenied
    return update


def report_scope_for(user, slug: str) -> tuple[Organisation, QuerySet[LearningSet]]:
    """The organisation and the sets whose participation report the user may read (counts, rates, dates and
    statuses only; never content): every set for its admins, the sets they facilitate (open or closed) for
    facilitators. 404 for strangers to the organisation, 403 for its other members."""
    organisation = organisation_for_member(user, slug)
    sets = LearningSet.objects.filter(organisation=organisation)
    if organisation.viewer_is_admin:
        return organisation, sets
    facilitated = SetMembership.objects.current().filter(
        user=user, role=SetMembership.Role.FACILITATOR, learning_set__organisation=organisation
    )
    if not facilitated.exists():
        raise PermissionDenied
    return organisation, sets.filter(pk__in=facilitated.values("learning_set_id"))


def report_set_for(sets: QuerySet[LearningSet], set_id: int) -> LearningSet:
    """One set of a report scope (report_scope_for): 404 for any other set, as if it did not exist."""
    return get_object_or_404(sets, pk=set_id)


def report_person_for(organisation: Organisation, sets: QuerySet[LearningSet], user_id: int):
    """One person of a report scope: someone who is (or was) in one of its sets, or, for the organisation's
    admins, anyone in the organisation. 404 for anyone else."""
    if getattr(organisation, "viewer_is_admin", False):
        people = User.objects.filter(organisation_memberships__organisation=organisation)
    else:
        people = User.objects.filter(set_memberships__learning_set__in=sets.values("pk"))
    return get_object_or_404(people.distinct(), pk=user_id)


def report_dashboard_for(user, slug: str) -> Organisation:
    """The organisation dashboard (people, sets, invitations and headline figures): its admins only."""
    return organisation_for_admin(user, slug)
