"""Invitations: single-use, expiring, resendable, revocable, for the invited address only; bulk lines."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.db import transaction
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from core import outbox
from core.models import OutboxMessage
from core.tasks import send_outbox
from sets import invitations, services
from sets.models import Invitation, OrganisationMembership, SetMembership
from tests.factories import SetMembershipFactory, UserFactory


def invite(organisation, learning_set, by, email="new@example.org", role="member", name="Nia New"):
    return invitations.invite(
        organisation=organisation,
        learning_set=learning_set,
        request=invitations.InvitationRequest(email=email, full_name=name, role=role),
        by=by,
    )


def dispatch(now):
    """Beat's outbox pass at `now`; its send tasks run (eagerly) after commit."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return outbox.dispatch(now=now)


def token_from(message) -> str:
    return re.search(r"/invitations/([^/\s]+)/", message.body).group(1)


@pytest.fixture
def sent(organisation, learning_set, admin, django_capture_on_commit_callbacks):
    """An invitation to the set, sent by email (the task runs eagerly in tests), and its token."""
    with django_capture_on_commit_callbacks(execute=True):
        invitation = invite(organisation, learning_set, admin)
    return invitation, token_from(mail.outbox[-1])


def test_invite_emails_a_link_whose_token_finds_the_invitation(sent, learning_set):
    invitation, token = sent
    assert [m.to for m in mail.outbox] == [["new@example.org"]]
    assert f'You will join the action learning set "{learning_set.name}".' in mail.outbox[0].body
    assert invitations.invitation_for_token(token) == invitation
    invitation.refresh_from_db()
    assert invitation.send_count == 1
    assert invitation.token_hash != token  # only the hash is stored


def test_accepting_joins_the_organisation_and_the_set_once(sent, organisation, learning_set):
    invitation, _token = sent
    person = UserFactory(email="new@example.org")
    invitations.accept_invitation(invitation=invitation, user=person)
    assert OrganisationMembership.objects.get(organisation=organisation, user=person).role == "member"
    assert SetMembership.objects.get(learning_set=learning_set, user=person).role == "member"
    with pytest.raises(services.ServiceError, match="already been used"):
        invitations.accept_invitation(invitation=invitation, user=person)


def test_an_expired_invitation_is_refused(sent):
    invitation, _token = sent
    person = UserFactory(email="new@example.org")
    with (
        time_machine.travel(timezone.now() + timedelta(days=15)),
        pytest.raises(services.ServiceError, match="expired"),
    ):
        invitations.accept_invitation(invitation=invitation, user=person)
    assert not SetMembership.objects.filter(user=person).exists()


def test_a_revoked_invitation_is_refused_and_its_page_says_so(sent, admin, client):
    invitation, token = sent
    invitations.revoke_invitation(invitation=invitation, by=admin)
    person = UserFactory(email="new@example.org")
    with pytest.raises(services.ServiceError, match="withdrawn"):
        invitations.accept_invitation(invitation=invitation, user=person)
    response = client.get(reverse("sets:invitation", args=[token]))
    assert "This invitation was withdrawn." in response.content.decode()


def test_the_wrong_person_cannot_accept(sent):
    invitation, _token = sent
    someone_else = UserFactory(email="other@example.org")
    with pytest.raises(services.ServiceError, match=r"sent to new@example\.org"):
        invitations.accept_invitation(invitation=invitation, user=someone_else)
    assert not OrganisationMembership.objects.filter(user=someone_else).exists()


def test_an_unverified_address_does_not_count(sent):
    invitation, _token = sent
    person = UserFactory(email="new@example.org", verified_email=False)
    with pytest.raises(services.ServiceError):
        invitations.accept_invitation(invitation=invitation, user=person)


def test_resend_makes_a_new_link_and_kills_the_old_one(sent, admin, django_capture_on_commit_callbacks):
    invitation, old_token = sent
    with time_machine.travel(timezone.now() + timedelta(days=10)):
        with django_capture_on_commit_callbacks(execute=True):
            invitations.resend_invitation(invitation=invitation, by=admin)
        new_token = token_from(mail.outbox[-1])
        invitation.refresh_from_db()
        assert invitation.expires_at > timezone.now() + timedelta(days=13)
    assert new_token != old_token
    assert invitations.invitation_for_token(old_token) is None
    assert invitations.invitation_for_token(new_token) == invitation
    assert invitation.send_count == 2


def test_a_duplicate_delivery_of_the_send_task_sends_nothing(sent):
    invitation, _token = sent
    [row] = OutboxMessage.objects.filter(kind="invitation", ref__invitation=invitation.pk)
    assert send_outbox.run([row.pk]) == 0
    assert outbox.send(message_id=row.pk) is False
    assert len(mail.outbox) == 1
    row.refresh_from_db()
    assert (row.status, row.attempts, row.to_email) == ("sent", 1, "new@example.org")


def test_the_invitation_email_is_written_with_the_invitation_and_rolls_back_with_it(organisation, learning_set, admin):
    with pytest.raises(RuntimeError), transaction.atomic():
        invite(organisation, learning_set, admin)
        assert OutboxMessage.objects.filter(kind="invitation").count() == 1
        raise RuntimeError("the request failed after the invitation was made")
    assert (Invitation.objects.count(), OutboxMessage.objects.count(), mail.outbox) == (0, 0, [])


