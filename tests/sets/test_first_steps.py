"""The first hour of an organisation: what a new organisation or set says to do next, the admin's one step to
scheduling ("Make me the facilitator"), and counts that read as English ("1 admin", "2 admins")."""

import pytest
from django.urls import reverse

from core.models import AuditEvent
from sets.models import LearningSet, OrganisationMembership, SetMembership
from tests.factories import (
    LearningSetFactory,
    OrganisationFactory,
    OrganisationMembershipFactory,
    SetMembershipFactory,
)


def page(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def new_set(organisation):
    return LearningSetFactory(organisation=organisation, name="Brand new set")


def test_a_new_set_says_invite_agree_schedule_with_links(client, admin, new_set):
    client.force_login(admin)
    content = page(client.get(reverse("sets:detail", args=[new_set.pk])))
    assert "Get this set started" in content
    assert f"{reverse('sets:invite', args=[new_set.organisation.slug])}?set={new_set.pk}" in content
    assert reverse("sets:contract", args=[new_set.pk]) in content
    assert reverse("sets:make-me-facilitator", args=[new_set.pk]) in content
    assert "Make me the facilitator" in content


def test_a_set_with_people_has_no_getting_started_list(client, admin, learning_set, member):
    client.force_login(admin)
    assert "Get this set started" not in page(client.get(reverse("sets:detail", args=[learning_set.pk])))


def test_make_me_the_facilitator_is_offered_only_to_an_admin_outside_the_set(
    client, admin, learning_set, facilitator, member
):
    url = reverse("sets:detail", args=[learning_set.pk])
    client.force_login(admin)
    assert "Make me a facilitator too" in page(client.get(url))
    for person in (facilitator, member):
        client.force_login(person)
        assert reverse("sets:make-me-facilitator", args=[learning_set.pk]) not in page(client.get(url))


def test_a_set_without_a_facilitator_asks_the_admin_to_take_it_on(client, admin, learning_set, member):
    client.force_login(admin)
    content = page(client.get(reverse("sets:detail", args=[learning_set.pk])))
    assert "This set has no facilitator yet." in content
    assert "Make me the facilitator" in content


def test_make_me_the_facilitator_goes_straight_to_scheduling_and_is_audited(client, admin, new_set):
    client.force_login(admin)
    response = client.post(reverse("sets:make-me-facilitator", args=[new_set.pk]))
    assert response["Location"] == reverse("meetings:schedule", args=[new_set.pk])
    membership = SetMembership.objects.current().get(learning_set=new_set, user=admin)
    assert membership.role == SetMembership.Role.FACILITATOR
    event = AuditEvent.objects.get(verb=AuditEvent.Verb.ADDED_TO_SET, learning_set=new_set)
    assert (event.actor, event.subject, event.detail) == (admin, admin, {"role": "facilitator"})
    assert client.get(response["Location"]).status_code == 200  # the schedule form is theirs now
    # A second click changes nothing more.
    client.post(reverse("sets:make-me-facilitator", args=[new_set.pk]))
    assert SetMembership.objects.filter(learning_set=new_set, user=admin).count() == 1
    assert AuditEvent.objects.filter(learning_set=new_set).count() == 1


def test_an_admin_who_is_a_member_becomes_its_facilitator(client, admin, learning_set):
    SetMembership.objects.create(learning_set=learning_set, user=admin, role=SetMembership.Role.MEMBER)
    client.force_login(admin)
    client.post(reverse("sets:make-me-facilitator", args=[learning_set.pk]))
    assert SetMembership.objects.get(learning_set=learning_set, user=admin).role == SetMembership.Role.FACILITATOR
    event = AuditEvent.objects.get(verb=AuditEvent.Verb.SET_ROLE_CHANGED)
    assert event.detail == {"from_role": "member", "to_role": "facilitator"}


def test_nobody_takes_on_a_closed_set(client, admin, learning_set):
    LearningSet.objects.filter(pk=learning_set.pk).update(status=LearningSet.Status.CLOSED)
    client.force_login(admin)
    assert client.post(reverse("sets:make-me-facilitator", args=[learning_set.pk])).status_code == 403
    assert not SetMembership.objects.filter(learning_set=learning_set, user=admin).exists()


def test_a_new_organisation_says_to_create_its_first_set(client, db):
    organisation = OrganisationFactory(name="Fresh Org", slug="fresh")
    admin = OrganisationMembershipFactory(organisation=organisation, role=OrganisationMembership.Role.ADMIN).user
    client.force_login(admin)
    create = reverse("sets:create", args=["fresh"])
    home = page(client.get(reverse("sets:home")))
    assert "Fresh Org has no learning set yet." in home and create in home
    assert create in page(client.get(reverse("sets:organisation", args=["fresh"])))
    assert "Create the first set" in page(client.get(reverse("sets:organisation", args=["fresh"])))


def test_an_admin_of_an_organisation_with_sets_is_sent_to_its_page(client, admin, learning_set):
    client.force_login(admin)
    home = page(client.get(reverse("sets:home")))
    assert "has no learning set yet" not in home
    assert "You are not in any of its sets yourself." in home


def test_dashboard_counts_are_singular_and_plural(client, admin, organisation, learning_set, facilitator, member):
    client.force_login(admin)
    url = reverse("reports:dashboard", args=[organisation.slug])
    content = " ".join(page(client.get(url)).split())
    assert "1 admin," in content and "1 admins" not in content
    assert "facilitator, and 1 member in active sets" in content
    assert "active set (0 closed)" in content
    OrganisationMembershipFactory(organisation=organisation, role=OrganisationMembership.Role.ADMIN)
    SetMembershipFactory(learning_set=learning_set, role=SetMembership.Role.FACILITATOR)
    content = " ".join(page(client.get(url)).split())
    assert "2 admins," in content
    assert "facilitators, and 1 member in active sets" in content
