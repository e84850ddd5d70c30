"""The learning journal: private entries, links, sharing with a set, deleting for good."""

from datetime import timedelta

import pytest
from django.contrib.admin.sites import site
from django.urls import reverse
from django.utils import timezone

from core.errors import ServiceError
from learning import services
from learning.models import JournalEntry
from learning.services import EntryContent
from meetings.models import Issue
from tests.factories import ActionFactory, LearningSetFactory, MeetingFactory, SetMembershipFactory, UserFactory
from tests.learning.conftest import make_reflection

SECRET = "PRIVATE-JOURNAL-MARKER"


def write(author, **fields):
    return services.write_entry(author=author, content=EntryContent(**fields))


@pytest.fixture
def private_entry(member, learning_set):
    return write(member, title="Night shift", body=SECRET, about_self="I rush", learning_set=learning_set)


# Writing


def test_an_entry_needs_some_content(member):
    with pytest.raises(ServiceError, match="Write something"):
        write(member, title="  ", body="\n")
    assert JournalEntry.objects.count() == 0


def test_one_prompt_is_enough_and_the_entry_is_private(member):
    entry = write(member, about_relating="I interrupt people")
    assert (entry.shared, entry.shared_at, entry.learning_set) == (False, None, None)
    assert entry.heading == "I interrupt people"


def test_linking_an_action_gives_the_entry_its_set(member, learning_set):
    action = ActionFactory(owner=member, learning_set=learning_set)
    entry = write(member, body="went well", action=action)
    assert entry.learning_set == learning_set


def test_links_must_belong_to_the_authors_own_sets(member, other_set):
    action = ActionFactory(learning_set=other_set)
    meeting = MeetingFactory(learning_set=other_set)
    issue = Issue.objects.create(owner=action.owner, learning_set=other_set, title="theirs")
    for link in ({"action": action}, {"meeting": meeting}, {"issue": issue}, {"learning_set": other_set}):
        with pytest.raises(ServiceError):
            write(member, body="x", **link)
    assert JournalEntry.objects.count() == 0


def test_links_must_all_be_in_the_entrys_set(member, learning_set):
    second = LearningSetFactory(organisation=learning_set.organisation)
    SetMembershipFactory(learning_set=second, user=member)
    with pytest.raises(ServiceError, match="must all belong"):
        write(member, body="x", learning_set=learning_set, meeting=MeetingFactory(learning_set=second))


def test_a_set_the_author_left_cannot_be_linked(member, learning_set):
    learning_set.memberships.filter(user=member).update(left_at=timezone.now())
    with pytest.raises(ServiceError):
        write(member, body="x", learning_set=learning_set)


def test_write_page_saves_a_private_entry(client, member, learning_set):
    client.force_login(member)
    assert client.get(reverse("learning:entry-new")).status_code == 200
    response = client.post(
        reverse("learning:entry-new"),
        {"title": "Rota", "body": "", "about_situation": "It is about trust", "learning_set": learning_set.pk},
    )
    entry = JournalEntry.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("learning:entry", args=[entry.pk])
    assert (entry.author, entry.learning_set, entry.about_situation, entry.shared) == (
        member,
        learning_set,
        "It is about trust",
        False,
    )


def test_write_page_shows_the_error_and_saves_nothing(client, member):
    client.force_login(member)
    response = client.post(reverse("learning:entry-new"), {"title": "", "body": ""})
    assert response.status_code == 200
    assert "Write something" in response.content.decode()
    assert JournalEntry.objects.count() == 0


def test_write_page_offers_only_my_own_issues(client, member, mate, learning_set):
    theirs = Issue.objects.create(owner=mate, learning_set=learning_set, title="MATE-ISSUE")
    client.force_login(member)
    assert "MATE-ISSUE" not in client.get(reverse("learning:entry-new")).content.decode()
    response = client.post(reverse("learning:entry-new"), {"body": "x", "issue": theirs.pk})
    assert response.status_code == 200
    assert JournalEntry.objects.count() == 0


# Who reads a private entry: its author, nobody else


def test_the_author_reads_their_private_entry(client, member, private_entry):
    client.force_login(member)
    response = client.get(reverse("learning:entry", args=[private_entry.pk]))
    assert response.status_code == 200
    assert SECRET in response.content.decode()


