"""Sessions (listed, ended by a password change or a removal), two-factor required per organisation, the audit log."""

import time
from datetime import timedelta

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY, TOTP, format_hotp_value, hotp_value
from allauth.usersessions.models import UserSession
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core import audit
from core.errors import ServiceError
from core.models import AuditEvent
from meetings import live
from sets import services
from sets.models import Invitation, OrganisationMembership, SetMembership, hash_token
from tests.factories import PASSWORD, InvitationFactory, MeetingFactory, OrganisationMembershipFactory, UserFactory


def logged_in(user) -> Client:
    """A client logged in through allauth's real login (so the session is known to allauth's session list)."""
    client = Client()
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]
    return client


def is_logged_in(client) -> bool:
    return client.get(reverse("sets:home")).status_code == 200


def current_code(secret: str) -> str:
    """The authenticator's code now; near the end of a 30 s window, the next window's (waiting for it), so the code
    is still current when the server checks it."""
    left = 30 - timezone.now().timestamp() % 30
    if left < 3:
        time.sleep(left + 0.1)
    return format_hotp_value(hotp_value(secret, int(timezone.now().timestamp()) // 30))


def give_totp(user) -> None:
    TOTP.activate(user, "JBSWY3DPEHPK3PXP")


# Sessions


def test_a_person_sees_their_sessions_and_ends_the_others(member):
    laptop, phone = logged_in(member), logged_in(member)
    page = laptop.get(reverse("usersessions_list")).content.decode()
    assert (
        page.count("This browser") == 1
        and page.count("Another browser") == 1
        and UserSession.objects.filter(user=member).count() == 2
    )
    laptop.post(reverse("usersessions_list"))
    assert is_logged_in(laptop) and not is_logged_in(phone)
    assert UserSession.objects.filter(user=member).count() == 1


def test_changing_the_password_ends_every_other_session(member):
    laptop, phone = logged_in(member), logged_in(member)
    response = laptop.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": "a-new-long-pass-phrase", "password2": "a-new-long-pass-phrase"},
    )
    assert response.status_code == 302
    assert is_logged_in(laptop)
    assert not is_logged_in(phone)


def test_an_ended_session_no_longer_polls_the_live_meeting_from_the_cache(
    member, facilitator, learning_set, django_capture_on_commit_callbacks
):
    meeting = MeetingFactory(learning_set=learning_set, starts_at=timezone.now() + timedelta(minutes=5))
    with django_capture_on_commit_callbacks(execute=True):
        live.control_meeting(meeting_id=meeting.pk, by=facilitator, control="start", version=0)
    laptop, phone = logged_in(member), logged_in(member)
    phone.get(reverse("meetings:live", args=[meeting.pk]))
    state = reverse("meetings:live-state", args=[meeting.pk])
    assert phone.get(state, {"v": "1"}).status_code == 304
    laptop.post(reverse("usersessions_list"))  # "sign out other sessions"
    assert phone.get(state, {"v": "1"}).status_code == 302  # to the login page: the cached session is gone


# Removal from the organisation


def test_removing_someone_from_the_organisation_takes_them_out_of_its_sets_and_signs_them_out(
    admin, member, learning_set, organisation
):
    member_client = logged_in(member)
    membership = OrganisationMembership.objects.get(organisation=organisation, user=member)
    admin_client = logged_in(admin)
    page = admin_client.get(reverse("sets:organisation-member-remove", args=[organisation.slug, membership.pk]))
    assert "Their actions and reflections stay" in page.content.decode()
    response = admin_client.post(reverse("sets:organisation-member-remove", args=[organisation.slug, membership.pk]))
    assert response.status_code == 302
    assert not OrganisationMembership.objects.filter(organisation=organisation, user=member).exists()
    assert SetMembership.objects.get(learning_set=learning_set, user=member).left_at is not None
    assert not is_logged_in(member_client)
    event = AuditEvent.objects.get(verb=AuditEvent.Verb.REMOVED_FROM_ORGANISATION)
    assert (event.actor, event.subject, event.organisation, event.detail) == (admin, member, organisation, {"sets": 1})
    # Logging in again, they no longer see the set.
    again = logged_in(member)
    assert again.get(reverse("sets:detail", args=[learning_set.pk])).status_code == 404


def test_the_last_admin_and_oneself_cannot_be_removed(admin, organisation):
    own = OrganisationMembership.objects.get(organisation=organisation, user=admin)
    with pytest.raises(ServiceError, match="cannot remove yourself"):
        services.remove_from_organisation(membership=own, by=admin)
    other_admin = OrganisationMembershipFactory(organisation=organisation, role=OrganisationMembership.Role.ADMIN)
    OrganisationMembership.objects.filter(pk=own.pk).update(role=OrganisationMembership.Role.MEMBER)
    with pytest.raises(ServiceError, match="at least one admin"):
        services.remove_from_organisation(membership=other_admin, by=admin)
    assert OrganisationMembership.objects.filter(organisation=organisation).count() == 2


# Two-factor required per organisation


def test_an_admin_without_two_factor_cannot_require_it(admin, organisation):
    client = logged_in(admin)
    response = client.post(reverse("sets:two-factor-policy", args=[organisation.slug]), {"require_two_factor": "on"})
    assert response.status_code == 302
    organisation.refresh_from_db()
    assert organisation.require_two_factor is False
    assert "Set up two-factor authentication for yourself first" in client.get(response["Location"]).content.decode()


def test_requiring_two_factor_signs_out_those_without_it_and_asks_them_to_set_it_up(
    admin, member, facilitator, organisation, learning_set
):
    give_totp(admin)
    give_totp(facilitator)
    member_client = logged_in(member)
    facilitator_session = Client()
    facilitator_session.force_login(facilitator)
    admin_client = Client()
    admin_client.force_login(admin)
    admin_client.post(reverse("sets:two-factor-policy", args=[organisation.slug]), {"require_two_factor": "on"})
    organisation.refresh_from_db()
    assert organisation.require_two_factor is True
    assert not is_logged_in(member_client)  # signed out: no authenticator yet
    assert is_logged_in(facilitator_session)  # has one: carries on
    event = AuditEvent.objects.get(verb=AuditEvent.Verb.TWO_FACTOR_POLICY_CHANGED)
    assert (event.actor, event.detail) == (admin, {"required": True})

    # At the next login, every page leads to setting up an authenticator, except the account pages.
    member_client = logged_in(member)
    for url in (reverse("sets:home"), reverse("sets:detail", args=[learning_set.pk]), reverse("meetings:my-actions")):
        response = member_client.get(url)
        assert (response.status_code, response["Location"]) == (302, reverse("mfa_activate_totp"))
    page = member_client.get(reverse("mfa_activate_totp"))
    if page.status_code == 302:  # allauth asks for the password again before a two-factor change
        assert page["Location"].startswith(reverse("account_reauthenticate"))
        member_client.post(page["Location"], {"password": PASSWORD})
        page = member_client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    secret = member_client.session[SECRET_SESSION_KEY]
    response = member_client.post(reverse("mfa_activate_totp"), {"code": current_code(secret)})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=member, type=Authenticator.Type.TOTP).exists()
    assert member_client.get(reverse("sets:home")).status_code == 200


