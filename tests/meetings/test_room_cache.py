"""The meetings pages cached on versions (meetings/fragments.py): each viewer gets their own, a change shows at once,
a person removed from the set gets 404 whatever the cache holds, and what differs per request (CSRF and form
tokens, the live clock) is never served from the cache."""

import hashlib
import re
from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core import fragments as core_fragments
from meetings import fragments, live, queries, recording, scheduling
from meetings.models import ActionUpdate, Meeting
from sets import services as set_services
from sets.models import SetMembership
from tests.factories import ActionFactory, LearningSetFactory, MeetingFactory, SetMembershipFactory


@pytest.fixture
def meeting(learning_set, facilitator, member):
    meeting = MeetingFactory(learning_set=learning_set, starts_at=timezone.now() + timedelta(minutes=5))
    live.add_slot(meeting=meeting, presenter=member, by=facilitator, issue_title="Handing over between shifts")
    return meeting


@pytest.fixture
def mate(learning_set):
    return SetMembershipFactory(learning_set=learning_set, user__full_name="Mo Mate").user


def control(meeting, by, name):
    meeting.refresh_from_db()
    live.control_meeting(meeting_id=meeting.pk, by=by, control=name, version=meeting.version)
    meeting.refresh_from_db()


def page(client, name, *args, **query):
    response = client.get(reverse(name, args=args), query)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def test_a_member_never_gets_the_facilitators_cached_room(meeting, facilitator, member, mate):
    control(meeting, facilitator, "start")
    as_facilitator, as_member, as_mate = logged_in(facilitator), logged_in(member), logged_in(mate)
    for _ in range(2):  # the second round is served from the cache
        facilitator_room = page(as_facilitator, "meetings:live", meeting.pk)
        member_room = page(as_member, "meetings:live", meeting.pk)
        mate_room = page(as_mate, "meetings:live", meeting.pk)
        assert 'id="control-next"' in facilitator_room
        assert 'id="control-next"' not in member_room and 'id="control-next"' not in mate_room
        # Each sees their own "I'm here" button and draft scope, never another's.
        assert f'data-draft-scope="{member.pk}:{meeting.pk}"' in member_room
        assert f'data-draft-scope="{mate.pk}:{meeting.pk}"' in mate_room
        assert f'data-draft-scope="{member.pk}:' not in mate_room
        for client in (as_facilitator, as_member):
            stage = page(client, "meetings:live-state", meeting.pk, v="-1")
            assert ('id="control-next"' in stage) == (client is as_facilitator)


def test_what_one_person_wrote_shows_to_the_others_at_once(meeting, facilitator, member, mate):
    control(meeting, facilitator, "start")
    as_member, as_mate = logged_in(member), logged_in(mate)
    assert "Slept badly" not in page(as_mate, "meetings:live", meeting.pk)
    assert "Slept badly" not in page(as_mate, "meetings:live-workspace", meeting.pk, v="-1")
    recording.write_checkin_note(meeting=meeting, user=member, note="Slept badly")
    assert "Slept badly" in page(as_mate, "meetings:live", meeting.pk)
    assert "Slept badly" in page(as_mate, "meetings:live-workspace", meeting.pk, v="-1")
    assert "Slept badly" in page(as_member, "meetings:live", meeting.pk)


def test_a_step_moved_on_shows_at_once_on_the_room_and_its_stage(meeting, facilitator, member):
    control(meeting, facilitator, "start")
    as_member = logged_in(member)
    assert "Check-in" in page(as_member, "meetings:live-state", meeting.pk, v="-1")
    page(as_member, "meetings:live", meeting.pk)
    control(meeting, facilitator, "next")
    stage = page(as_member, "meetings:live-state", meeting.pk, v="-1")
    assert "Issue presentation" in stage
    assert "Issue presentation" in page(as_member, "meetings:live", meeting.pk)
    meeting.refresh_from_db()
    assert f"?v={meeting.revision}" in stage


