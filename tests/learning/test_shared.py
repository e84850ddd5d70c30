"""A set's shared journal: entries shared with it and its shared meeting reflections, for its own people."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from learning import queries, services
from learning.models import JournalEntry
from learning.services import EntryContent
from meetings.models import Issue
from tests.factories import LearningSetFactory, MeetingFactory, SetMembershipFactory
from tests.learning.conftest import make_reflection


def shared_entry(author, learning_set, text, *, days_ago=0):
    entry = services.write_entry(author=author, content=EntryContent(body=text, learning_set=learning_set))
    services.share_entry(entry=entry, by=author)
    JournalEntry.objects.filter(pk=entry.pk).update(shared_at=timezone.now() - timedelta(days=days_ago))
    return entry


@pytest.fixture
def seeded(member, mate, learning_set, past_meeting, outsider, other_set):
    """Shared and private content here, and shared content in another organisation's set."""
    shared_entry(member, learning_set, "SHARED-ENTRY")
    make_reflection(past_meeting, mate, "SHARED-REFLECTION", shared=True)
    services.write_entry(author=member, content=EntryContent(body="PRIVATE-ENTRY", learning_set=learning_set))
    make_reflection(past_meeting, member, "PRIVATE-REFLECTION")
    shared_entry(outsider, other_set, "OTHER-SET-ENTRY")
    other_meeting = MeetingFactory(learning_set=other_set, starts_at=timezone.now() - timedelta(days=1))
    make_reflection(other_meeting, outsider, "OTHER-SET-REFLECTION", shared=True)


