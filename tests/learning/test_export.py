"""'My data': everything a person wrote, and nothing anyone else did."""

import json

import pytest
from django.urls import reverse

from learning import services
from learning.models import LibraryItem
from learning.services import EntryContent
from meetings.models import Action, ActionUpdate, AirtimeSlot, Attendance, Issue, ProcessRating, Question
from tests.learning.conftest import make_reflection


def write_everything(person, learning_set, meeting, marker):
    """One row of every kind a person writes, each carrying `marker`."""
    issue = Issue.objects.create(owner=person, learning_set=learning_set, title=f"{marker}-ISSUE", summary=marker)
    action = Action.objects.create(owner=person, learning_set=learning_set, meeting=meeting, text=f"{marker}-ACTION")
    ActionUpdate.objects.create(action=action, author=person, note=f"{marker}-UPDATE")
    entry = services.write_entry(
        author=person, content=EntryContent(title=f"{marker}-JOURNAL", about_self=f"{marker}-SELF", issue=issue)
    )
    make_reflection(meeting, person, f"{marker}-REFLECTION")
    Attendance.objects.create(meeting=meeting, user=person, checkin_note=f"{marker}-CHECKIN")
    ProcessRating.objects.create(meeting=meeting, author=person, rating=7, went_well=f"{marker}-RATING")
    slot = AirtimeSlot.objects.create(meeting=meeting, presenter=person, issue=issue)
    Question.objects.create(slot=slot, author=person, text=f"{marker}-QUESTION")
    LibraryItem.objects.create(
        organisation=learning_set.organisation, author=person, title=f"{marker}-LIBRARY", text="x", journal_entry=entry
    )


KINDS = ["ISSUE", "ACTION", "UPDATE", "JOURNAL", "SELF", "REFLECTION", "CHECKIN", "RATING", "QUESTION", "LIBRARY"]


@pytest.fixture
def written(member, mate, facilitator, learning_set, past_meeting):
    write_everything(member, learning_set, past_meeting, "MINE")
    write_everything(mate, learning_set, past_meeting, "MATE")
    write_everything(facilitator, learning_set, past_meeting, "FAC")
    # A set-mate's shared entry is readable in the set, but it is not the member's to export.
    entry = services.write_entry(author=mate, content=EntryContent(body="MATE-SHARED", learning_set=learning_set))
    services.share_entry(entry=entry, by=mate)


def download(client, name) -> str:
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="actionlearning-my-data-')
    return b"".join(response.streaming_content).decode()


def test_json_export_holds_every_kind_of_my_writing_and_only_mine(client, member, written):
    client.force_login(member)
    text = download(client, "learning:export-json")
    data = json.loads(text)
    assert data["person"]["email"] == member.email
    assert [row["title"] for row in data["issues"]] == ["MINE-ISSUE"]
    assert [row["text"] for row in data["actions"]] == ["MINE-ACTION"]
    assert [row["note"] for row in data["action_updates"]] == ["MINE-UPDATE"]
    assert [row["title"] for row in data["journal_entries"]] == ["MINE-JOURNAL"]
    assert [row["about_self"] for row in data["reflections"]] == ["MINE-REFLECTION"]
    assert [row["checkin_note"] for row in data["check_in_notes"]] == ["MINE-CHECKIN"]
    assert [row["went_well"] for row in data["process_ratings"]] == ["MINE-RATING"]
    assert [row["text"] for row in data["questions"]] == ["MINE-QUESTION"]
    assert [row["title"] for row in data["library_publications"]] == ["MINE-LIBRARY"]
    assert "MATE" not in text
    assert "FAC-" not in text


def test_markdown_export_holds_my_writing_and_no_one_elses(client, member, written):
    client.force_login(member)
    text = download(client, "learning:export-markdown")
    assert text.startswith("# Everything I wrote in actionlearning")
    for kind in KINDS:
        assert f"MINE-{kind}" in text
    assert "MATE" not in text
    assert "FAC-" not in text


@pytest.mark.parametrize("who", ["facilitator", "admin", "mate"])
def test_nobody_elses_export_holds_the_members_private_writing(client, request, written, who):
    client.force_login(request.getfixturevalue(who))
    for name in ("learning:export-json", "learning:export-markdown"):
        assert "MINE-" not in download(client, name)


def test_an_empty_export_is_valid_json(client, member):
    client.force_login(member)
    data = json.loads(download(client, "learning:export-json"))
    assert data["journal_entries"] == [] and data["actions"] == []
    assert "Nothing yet." in download(client, "learning:export-markdown")


def test_my_data_page_links_both_downloads_and_the_profile_links_it(client, member):
    client.force_login(member)
    page = client.get(reverse("learning:my-data")).content.decode()
    assert reverse("learning:export-json") in page and reverse("learning:export-markdown") in page
    assert reverse("learning:my-data") in client.get(reverse("accounts:profile")).content.decode()
