"""Actions between meetings: my list, progress logged inline (htmx), who may write."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from meetings.models import Action, ActionUpdate
from sets.models import SetMembership
from tests.factories import ActionFactory, LearningSetFactory, SetMembershipFactory


def page(response) -> str:
    return response.content.decode()


def test_my_actions_lists_open_ones_overdue_first_and_only_mine(client, learning_set, member, facilitator, other_set):
    later = ActionFactory(
        owner=member, learning_set=learning_set, text="Later one", due_on=timezone.localdate() + timedelta(days=9)
    )
    overdue = ActionFactory(
        owner=member, learning_set=learning_set, text="Overdue one", due_on=timezone.localdate() - timedelta(days=2)
    )
    ActionFactory(owner=member, learning_set=learning_set, text="Finished one", status="done")
    ActionFactory(owner=facilitator, learning_set=learning_set, text="NOT-MINE")
    client.force_login(member)
    content = page(client.get(reverse("meetings:my-actions")))
    assert content.index(overdue.text) < content.index(later.text)
    assert "Overdue since" in content
    assert "Finished one" not in content and "NOT-MINE" not in content
    assert "Finished one" in page(client.get(reverse("meetings:my-actions"), {"status": "done"}))


def test_logging_progress_inline_swaps_the_row(client, learning_set, member):
    action = ActionFactory(owner=member, learning_set=learning_set, text="Ask the night team")
    client.force_login(member)
    response = client.post(
        reverse("meetings:action-update", args=[action.pk]),
        {"status": "in_progress", "note": "Spoke to two of them"},
        HTTP_HX_REQUEST="true",
    )
    content = page(response)
    assert "<html" not in content and 'class="action-row"' in content and "Progress saved." in content
    assert list(ActionUpdate.objects.values_list("note", "status_after")) == [("Spoke to two of them", "in_progress")]
    client.post(reverse("meetings:action-update", args=[action.pk]), {"status": "done", "note": "All three seen"})
    action.refresh_from_db()
    assert (action.status, action.completed_at is not None) == ("done", True)


def test_done_needs_an_outcome_line_and_nothing_is_saved_without_it(client, learning_set, member):
    action = ActionFactory(owner=member, learning_set=learning_set)
    client.force_login(member)
    response = client.post(
        reverse("meetings:action-update", args=[action.pk]), {"status": "done"}, HTTP_HX_REQUEST="true"
    )
    assert "Say in a line what came of it." in page(response)
    assert (ActionUpdate.objects.count(), Action.objects.get(pk=action.pk).status) == (0, "open")


def test_set_mates_read_but_only_the_owner_or_facilitator_write(client, learning_set, member, facilitator):
    action = ActionFactory(owner=member, learning_set=learning_set, text="Ask the night team")
    mate = SetMembershipFactory(learning_set=learning_set).user
    client.force_login(mate)
    assert "Ask the night team" in page(client.get(reverse("meetings:action", args=[action.pk])))
    assert (
        client.post(reverse("meetings:action-update", args=[action.pk]), {"status": "in_progress"}).status_code == 403
    )
    client.force_login(facilitator)
    client.post(reverse("meetings:action-update", args=[action.pk]), {"status": "in_progress", "note": "for Milo"})
    assert ActionUpdate.objects.get().author == facilitator


def test_actions_of_a_set_i_left_are_not_listed(client, learning_set, member):
    ActionFactory(owner=member, learning_set=learning_set, text="OLD-SET-ACTION")
    SetMembership.objects.filter(user=member).update(left_at=timezone.now())
    client.force_login(member)
    assert "OLD-SET-ACTION" not in page(client.get(reverse("meetings:my-actions")))


@pytest.mark.parametrize("size", [1, 8])
def test_my_actions_makes_a_fixed_number_of_queries(client, member, size, django_assert_max_num_queries):
    for _ in range(size):
        learning_set = LearningSetFactory()
        SetMembershipFactory(learning_set=learning_set, user=member)
        action = ActionFactory(owner=member, learning_set=learning_set)
        ActionUpdate.objects.create(action=action, author=member, note="x")
    client.force_login(member)
    with django_assert_max_num_queries(5):
        assert client.get(reverse("meetings:my-actions")).status_code == 200
