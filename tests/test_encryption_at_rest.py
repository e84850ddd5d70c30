"""Confidential fields are encrypted at rest: a raw dump of the database shows none of what members wrote, and
rotating the key (new key first, `manage.py reencrypt`, old key gone) keeps every value readable."""

import io
import subprocess
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from core.encryption import encrypted_fields
from learning.models import JournalEntry
from meetings import live
from meetings.models import Action, ActionUpdate, Attendance, Encouragement, ProcessRating, Question, Reflection
from tests.factories import MeetingFactory

# Every field that holds what members bring. Each must be encrypted, and the seeding below writes a marker in each.
CONFIDENTIAL = {
    ("meetings.Issue", "summary"),
    ("meetings.Question", "text"),
    ("meetings.Reflection", "about_situation"),
    ("meetings.Reflection", "about_self"),
    ("meetings.Reflection", "about_relating"),
    ("meetings.ProcessRating", "went_well"),
    ("meetings.ProcessRating", "do_better"),
    ("meetings.Action", "text"),
    ("meetings.ActionUpdate", "note"),
    ("meetings.Attendance", "checkin_note"),
    ("meetings.Meeting", "process_notes"),
    ("meetings.Encouragement", "text"),
    ("learning.JournalEntry", "title"),
    ("learning.JournalEntry", "body"),
    ("learning.JournalEntry", "about_situation"),
    ("learning.JournalEntry", "about_self"),
    ("learning.JournalEntry", "about_relating"),
}


def marker(label: str, name: str) -> str:
    return f"MARKER-{label.replace('.', '-')}-{name}-7f3a".upper()


def seed(member, facilitator, learning_set) -> dict:
    """One row of each confidential model, a marker in each confidential field. Returns {label: row}."""
    meeting = MeetingFactory(learning_set=learning_set, starts_at=timezone.now() + timedelta(minutes=5))
    slot = live.add_slot(meeting=meeting, presenter=member, by=facilitator, issue_title="An issue")
    m = marker
    meeting.process_notes = m("meetings.Meeting", "process_notes")
    meeting.save(update_fields=["process_notes"])
    issue = slot.issue
    issue.summary = m("meetings.Issue", "summary")
    issue.save(update_fields=["summary"])
    action = Action.objects.create(
        owner=member, learning_set=learning_set, meeting=meeting, text=m("meetings.Action", "text")
    )
    rows = {
        "meetings.Meeting": meeting,
        "meetings.Issue": issue,
        "meetings.Action": action,
        "meetings.ActionUpdate": (
            update := ActionUpdate.objects.create(action=action, author=member, note=m("meetings.ActionUpdate", "note"))
        ),
        "meetings.Encouragement": Encouragement.objects.create(
            update=update, author=facilitator, text=m("meetings.Encouragement", "text")
        ),
        "meetings.Question": Question.objects.create(
            slot=slot, author=facilitator, text=m("meetings.Question", "text")
        ),
        "meetings.Attendance": Attendance.objects.create(
            meeting=meeting, user=member, checkin_note=m("meetings.Attendance", "checkin_note")
        ),
        "meetings.ProcessRating": ProcessRating.objects.create(
            meeting=meeting,
            author=member,
            rating=7,
            went_well=m("meetings.ProcessRating", "went_well"),
            do_better=m("meetings.ProcessRating", "do_better"),
        ),
        "meetings.Reflection": Reflection.objects.create(
            meeting=meeting,
            author=member,
            about_situation=m("meetings.Reflection", "about_situation"),
            about_self=m("meetings.Reflection", "about_self"),
            about_relating=m("meetings.Reflection", "about_relating"),
        ),
        "learning.JournalEntry": JournalEntry.objects.create(
            author=member,
            title=m("learning.JournalEntry", "title"),
            body=m("learning.JournalEntry", "body"),
            about_situation=m("learning.JournalEntry", "about_situation"),
            about_self=m("learning.JournalEntry", "about_self"),
            about_relating=m("learning.JournalEntry", "about_relating"),
        ),
    }
    return rows


def raw_dump() -> str:
    """The database as a backup would hold it: pg_dump on PostgreSQL, SQLite's own dump otherwise."""
    if connection.vendor == "postgresql":
        params = connection.get_connection_params()
        command = ["pg_dump", "--data-only", "-h", params.get("host") or "127.0.0.1", "-U", params["user"]]
        command += ["-p", str(params.get("port") or 5432), params["dbname"]]
        return subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return "\n".join(connection.connection.iterdump())


def test_every_confidential_field_is_encrypted():
    encrypted = {(model._meta.label, name) for model, names in encrypted_fields() for name in names}
    assert encrypted >= CONFIDENTIAL, sorted(CONFIDENTIAL - encrypted)


@pytest.mark.django_db(transaction=True)
def test_a_raw_dump_of_the_database_contains_none_of_the_markers(member, facilitator, learning_set):
    rows = seed(member, facilitator, learning_set)
    for label, name in CONFIDENTIAL:
        row = rows[label]
        row.refresh_from_db()
        assert getattr(row, name) == marker(label, name)  # the app reads them back as written
    dump = raw_dump()
    assert "MARKER-" not in dump.upper()
    assert "gAAAAA" in dump  # Fernet tokens are there instead
    assert "An issue" in dump  # and the dump is a real one (issue titles are not encrypted)


def test_rotating_the_key_keeps_every_value_readable(member, facilitator, learning_set):
    with override_settings(SECRET_KEY="the-old-secret-key-0123456789-abcdefghij"):
        rows = seed(member, facilitator, learning_set)
        with connection.cursor() as cursor:
            cursor.execute("SELECT text FROM meetings_action")
            (old_token,) = cursor.fetchone()
    new = {"SECRET_KEY": "the-new-secret-key-9876543210-zyxwvutsrq"}
    with override_settings(**new, SECRET_KEY_FALLBACKS=["the-old-secret-key-0123456789-abcdefghij"]):
        for label, name in CONFIDENTIAL:  # the old key still reads everything
            row = rows[label]
            assert getattr(type(row).objects.get(pk=row.pk), name) == marker(label, name)
        call_command("reencrypt", stdout=io.StringIO())
    with override_settings(**new, SECRET_KEY_FALLBACKS=[]):  # the old key is gone
        for label, name in CONFIDENTIAL:
            row = rows[label]
            assert getattr(type(row).objects.get(pk=row.pk), name) == marker(label, name)
        with connection.cursor() as cursor:
            cursor.execute("SELECT text FROM meetings_action")
            (new_token,) = cursor.fetchone()
    assert new_token != old_token and new_token.startswith("gAAAAA")