def test_the_agenda_reordered_before_the_meeting_shows_at_once(meeting, facilitator, member, mate):
    live.add_slot(meeting=meeting, presenter=mate, by=facilitator)
    as_facilitator = logged_in(facilitator)
    before = page(as_facilitator, "meetings:live", meeting.pk)
    assert before.index("Milo Member") < before.index("Mo Mate")
    live.move_slot(slot=meeting.slots.get(presenter=mate), by=facilitator, earlier=True)  # UPDATEs, no signal
    after = page(as_facilitator, "meetings:live", meeting.pk)
    agenda = after[after.index('id="agenda"') :]
    assert agenda.index("Mo Mate") < agenda.index("Milo Member")


def test_a_person_removed_from_the_set_gets_404_with_a_warm_cache(meeting, facilitator, member, admin, issue_of):
    control(meeting, facilitator, "start")
    issue = issue_of(member)
    as_member = logged_in(member)
    urls = [
        reverse("meetings:live", args=[meeting.pk]),
        reverse("meetings:live-workspace", args=[meeting.pk]) + "?v=-1",
        reverse("meetings:live-state", args=[meeting.pk]) + "?v=-1",
        reverse("meetings:projector", args=[meeting.pk]),
        reverse("meetings:issue", args=[issue.pk]),
        reverse("meetings:detail", args=[meeting.pk]),
        reverse("meetings:set-meetings", args=[meeting.learning_set_id]),
    ]
    for url in urls:
        assert as_member.get(url).status_code == 200
    set_services.remove_from_set(membership=SetMembership.objects.get(user=member), by=admin)
    for url in urls:
        assert as_member.get(url).status_code == 404, url
    assert "Leaders" not in as_member.get(reverse("meetings:my-upcoming")).content.decode()


@pytest.fixture
def issue_of(meeting):
    def issue_of(person):
        return meeting.slots.get(presenter=person).issue

    return issue_of


def test_the_issue_page_is_the_owners_own_and_changes_show_at_once(meeting, facilitator, member, mate, issue_of):
    issue = issue_of(member)
    as_member, as_mate = logged_in(member), logged_in(mate)
    for _ in range(2):
        assert reverse("meetings:issue-edit", args=[issue.pk]) in page(as_member, "meetings:issue", issue.pk)
        assert reverse("meetings:issue-edit", args=[issue.pk]) not in page(as_mate, "meetings:issue", issue.pk)
    control(meeting, facilitator, "start")
    control(meeting, facilitator, "next")
    control(meeting, facilitator, "next")
    recording.capture_question(slot=meeting.slots.get(presenter=member), by=mate, text="What would help most?")
    assert "What would help most?" in page(as_mate, "meetings:issue", issue.pk)


def test_the_meeting_page_shows_each_their_own_reply_at_once(meeting, facilitator, member, mate):
    as_member, as_mate = logged_in(member), logged_in(mate)
    for client in (as_member, as_mate):
        assert "No reply yet" in page(client, "meetings:detail", meeting.pk)
    scheduling.reply(meeting=meeting, user=member, rsvp="yes")
    assert "✓ You" in page(as_member, "meetings:detail", meeting.pk)
    mate_page = page(as_mate, "meetings:detail", meeting.pk)
    assert "✓ You" not in mate_page and "No reply yet" in mate_page and "1 coming" in mate_page


def test_set_meetings_keeps_the_facilitators_buttons_to_them(learning_set, meeting, facilitator, member):
    as_facilitator, as_member = logged_in(facilitator), logged_in(member)
    schedule = reverse("meetings:schedule", args=[learning_set.pk])
    for _ in range(2):
        assert schedule in page(as_facilitator, "meetings:set-meetings", learning_set.pk)
        assert schedule not in page(as_member, "meetings:set-meetings", learning_set.pk)
    Meeting.objects.filter(pk=meeting.pk).update(place="Room 12")  # an UPDATE bumps nothing by itself...
    live.add_slot(meeting=meeting, presenter=facilitator, by=facilitator)  # ...a signal of the set does
    assert "Room 12" in page(as_member, "meetings:set-meetings", learning_set.pk)


