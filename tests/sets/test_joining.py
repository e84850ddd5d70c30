"""Coming from an invitation link: the sign-up form starts from the name the inviter typed, and accepting the
invitation sets the person's time zone (the browser's is proposed to someone still on UTC)."""

import re

import pytest
from django.urls import reverse

from sets.models import SetMembership, hash_token
from tests.factories import InvitationFactory, UserFactory

TOKEN = "joining-token"


@pytest.fixture
def invitation(learning_set):
    return InvitationFactory(
        organisation=learning_set.organisation,
        learning_set=learning_set,
        email="zoe@example.org",
        full_name="Zoë O'Brien",
        set_role=SetMembership.Role.MEMBER,
        token_hash=hash_token(TOKEN),
    )


def full_name_value(content: str) -> str | None:
    field = re.search(r"<input[^>]*name=\"full_name\"[^>]*>", content).group(0)
    value = re.search(r'value="([^"]*)"', field)
    return value.group(1) if value else None


def test_sign_up_from_an_invitation_starts_from_the_name_the_inviter_typed(client, invitation):
    assert client.get(reverse("sets:invitation", args=[TOKEN])).status_code == 200
    content = client.get(reverse("account_signup")).content.decode()
    assert full_name_value(content) == "Zoë O&#x27;Brien"
    assert 'value="zoe@example.org"' in content


def test_signing_up_uses_the_name_as_typed_and_forgets_the_stash(client, invitation):
    client.get(reverse("sets:invitation", args=[TOKEN]))
    response = client.post(
        reverse("account_signup"),
        {
            "email": "zoe@example.org",
            "full_name": "Zoë O'Brien-Hughes",
            "timezone": "Europe/Dublin",
            "password1": "a-long-pass-phrase",
            "password2": "a-long-pass-phrase",
        },
    )
    assert response.status_code == 302
    assert "accounts_invited_full_name" not in client.session


def test_a_plain_sign_up_has_no_name_filled_in(client, db):
    assert full_name_value(client.get(reverse("account_signup")).content.decode()) is None


def test_an_invitation_without_a_name_fills_none_in(client, invitation):
    invitation.full_name = ""
    invitation.save(update_fields=["full_name"])
    client.get(reverse("sets:invitation", args=[TOKEN]))
    assert full_name_value(client.get(reverse("account_signup")).content.decode()) is None


def accept_page(client, user) -> str:
    client.force_login(user)
    return client.get(reverse("sets:invitation", args=[TOKEN])).content.decode()


def test_accepting_proposes_the_browsers_zone_to_someone_on_utc(client, invitation):
    user = UserFactory(email="zoe@example.org", timezone="UTC")
    content = accept_page(client, user)
    select = re.search(r"<select[^>]*name=\"timezone\"[^>]*>", content).group(0)
    assert "data-browser-timezone" in select


def test_accepting_keeps_a_zone_already_chosen(client, invitation):
    user = UserFactory(email="zoe@example.org", timezone="Europe/Dublin")
    content = accept_page(client, user)
    assert "data-browser-timezone" not in content
    assert '<option value="Europe/Dublin" selected>' in content


def test_accepting_saves_the_time_zone(client, invitation):
    user = UserFactory(email="zoe@example.org", timezone="UTC")
    client.force_login(user)
    response = client.post(reverse("sets:invitation", args=[TOKEN]), {"timezone": "Asia/Singapore"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.timezone == "Asia/Singapore"
    assert SetMembership.objects.filter(user=user, learning_set=invitation.learning_set).exists()


def test_accepting_without_a_zone_keeps_the_one_there(client, invitation):
    user = UserFactory(email="zoe@example.org", timezone="Europe/Dublin")
    client.force_login(user)
    assert client.post(reverse("sets:invitation", args=[TOKEN])).status_code == 302
    user.refresh_from_db()
    assert user.timezone == "Europe/Dublin"
