import pytest

from sets import services
from sets.models import LearningSet, OrganisationMembership, SetMembership
from tests.factories import OrganisationFactory, SetMembershipFactory, UserFactory


def test_creating_an_organisation_makes_its_creator_admin_with_a_unique_slug(db):
    person = UserFactory()
    OrganisationFactory(slug="acme")
    organisation = services.create_organisation(name="Acme", by=person)
    assert organisation.slug == "acme-2"
    assert OrganisationMembership.objects.get(organisation=organisation).user == person
    assert OrganisationMembership.objects.get(organisation=organisation).role == "admin"


def test_a_new_set_starts_from_the_contract_template(organisation, admin):
    learning_set = services.create_learning_set(organisation=organisation, by=admin, name="Pilots")
    assert learning_set.confidentiality.startswith("What a member brings stays in the set.")
    assert (learning_set.quorum, learning_set.airtime_mode, learning_set.term_meetings) == (3, "equal", 8)
    assert learning_set.reminder_offsets_hours == [48, 2]
    assert learning_set.contract_version == 1


def test_changing_the_contract_asks_everyone_to_agree_again(learning_set, admin, member):
    membership = SetMembership.objects.get(user=member)
    services.agree_contract(membership=membership)
    assert membership.has_agreed_contract()
    services.update_learning_set(learning_set=learning_set, by=admin, changes={"quorum": 4})
    learning_set.refresh_from_db()
    membership.refresh_from_db()
    assert learning_set.contract_version == 2
    assert not membership.has_agreed_contract()


def test_changing_other_details_keeps_the_agreement(learning_set, admin, member):
    membership = SetMembership.objects.get(user=member)
    services.agree_contract(membership=membership)
    services.update_learning_set(learning_set=learning_set, by=admin, changes={"name": "Renamed", "quorum": 3})
    learning_set.refresh_from_db()
    membership.refresh_from_db()
    assert (learning_set.name, learning_set.contract_version) == ("Renamed", 1)
    assert membership.has_agreed_contract()


def test_a_closed_set_cannot_be_changed(learning_set, admin):
    services.close_learning_set(learning_set=learning_set, by=admin)
    assert LearningSet.objects.get(pk=learning_set.pk).status == "closed"
    with pytest.raises(services.ServiceError, match="closed"):
        services.update_learning_set(learning_set=learning_set, by=admin, changes={"name": "x"})
    with pytest.raises(services.ServiceError, match="closed"):
        services.add_to_set(learning_set=learning_set, user=UserFactory(), role="member")


def test_the_last_admin_cannot_be_demoted(organisation, admin):
    membership = OrganisationMembership.objects.get(user=admin)
    with pytest.raises(services.ServiceError, match="at least one admin"):
        services.change_organisation_role(membership=membership, role="member", by=admin)
    second = OrganisationMembership.objects.create(organisation=organisation, user=UserFactory(), role="admin")
    services.change_organisation_role(membership=membership, role="member", by=admin)
    assert OrganisationMembership.objects.get(pk=membership.pk).role == "member"
    assert OrganisationMembership.objects.get(pk=second.pk).role == "admin"


def test_removing_someone_keeps_their_membership_row(learning_set, admin, member):
    membership = SetMembership.objects.get(user=member)
    services.remove_from_set(membership=membership, by=admin)
    membership.refresh_from_db()
    assert membership.left_at is not None
    assert SetMembership.objects.filter(user=member).count() == 1


def test_add_to_set_upgrades_a_member_to_facilitator(learning_set, member):
    services.add_to_set(learning_set=learning_set, user=member, role="facilitator")
    assert SetMembership.objects.get(user=member).role == "facilitator"


def test_change_set_role(learning_set, admin):
    membership = SetMembershipFactory(learning_set=learning_set)
    services.change_set_role(membership=membership, role="facilitator", by=admin)
    assert SetMembership.objects.get(pk=membership.pk).role == "facilitator"
    with pytest.raises(services.ServiceError):
        services.change_set_role(membership=membership, role="boss", by=admin)