def test_joining_an_organisation_that_requires_two_factor_asks_for_it(admin, organisation, db):
    organisation.require_two_factor = True
    organisation.save(update_fields=["require_two_factor"])
    newcomer = UserFactory(email="newcomer@example.org")
    invitation = InvitationFactory(organisation=organisation, learning_set=None, email=newcomer.email)
    token = "two-factor-invitation-token"

    Invitation.objects.filter(pk=invitation.pk).update(token_hash=hash_token(token))
    client = logged_in(newcomer)  # in no organisation yet: nothing asked
    assert client.get(reverse("sets:home")).status_code == 200
    client.post(reverse("sets:invitation", args=[token]))
    response = client.get(reverse("sets:home"))
    assert (response.status_code, response["Location"]) == (302, reverse("mfa_activate_totp"))


# The audit log


def test_the_audit_log_records_who_did_what_without_content(admin, member, learning_set, organisation):
    client = logged_in(admin)  # an admin login is recorded
    client.post(
        reverse("sets:invite", args=[organisation.slug]),
        {"one-email": "new.person@example.org", "one-full_name": "SECRET-NAME-NOT-CONTENT", "one-role": "member"},
    )
    membership = SetMembership.objects.get(learning_set=learning_set, user=member)
    client.post(reverse("sets:member-role", args=[learning_set.pk, membership.pk]), {"role": "facilitator"})
    client.post(reverse("sets:member-remove", args=[learning_set.pk, membership.pk]))
    verbs = list(
        AuditEvent.objects.filter(organisation=organisation).order_by("at", "pk").values_list("verb", flat=True)
    )
    assert verbs == ["admin_login", "invited", "set_role_changed", "removed_from_set"]
    role_change = AuditEvent.objects.get(verb="set_role_changed")
    assert (role_change.subject, role_change.detail) == (member, {"from_role": "member", "to_role": "facilitator"})
    page = client.get(reverse("sets:audit-log", args=[organisation.slug])).content.decode()
    assert "new.person@example.org" in page and "changed a set role" in page
    assert "SECRET-NAME-NOT-CONTENT" not in page


def test_the_audit_log_refuses_free_text(admin, organisation):
    with pytest.raises(ValueError, match="not allowed"):
        audit.record(AuditEvent.Verb.EXPORTED, actor=admin, organisation=organisation, note="what someone wrote")


def test_the_audit_log_page_has_a_fixed_number_of_queries(admin, organisation, django_assert_max_num_queries):
    client = Client()
    client.force_login(admin)
    for count in (1, 30):
        for _ in range(count):
            audit.record(AuditEvent.Verb.INVITED, actor=admin, organisation=organisation, subject_email="x@example.org")
        with django_assert_max_num_queries(6):
            assert client.get(reverse("sets:audit-log", args=[organisation.slug])).status_code == 200
