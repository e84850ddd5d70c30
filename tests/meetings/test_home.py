"""The member's home: next meeting in each set (RSVP in place), open actions (progress in place), and what
set-mates shared since the set's last meeting. Everything is served by meetings' partials."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from meetings.models import ActionUpdate, Attendance, Encouragement, Meeting, Reflection
from sets.models import OrganisationMembership
from tests.factories import ActionFactory, LearningSetFactory, MeetingFactory, SetMembershipFactory

NOW = timezone.now()


def page(response) -> str:
    return response.content.decode()


def test_home_loads_the_three_panels(client, learning_set, member):
    client.force_login(member)
    content = page(client.get(reverse("sets:home")))
    for name in ("meetings:my-upcoming", "meetings:home-actions", "meetings:home-shared"):
        assert reverse(name) in content


def test_next_meetings_shows_the_next_one_of_each_of_my_sets_only(client, learning_set, member, other_set):
    second = LearningSetFactory(organisation=learning_set.organisation, name="Second set")
    SetMembershipFactory(learning_set=second, user=member)
    not_mine = LearningSetFactory(organisation=learning_set.organisation, name="Not my set")
    MeetingFactory(learning_set=learning_set, starts_at=NOW + timedelta(days=2), status="cancelled", place="CANCELLED")
    MeetingFactory(
        learning_set=learning_set,
        starts_at=NOW + timedelta(days=3),
        place="FIRST-NEXT",
        video_link="https://video.example.org/first",
    )
    MeetingFactory(learning_set=learning_set, starts_at=NOW + timedelta(days=10), place="FIRST-LATER")
    MeetingFactory(learning_set=second, starts_at=NOW + timedelta(days=5), place="SECOND-NEXT")
    MeetingFactory(learning_set=not_mine, starts_at=NOW + timedelta(days=1), place="NOT-MY-SET")
    MeetingFactory(learning_set=other_set, starts_at=NOW + timedelta(days=1), place="OTHER-ORG")
    client.force_login(member)
    content = page(client.get(reverse("meetings:my-upcoming")))
    assert content.index("FIRST-NEXT") < content.index("SECOND-NEXT")
    for absent in ("FIRST-LATER", "CANCELLED", "NOT-MY-SET", "OTHER-ORG"):
        assert absent not in content
    assert "https://video.example.org/first" in content
    assert "in 2\xa0days" in content or "in 3\xa0days" in content  # relative time
    assert f"your time ({member.timezone})" in content
    assert content.count("I'll be there") == 2


def test_rsvp_from_the_home_page_swaps_the_row(client, learning_set, member):
    meeting = MeetingFactory(learning_set=learning_set, starts_at=NOW + timedelta(days=3))
    client.force_login(member)
    response = client.post(reverse("meetings:reply", args=[meeting.pk]), {"rsvp": "yes"}, HTTP_HX_REQUEST="true")
    content = page(response)
    assert "<html" not in content and 'class="meeting-row' in content
    assert "You'll be there" in content and "Thank you: your reply is saved." in content
    assert Attendance.objects.get(meeting=meeting, user=member).rsvp == "yes"
    response = client.post(reverse("meetings:reply", args=[meeting.pk]), {"rsvp": "maybe"}, HTTP_HX_REQUEST="true")
    assert "Choose “I&#x27;ll be there” or “Apologies”." in page(response)
    assert Attendance.objects.get(meeting=meeting, user=member).rsvp == "yes"


def test_open_actions_overdue_first_and_progress_logged_in_place(client, learning_set, member, facilitator):
    today = timezone.localdate()
    later = ActionFactory(owner=member, learning_set=learning_set, text="LATER", due_on=today + timedelta(days=5))
    overdue = ActionFactory(owner=member, learning_set=learning_set, text="OVERDUE", due_on=today - timedelta(days=1))
    ActionFactory(owner=member, learning_set=learning_set, text="FINISHED", status="done")
    ActionFactory(owner=facilitator, learning_set=learning_set, text="NOT-MINE")
    client.force_login(member)
    content = page(client.get(reverse("meetings:home-actions")))
    assert "<html" not in content
    assert content.index("OVERDUE") < content.index("LATER")
    assert "FINISHED" not in content and "NOT-MINE" not in content
    assert reverse("meetings:action-update", args=[overdue.pk]) in content  # the inline form is there
    for name in ("meetings:action-new", "meetings:my-actions", "meetings:my-issues"):
        assert reverse(name) in content
    response = client.post(
        reverse("meetings:action-update", args=[later.pk]),
        {"status": "in_progress", "note": "Started"},
        HTTP_HX_REQUEST="true",
    )
    assert "Progress saved." in page(response)
    assert ActionUpdate.objects.get().action == later


def test_home_actions_are_bounded(client, learning_set, member):
    ActionFactory.create_batch(12, owner=member, learning_set=learning_set)
    client.force_login(member)
    assert page(client.get(reverse("meetings:home-actions"))).count('class="action-row"') == 8


@pytest.fixture
def mate(learning_set):
    return SetMembershipFactory(learning_set=learning_set, user__full_name="Mia Mate").user


def test_shared_panel_shows_set_mates_news_since_the_last_meeting_only(
    client, learning_set, member, mate, facilitator, other_set, outsider
):
    last = MeetingFactory(learning_set=learning_set, starts_at=NOW - timedelta(days=3), status="ended")
    MeetingFactory(learning_set=learning_set, starts_at=NOW + timedelta(days=11))
    before = MeetingFactory(learning_set=learning_set, starts_at=NOW - timedelta(days=17), status="ended")
    action = ActionFactory(owner=mate, learning_set=learning_set, text="Mate's action")
    ActionUpdate.objects.create(action=action, author=mate, note="OLD-UPDATE", created_at=NOW - timedelta(days=5))
    mates_update = ActionUpdate.objects.create(
        action=action, author=mate, note="NEW-UPDATE", created_at=NOW - timedelta(days=1)
    )
    mine = ActionFactory(owner=member, learning_set=learning_set)
    ActionUpdate.objects.create(action=mine, author=member, note="MY-OWN-UPDATE", created_at=NOW - timedelta(days=1))
    Reflection.objects.create(meeting=last, author=mate, about_self="SHARED-REFLECTION", shared=True)
    my_update = ActionUpdate.objects.create(action=mine, author=member, note="x", created_at=NOW - timedelta(days=2))
    Encouragement.objects.create(update=my_update, author=mate, text="SUPPORT-FOR-ME")
    Encouragement.objects.create(update=mates_update, author=facilitator, text="SUPPORT-FOR-SOMEONE-ELSE")
    Reflection.objects.create(meeting=last, author=facilitator, about_self="PRIVATE-REFLECTION", shared=False)
    Reflection.objects.create(
        meeting=before, author=mate, about_self="OLD-REFLECTION", shared=True, created_at=NOW - timedelta(days=17)
    )
    # Another set of the same organisation (not mine) and another organisation: nothing of theirs.
    elsewhere = LearningSetFactory(organisation=learning_set.organisation)
    stranger_action = ActionFactory(owner=SetMembershipFactory(learning_set=elsewhere).user, learning_set=elsewhere)
    ActionUpdate.objects.create(action=stranger_action, author=stranger_action.owner, note="OTHER-SET-UPDATE")
    other_action = ActionFactory(owner=outsider, learning_set=other_set)
    ActionUpdate.objects.create(action=other_action, author=outsider, note="OTHER-ORG-UPDATE")
    client.force_login(member)
    content = page(client.get(reverse("meetings:home-shared")))
    assert content.index("SUPPORT-FOR-ME") < content.index("SHARED-REFLECTION") < content.index("NEW-UPDATE")
    assert "SUPPORT-FOR-SOMEONE-ELSE" not in content
    for absent in (
        "OLD-UPDATE",
        "MY-OWN-UPDATE",
        "PRIVATE-REFLECTION",
        "OLD-REFLECTION",
        "OTHER-SET-UPDATE",
        "OTHER-ORG-UPDATE",
    ):
        assert absent not in content
    assert reverse("meetings:action", args=[action.pk]) in content
    assert reverse("meetings:record", args=[last.pk]) in content


def test_an_admin_outside_the_set_sees_nothing_shared(client, learning_set, admin, mate):
    action = ActionFactory(owner=mate, learning_set=learning_set)
    ActionUpdate.objects.create(action=action, author=mate, note="SET-ONLY-UPDATE")
    client.force_login(admin)
    assert reverse("meetings:home-actions") not in page(client.get(reverse("sets:home")))  # in no set: no panel
    assert "SET-ONLY-UPDATE" not in page(client.get(reverse("meetings:home-shared")))
    assert OrganisationMembership.objects.get(user=admin).role == "admin"


@pytest.mark.parametrize("size", [1, 6])
def test_home_panels_make_a_fixed_number_of_queries(client, member, size, django_assert_num_queries):
    for n in range(size):
        learning_set = LearningSetFactory()
        SetMembershipFactory(learning_set=learning_set, user=member)
        mate = SetMembershipFactory(learning_set=learning_set).user
        meeting = MeetingFactory(learning_set=learning_set, starts_at=NOW - timedelta(days=2), status="ended")
        MeetingFactory(learning_set=learning_set, starts_at=NOW + timedelta(days=n + 1))
        Reflection.objects.create(meeting=meeting, author=mate, about_self="shared", shared=True)
        for owner in (member, mate):
            action = ActionFactory(owner=owner, learning_set=learning_set, due_on=timezone.localdate())
            update = ActionUpdate.objects.create(action=action, author=owner, note="progress")
            if owner == member:
                Encouragement.objects.create(update=update, author=mate, text="well done")
    client.force_login(member)
    with django_assert_num_queries(4):
        assert page(client.get(reverse("meetings:my-upcoming"))).count('class="meeting-row') == size
    # Cold: the panel's reads (the ids of the viewer's sets, which the panels are cached on, were read by the first
    # panel and are kept on the viewer's version).
    with django_assert_num_queries(1):
        assert page(client.get(reverse("meetings:home-actions"))).count('class="action-row"') == size
    with django_assert_num_queries(4):  # one query per kind: reflections, updates, support, journal entries
        assert page(client.get(reverse("meetings:home-shared"))).count("<li>") == min(3 * size, 15)  # bounded
    # Warm: nothing at all (the rendered panels come from the cache).
    with django_assert_num_queries(0):
        assert page(client.get(reverse("meetings:home-actions"))).count('class="action-row"') == size
    with django_assert_num_queries(0):
        assert page(client.get(reverse("meetings:home-shared"))).count("<li>") == min(3 * size, 15)
    assert Meeting.objects.count() == 2 * size