@pytest.mark.parametrize("who", ["member", "mate", "facilitator"])
def test_the_sets_people_see_what_was_shared_and_nothing_private(client, request, seeded, learning_set, who):
    client.force_login(request.getfixturevalue(who))
    response = client.get(reverse("learning:set-shared", args=[learning_set.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "SHARED-ENTRY" in page
    assert "SHARED-REFLECTION" in page
    for hidden in ("PRIVATE-ENTRY", "PRIVATE-REFLECTION", "OTHER-SET-ENTRY", "OTHER-SET-REFLECTION"):
        assert hidden not in page
    assert len(response.context["items"]) == 2


def test_an_admin_outside_the_set_gets_403_and_strangers_404(client, seeded, learning_set, admin, stranger, outsider):
    url = reverse("learning:set-shared", args=[learning_set.pk])
    for user, status in ((admin, 403), (stranger, 404), (outsider, 404)):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == status
        assert "SHARED-ENTRY" not in response.content.decode()


def test_someone_who_left_the_set_no_longer_sees_it(client, seeded, learning_set, mate):
    learning_set.memberships.filter(user=mate).update(left_at=timezone.now())
    client.force_login(mate)
    assert client.get(reverse("learning:set-shared", args=[learning_set.pk])).status_code == 404


def test_shared_journal_since_returns_what_came_after_newest_first(member, mate, learning_set, past_meeting):
    shared_entry(member, learning_set, "BEFORE", days_ago=10)
    shared_entry(member, learning_set, "AFTER-OLDER", days_ago=2)
    make_reflection(past_meeting, mate, "AFTER-NEWER", shared=True, created_at=timezone.now() - timedelta(days=1))
    make_reflection(past_meeting, mate, "NOT-SHARED", created_at=timezone.now())
    services.write_entry(author=member, content=EntryContent(body="PRIVATE", learning_set=learning_set))
    other = LearningSetFactory(organisation=learning_set.organisation)
    SetMembershipFactory(learning_set=other, user=member)
    shared_entry(member, other, "OTHER-SET")
    items = queries.shared_journal_since(learning_set, timezone.now() - timedelta(days=5))
    texts = [item.body if item.kind == "entry" else item.about_self for item in items]
    assert texts == ["AFTER-NEWER", "AFTER-OLDER"]
    assert [item.kind for item in items] == ["reflection", "entry"]
    assert len(queries.shared_journal_since(learning_set, timezone.now() - timedelta(days=30), limit=1)) == 1


def test_shared_journal_since_makes_two_queries(member, learning_set, django_assert_num_queries):
    for number in range(5):
        shared_entry(member, learning_set, f"e{number}")
    with django_assert_num_queries(2):
        items = queries.shared_journal_since(learning_set, timezone.now() - timedelta(days=1))
        assert [item.author.display_name for item in items] == ["Milo Member"] * 5


@pytest.mark.parametrize("size", [1, 12])
def test_shared_page_makes_a_fixed_number_of_queries(
    client, member, mate, learning_set, past_meeting, size, django_assert_num_queries
):
    for number in range(size):
        shared_entry(member if number % 2 else mate, learning_set, f"e{number}")
        make_reflection(past_meeting, mate, f"r{number}", shared=True)
    client.force_login(member)
    # the user, the set (with the viewer's roles), count, keys, entries, reflections, the organisations menu
    with django_assert_num_queries(7):
        response = client.get(reverse("learning:set-shared", args=[learning_set.pk]))
    assert len(response.context["items"]) == min(2 * size, 20)


def test_the_member_home_shows_journal_entries_set_mates_shared_since_the_last_meeting(
    client, member, mate, learning_set, past_meeting, outsider, other_set
):
    shared_entry(mate, learning_set, "HOME-NEW-ENTRY")
    shared_entry(mate, learning_set, "HOME-OLD-ENTRY", days_ago=10)  # before the set last met (3 days ago)
    services.write_entry(author=mate, content=EntryContent(body="HOME-PRIVATE-ENTRY", learning_set=learning_set))
    shared_entry(member, learning_set, "HOME-MY-OWN-ENTRY")
    shared_entry(outsider, other_set, "HOME-OTHER-SET-ENTRY")
    client.force_login(member)
    panel = client.get(reverse("meetings:home-shared")).content.decode()
    assert "HOME-NEW-ENTRY" in panel and "shared a journal entry" in panel
    for absent in ("HOME-OLD-ENTRY", "HOME-PRIVATE-ENTRY", "HOME-MY-OWN-ENTRY", "HOME-OTHER-SET-ENTRY"):
        assert absent not in panel
    entry = JournalEntry.objects.filter(author=mate, shared=True).order_by("-shared_at").first()
    assert reverse("learning:entry", args=[entry.pk]) in panel
    assert client.get(reverse("learning:entry", args=[entry.pk])).status_code == 200


def test_an_issues_page_shows_the_learning_linked_to_it_that_the_viewer_may_read(
    client, member, mate, facilitator, learning_set
):
    issue = Issue.objects.create(owner=member, learning_set=learning_set, title="Rotas")
    mine = services.write_entry(
        author=member,
        content=EntryContent(title="ISSUE-PRIVATE-NOTE", body="x", issue=issue, learning_set=learning_set),
    )
    shared = services.write_entry(
        author=member, content=EntryContent(title="ISSUE-SHARED-NOTE", body="x", issue=issue, learning_set=learning_set)
    )
    services.share_entry(entry=shared, by=member)
    url = reverse("meetings:issue", args=[issue.pk])
    client.force_login(member)
    own_view = client.get(url).content.decode()
    assert "ISSUE-PRIVATE-NOTE" in own_view and "ISSUE-SHARED-NOTE" in own_view
    assert reverse("learning:entry", args=[mine.pk]) in own_view
    for other in (mate, facilitator):  # the set reads the shared one only
        client.force_login(other)
        page = client.get(url).content.decode()
        assert "ISSUE-SHARED-NOTE" in page and "ISSUE-PRIVATE-NOTE" not in page
    # The page is cached per viewer on the set's version: each change to an entry shows at the next view.
    services.unshare_entry(entry=shared, by=member)
    assert "ISSUE-SHARED-NOTE" not in client.get(url).content.decode()
    services.share_entry(entry=mine, by=member)
    assert "ISSUE-PRIVATE-NOTE" in client.get(url).content.decode()
    services.delete_entry(entry=mine, by=member)
    assert "ISSUE-PRIVATE-NOTE" not in client.get(url).content.decode()
    client.force_login(member)
    services.write_entry(
        author=member, content=EntryContent(title="ISSUE-LATER-NOTE", body="x", issue=issue, learning_set=learning_set)
    )
    assert "ISSUE-LATER-NOTE" in client.get(url).content.decode()
