"""The set board (actions since the last meeting, latest updates, who has not updated) and words of support."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from meetings.models import ActionUpdate, Encouragement
from tests.factories import ActionFactory, MeetingFactory, SetMembershipFactory

NOW = timezone.now()


def page(response) -> str:
    return response.content.decode()


@pytest.fixture
def mate(learning_set):
    return SetMembershipFactory(learning_set=learning_set, user__full_name="Mia Mate").user


@pytest.fixture
def last_meeting(learning_set):
    MeetingFactory(learning_set=learning_set, starts_at=NOW - timedelta(days=30), status="ended")
    MeetingFactory(learning_set=learning_set, starts_at=NOW - timedelta(days=2), status="cancelled")
    MeetingFactory(learning_set=learning_set, starts_at=NOW + timedelta(days=12))
    return MeetingFactory(learning_set=learning_set, starts_at=NOW - timedelta(days=10), status="ended")


def test_the_board_shows_actions_since_the_last_meeting_and_who_has_not_updated(
    client, learning_set, member, mate, facilitator, last_meeting, other_set, outsider
):
    open_one = ActionFactory(owner=member, learning_set=learning_set, text="MEMBER-OPEN")
    ActionUpdate.objects.create(action=open_one, author=member, note="OLD-NOTE", created_at=NOW - timedelta(days=20))
    ActionUpdate.objects.create(action=open_one, author=member, note="LATEST-NOTE", created_at=NOW - timedelta(days=1))
    done_since = ActionFactory(owner=member, learning_set=learning_set, text="DONE-SINCE", status="done")
    ActionUpdate.objects.create(action=done_since, author=member, note="finished", status_after="done")
    done_before = ActionFactory(
        owner=member, learning_set=learning_set, text="DONE-BEFORE", status="done", created_at=NOW - timedelta(days=40)
    )
    ActionUpdate.objects.create(
        action=done_before, author=member, note="long ago", status_after="done", created_at=NOW - timedelta(days=35)
    )
    waiting = ActionFactory(owner=mate, learning_set=learning_set, text="MATE-OPEN")
    ActionUpdate.objects.create(action=waiting, author=mate, note="BEFORE-LAST", created_at=NOW - timedelta(days=15))
    ActionFactory(owner=outsider, learning_set=other_set, text="OTHER-ORG-ACTION")
    left = SetMembershipFactory(learning_set=learning_set, user__full_name="Lee Left", left_at=NOW)
    ActionFactory(owner=left.user, learning_set=learning_set, text="LEFT-ACTION")
    client.force_login(facilitator)
    response = client.get(reverse("meetings:board", args=[learning_set.pk]))
    content = page(response)
    for shown in ("MEMBER-OPEN", "LATEST-NOTE", "DONE-SINCE", "MATE-OPEN", "BEFORE-LAST"):
        assert shown in content
    for hidden in ("OLD-NOTE", "DONE-BEFORE", "OTHER-ORG-ACTION", "LEFT-ACTION"):
        assert hidden not in content
    assert [m.user for m in response.context["waiting"]] == [mate]
    assert response.context["last_meeting"] == last_meeting
    assert reverse("meetings:record", args=[last_meeting.pk]) in content


def test_before_the_first_meeting_the_board_shows_every_open_action(client, learning_set, member):
    ActionFactory(owner=member, learning_set=learning_set, text="FIRST-ACTION")
    ActionFactory(owner=member, learning_set=learning_set, text="CLOSED-ACTION", status="dropped")
    client.force_login(member)
    response = client.get(reverse("meetings:board", args=[learning_set.pk]))
    assert "FIRST-ACTION" in page(response) and "CLOSED-ACTION" not in page(response)
    assert [m.user for m in response.context["waiting"]] == [member]


def test_the_board_is_for_the_sets_own_people(client, learning_set, member, admin, stranger, outsider):
    ActionFactory(owner=member, learning_set=learning_set, text="CONFIDENTIAL-ACTION")
    url = reverse("meetings:board", args=[learning_set.pk])
    for person, status in ((admin, 403), (stranger, 404), (outsider, 404)):
        client.force_login(person)
        response = client.get(url)
        assert response.status_code == status and b"CONFIDENTIAL-ACTION" not in response.content
    client.force_login(member)
    assert reverse("meetings:board", args=[learning_set.pk]) in page(
        client.get(reverse("sets:detail", args=[learning_set.pk]))
    )


@pytest.fixture
def update(learning_set, member):
    action = ActionFactory(owner=member, learning_set=learning_set, text="Ask the night team")
    return ActionUpdate.objects.create(action=action, author=member, note="Spoke to two of them")


def test_a_set_mate_leaves_a_word_of_support_in_place(client, mate, member, update):
    client.force_login(mate)
    response = client.post(
        reverse("meetings:encourage", args=[update.pk]), {"text": "  Great start!  "}, HTTP_HX_REQUEST="true"
    )
    content = page(response)
    assert "<html" not in content and f'id="support-{update.pk}"' in content
    assert "Great start!" in content and "Mia Mate" in content
    assert list(Encouragement.objects.values_list("update", "author", "text")) == [(update.pk, mate.pk, "Great start!")]
    client.force_login(member)
    detail = page(client.get(reverse("meetings:action", args=[update.action_id])))
    assert "Great start!" in detail
    assert reverse("meetings:encourage", args=[update.pk]) not in detail  # no support form on one's own action


def test_support_shows_on_the_board(client, learning_set, mate, facilitator, update):
    Encouragement.objects.create(update=update, author=mate, text="KEEP-GOING")
    client.force_login(facilitator)
    content = page(client.get(reverse("meetings:board", args=[learning_set.pk])))
    assert "KEEP-GOING" in content and reverse("meetings:encourage", args=[update.pk]) in content


@pytest.mark.parametrize(
    ("text", "message"),
    [("", "Write a few words of support."), ("   ", "Write a few words of support."), ("x" * 281, "Keep it to 280")],
)
def test_support_must_be_short_and_not_empty(client, mate, update, text, message):
    client.force_login(mate)
    response = client.post(reverse("meetings:encourage", args=[update.pk]), {"text": text}, HTTP_HX_REQUEST="true")
    assert message in page(response)
    assert Encouragement.objects.count() == 0


def test_exactly_280_characters_is_fine(client, mate, update):
    client.force_login(mate)
    client.post(reverse("meetings:encourage", args=[update.pk]), {"text": "y" * 280})
    assert Encouragement.objects.get().text == "y" * 280


def test_only_set_mates_encourage(client, learning_set, member, admin, stranger, outsider, update):
    url = reverse("meetings:encourage", args=[update.pk])
    for person, status in ((member, 403), (admin, 403), (stranger, 404), (outsider, 404)):
        client.force_login(person)
        assert client.post(url, {"text": "Hi"}).status_code == status
    assert Encouragement.objects.count() == 0


@pytest.mark.parametrize("size", [1, 6])
def test_the_board_makes_a_fixed_number_of_queries(
    client, learning_set, facilitator, last_meeting, size, django_assert_num_queries
):
    for n in range(size):
        person = SetMembershipFactory(learning_set=learning_set).user
        for k in range(2):
            action = ActionFactory(owner=person, learning_set=learning_set, text=f"A{n}-{k}")
            update = ActionUpdate.objects.create(action=action, author=person, note=f"note {n}-{k}")
            Encouragement.objects.create(update=update, author=facilitator, text=f"support {n}-{k}")
    client.force_login(facilitator)
    with django_assert_num_queries(8):
        content = page(client.get(reverse("meetings:board", args=[learning_set.pk])))
    assert content.count('class="board-person"') == size + 1
    assert content.count('class="support-mark"') == 2 * size