def test_the_next_meetings_panel_follows_the_sets_one_is_in(meeting, member, organisation):
    as_member = logged_in(member)
    assert page(as_member, "meetings:my-upcoming").count('class="meeting-row') == 1
    other = LearningSetFactory(organisation=organisation, name="Second set")
    MeetingFactory(learning_set=other, starts_at=timezone.now() + timedelta(days=3))
    assert "Second set" not in page(as_member, "meetings:my-upcoming")
    SetMembershipFactory(learning_set=other, user=member)
    assert "Second set" in page(as_member, "meetings:my-upcoming")


def test_the_calendar_feed_follows_the_persons_sets_and_meetings(meeting, facilitator, member, admin, organisation):
    member.calendar_token = "a-private-feed-token"
    member.save(update_fields=["calendar_token"])
    url = reverse("meetings:feed", args=[member.calendar_token])
    feed = Client().get(url).content.decode()
    assert feed.count("BEGIN:VEVENT") == 1
    MeetingFactory(learning_set=meeting.learning_set, starts_at=timezone.now() + timedelta(days=7))
    assert Client().get(url).content.decode().count("BEGIN:VEVENT") == 2
    member.language = "de"  # the owner's words: a change of language shows at once
    member.save(update_fields=["language"])
    assert "Action-Learning-Set" in Client().get(url).content.decode()
    set_services.remove_from_set(membership=SetMembership.objects.get(user=member), by=admin)
    assert Client().get(url).content.decode().count("BEGIN:VEVENT") == 0
    assert Client().get(reverse("meetings:feed", args=["not-the-token"])).status_code == 404
    member.is_active = False  # a deactivated person's feed stops at once, though this process knows the token
    member.save(update_fields=["is_active"])
    assert Client().get(url).status_code == 404


def form_tokens(html):
    return re.findall(r'name="form_token" value="([^"]+)"', html)


def test_tokens_are_fresh_on_every_cached_page(meeting, facilitator, member):
    control(meeting, facilitator, "start")
    control(meeting, facilitator, "next")
    control(meeting, facilitator, "next")  # questioning: a form with a one-time token
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    first, second = (page(client, "meetings:live", meeting.pk) for _ in range(2))
    assert form_tokens(first) and set(form_tokens(first)).isdisjoint(form_tokens(second))
    assert core_fragments.CSRF_SLOT not in second
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', second)[1]
    response = client.post(
        reverse("meetings:live-record", args=[meeting.pk]),
        {"kind": "question", "slot": meeting.slots.get().pk, "text": "What else?", "csrfmiddlewaretoken": csrf},
    )
    assert response.status_code == 302
    assert "What else?" in page(client, "meetings:live", meeting.pk)


def test_the_cached_clock_is_recomputed_for_each_request():
    html = (
        '<section id="stage" data-server-now="1000">'
        '<span class="timer" data-deadline="1300" data-left="300" data-overrun="0">300</span>'
        '<span class="timer" data-deadline="" data-left="42" data-overrun="0">42</span></section>'
    )
    now = int(timezone.now().timestamp())
    filled = fragments.fill_clock(html.replace("1300", str(now + 120)))
    assert re.search(r'data-server-now="(\d+)"', filled)[1] in {str(now), str(now + 1)}
    assert re.search(r'data-left="(\d+)" data-overrun="0">\1</span>', filled)[1] in {"120", "119"}
    assert 'data-deadline="" data-left="42" data-overrun="0">42</span>' in filled  # paused: as it was
    late = fragments.fill_clock(html.replace("1300", str(now - 30)))
    assert re.search(r'data-left="0" data-overrun="(\d+)">0</span>', late)[1] in {"30", "31"}


def test_typed_text_cannot_pose_as_a_token(meeting, facilitator, member, mate):
    control(meeting, facilitator, "start")
    fake = 'name="csrfmiddlewaretoken" value="csrf" data-server-now="1" <span class="timer" data-deadline="1">'
    recording.write_checkin_note(meeting=meeting, user=member, note=fake)
    room = page(logged_in(mate), "meetings:live", meeting.pk)
    assert "data-server-now=&quot;1&quot;" in room and "&lt;span class=&quot;timer" in room  # as typed, escaped


