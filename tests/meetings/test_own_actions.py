"""A member's own actions between meetings: adding one, rewording and re-dating; who may; bad input saves
nothing. And actions committed in a meeting slot about an issue carry that issue."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from meetings import live, recording
from meetings.models import Action, Issue, Meeting
from tests.factories import ActionFactory, LearningSetFactory, MeetingFactory, SetMembershipFactory


def page(response) -> str:
    return response.content.decode()


def test_a_member_adds_an_action_due_at_the_next_meeting_by_default(client, learning_set, member):
    meeting = MeetingFactory(learning_set=learning_set, starts_at=timezone.now() + timedelta(days=9))
    client.force_login(member)
    form = page(client.get(reverse("meetings:action-new")))
    assert 'name="learning_set"' in form and learning_set.name.replace("'", "&#x27;") in form
    response = client.post(
        reverse("meetings:action-new"), {"learning_set": learning_set.pk, "text": "  Ask HR about the rota  "}
    )
    action = Action.objects.get()
    assert response["Location"] == reverse("meetings:action", args=[action.pk])
    assert (action.owner, action.learning_set, action.text, action.meeting, action.status) == (
        member,
        learning_set,
        "Ask HR about the rota",
        None,
        "open",
    )
    assert action.due_on == timezone.localdate(meeting.starts_at)
    assert "added between meetings" in page(client.get(response["Location"]))


def test_a_member_chooses_the_due_date(client, learning_set, member):
    client.force_login(member)
    due = timezone.localdate() + timedelta(days=3)
    client.post(reverse("meetings:action-new"), {"learning_set": learning_set.pk, "text": "X", "due_on": due})
    assert Action.objects.get().due_on == due


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"text": ""}, "Write the action."),
        ({"text": "   "}, "Write the action."),
        ({"due_on": "2020-01-01"}, "The due date is in the past."),
        ({"due_on": "31/02/2027"}, "Enter the due date as a date."),
        ({"due_on": "not a date"}, "Enter the due date as a date."),
        ({"learning_set": ""}, "This field is required."),
    ],
)
def test_bad_input_says_why_and_saves_nothing(client, learning_set, member, data, message):
    client.force_login(member)
    payload = {"learning_set": learning_set.pk, "text": "Ask HR", **data}
    response = client.post(reverse("meetings:action-new"), payload)
    assert response.status_code == 200
    assert message in page(response)
    assert Action.objects.count() == 0


def test_a_set_that_is_not_mine_is_refused(client, learning_set, member, admin, other_set):
    """Another organisation's set, a set of my organisation I am not in, and (for an admin) a set they only
    administer: none is a choice."""
    elsewhere = LearningSetFactory(organisation=learning_set.organisation, name="ELSEWHERE")
    client.force_login(member)
    for set_id in (other_set.pk, elsewhere.pk, 999999):
        response = client.post(reverse("meetings:action-new"), {"learning_set": set_id, "text": "Sneaky"})
        assert "Choose one of your sets." in page(response)
    client.force_login(admin)
    assert "ELSEWHERE" not in page(client.get(reverse("meetings:action-new")))
    response = client.post(reverse("meetings:action-new"), {"learning_set": learning_set.pk, "text": "Sneaky"})
    assert "You are not in an open set" in page(response)
    assert Action.objects.count() == 0


def test_a_closed_set_takes_no_new_actions(client, learning_set, member):
    learning_set.status = "closed"
    learning_set.save(update_fields=["status"])
    client.force_login(member)
    response = client.post(reverse("meetings:action-new"), {"learning_set": learning_set.pk, "text": "Late"})
    assert "You are not in an open set" in page(response)
    assert Action.objects.count() == 0


def test_the_owner_rewords_and_re_dates(client, learning_set, member):
    action = ActionFactory(owner=member, learning_set=learning_set, text="Old words")
    client.force_login(member)
    due = timezone.localdate() + timedelta(days=20)
    response = client.post(reverse("meetings:action-edit", args=[action.pk]), {"text": "New words", "due_on": due})
    assert response["Location"] == reverse("meetings:action", args=[action.pk])
    action.refresh_from_db()
    assert (action.text, action.due_on) == ("New words", due)


def test_an_overdue_date_may_stay_but_not_be_set_anew(client, learning_set, member):
    overdue = timezone.localdate() - timedelta(days=4)
    action = ActionFactory(owner=member, learning_set=learning_set, text="Old words", due_on=overdue)
    client.force_login(member)
    client.post(reverse("meetings:action-edit", args=[action.pk]), {"text": "Reworded", "due_on": overdue})
    action.refresh_from_db()
    assert (action.text, action.due_on) == ("Reworded", overdue)
    response = client.post(
        reverse("meetings:action-edit", args=[action.pk]),
        {"text": "Again", "due_on": overdue - timedelta(days=1)},
    )
    assert "The due date is in the past." in page(response)
    response = client.post(reverse("meetings:action-edit", args=[action.pk]), {"text": "", "due_on": overdue})
    assert "Write the action." in page(response)
    action.refresh_from_db()
    assert (action.text, action.due_on) == ("Reworded", overdue)


def test_who_may_edit_an_action(client, learning_set, member, facilitator, admin, outsider):
    action = ActionFactory(owner=member, learning_set=learning_set, text="Original")
    mate = SetMembershipFactory(learning_set=learning_set).user
    url = reverse("meetings:action-edit", args=[action.pk])
    data = {"text": "Changed", "due_on": ""}
    for person, status in ((mate, 403), (admin, 403), (outsider, 404)):
        client.force_login(person)
        assert client.post(url, data).status_code == status
    assert Action.objects.get().text == "Original"
    client.force_login(mate)
    detail = page(client.get(reverse("meetings:action", args=[action.pk])))
    assert "Original" in detail and url not in detail  # set-mates read, without an edit button
    client.force_login(facilitator)
    assert client.post(url, data).status_code == 302
    assert Action.objects.get().text == "Changed"


def test_an_action_committed_for_a_slot_carries_its_issue(learning_set, facilitator, member):
    meeting = MeetingFactory(learning_set=learning_set, starts_at=timezone.now())
    slot = live.add_slot(meeting=meeting, presenter=member, by=facilitator, issue_title="Handovers")
    for control in ("start", "next", "next", "next"):  # check-in, presentation, questioning, commitments
        meeting.refresh_from_db()
        live.control_meeting(meeting_id=meeting.pk, by=facilitator, control=control, version=meeting.version)
    slot.meeting = Meeting.objects.get(pk=meeting.pk)
    action = recording.commit_action(slot=slot, by=member, facilitating=False, text="Talk to the night team")
    assert (action.issue, action.issue.title, action.owner) == (slot.issue, "Handovers", member)


def test_a_closed_sets_actions_are_read_only(client, learning_set, member):
    action = ActionFactory(owner=member, learning_set=learning_set, text="Kept as it was")
    learning_set.status = "closed"
    learning_set.save(update_fields=["status"])
    client.force_login(member)
    assert client.get(reverse("meetings:action", args=[action.pk])).status_code == 200
    assert client.post(reverse("meetings:action-edit", args=[action.pk]), {"text": "New"}).status_code == 403
    assert (
        client.post(reverse("meetings:action-update", args=[action.pk]), {"status": "in_progress"}).status_code == 403
    )
    assert Action.objects.get().text == "Kept as it was" and not action.updates.exists()


def test_an_action_on_one_of_my_issues(client, learning_set, member, facilitator):

    mine = Issue.objects.create(owner=member, learning_set=learning_set, title="Handovers")
    theirs = Issue.objects.create(owner=facilitator, learning_set=learning_set, title="Theirs")
    client.force_login(member)
    assert f"{reverse('meetings:action-new')}?issue={mine.pk}" in page(
        client.get(reverse("meetings:issue", args=[mine.pk]))
    )
    form = page(client.get(reverse("meetings:action-new"), {"issue": mine.pk}))
    assert "On your issue “Handovers”." in form and f'name="issue" value="{mine.pk}"' in form
    client.post(reverse("meetings:action-new"), {"issue": mine.pk, "learning_set": learning_set.pk, "text": "Ask"})
    assert Action.objects.get().issue == mine
    response = client.post(
        reverse("meetings:action-new"), {"issue": theirs.pk, "learning_set": learning_set.pk, "text": "Sneaky"}
    )
    assert response.status_code == 403 and Action.objects.count() == 1
    second = LearningSetFactory(organisation=learning_set.organisation)
    SetMembershipFactory(learning_set=second, user=member)
    response = client.post(
        reverse("meetings:action-new"), {"issue": mine.pk, "learning_set": second.pk, "text": "Wrong set"}
    )
    assert "That issue is not yours in this set." in page(response) and Action.objects.count() == 1
