"""Issues across meetings: my issues, an issue's whole story, who reads it, and its owner's controls."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from meetings import live
from meetings.models import ActionUpdate, AirtimeSlot, Issue, Question
from tests.factories import ActionFactory, LearningSetFactory, MeetingFactory, SetMembershipFactory

NOW = timezone.now()


def page(response) -> str:
    return response.content.decode()


def presented(issue, *, days_ago: int, questions=(), order: int = 0):
    meeting = MeetingFactory(learning_set=issue.learning_set, starts_at=NOW - timedelta(days=days_ago), status="ended")
    slot = AirtimeSlot.objects.create(meeting=meeting, presenter=issue.owner, issue=issue, order=order)
    for text in questions:
        Question.objects.create(slot=slot, text=text)
    return slot


@pytest.fixture
def issue(learning_set, member):
    return Issue.objects.create(
        owner=member, learning_set=learning_set, title="Handovers between shifts", summary="SUMMARY-TEXT"
    )


def test_my_issues_lists_mine_by_status(client, learning_set, member, facilitator, issue, other_set, outsider):
    Issue.objects.create(owner=member, learning_set=learning_set, title="SOLVED-ONE", status="resolved")
    Issue.objects.create(owner=facilitator, learning_set=learning_set, title="NOT-MINE")
    Issue.objects.create(owner=outsider, learning_set=other_set, title="OTHER-ORG")
    presented(issue, days_ago=20)
    presented(issue, days_ago=6)
    ActionFactory(owner=member, learning_set=learning_set, issue=issue)
    client.force_login(member)
    content = page(client.get(reverse("meetings:my-issues")))
    assert content.index("Handovers between shifts") < content.index("SOLVED-ONE")  # open before resolved
    assert "NOT-MINE" not in content and "OTHER-ORG" not in content
    assert "presented 2 times" in content and "1 action" in content
    resolved = page(client.get(reverse("meetings:my-issues"), {"status": "resolved"}))
    assert "SOLVED-ONE" in resolved and "Handovers between shifts" not in resolved


def test_my_issues_shows_a_change_at_once_and_only_to_me(client, learning_set, member, facilitator, issue):
    client.force_login(member)
    assert "presented once" not in page(client.get(reverse("meetings:my-issues")))  # cached now
    presented(issue, days_ago=6)
    issue.title = "Handovers, renamed"
    issue.save()
    content = page(client.get(reverse("meetings:my-issues")))
    assert "Handovers, renamed" in content and "presented once" in content
    client.force_login(facilitator)
    assert "Handovers, renamed" not in page(client.get(reverse("meetings:my-issues")))
    client.force_login(member)
    membership = learning_set.memberships.get(user=member)
    membership.left_at = NOW
    membership.save()
    assert "Handovers, renamed" not in page(client.get(reverse("meetings:my-issues")))  # a set left: gone at once


def test_the_issue_page_tells_its_whole_story(client, learning_set, member, issue):
    first = presented(issue, days_ago=20, questions=["What have you tried?"])
    second = presented(issue, days_ago=6, questions=["Who else is affected?", "What would success look like?"])
    other_issue = Issue.objects.create(owner=member, learning_set=learning_set, title="Other")
    presented(other_issue, days_ago=13, questions=["OTHER-ISSUE-QUESTION"])
    done = ActionFactory(owner=member, learning_set=learning_set, issue=issue, meeting=first.meeting, text="Ask HR")
    ActionUpdate.objects.create(action=done, author=member, note="old note", created_at=NOW - timedelta(days=10))
    ActionUpdate.objects.create(action=done, author=member, note="LATEST-NOTE", status_after="done")
    ActionFactory(owner=member, learning_set=learning_set, issue=issue, meeting=second.meeting, text="Try a checklist")
    ActionFactory(owner=member, learning_set=learning_set, text="UNRELATED-ACTION")
    client.force_login(member)
    response = client.get(reverse("meetings:issue", args=[issue.pk]))
    content = page(response)
    assert "SUMMARY-TEXT" in content
    assert content.index("What have you tried?") < content.index("Who else is affected?")
    assert "What would success look like?" in content and "OTHER-ISSUE-QUESTION" not in content
    assert "Ask HR" in content and "Try a checklist" in content and "UNRELATED-ACTION" not in content
    assert "LATEST-NOTE" in content and "old note" not in content
    assert reverse("meetings:record", args=[first.meeting_id]) in content
    assert "Learning linked to this issue" not in content  # no entry links to it


def test_set_mates_read_an_issue_but_an_admin_outside_the_set_does_not(
    client, learning_set, member, facilitator, admin, outsider, issue
):
    mate = SetMembershipFactory(learning_set=learning_set).user
    url = reverse("meetings:issue", args=[issue.pk])
    for person in (mate, facilitator):
        client.force_login(person)
        content = page(client.get(url))
        assert "SUMMARY-TEXT" in content
        assert reverse("meetings:issue-status", args=[issue.pk]) not in content  # only the owner decides
    client.force_login(admin)
    response = client.get(url)
    assert response.status_code == 403 and b"SUMMARY-TEXT" not in response.content
    client.force_login(outsider)
    response = client.get(url)
    assert response.status_code == 404 and b"SUMMARY-TEXT" not in response.content


def test_the_owner_resolves_sets_aside_and_reopens(client, member, facilitator, issue):
    url = reverse("meetings:issue-status", args=[issue.pk])
    client.force_login(member)
    for status in ("resolved", "set_aside", "open", "resolved"):
        assert client.post(url, {"status": status})["Location"] == reverse("meetings:issue", args=[issue.pk])
        issue.refresh_from_db()
        assert issue.status == status
    response = client.post(url, {"status": "forgotten"}, follow=True)
    assert "Choose open, resolved or set aside." in page(response)
    issue.refresh_from_db()
    assert issue.status == "resolved"
    client.force_login(facilitator)
    assert client.post(url, {"status": "open"}).status_code == 403
    issue.refresh_from_db()
    assert issue.status == "resolved"


def test_the_owner_edits_title_and_summary(client, member, issue):
    url = reverse("meetings:issue-edit", args=[issue.pk])
    client.force_login(member)
    response = client.post(url, {"title": "  Shift handovers  ", "summary": "New summary"})
    assert response["Location"] == reverse("meetings:issue", args=[issue.pk])
    issue.refresh_from_db()
    assert (issue.title, issue.summary) == ("Shift handovers", "New summary")
    response = client.post(url, {"title": "  ", "summary": "Lost?"})
    assert "Give the issue a title." in page(response)
    issue.refresh_from_db()
    assert (issue.title, issue.summary) == ("Shift handovers", "New summary")


def test_a_closed_set_keeps_its_issues_read_only(client, learning_set, member, issue):
    learning_set.status = "closed"
    learning_set.save(update_fields=["status"])
    client.force_login(member)
    assert client.get(reverse("meetings:issue", args=[issue.pk])).status_code == 200
    assert client.post(reverse("meetings:issue-status", args=[issue.pk]), {"status": "resolved"}).status_code == 403


@pytest.mark.parametrize("size", [1, 6])
def test_issue_pages_make_a_fixed_number_of_queries(
    client, learning_set, member, issue, size, django_assert_num_queries
):
    for n in range(size):
        slot = presented(issue, days_ago=7 * (n + 1), questions=[f"Q{n}a", f"Q{n}b"])
        action = ActionFactory(owner=member, learning_set=learning_set, issue=issue, meeting=slot.meeting)
        ActionUpdate.objects.create(action=action, author=member, note=f"note {n}")
        other = LearningSetFactory(organisation=learning_set.organisation)
        SetMembershipFactory(learning_set=other, user=member)
        Issue.objects.create(owner=member, learning_set=other, title=f"Issue {n}")
    client.force_login(member)
    with django_assert_num_queries(9):  # the story in 9, with the journal entries linked to it
        content = page(client.get(reverse("meetings:issue", args=[issue.pk])))
    assert content.count('class="presentation"') == size
    with django_assert_num_queries(2):  # the viewer's sets, the issues with their counts (subqueries)
        assert page(client.get(reverse("meetings:my-issues"))).count('class="issue-row"') == size + 1
    with django_assert_num_queries(0):  # cached, as the ids of the viewer's sets (their versions name the list)
        assert page(client.get(reverse("meetings:my-issues"))).count('class="issue-row"') == size + 1


def test_an_issue_brought_back_keeps_its_story(learning_set, member, facilitator, issue):

    issue.status = "set_aside"
    issue.save(update_fields=["status"])
    mate = SetMembershipFactory(learning_set=learning_set).user
    first = MeetingFactory(learning_set=learning_set, starts_at=NOW + timedelta(days=7))
    slot = live.add_slot(meeting=first, presenter=member, by=facilitator, issue_title="handovers between SHIFTS ")
    issue.refresh_from_db()
    assert (slot.issue, issue.status) == (issue, "open")  # the same issue, open again
    other = live.add_slot(meeting=first, presenter=mate, by=facilitator, issue_title="Handovers between shifts")
    assert other.issue != issue and other.issue.owner == mate  # someone else's issue is their own
    second = MeetingFactory(learning_set=learning_set, starts_at=NOW + timedelta(days=14))
    new = live.add_slot(meeting=second, presenter=member, by=facilitator, issue_title="Something new")
    assert new.issue != issue and Issue.objects.filter(owner=member).count() == 2


def test_the_agenda_offers_open_issues_by_title(client, learning_set, member, facilitator, issue, other_set, outsider):
    Issue.objects.create(owner=outsider, learning_set=other_set, title="OTHER-ORG-ISSUE")
    Issue.objects.create(owner=member, learning_set=learning_set, title="RESOLVED-ISSUE", status="resolved")
    meeting = MeetingFactory(learning_set=learning_set, starts_at=NOW + timedelta(days=7))
    client.force_login(facilitator)
    content = page(client.get(reverse("meetings:live", args=[meeting.pk])))
    assert '<option value="Handovers between shifts">' in content
    assert "OTHER-ORG-ISSUE" not in content and "RESOLVED-ISSUE" not in content