@pytest.mark.parametrize("size", [1, 6])
def test_cached_pages_make_a_fixed_number_of_queries(
    client, learning_set, meeting, facilitator, member, size, django_assert_max_num_queries
):
    for n in range(size):
        person = SetMembershipFactory(learning_set=learning_set).user
        live.add_slot(meeting=meeting, presenter=person, by=facilitator, issue_title=f"Issue {n}")
        scheduling.reply(meeting=meeting, user=person, rsvp="yes")
    control(meeting, facilitator, "start")
    member.calendar_token = "a-private-feed-token"
    member.save(update_fields=["calendar_token"])
    client.force_login(member)
    room = reverse("meetings:live", args=[meeting.pk])
    clock = time_machine.travel(timezone.now(), tick=False)  # one minute bucket for the warm-up and the hits
    clock.start()
    client.get(room)  # lets the session into the room, and warms the cache
    # A warm cache: no query at all, and few round trips to the cache: the session (with the person's version),
    # then the permission check with the page's content (versions.expect); the stage's poll reads the session
    # twice (the poll's shortcut first), the workspace its content on its own.
    hits = {
        room: 2,
        reverse("meetings:live-state", args=[meeting.pk]) + "?v=-1": 3,
        reverse("meetings:live-workspace", args=[meeting.pk]) + "?v=-1": 3,
        reverse("meetings:detail", args=[meeting.pk]): 2,
        reverse("meetings:set-meetings", args=[learning_set.pk]): 2,
        reverse("meetings:my-upcoming"): 2,
        reverse("meetings:issue", args=[meeting.slots.get(presenter=member).issue_id]): 2,
    }
    for url in hits:
        client.get(url)
    for url, trips in hits.items():
        with (
            django_assert_max_num_queries(0, info=url),
            mock.patch.object(cache, "get_many", wraps=cache.get_many) as get_many,
            mock.patch.object(cache, "get", wraps=cache.get) as get,
        ):
            assert client.get(url).status_code == 200
        assert get_many.call_count + get.call_count == trips, url
    clock.stop()
    feed = reverse("meetings:feed", args=[member.calendar_token])
    with django_assert_max_num_queries(4):  # a miss: the token's owner, the ids of their sets, them, the meetings
        assert Client().get(feed).status_code == 200
    with django_assert_max_num_queries(0):  # the owner and their sets' ids on the owner's version, the body cached
        assert Client().get(feed).status_code == 200


@pytest.mark.parametrize("size", [1, 6])
def test_a_miss_makes_as_few_queries_as_before_the_cache(
    client, learning_set, meeting, facilitator, member, size, django_assert_max_num_queries
):
    for n in range(size):
        person = SetMembershipFactory(learning_set=learning_set).user
        live.add_slot(meeting=meeting, presenter=person, by=facilitator, issue_title=f"Issue {n}")
        action = ActionFactory(owner=person, learning_set=learning_set)
        for note in ("first", "second", "latest"):
            ActionUpdate.objects.create(action=action, author=person, note=f"{note} note {n}")
    control(meeting, facilitator, "start")
    client.force_login(member)
    room = reverse("meetings:live", args=[meeting.pk])
    client.get(room)
    cache.clear()
    with django_assert_max_num_queries(10):  # as before the cache, + the session the cleared cache lost
        content = client.get(room).content.decode()
    assert content.count("latest note") == size and "second note" not in content  # only the update shown
    cache.clear()
    with django_assert_max_num_queries(6):
        assert client.get(reverse("meetings:live-state", args=[meeting.pk]), {"v": "-1"}).status_code == 200


def test_a_feed_token_remembered_for_someone_else_is_looked_up_again(meeting, member, facilitator):
    """The process keeps whose a token is by its digest (meetings/queries.py); if that ever named another
    person, the token's own owner is read from the database, never the other's feed."""
    member.calendar_token = "a-private-feed-token"
    member.save(update_fields=["calendar_token"])
    digest = hashlib.sha256(b"a-private-feed-token").hexdigest()
    queries.feed_owners.put(digest, facilitator.pk)
    response = Client().get(reverse("meetings:feed", args=[member.calendar_token]))
    assert response.status_code == 200 and response.content.decode().count("BEGIN:VEVENT") == 1
    assert queries.feed_owners.get(digest) == member.pk
