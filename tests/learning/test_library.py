"""The organisation's learning library: preview before publishing, a snapshot, anonymity, search, withdraw."""

import re

import pytest
from django.urls import reverse

from core.errors import ServiceError
from learning import queries, services
from learning.models import JournalEntry, LibraryItem
from learning.services import EntryContent
from tests.factories import OrganisationMembershipFactory
from tests.learning.conftest import make_reflection


@pytest.fixture
def entry(member, learning_set):
    return services.write_entry(
        author=member,
        content=EntryContent(
            title="Listening first", body="I asked before telling.", about_self="I rush", learning_set=learning_set
        ),
    )


def publish_data(**overrides):
    return {"title": "Listen first", "text": "Ask before you tell.", "anonymous": "0", **overrides}


def preview(client, entry, **overrides):
    return client.post(
        reverse("learning:entry-publish", args=[entry.pk]), {**publish_data(**overrides), "step": "preview"}
    )


def confirm(client, entry, response):
    token = re.search(r'name="token" value="([^"]+)"', response.content.decode()).group(1)
    return client.post(reverse("learning:entry-publish", args=[entry.pk]), {"step": "confirm", "token": token})


def test_the_form_offers_the_entrys_words(client, member, entry):
    client.force_login(member)
    form = client.get(reverse("learning:entry-publish", args=[entry.pk])).context["form"]
    assert form.initial["title"] == "Listening first"
    assert form.initial["text"] == "I asked before telling.\n\nAbout myself: I rush"


def test_the_preview_shows_exactly_what_will_be_shown_and_publishes_nothing(client, member, entry, organisation):
    client.force_login(member)
    response = preview(client, entry)
    page = response.content.decode()
    assert response.status_code == 200
    assert "This is exactly what the library will show" in page
    assert "Listen first" in page and "Ask before you tell." in page
    assert "by Milo Member" in page
    assert organisation.name in page
    assert LibraryItem.objects.count() == 0


@pytest.mark.parametrize(
    "data",
    [
        publish_data(),  # no step at all: a preview, not a publication
        publish_data(step="publish"),
        publish_data(step="confirm"),  # confirming without the signed preview
        publish_data(step="confirm", token="forged"),
    ],
)
def test_nothing_is_published_without_confirming_the_preview(client, member, entry, data):
    client.force_login(member)
    client.post(reverse("learning:entry-publish", args=[entry.pk]), data)
    assert LibraryItem.objects.count() == 0


def test_confirming_publishes_a_snapshot_of_the_preview(client, member, entry, organisation):
    client.force_login(member)
    response = confirm(client, entry, preview(client, entry))
    item = LibraryItem.objects.get()
    assert response["Location"] == reverse("learning:library-item", args=[item.pk])
    assert (item.organisation, item.author, item.title, item.text, item.anonymous, item.by_line) == (
        organisation,
        member,
        "Listen first",
        "Ask before you tell.",
        False,
        "Milo Member",
    )
    services.update_entry(entry=entry, by=member, content=EntryContent(body="rewritten"))
    item.refresh_from_db()
    assert item.text == "Ask before you tell."


def test_confirming_publishes_what_was_previewed_not_what_is_posted(client, member, entry):
    client.force_login(member)
    token = preview(client, entry).context["token"]
    client.post(
        reverse("learning:entry-publish", args=[entry.pk]),
        {"step": "confirm", "token": token, **publish_data(title="SWAPPED", text="SWAPPED", anonymous="1")},
    )
    assert LibraryItem.objects.values_list("title", "anonymous").get() == ("Listen first", False)


def test_a_preview_token_publishes_only_for_its_author(client, member, mate, entry):
    client.force_login(member)
    token = preview(client, entry).context["token"]
    with pytest.raises(ServiceError):
        services.publish_previewed(author=mate, token=token)
    assert LibraryItem.objects.count() == 0


def test_publishing_to_another_organisation_is_refused(client, member, entry, other_organisation):
    client.force_login(member)
    response = client.post(
        reverse("learning:entry-publish", args=[entry.pk]),
        {**publish_data(organisation=other_organisation.pk), "step": "preview"},
    )
    assert response.status_code == 200
    assert "token" not in response.context
    assert LibraryItem.objects.count() == 0


def test_a_reflection_can_be_published_by_its_author_only(client, member, facilitator, past_meeting):
    reflection = make_reflection(past_meeting, member, "Quiet helps")
    url = reverse("learning:reflection-publish", args=[reflection.pk])
    client.force_login(facilitator)
    assert client.get(url).status_code == 404
    client.force_login(member)
    assert client.get(url).context["form"].initial["text"] == "About myself: Quiet helps"
    token = client.post(url, {**publish_data(), "step": "preview"}).context["token"]
    client.post(url, {"step": "confirm", "token": token})
    assert LibraryItem.objects.get().reflection == reflection


