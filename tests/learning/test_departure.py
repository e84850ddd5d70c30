"""Leaving an organisation and deleting one's account: private writing goes; what was shared stays, named or
anonymised as the organisation chose."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from core.errors import ServiceError
from core.models import AuditEvent
from learning import departure
from learning.models import JournalEntry, LibraryItem
from meetings import live
from meetings.models import Action, ActionUpdate, Issue, Question, Reflection
from sets.models import Organisation, OrganisationMembership, SetMembership
from tests.factories import PASSWORD, MeetingFactory, SetMembershipFactory


@pytest.fixture
def history(learning_set, facilitator, member):
    """Everything the member wrote in the set: private and shared."""
    meeting = MeetingFactory(learning_set=learning_set, starts_at=timezone.now() + timedelta(minutes=5))
    slot = live.add_slot(meeting=meeting, presenter=member, by=facilitator, issue_title="DEPART-ISSUE")
    action = Action.objects.create(owner=member, learning_set=learning_set, meeting=meeting, text="DEPART-ACTION")
    rows = {
        "update": ActionUpdate.objects.create(action=action, author=member, note="DEPART-UPDATE"),
        "question": Question.objects.create(slot=slot, author=member, text="DEPART-QUESTION"),
        "private_reflection": Reflection.objects.create(meeting=meeting, author=member, about_self="DEPART-PRIVATE"),
        "shared_reflection": Reflection.objects.create(
            meeting=meeting, author=member, about_self="DEPART-SHARED", shared=True
        ),
        "private_entry": JournalEntry.objects.create(author=member, body="DEPART-JOURNAL", learning_set=learning_set),
        "loose_entry": JournalEntry.objects.create(author=member, body="DEPART-LOOSE"),
        "shared_entry": JournalEntry.objects.create(
            author=member, body="DEPART-SHARED-ENTRY", learning_set=learning_set, shared=True
        ),
        "library": LibraryItem.objects.create(
            organisation=learning_set.organisation, author=member, by_line=member.display_name, title="T", text="X"
        ),
    }
    return {"meeting": meeting, "action": action, "issue": slot.issue, **rows}


def set_policy(organisation, policy):
    Organisation.objects.filter(pk=organisation.pk).update(departure_policy=policy)
    organisation.refresh_from_db()


def test_leaving_an_anonymising_organisation(member, organisation, learning_set, history, facilitator):
    departure.leave_organisation(user=member, organisation=organisation)
    assert not Reflection.objects.filter(pk=history["private_reflection"].pk).exists()
    assert not JournalEntry.objects.filter(pk=history["private_entry"].pk).exists()
    assert JournalEntry.objects.filter(pk=history["loose_entry"].pk).exists()  # in no organisation: still theirs
    stand_in = Action.objects.get(pk=history["action"].pk).owner
    assert stand_in != member and stand_in.full_name == "A former member" and not stand_in.is_active
    assert not stand_in.has_usable_password()
    # Every shared contribution moved to the same stand-in, so the set still sees they came from one person.
    assert Reflection.objects.get(pk=history["shared_reflection"].pk).author == stand_in
    assert Issue.objects.get(pk=history["issue"].pk).owner == stand_in
    assert ActionUpdate.objects.get(pk=history["update"].pk).author == stand_in
    assert Question.objects.get(pk=history["question"].pk).author == stand_in
    assert JournalEntry.objects.get(pk=history["shared_entry"].pk).author == stand_in
    item = LibraryItem.objects.get(pk=history["library"].pk)
    assert (item.author, item.anonymous, item.by_line) == (stand_in, True, "")
    assert not OrganisationMembership.objects.filter(user=member, organisation=organisation).exists()
    assert not SetMembership.objects.filter(user=member).exists()
    # The set-mates' record shows the words, not the name.
    client = Client()
    client.force_login(facilitator)
    record = client.get(reverse("meetings:record", args=[history["meeting"].pk])).content.decode()
    assert "DEPART-SHARED" in record and member.display_name not in record
    assert AuditEvent.objects.get(verb="left_organisation").detail == {"policy": "anonymise"}


def test_leaving_an_organisation_that_keeps_names(member, organisation, learning_set, history):
    set_policy(organisation, Organisation.DeparturePolicy.KEEP)
    departure.leave_organisation(user=member, organisation=organisation)
    assert not Reflection.objects.filter(pk=history["private_reflection"].pk).exists()
    assert not JournalEntry.objects.filter(pk=history["private_entry"].pk).exists()
    assert Action.objects.get(pk=history["action"].pk).owner == member
    assert Reflection.objects.get(pk=history["shared_reflection"].pk).author == member
    assert SetMembership.objects.get(user=member, learning_set=learning_set).left_at is not None


def test_deleting_an_account_in_an_anonymising_organisation_leaves_nothing_of_the_person(member, organisation, history):
    member_id = member.pk
    departure.delete_account(user=member)
    assert not User.objects.filter(pk=member_id).exists()
    assert not JournalEntry.objects.filter(pk__in=[history["private_entry"].pk, history["loose_entry"].pk]).exists()
    assert Action.objects.get(pk=history["action"].pk).owner.full_name == "A former member"
    event = AuditEvent.objects.get(verb="account_deleted")
    assert (event.actor, event.actor_email, event.subject) == (None, "", None)


def test_deleting_an_account_in_an_organisation_that_keeps_names(member, organisation, history):
    set_policy(organisation, Organisation.DeparturePolicy.KEEP)
    email = member.email
    departure.delete_account(user=member)
    member.refresh_from_db()
    assert (member.is_active, member.has_usable_password(), member.full_name) == (False, False, "Milo Member")
    assert member.email != email and not User.objects.filter(email=email).exists()
    assert Action.objects.get(pk=history["action"].pk).owner == member  # credited with the name it was shared under
    assert not Reflection.objects.filter(pk=history["private_reflection"].pk).exists()
    assert not JournalEntry.objects.filter(author=member, shared=False).exists()
    response = Client().post(reverse("account_login"), {"login": email, "password": PASSWORD})
    assert response.status_code == 200  # no such account any more


def test_the_last_admin_can_neither_leave_nor_delete_their_account(admin, organisation):
    with pytest.raises(ServiceError, match="at least one admin"):
        departure.leave_organisation(user=admin, organisation=organisation)
    with pytest.raises(ServiceError, match="at least one admin"):
        departure.delete_account(user=admin)
    assert OrganisationMembership.objects.filter(user=admin).exists()


def test_leaving_through_the_page(client, member, organisation, learning_set, history):
    client.force_login(member)
    page = client.get(reverse("learning:leave-organisation", args=[organisation.slug])).content.decode()
    assert "shown as from “a former member”" in page
    response = client.post(reverse("learning:leave-organisation", args=[organisation.slug]))
    assert response.status_code == 302
    assert client.get(reverse("sets:detail", args=[learning_set.pk])).status_code == 404


def test_deleting_the_account_through_the_page_asks_for_the_password_and_a_word(client, member, history):
    client.post(reverse("account_login"), {"login": member.email, "password": PASSWORD})
    url = reverse("learning:delete-account")
    asked = client.get(url)
    assert asked.status_code == 302 and asked["Location"].startswith(reverse("account_reauthenticate"))
    client.post(asked["Location"], {"password": PASSWORD})
    page = client.get(url).content.decode()
    assert "Northwind Health" in page and "kept, shown as from “a former member”" in page
    client.post(url, {"confirm": "yes"})
    assert User.objects.filter(pk=member.pk).exists()  # not without typing "delete"
    response = client.post(url, {"confirm": "delete"})
    assert response.status_code == 302
    assert not User.objects.filter(pk=member.pk).exists()
    assert client.get(reverse("sets:home")).status_code == 302  # signed out


def test_a_set_mate_is_unaffected(member, organisation, learning_set, history):
    mate = SetMembershipFactory(learning_set=learning_set).user
    kept = Reflection.objects.create(meeting=history["meeting"], author=mate, about_self="MATE-PRIVATE")
    departure.delete_account(user=member)
    assert Reflection.objects.get(pk=kept.pk).author == mate