ENTRY_URLS = [
    ("get", "learning:entry"),
    ("get", "learning:entry-edit"),
    ("post", "learning:entry-edit"),
    ("post", "learning:entry-share"),
    ("post", "learning:entry-unshare"),
    ("get", "learning:entry-delete"),
    ("post", "learning:entry-delete"),
    ("get", "learning:entry-publish"),
    ("post", "learning:entry-publish"),
]


@pytest.mark.parametrize("who", ["facilitator", "admin", "mate", "outsider"])
@pytest.mark.parametrize(("method", "name"), ENTRY_URLS)
def test_nobody_but_the_author_reaches_a_private_entry(client, request, private_entry, who, method, name):
    client.force_login(request.getfixturevalue(who))
    url = reverse(name, args=[private_entry.pk])
    data = {"body": "changed", "title": "t", "text": "t", "anonymous": "0", "step": "confirm"}
    response = client.post(url, data) if method == "post" else client.get(url)
    assert response.status_code == 404
    assert SECRET not in response.content.decode()
    private_entry.refresh_from_db()
    assert (private_entry.body, private_entry.shared) == (SECRET, False)
    assert not private_entry.__class__.objects.filter(pk=private_entry.pk, shared=True).exists()


def test_a_superuser_sees_no_content_in_the_django_admin(client, member, private_entry):
    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    changelist = client.get(reverse("admin:learning_journalentry_changelist"))
    change = client.get(reverse("admin:learning_journalentry_change", args=[private_entry.pk]))
    assert (changelist.status_code, change.status_code) == (200, 200)
    for response in (changelist, change):
        page = response.content.decode()
        assert SECRET not in page
        assert "Night shift" not in page
        assert "I rush" not in page
    admin_class = site._registry[JournalEntry]
    assert not {"title", "body", "about_situation", "about_self", "about_relating"} & set(admin_class.fields)
    assert admin_class.search_fields == ()


# Sharing


def test_sharing_shows_the_entry_to_set_mates_and_the_facilitator_only(
    client, member, mate, facilitator, admin, stranger, private_entry
):
    client.force_login(member)
    assert client.post(reverse("learning:entry-share", args=[private_entry.pk])).status_code == 302
    private_entry.refresh_from_db()
    assert private_entry.shared and private_entry.shared_at is not None
    url = reverse("learning:entry", args=[private_entry.pk])
    for reader in (mate, facilitator):
        client.force_login(reader)
        response = client.get(url)
        assert response.status_code == 200
        assert SECRET in response.content.decode()
        # Reading is all: writing stays the author's.
        assert client.get(reverse("learning:entry-edit", args=[private_entry.pk])).status_code == 404
        assert client.post(reverse("learning:entry-unshare", args=[private_entry.pk])).status_code == 404
    client.force_login(admin)
    assert client.get(url).status_code == 403
    client.force_login(stranger)
    assert client.get(url).status_code == 404


def test_an_entry_without_a_set_is_shared_with_the_set_chosen(client, member, learning_set):
    entry = write(member, body="unlinked")
    client.force_login(member)
    client.post(reverse("learning:entry-share", args=[entry.pk]), {"learning_set": learning_set.pk})
    entry.refresh_from_db()
    assert (entry.learning_set, entry.shared) == (learning_set, True)


def test_an_entry_cannot_be_shared_with_someone_elses_set(client, member, other_set):
    entry = write(member, body="unlinked")
    client.force_login(member)
    client.post(reverse("learning:entry-share", args=[entry.pk]), {"learning_set": other_set.pk})
    entry.refresh_from_db()
    assert (entry.learning_set, entry.shared) == (None, False)
    with pytest.raises(ServiceError):
        services.share_entry(entry=entry, by=member, learning_set=other_set)


def test_making_it_private_again_hides_it_from_the_set(client, member, mate, private_entry):
    services.share_entry(entry=private_entry, by=member)
    client.force_login(member)
    client.post(reverse("learning:entry-unshare", args=[private_entry.pk]))
    private_entry.refresh_from_db()
    assert (private_entry.shared, private_entry.shared_at) == (False, None)
    client.force_login(mate)
    assert client.get(reverse("learning:entry", args=[private_entry.pk])).status_code == 404