@pytest.fixture
def anonymous_item(client, member, entry):
    client.force_login(member)
    confirm(client, entry, preview(client, entry, anonymous="1"))
    client.logout()
    return LibraryItem.objects.get()


def test_an_anonymous_learning_reveals_its_author_nowhere(client, member, stranger, admin, anonymous_item):
    assert (anonymous_item.anonymous, anonymous_item.by_line) == (True, "")
    for reader in (stranger, admin):
        client.force_login(reader)
        for url in (
            reverse("learning:library", args=[anonymous_item.organisation.slug]),
            reverse("learning:library", args=[anonymous_item.organisation.slug]) + "?q=listen",
            reverse("learning:library-item", args=[anonymous_item.pk]),
        ):
            page = client.get(url).content.decode()
            assert "Listen first" in page
            assert "anonymous" in page
            for clue in ("Milo", member.email, f"/journal/{anonymous_item.journal_entry_id}/", "You published this"):
                assert clue not in page


def test_everyone_in_the_organisation_reads_the_library_and_no_one_else(
    client, member, stranger, admin, outsider, anonymous_item
):
    url = reverse("learning:library", args=[anonymous_item.organisation.slug])
    item_url = reverse("learning:library-item", args=[anonymous_item.pk])
    for reader in (member, stranger, admin):
        client.force_login(reader)
        assert client.get(url).status_code == 200
        assert client.get(item_url).status_code == 200
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    assert client.get(item_url).status_code == 404


def test_search_matches_title_and_text_within_the_organisation(client, member, organisation, other_organisation):
    LibraryItem.objects.create(organisation=organisation, author=member, title="Rota trouble", text="nights")
    LibraryItem.objects.create(organisation=organisation, author=member, title="Budgets", text="the ROTA again")
    LibraryItem.objects.create(organisation=organisation, author=member, title="Coaching", text="questions")
    outsider = OrganisationMembershipFactory(organisation=other_organisation).user
    LibraryItem.objects.create(organisation=other_organisation, author=outsider, title="Rota elsewhere", text="x")
    client.force_login(member)
    response = client.get(reverse("learning:library", args=[organisation.slug]), {"q": "rota"})
    assert [item.title for item in response.context["items"]] == ["Budgets", "Rota trouble"]
    assert "2 learnings match “rota”." in response.content.decode()
    response = client.get(reverse("learning:library", args=[organisation.slug]), {"q": "rota nights"})
    assert [item.title for item in response.context["items"]] == ["Rota trouble"]


def test_the_author_withdraws_and_it_disappears(client, member, stranger, anonymous_item):
    withdraw = reverse("learning:library-withdraw", args=[anonymous_item.pk])
    client.force_login(stranger)
    assert client.post(withdraw).status_code == 403
    assert LibraryItem.objects.count() == 1
    client.force_login(member)
    assert (
        "You published this" in client.get(reverse("learning:library-item", args=[anonymous_item.pk])).content.decode()
    )
    assert client.post(withdraw).status_code == 302
    assert LibraryItem.objects.count() == 0
    page = client.get(reverse("learning:library", args=[anonymous_item.organisation.slug])).content.decode()
    assert "Listen first" not in page
    assert JournalEntry.objects.count() == 1  # the journal is not changed


def test_deleting_the_entry_keeps_the_publication(client, member, entry):
    client.force_login(member)
    confirm(client, entry, preview(client, entry))
    client.post(reverse("learning:entry-delete", args=[entry.pk]))
    item = LibraryItem.objects.get()
    assert (item.journal_entry, item.text) == (None, "Ask before you tell.")


@pytest.mark.parametrize("size", [1, 25])
def test_library_page_makes_a_fixed_number_of_queries(
    client, member, stranger, organisation, size, django_assert_num_queries
):
    for number in range(size):
        LibraryItem.objects.create(
            organisation=organisation, author=member, title=f"t{number}", text="x", by_line="Milo Member"
        )
    client.force_login(stranger)
    # the user, the organisation (with the viewer's role), count, the page, the organisations menu
    with django_assert_num_queries(5):
        response = client.get(reverse("learning:library", args=[organisation.slug]), {"q": "x"})
    assert len(response.context["items"]) == min(size, 20)


def test_a_search_that_matches_very_many_counts_only_so_far(client, member, organisation, monkeypatch):
    monkeypatch.setattr(queries, "SEARCH_COUNT_LIMIT", 2)
    for number in range(4):
        LibraryItem.objects.create(organisation=organisation, author=member, title=f"Rota {number}", text="x")
    client.force_login(member)
    response = client.get(reverse("learning:library", args=[organisation.slug]), {"q": "rota"})
    assert response.context["page"].paginator.count == 3
    assert "More than 1,000 learnings match “rota”" in response.content.decode()
    assert [item.title for item in response.context["items"]] == ["Rota 3", "Rota 2", "Rota 1"]