def test_a_resend_before_the_first_email_went_sends_one_link(organisation, learning_set, admin):
    invitation = invite(organisation, learning_set, admin)  # the send task never ran (its commit was not captured)
    with time_machine.travel(timezone.now() + timedelta(minutes=1)):
        invitations.resend_invitation(invitation=invitation, by=admin)
        dispatch(now=timezone.now() + outbox.STALE_CLAIM + timedelta(minutes=1))
    assert [m.to for m in mail.outbox] == [["new@example.org"]]
    assert sorted(OutboxMessage.objects.values_list("status", "reason")) == [("sent", ""), ("skipped", "resent since")]
    assert invitations.invitation_for_token(token_from(mail.outbox[0])) == invitation


def test_a_revoked_invitation_that_was_waiting_is_not_sent(organisation, learning_set, admin):
    invitation = invite(organisation, learning_set, admin)
    invitations.revoke_invitation(invitation=invitation, by=admin)
    dispatch(now=timezone.now() + outbox.STALE_CLAIM + timedelta(minutes=1))
    assert mail.outbox == []
    assert list(OutboxMessage.objects.values_list("status", "reason")) == [("skipped", "revoked")]


def test_an_accepted_invitation_cannot_be_resent_or_revoked(sent, admin):
    invitation, _token = sent
    invitations.accept_invitation(invitation=invitation, user=UserFactory(email="new@example.org"))
    with pytest.raises(services.ServiceError):
        invitations.resend_invitation(invitation=invitation, by=admin)
    with pytest.raises(services.ServiceError):
        invitations.revoke_invitation(invitation=invitation, by=admin)


def test_an_existing_member_is_not_invited_again(organisation, learning_set, admin, member):
    with pytest.raises(services.ServiceError, match="already in this set"):
        invite(organisation, learning_set, admin, email=member.email.upper())


def test_a_pending_invitation_blocks_a_second_one(sent, organisation, learning_set, admin):
    with pytest.raises(services.ServiceError, match="already has a pending invitation"):
        invite(organisation, learning_set, admin)


def test_closing_the_set_withdraws_its_pending_invitations(sent, learning_set, admin):
    invitation, _token = sent
    services.close_learning_set(learning_set=learning_set, by=admin)
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.REVOKED


def test_bulk_keeps_the_good_lines_and_reports_each_bad_one(organisation, learning_set, admin, member):
    text = "\n".join(
        [
            "# a comment",
            "ann@example.org, Ann Ash, member",
            "not-an-email, Bob",
            "",
            "cat@example.org,,facilitator",
            "ann@example.org, Ann again",
            "dan@example.org, Dan, boss",
            f"{member.email}, Already In",
            "eve@example.org, Eve, member, extra",
            '"fay@example.org", "Fay, Jr", admin',
        ]
    )
    result = invitations.invite_many(organisation=organisation, learning_set=learning_set, text=text, by=admin)
    assert sorted(i.email for i in result.invitations) == ["ann@example.org", "cat@example.org", "fay@example.org"]
    assert [(line, message.split(" ")[0]) for line, _text, message in result.errors] == [
        (3, "\u201cnot-an-email\u201d"),
        (6, "This"),
        (7, "\u201cboss\u201d"),
        (8, member.email),
        (9, "Too"),
    ]
    fay = Invitation.objects.get(email="fay@example.org")
    assert (fay.full_name, fay.organisation_role, fay.set_role) == ("Fay, Jr", "admin", "member")
    assert Invitation.objects.get(email="cat@example.org").set_role == "facilitator"


def test_bulk_facilitator_needs_a_set(organisation, admin):
    result = invitations.invite_many(
        organisation=organisation, learning_set=None, text="x@example.org,,facilitator", by=admin
    )
    assert result.invitations == []
    assert result.errors == [(1, "x@example.org,,facilitator", "A facilitator is invited to a set: choose the set.")]


def test_bulk_refuses_too_many_lines_and_invites_nobody(organisation, admin):
    text = "\n".join(f"p{n}@example.org" for n in range(invitations.MAX_BULK_LINES + 1))
    result = invitations.invite_many(organisation=organisation, learning_set=None, text=text, by=admin)
    assert result.invitations == []
    assert len(result.errors) == 1
    assert Invitation.objects.count() == 0


def test_bulk_refuses_too_much_text(organisation, admin):
    text = "a" * (invitations.MAX_BULK_CHARACTERS + 1)
    result = invitations.invite_many(organisation=organisation, learning_set=None, text=text, by=admin)
    assert (result.invitations, len(result.errors)) == ([], 1)


def test_an_existing_member_rejoins_after_being_removed(learning_set, admin, django_capture_on_commit_callbacks):
    membership = SetMembershipFactory(learning_set=learning_set)
    services.agree_contract(membership=membership)
    services.remove_from_set(membership=membership, by=admin)
    with django_capture_on_commit_callbacks(execute=True):
        invitation = invite(learning_set.organisation, learning_set, admin, email=membership.user.email)
    invitations.accept_invitation(invitation=invitation, user=membership.user)
    membership.refresh_from_db()
    assert (membership.left_at, membership.contract_agreed_version) == (None, None)
    assert SetMembership.objects.filter(learning_set=learning_set, user=membership.user).count() == 1