def test_moving_a_shared_entry_to_another_set_makes_it_private(member, learning_set, private_entry):
    services.share_entry(entry=private_entry, by=member)
    second = LearningSetFactory(organisation=learning_set.organisation)
    SetMembershipFactory(learning_set=second, user=member)
    services.update_entry(entry=private_entry, by=member, content=EntryContent(body="moved", learning_set=second))
    private_entry.refresh_from_db()
    assert (private_entry.learning_set, private_entry.shared) == (second, False)


def test_editing_keeps_the_share_when_the_set_stays(client, member, private_entry, learning_set):
    services.share_entry(entry=private_entry, by=member)
    client.force_login(member)
    response = client.post(
        reverse("learning:entry-edit", args=[private_entry.pk]),
        {"title": "Night shift", "body": "new words", "learning_set": learning_set.pk},
    )
    assert response.status_code == 302
    private_entry.refresh_from_db()
    assert (private_entry.body, private_entry.about_self, private_entry.shared) == ("new words", "", True)


# Deleting


def test_delete_asks_once_then_deletes_for_good(client, member, private_entry):
    client.force_login(member)
    url = reverse("learning:entry-delete", args=[private_entry.pk])
    page = client.get(url).content.decode()
    assert "Delete “Night shift” for good?" in page
    assert JournalEntry.objects.filter(pk=private_entry.pk).exists()
    response = client.post(url)
    assert response["Location"] == reverse("learning:journal")
    assert not JournalEntry.objects.filter(pk=private_entry.pk).exists()


# My journal


def test_my_journal_lists_my_entries_and_reflections_newest_first(client, member, mate, past_meeting):
    old = write(member, title="OLD-ENTRY")
    JournalEntry.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=5))
    make_reflection(past_meeting, member, "MY-REFLECTION", created_at=timezone.now() - timedelta(days=2))
    write(member, title="NEW-ENTRY")
    write(mate, title="MATE-ENTRY")
    make_reflection(past_meeting, mate, "MATE-REFLECTION", shared=True)
    client.force_login(member)
    page = client.get(reverse("learning:journal")).content.decode()
    assert "MATE-ENTRY" not in page
    assert "MATE-REFLECTION" not in page
    assert page.index("NEW-ENTRY") < page.index("MY-REFLECTION") < page.index("OLD-ENTRY")


def test_my_journal_is_paginated(client, member):
    for number in range(23):
        entry = write(member, title=f"Entry {number:02d}")
        JournalEntry.objects.filter(pk=entry.pk).update(created_at=timezone.now() - timedelta(hours=number))
    client.force_login(member)
    first = client.get(reverse("learning:journal")).context["items"]
    second = client.get(reverse("learning:journal") + "?page=2").context["items"]
    assert [item.title for item in first] == [f"Entry {n:02d}" for n in range(20)]
    assert [item.title for item in second] == ["Entry 20", "Entry 21", "Entry 22"]


@pytest.mark.parametrize("size", [1, 12])
def test_my_journal_makes_a_fixed_number_of_queries(
    client, member, learning_set, past_meeting, size, django_assert_num_queries
):
    action = ActionFactory(owner=member, learning_set=learning_set)
    for number in range(size):
        write(member, title=f"e{number}", learning_set=learning_set, action=action, meeting=past_meeting)
        make_reflection(past_meeting, member, f"r{number}")
    client.force_login(member)
    # the user (sessions are cached), count, the page's keys, its entries, its reflections, the organisations menu
    with django_assert_num_queries(6):
        response = client.get(reverse("learning:journal"))
    assert len(response.context["items"]) == min(2 * size, 20)


def test_a_link_can_be_prefilled_but_only_with_my_own_things(client, member, learning_set, other_set):
    mine = ActionFactory(owner=member, learning_set=learning_set, text="MY-ACTION")
    theirs = ActionFactory(learning_set=other_set, text="OTHER-ACTION")
    client.force_login(member)
    form = client.get(reverse("learning:entry-new"), {"action": mine.pk}).context["form"]
    assert form["action"].value() == str(mine.pk)
    page = client.get(reverse("learning:entry-new"), {"action": theirs.pk}).content.decode()
    assert "OTHER-ACTION" not in page


def test_someone_who_left_the_set_cannot_share_with_it(member, learning_set, private_entry):
    learning_set.memberships.filter(user=member).update(left_at=timezone.now())
    with pytest.raises(ServiceError, match="a set you are in"):
        services.share_entry(entry=private_entry, by=member)
    private_entry.refresh_from_db()
    assert private_entry.shared is False
