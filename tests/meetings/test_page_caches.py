"""The member and set pages' cached content (core/fragments.py): what one person sees never reaches another through
the cache, every change shows at once, and someone who lost access is refused even with a warm cache."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from learning.models import JournalEntry
from meetings.models import ActionUpdate
from sets import services as set_services
from sets.models import OrganisationMembership, SetMembership
from tests.factories import ActionFactory, SetMembershipFactory

NOW = timezone.now()


def page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


@pytest.fixture
def mate(learning_set):
    return SetMembershipFactory(learning_set=learning_set, user__full_name="Mia Mate").user


@pytest.fixture
def mine(learning_set, member):
    action = ActionFactory(owner=member, learning_set=learning_set, text="MEMBER-ACTION")
    ActionUpdate.objects.create(action=action, author=member, note="MEMBER-NOTE")
    return action


def test_two_viewers_of_one_board_each_see_their_own(client, learning_set, member, mate, facilitator, mine):
    url = reverse("meetings:board", args=[learning_set.pk])
    update = mine.updates.get()
    encourage = reverse("meetings:encourage", args=[update.pk])
    client.force_login(member)
    own = page(client, url)
    client.force_login(mate)
    theirs = page(client, url)
    assert "MEMBER-ACTION" in own and "MEMBER-ACTION" in theirs
    assert encourage not in own  # no word of support on one's own update
    assert encourage in theirs
    assert own.count("(you)") == 1 and theirs.count("(you)") == 1
    assert f'id="person-{member.pk}">\n    <header>\n      <h3>' in own
    # Again, warm: the same for each of them, and a new CSRF token and one-time form token in each answer.
    client.force_login(member)
    assert encourage not in page(client, url)
    client.force_login(mate)
    again = page(client, url)
    assert encourage in again and "\x00" not in again
    tokens = re.findall(r'name="form_token" value="([^"]+)"', theirs + again)
    assert len(tokens) == 2 and len(set(tokens)) == 2
    assert 'name="csrfmiddlewaretoken" value="' in again


def test_the_board_shows_a_change_at_once(client, learning_set, member, mate, mine):
    url = reverse("meetings:board", args=[learning_set.pk])
    client.force_login(mate)
    assert "NEW-ACTION" not in page(client, url)
    ActionFactory(owner=member, learning_set=learning_set, text="NEW-ACTION")
    assert "NEW-ACTION" in page(client, url)
    ActionUpdate.objects.create(action=mine, author=member, note="SECOND-NOTE")
    content = page(client, url)
    assert "SECOND-NOTE" in content and "MEMBER-NOTE" not in content  # only the latest update
    member.full_name = "Renamed Member"
    member.save()
    assert "Renamed Member" in page(client, url)


def test_a_person_removed_from_the_set_is_refused_with_a_warm_cache(client, learning_set, member, mate, mine):
    urls = [reverse("meetings:board", args=[learning_set.pk]), reverse("sets:detail", args=[learning_set.pk])]
    client.force_login(mate)
    for url in urls:
        page(client, url)
    set_services.remove_from_set(membership=SetMembership.objects.get(user=mate), by=None)
    for url in urls:
        assert client.get(url).status_code == 404
    assert "MEMBER-ACTION" not in client.get(reverse("meetings:my-actions")).content.decode()


def test_a_person_removed_from_the_organisation_is_refused_with_a_warm_cache(
    client, organisation, learning_set, admin, mate
):
    url = reverse("sets:organisation", args=[organisation.slug])
    link = reverse("sets:detail", args=[learning_set.pk])
    client.force_login(mate)
    assert link in page(client, url) and link in page(client, reverse("sets:home"))
    set_services.remove_from_organisation(membership=OrganisationMembership.objects.get(user=mate), by=admin)
    client.force_login(mate)
    assert client.get(url).status_code == 404
    assert link not in client.get(reverse("sets:home")).content.decode()


def test_admin_only_parts_stay_with_the_admin(client, organisation, learning_set, admin, member):
    invite = reverse("sets:invite", args=[organisation.slug])
    for url in (reverse("sets:organisation", args=[organisation.slug]), reverse("sets:detail", args=[learning_set.pk])):
        client.force_login(admin)
        assert invite in page(client, url)
        client.force_login(member)
        assert invite not in page(client, url)


def test_the_set_page_shows_a_rename_and_a_new_member_at_once(client, learning_set, member):
    url = reverse("sets:detail", args=[learning_set.pk])
    client.force_login(member)
    assert "Nina Newcomer" not in page(client, url)
    SetMembershipFactory(learning_set=learning_set, user__full_name="Nina Newcomer")
    learning_set.purpose = "A-NEW-PURPOSE"
    learning_set.save()
    content = page(client, url)
    assert "Nina Newcomer" in content and "A-NEW-PURPOSE" in content
    client.force_login(member)
    assert "A-NEW-PURPOSE" in page(client, reverse("sets:home"))


def test_my_actions_are_mine_alone(client, learning_set, member, mate, mine):
    ActionFactory(owner=mate, learning_set=learning_set, text="MATE-ACTION")
    for url in (reverse("meetings:my-actions"), reverse("meetings:home-actions")):
        client.force_login(member)
        content = page(client, url)
        assert "MEMBER-ACTION" in content and "MATE-ACTION" not in content
        client.force_login(mate)
        content = page(client, url)
        assert "MATE-ACTION" in content and "MEMBER-ACTION" not in content
    client.force_login(member)
    ActionFactory(owner=member, learning_set=learning_set, text="ANOTHER-OF-MINE")
    assert "ANOTHER-OF-MINE" in page(client, reverse("meetings:my-actions"))
    assert "ANOTHER-OF-MINE" in page(client, reverse("meetings:home-actions"))


def test_shared_panel_follows_sharing_and_stays_in_its_set(client, learning_set, member, mate, other_set, outsider):
    url = reverse("meetings:home-shared")
    entry = JournalEntry.objects.create(author=mate, learning_set=learning_set, title="MATE-ENTRY")
    client.force_login(member)
    assert "MATE-ENTRY" not in page(client, url)  # private
    entry.shared, entry.shared_at = True, NOW
    entry.save()
    assert "MATE-ENTRY" in page(client, url)
    client.force_login(outsider)
    assert "MATE-ENTRY" not in page(client, url)  # another set's, another organisation's
    client.force_login(member)
    entry.shared, entry.shared_at = False, None
    entry.save()
    assert "MATE-ENTRY" not in page(client, url)


def test_joining_a_set_shows_its_news_at_once(client, learning_set, member, mate, other_set, outsider):
    url = reverse("meetings:home-shared")
    action = ActionFactory(owner=outsider, learning_set=other_set, text="OTHER-SET-ACTION")
    ActionUpdate.objects.create(action=action, author=outsider, note="x", created_at=NOW - timedelta(minutes=1))
    client.force_login(member)
    assert "OTHER-SET-ACTION" not in page(client, url)
    SetMembershipFactory(learning_set=other_set, user=member)
    assert "OTHER-SET-ACTION" in page(client, url)


def test_an_entry_moved_to_another_set_leaves_the_old_sets_panel_at_once(client, learning_set, member, mate, other_set):
    SetMembershipFactory(learning_set=other_set, user=mate)
    entry = JournalEntry.objects.create(
        author=mate, learning_set=learning_set, title="MOVING-ENTRY", shared=True, shared_at=NOW
    )
    client.force_login(member)
    assert "MOVING-ENTRY" in page(client, reverse("meetings:home-shared"))
    entry.learning_set, entry.shared, entry.shared_at = other_set, False, None  # as update_entry moves it
    entry.save()
    assert "MOVING-ENTRY" not in page(client, reverse("meetings:home-shared"))


def test_the_profile_shows_each_person_their_own_settings_at_once(client, member, mate):
    url = reverse("accounts:profile")
    member.calendar_token, mate.calendar_token = "MEMBER-FEED-TOKEN", "MATE-FEED-TOKEN"
    member.save()
    mate.save()
    client.force_login(member)
    assert "MEMBER-FEED-TOKEN" in page(client, url)
    client.force_login(mate)
    content = page(client, url)
    assert "MATE-FEED-TOKEN" in content and "MEMBER-FEED-TOKEN" not in content and "\x00" not in content
    assert 'value="Mia Mate"' in content
    response = client.post(url, {"full_name": "Mia Renamed", "timezone": "Asia/Singapore", "language": ""})
    assert response.status_code == 302
    content = page(client, url)
    assert 'value="Mia Renamed"' in content and '<option value="Asia/Singapore" selected>' in content


def test_a_new_calendar_address_shows_on_the_cached_profile_at_once(client, member):
    client.force_login(member)
    url = reverse("accounts:profile")
    page(client, url)  # cached now
    client.post(reverse("accounts:calendar-feed"))
    member.refresh_from_db()
    assert member.calendar_token and member.calendar_token in page(client, url)
    client.post(reverse("accounts:calendar-feed"), {"action": "revoke"})
    assert member.calendar_token not in page(client, url)


def test_a_cached_form_and_the_page_share_one_csrf_token_masked_anew_each_time(learning_set, mate, mine):
    """The CSRF token is masked once per response (core/fragments.py `csrf_token`): the page's htmx header and the
    cached board's forms carry the same one, a new mask every response (BREACH), and a POST with it passes."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(mate)
    url = reverse("meetings:board", args=[learning_set.pk])
    seen = []
    for _ in range(2):
        content = page(client, url)
        header = re.findall(r'x-csrftoken": "([^"]+)"', content)
        fields = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', content)
        assert header and fields and set(fields) == set(header)
        seen.append(header[0])
    assert seen[0] != seen[1]
    update = mine.updates.get()
    response = client.post(
        reverse("meetings:encourage", args=[update.pk]), {"text": "Well done", "csrfmiddlewaretoken": seen[1]}
    )
    assert response.status_code == 302
    assert update.encouragements.get().text == "Well done"
