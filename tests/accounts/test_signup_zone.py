"""Sign-up asks for a time zone (the browser's is proposed by static/js/timezone.js) and saves it on the user."""

import re

from django.urls import reverse

from accounts.models import User


def sign_up(client, **extra):
    data = {
        "email": "new@example.org",
        "full_name": "Nia New",
        "password1": "a-long-pass-phrase",
        "password2": "a-long-pass-phrase",
        **extra,
    }
    return client.post(reverse("account_signup"), data)


def test_the_sign_up_form_shows_a_time_zone_field_the_browser_fills(client, db):
    content = client.get(reverse("account_signup")).content.decode()
    select = re.search(r"<select[^>]*name=\"timezone\"[^>]*>", content).group(0)
    assert "data-browser-timezone" in select
    field_id = re.search(r'id="([^"]+)"', select).group(1)
    assert re.search(rf'<label for="{field_id}">Time zone', content)
    assert '<option value="Asia/Singapore">Asia/Singapore</option>' in content
    assert "js/timezone.js" in content


def test_sign_up_saves_the_chosen_time_zone(client, db):
    assert sign_up(client, timezone="Asia/Singapore").status_code == 302
    assert User.objects.get(email="new@example.org").timezone == "Asia/Singapore"


def test_sign_up_without_a_zone_stays_on_utc(client, db):
    assert sign_up(client).status_code == 302
    assert User.objects.get(email="new@example.org").timezone == "UTC"


def test_sign_up_refuses_a_zone_that_does_not_exist(client, db):
    response = sign_up(client, timezone="Mars/Olympus")
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not User.objects.filter(email="new@example.org").exists()
    # A form sent back with an error keeps what the person chose: the browser's zone is not proposed over it.
    assert "data-browser-timezone" not in response.content.decode()
