"""The first hour in German, in a real browser: an admin who works in German invites a newcomer; the newcomer's
browser (German) signs up from the link, joins and agrees to the contract; the facilitator schedules the first
meeting and starts it. Every page on the way is `<html lang="de">` and shows no English of ours
(tests/test_translations.py's check), and the key German words are there. Screenshots at 1280 and 375 px go to
$SCREENSHOT_DIR, or the test's tmp_path."""

import os
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation
from playwright.sync_api import expect

from sets import contract
from sets.models import LearningSet, SetMembership
from tests.factories import PASSWORD
from tests.test_translations import CONTRACT_TEMPLATE, english_in, english_phrases, visible_text

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

GERMAN = {"locale": "de-DE", "extra_http_headers": {"Accept-Language": "de-DE,de;q=0.9"}}
NEWCOMER = "neu@example.org"


def field(text: str):
    return re.compile(rf"^{re.escape(text)}:?$")


def assert_german(page, data: set[str], *words: str) -> None:
    expect(page.locator("html")).to_have_attribute("lang", "de")
    text = visible_text(page.content())
    for word in words:
        assert word in text, f"{page.url}: no “{word}”"
    found = english_in(text, english_phrases("de"), data)
    assert found == [], f"{page.url} shows English: {found[:8]}"


def log_in_german(page, live_server, email: str, password: str) -> None:
    page.goto(live_server.url + reverse("account_login"))
    page.get_by_label(field("E-Mail")).fill(email)
    page.get_by_label(field("Passwort")).fill(password)
    page.get_by_role("button", name="Anmeldung", exact=True).click()


@pytest.fixture
def shots(tmp_path) -> Path:
    """Screenshots for a person to look at: $SCREENSHOT_DIR, or the test's tmp_path."""
    folder = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_invite_join_and_first_meeting_in_german(
    live_server, browser, admin, facilitator, learning_set, settings, shots
):
    settings.SITE_URL = live_server.url
    with translation.override("de"):  # the set was made by a German admin: its contract starts in German
        template = {name: str(getattr(contract, constant)) for name, constant in CONTRACT_TEMPLATE.items()}
    LearningSet.objects.filter(pk=learning_set.pk).update(purpose="Nordwind 2027", **template)
    for person in (admin, facilitator):
        person.language = "de"
        person.save(update_fields=["language"])
    data = {learning_set.name, learning_set.organisation.name, "Nordwind 2027", "Nia Neumann", NEWCOMER}
    data |= {admin.display_name, admin.email, facilitator.display_name, facilitator.email}

    # The admin invites, in German.
    admin_context = browser.new_context(**GERMAN)
    inviter = admin_context.new_page()
    log_in_german(inviter, live_server, admin.email, PASSWORD)
    expect(inviter.get_by_role("heading", name="Meine Sets")).to_be_visible()
    assert_german(inviter, data, "Meine Sets")
    inviter.goto(live_server.url + reverse("sets:detail", args=[learning_set.pk]))
    assert_german(inviter, data, "Vereinbarung")
    inviter.get_by_role("button", name="Personen einladen").first.click()
    assert_german(inviter, data, "Einladung senden")
    inviter.get_by_label(field("E-Mail")).fill(NEWCOMER)
    inviter.get_by_label(field("Name")).fill("Nia Neumann")
    inviter.get_by_role("button", name="Einladung senden", exact=True).click()
    expect(inviter.get_by_text(f"Einladung an {NEWCOMER} verschickt.")).to_be_visible()
    assert_german(inviter, data)

    # The invitation is in German too (the inviter's language: the newcomer has no account yet).
    [invitation] = mail.outbox
    assert invitation.subject == f"Einladung zu {learning_set.name} bei {learning_set.organisation.name}"
    assert "Nehmen Sie die Einladung hier an" in invitation.body
    link = re.search(r"https?://\S+/invitations/\S+/", invitation.body).group(0)

    # The newcomer's German browser signs up from the link, joins and agrees to the contract.
    newcomer_context = browser.new_context(timezone_id="Europe/Berlin", **GERMAN)
    newcomer = newcomer_context.new_page()
    newcomer.goto(link)
    expect(
        newcomer.get_by_role("heading", name=f"{learning_set.name} bei {learning_set.organisation.name} beitreten")
    ).to_be_visible()
    assert_german(newcomer, data, "Mein Konto anlegen")
    newcomer.get_by_role("button", name="Mein Konto anlegen").click()
    expect(newcomer.get_by_label(field("Vollständiger Name"))).to_have_value("Nia Neumann")
    assert_german(newcomer, data, "Zeitzone", "Registrieren")
    newcomer.get_by_label(field("Passwort")).fill("ein-langes-neues-passwort-42")
    newcomer.get_by_label(field("Passwort (Wiederholung)")).fill("ein-langes-neues-passwort-42")
    newcomer.locator("#main").get_by_role("button", name="Registrieren", exact=True).click()
    newcomer.get_by_role("button", name="Annehmen und beitreten").click()
    expect(newcomer.get_by_role("heading", name=learning_set.name)).to_be_visible()
    expect(newcomer.get_by_text("Bitte lesen Sie die Vereinbarung des Sets und stimmen Sie ihr zu.")).to_be_visible()
    assert_german(newcomer, data, "Vertraulichkeit")
    newcomer.get_by_role("button", name="Ich stimme der Vereinbarung zu").click()
    expect(newcomer.get_by_text("Danke: Sie haben der Vereinbarung des Sets zugestimmt.")).to_be_visible()
    newcomer.screenshot(path=shots / "german-set-1280.png", full_page=True)
    newcomer.set_viewport_size({"width": 375, "height": 800})
    newcomer.screenshot(path=shots / "german-set-375.png", full_page=True)
    assert_german(newcomer, data)
    joined = SetMembership.objects.get(learning_set=learning_set, user__email=NEWCOMER).user
    assert joined.language == "de"  # signed up in German: their emails follow

    # The facilitator schedules the first meeting and starts it.
    facilitator_context = browser.new_context(**GERMAN)
    runner = facilitator_context.new_page()
    log_in_german(runner, live_server, facilitator.email, PASSWORD)
    runner.goto(live_server.url + reverse("meetings:schedule", args=[learning_set.pk]))
    expect(runner.get_by_role("heading", name="Treffen planen")).to_be_visible()
    assert_german(runner, data, "Beginn", "Wiederholung")
    runner.get_by_label(field("Datum")).fill((timezone.localdate() + timedelta(days=7)).isoformat())
    runner.get_by_label(field("Beginn")).fill("09:30")
    runner.get_by_role("button", name="Planen", exact=True).click()
    expect(runner.get_by_text("Treffen geplant; alle im Set erhalten eine Kalendereinladung.")).to_be_visible()
    assert_german(runner, data, "Noch keine Antwort")
    runner.screenshot(path=shots / "german-meetings-1280.png", full_page=True)
    meeting = learning_set.meetings.get()
    scheduled = [message for message in mail.outbox if message.to == [NEWCOMER]]
    assert scheduled and scheduled[-1].subject.startswith(f"{learning_set.name}: Treffen am ")

    runner.goto(live_server.url + reverse("meetings:live", args=[meeting.pk]))
    assert_german(runner, data, "Treffen beginnen")
    runner.get_by_role("button", name="Treffen beginnen").click()
    expect(runner.locator("#stage .stage-phase")).to_have_text("Check-in", timeout=5000)
    assert_german(runner, data, "Nächster Schritt")

    for context in (admin_context, newcomer_context, facilitator_context):
        context.close()
