"""`set_for_viewer` and `organisation_for_member` answer from the cache (sets/permissions.py): every change to who
may see what reaches the very next request."""

import pytest
from django.core.cache import cache
from django.http import Http404

from meetings.models import Meeting
from sets import permissions, services
from sets.models import OrganisationMembership, SetMembership
from tests.factories import MeetingFactory, SetMembershipFactory


def test_a_member_removed_from_the_set_is_refused_at_once(learning_set, member, admin):
    assert permissions.set_for_viewer(member, learning_set.pk).viewer_role == "member"  # cached now
    services.remove_from_set(membership=SetMembership.objects.get(user=member, learning_set=learning_set), by=admin)
    with pytest.raises(Http404):
        permissions.set_for_viewer(member, learning_set.pk)


def test_removal_from_the_organisation_is_refused_at_once(organisation, learning_set, member, admin):
    """Its sets are left by one UPDATE, past the signals: the service bumps them."""
    permissions.set_for_viewer(member, learning_set.pk)
    permissions.organisation_for_member(member, organisation.slug)
    membership = OrganisationMembership.objects.get(user=member, organisation=organisation)
    services.remove_from_organisation(membership=membership, by=admin)
    with pytest.raises(Http404):
        permissions.set_for_viewer(member, learning_set.pk)
    with pytest.raises(Http404):
        permissions.organisation_for_member(member, organisation.slug)


def test_an_admin_made_member_loses_the_sets_they_only_administered(organisation, learning_set, admin, member):
    assert permissions.set_for_viewer(admin, learning_set.pk).viewer_is_admin
    assert permissions.organisation_for_member(admin, organisation.slug).viewer_is_admin
    membership = OrganisationMembership.objects.get(user=member, organisation=organisation)
    services.change_organisation_role(membership=membership, role=OrganisationMembership.Role.ADMIN, by=admin)
    own = OrganisationMembership.objects.get(user=admin, organisation=organisation)
    services.change_organisation_role(membership=own, role=OrganisationMembership.Role.MEMBER, by=member)
    with pytest.raises(Http404):
        permissions.set_for_viewer(admin, learning_set.pk)
    assert not permissions.organisation_for_member(admin, organisation.slug).viewer_is_admin


def test_a_closed_set_and_a_renamed_organisation_show_at_once(organisation, learning_set, facilitator, admin):
    assert permissions.can_manage_set(permissions.set_for_viewer(facilitator, learning_set.pk))
    services.close_learning_set(learning_set=learning_set, by=admin)
    assert not permissions.can_manage_set(permissions.set_for_viewer(facilitator, learning_set.pk))
    permissions.organisation_for_member(facilitator, organisation.slug)
    organisation.name = "Northwind Renamed"
    organisation.save()
    assert permissions.organisation_for_member(facilitator, organisation.slug).name == "Northwind Renamed"


def test_one_persons_answer_never_reaches_another(learning_set, member, stranger):
    permissions.set_for_viewer(member, learning_set.pk)
    with pytest.raises(Http404):
        permissions.set_for_viewer(stranger, learning_set.pk)


def test_an_object_read_from_the_cache_follows_its_set(learning_set, member, stranger):
    """`cache_as`: the object from the cache on its set's version; a change or a delete reaches the next request,
    a stranger is refused before anything cached is read, and a missing object is never cached."""
    meeting = MeetingFactory(learning_set=learning_set, place="Room 4")
    for _ in range(2):  # the second read comes from the cache
        found = permissions.object_in_own_set(member, Meeting.objects.all(), meeting.pk, cache_as="meeting")
        assert found.place == "Room 4" and found.learning_set.viewer_role == "member"
    meeting.place = "Room 9"
    meeting.save()
    assert (
        permissions.object_in_own_set(member, Meeting.objects.all(), meeting.pk, cache_as="meeting").place == "Room 9"
    )
    with pytest.raises(Http404):
        permissions.object_in_visible_set(stranger, Meeting.objects.all(), meeting.pk, cache_as="meeting")
    meeting.delete()
    with pytest.raises(Http404):
        permissions.object_in_own_set(member, Meeting.objects.all(), meeting.pk, cache_as="meeting")
    with pytest.raises(Http404):
        permissions.object_in_own_set(member, Meeting.objects.all(), 10**9, cache_as="meeting")
    assert cache.get(f"set-of:meetings.meeting:{10**9}") is None


def test_the_set_of_an_object_is_remembered_in_the_process_and_checked(learning_set, member, django_assert_num_queries):
    meeting = MeetingFactory(learning_set=learning_set)
    permissions.object_in_own_set(member, Meeting.objects.all(), meeting.pk, cache_as="meeting")
    permissions.object_in_own_set(member, Meeting.objects.all(), meeting.pk, cache_as="meeting")
    cache.delete(f"set-of:meetings.meeting:{meeting.pk}")
    with django_assert_num_queries(0):  # neither the cache's copy nor the database is asked
        permissions.object_in_own_set(member, Meeting.objects.all(), meeting.pk, cache_as="meeting")
    # Remembered wrong (a test database giving an id again): the object names its own set, and the database wins.
    other = SetMembershipFactory(user=member).learning_set
    permissions.sets_of_objects.put(("meetings.meeting", meeting.pk), other.pk)
    found = permissions.object_in_own_set(member, Meeting.objects.all(), meeting.pk, cache_as="meeting")
    assert found.learning_set.pk == learning_set.pk
    assert permissions.sets_of_objects.get(("meetings.meeting", meeting.pk)) == learning_set.pk
