"""The versions of a set's and an organisation's pages (core/versions.py): every change bumps them.

Scopes: `set_scope(pk)` is everything shown of one learning set (its people and their names, meetings, agenda,
issues, actions and progress, what is shared in it); `organisation_scope(pk)` is what an organisation's pages show
(its name, people, sets, library). A cached fragment names the scopes it was built from; a change to any row it
shows bumps them here, by signals for the models of this app (and the user's name), and in `bump_sets` for the
bulk writes that bypass signals. Meetings and learning bump the sets their rows belong to (meetings/versions.py,
learning/versions.py).
"""

from django.db.models.signals import post_delete, post_save

from accounts.models import User
from accounts.versions import bump_users
from core import versions
from sets.models import Invitation, LearningSet, Organisation, OrganisationMembership, SetMembership


def set_scope(pk: int) -> str:
    return f"set:{pk}"


def organisation_scope(pk: int) -> str:
    return f"organisation:{pk}"


def bump_sets(*set_ids: int, organisation_ids=()) -> None:
    """New versions for these sets and organisations (after commit)."""
    versions.bump(*(set_scope(pk) for pk in set_ids if pk), *(organisation_scope(pk) for pk in organisation_ids if pk))


def bump_organisation(organisation_id: int) -> None:
    """The organisation and every one of its sets: for a change that reaches all of them (a departure, a rename)."""
    set_ids = LearningSet.objects.filter(organisation_id=organisation_id).values_list("pk", flat=True)
    bump_sets(*set_ids, organisation_ids=[organisation_id])


def bump_person(user_id: int) -> None:
    """Every set and organisation a person is in or was in (their name shows in its records)."""
    set_ids = SetMembership.objects.filter(user_id=user_id).values_list("learning_set_id", flat=True)
    organisation_ids = OrganisationMembership.objects.filter(user_id=user_id).values_list("organisation_id", flat=True)
    bump_sets(*set_ids, organisation_ids=organisation_ids)


def _organisation_changed(sender, instance, created=False, **kwargs) -> None:
    bump_organisation(instance.pk)
    if not created:  # a rename: every member's organisation switcher shows it (accounts/versions.py)
        bump_users(*instance.memberships.values_list("user_id", flat=True))


def _set_changed(sender, instance, **kwargs) -> None:
    bump_sets(instance.pk, organisation_ids=[instance.organisation_id])


def _set_membership_changed(sender, instance, **kwargs) -> None:
    learning_set = LearningSet.objects.filter(pk=instance.learning_set_id).values_list("organisation_id", flat=True)
    bump_sets(instance.learning_set_id, organisation_ids=list(learning_set))
    bump_users(instance.user_id)


def _organisation_membership_changed(sender, instance, **kwargs) -> None:
    bump_sets(organisation_ids=[instance.organisation_id])
    bump_users(instance.user_id)  # their organisation switcher


def _invitation_changed(sender, instance, **kwargs) -> None:
    bump_sets(instance.learning_set_id, organisation_ids=[instance.organisation_id])


def _user_changed(sender, instance, created=False, update_fields=None, **kwargs) -> None:
    if created or (update_fields is not None and set(update_fields) <= {"last_login"}):
        return
    bump_person(instance.pk)


def connect() -> None:
    """Called once from SetsConfig.ready()."""
    for model, receiver in (
        (Organisation, _organisation_changed),
        (LearningSet, _set_changed),
        (SetMembership, _set_membership_changed),
        (OrganisationMembership, _organisation_membership_changed),
        (Invitation, _invitation_changed),
    ):
        post_save.connect(receiver, sender=model, dispatch_uid=f"versions-save-{model.__name__}")
        post_delete.connect(receiver, sender=model, dispatch_uid=f"versions-delete-{model.__name__}")
    post_save.connect(_user_changed, sender=User, dispatch_uid="versions-save-user")
