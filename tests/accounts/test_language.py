"""The page's language: the person's choice in their profile, else the browser's, else the footer's choice."""

from django.urls import reverse

from tests.factories import UserFactory


def test_a_person_s_chosen_language_wins_over_the_browser_s(client, db):
    person = UserFactory(language="fr")
    client.force_login(person)
    response = client.get(reverse("sets:home"), HTTP_ACCEPT_LANGUAGE="de")
    assert response["Content-Language"] == "fr"
    assert '<html lang="fr"' in response.content.decode()


def test_without_a_choice_the_browser_s_language_is_used(client, db):
    client.force_login(UserFactory(language=""))
    response = client.get(reverse("sets:home"), HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9")
    assert response["Content-Language"] == "de"
    assert '<html lang="de"' in response.content.decode()


def test_english_browsers_get_british_english(client, db):
    response = client.get(reverse("account_login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response["Content-Language"] == "en-gb"


def test_an_anonymous_visitor_picks_a_language_in_the_footer(client, db):
    page = client.get(reverse("account_login"))
    assert 'name="language"' in page.content.decode()
    chosen = client.post(reverse("set_language"), {"language": "fr", "next": reverse("account_login")})
    assert chosen.status_code == 302 and chosen["Location"] == reverse("account_login")
    assert client.get(reverse("account_login"))["Content-Language"] == "fr"


def test_the_profile_saves_a_language(client, db):
    person = UserFactory(language="")
    client.force_login(person)
    form = client.get(reverse("accounts:profile")).context["form"]
    data = {key: value for key, value in form.initial.items() if value is not None and key in form.fields}
    data |= {"language": "de", "reminder_emails": "on", "nudge_emails": "on"}
    assert client.post(reverse("accounts:profile"), data).status_code == 302
    person.refresh_from_db()
    assert person.language == "de"
