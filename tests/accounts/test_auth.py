"""Sign-up, email verification, login, rate limits, password reset, profile: through allauth's real views."""

import re
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from tests.factories import PASSWORD, UserFactory


def link_in(message) -> str:
    return re.search(r"https?://\S+", message.body).group(0)


def test_sign_up_needs_email_verification_then_logs_in(client, db):
    response = client.post(
        reverse("account_signup"),
        {
            "email": "new@example.org",
            "full_name": "Nia New",
            "password1": "a-long-pass-phrase",
            "password2": "a-long-pass-phrase",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    user = User.objects.get(email="new@example.org")
    assert user.full_name == "Nia New"
    assert client.get(reverse("sets:home")).status_code == 302  # not logged in until verified
    assert [m.to for m in mail.outbox] == [["new@example.org"]]
    confirm = link_in(mail.outbox[0])
    path = confirm.split("testserver", 1)[-1] if "testserver" in confirm else re.sub(r"https?://[^/]+", "", confirm)
    response = client.post(path)
    assert response.status_code == 302
    assert EmailAddress.objects.get(user=user).verified is True
    assert client.get(reverse("sets:home")).status_code == 200


def test_sign_up_with_a_bad_password_shows_why_and_saves_nothing(client, db):
    response = client.post(
        reverse("account_signup"),
        {"email": "new@example.org", "full_name": "Nia", "password1": "123", "password2": "123"},
    )
    assert response.status_code == 200
    assert "too short" in response.content.decode()
    assert not User.objects.filter(email="new@example.org").exists()


def test_login_with_a_verified_address(client, db):
    user = UserFactory()
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("sets:home")


def test_login_with_an_unverified_address_sends_a_verification_email_instead(client, db):
    user = UserFactory(verified_email=False)
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=False)
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response["Location"] == reverse("account_email_verification_sent")
    assert client.get(reverse("sets:home")).status_code == 302


def test_failed_logins_are_rate_limited_per_account(client, db):
    user = UserFactory()
    for _ in range(5):
        response = client.post(reverse("account_login"), {"login": user.email, "password": "wrong"})
        assert response.status_code == 200
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 200  # refused, even with the right password
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_password_reset_sends_a_link(client, db):
    user = UserFactory()
    response = client.post(reverse("account_reset_password"), {"email": user.email})
    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [[user.email]]
    assert "/accounts/password/reset/key/" in mail.outbox[0].body


def test_two_factor_pages_are_there(client, db):
    client.force_login(UserFactory())
    assert client.get(reverse("mfa_index")).status_code == 200


def test_profile_saves_name_and_a_real_time_zone(client, db):
    user = UserFactory()
    client.force_login(user)
    data = {"full_name": "Renamed Person", "timezone": "America/New_York", "reminder_emails": "on"}
    response = client.post(reverse("accounts:profile"), data)
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.full_name, user.timezone, user.reminder_emails, user.nudge_emails) == (
        "Renamed Person",
        "America/New_York",
        True,
        False,
    )


def test_profile_refuses_an_unknown_time_zone_and_keeps_the_old_one(client, db):
    user = UserFactory(timezone="Europe/Paris")
    client.force_login(user)
    response = client.post(reverse("accounts:profile"), {"full_name": "X", "timezone": "Mars/Olympus"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    user.refresh_from_db()
    assert user.timezone == "Europe/Paris"


def test_pages_show_times_in_the_viewers_zone(client, db):
    user = UserFactory(timezone="Asia/Tokyo")
    client.force_login(user)
    client.get(reverse("sets:home"))
    # The middleware activates the zone per request and leaves nothing behind.
    assert timezone.get_current_timezone_name() == "UTC"


# allauth's rate limits (counters in the cache: Redis in CI), and re-authentication before sensitive changes.


def test_sign_ups_are_rate_limited_per_address_of_the_client(client, db):
    for n in range(20):
        response = client.post(
            reverse("account_signup"),
            {
                "email": f"s{n}@example.org",
                "full_name": "S",
                "password1": "a-long-pass-phrase",
                "password2": "a-long-pass-phrase",
            },
            REMOTE_ADDR="203.0.113.9",
        )
        assert response.status_code == 302
        client.logout()
    response = client.post(
        reverse("account_signup"),
        {
            "email": "s21@example.org",
            "full_name": "S",
            "password1": "a-long-pass-phrase",
            "password2": "a-long-pass-phrase",
        },
        REMOTE_ADDR="203.0.113.9",
    )
    assert response.status_code == 429
    assert not User.objects.filter(email="s21@example.org").exists()
    other = client.post(
        reverse("account_signup"),
        {
            "email": "s22@example.org",
            "full_name": "S",
            "password1": "a-long-pass-phrase",
            "password2": "a-long-pass-phrase",
        },
        REMOTE_ADDR="203.0.113.10",
    )
    assert other.status_code == 302  # another client is not held back


def test_password_reset_requests_are_rate_limited_per_address(client, db):
    user = UserFactory()
    for _ in range(5):
        assert client.post(reverse("account_reset_password"), {"email": user.email}).status_code == 302
    response = client.post(reverse("account_reset_password"), {"email": user.email})
    assert response.status_code == 429
    assert len(mail.outbox) == 5


def test_verification_emails_are_rate_limited(client, db):
    user = UserFactory(verified_email=False)
    EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=False)
    for _ in range(3):
        client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert len(mail.outbox) == 1  # one confirmation email, however often they try


def test_the_django_admin_logs_in_through_allauth(client, db):
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    login = client.get(response["Location"], follow=True)
    assert login.redirect_chain[-1][0].startswith(reverse("account_login"))


def test_changing_email_or_two_factor_needs_a_fresh_password(client, db, time_machine):
    user = UserFactory()
    client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    time_machine.move_to(timezone.now() + timedelta(minutes=10), tick=False)
    for url, data in (
        (reverse("account_email"), {"action_add": "", "email": "second@example.org"}),
        (reverse("mfa_activate_totp"), None),
    ):
        response = client.post(url, data) if data else client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert not EmailAddress.objects.filter(email="second@example.org").exists()
