"""Two browsers: a member writes a journal entry and shares it with the set; a set-mate reads it there."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from learning.models import JournalEntry
from tests.browser.conftest import label, log_in
from tests.factories import PASSWORD, SetMembershipFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_shared_entry_reaches_a_set_mate(live_server, browser, learning_set, member):
    mate = SetMembershipFactory(learning_set=learning_set, user__full_name="Sal Second").user

    writer = browser.new_page()
    log_in(writer, live_server, member.email, PASSWORD)
    writer.get_by_role("link", name="Journal", exact=True).click()
    expect(writer.get_by_role("heading", name="My journal")).to_be_visible()
    writer.get_by_role("button", name="Write your first entry").click()
    writer.get_by_label(label("Title")).fill("Asking the night team first")
    writer.get_by_label(label("About myself")).fill("I rush to solutions when I am anxious.")
    writer.get_by_label(label("Set")).select_option(label=learning_set.name)
    writer.get_by_role("button", name="Save entry").click()
    expect(writer.get_by_text("Private: only you can read it")).to_be_visible()
    assert JournalEntry.objects.get().shared is False

    # Before sharing, the set-mate sees nothing of it.
    reader_context = browser.new_context(viewport={"width": 375, "height": 800})
    reader = reader_context.new_page()
    log_in(reader, live_server, mate.email, PASSWORD)
    shared_page = live_server.url + reverse("learning:set-shared", args=[learning_set.pk])
    reader.goto(shared_page)
    expect(reader.get_by_text("Nothing shared yet.")).to_be_visible()

    writer.get_by_role("button", name=f"Share with {learning_set.name}").click()
    expect(writer.get_by_text("Shared with the set on")).to_be_visible()

    reader.goto(live_server.url + reverse("sets:detail", args=[learning_set.pk]))
    reader.get_by_role("link", name="Shared journal").click()
    assert reader.url == shared_page
    entry = reader.locator(".journal-list > li", has_text="Asking the night team first")
    expect(entry).to_contain_text("Milo Member")
    expect(entry).to_contain_text("I rush to solutions when I am anxious.")
    reader.screenshot(path="test-results/journal-shared-375.png", full_page=True)

    # Private again: gone from the set's page.
    writer.get_by_role("button", name="Make it private again").click()
    expect(writer.get_by_text("Private: only you can read it")).to_be_visible()
    reader.reload()
    expect(reader.get_by_text("Nothing shared yet.")).to_be_visible()
    reader_context.close()
