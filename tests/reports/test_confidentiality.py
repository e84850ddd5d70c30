"""The report never shows what members said: a unique marker in every content field, and none of them in any
report page, print page, chart or CSV, for an admin (or a facilitator).

To cover a new model: add its content fields to CONTENT_FIELDS and a seeder to SEEDERS. Every text field of
the apps in CONTENT_APPS must be listed in CONTENT_FIELDS or NOT_CONTENT, so a new field cannot be forgotten.
"""

import pytest
import time_machine
from django.apps import apps
from django.db import models
from django.urls import reverse

from learning.models import JournalEntry, LibraryItem
from meetings.models import (
    Action,
    ActionUpdate,
    AirtimeSlot,
    Attendance,
    Encouragement,
    Issue,
    Meeting,
    ProcessRating,
    Question,
    Reflection,
)
from tests.reports import world as hand

pytestmark = pytest.mark.django_db

CONTENT_APPS = ["meetings", "learning"]

# (app_label.Model, field): what members bring, say, commit to and write.
CONTENT_FIELDS = [
    ("meetings.Meeting", "process_notes"),
    ("meetings.Issue", "title"),
    ("meetings.Issue", "summary"),
    ("meetings.Question", "text"),
    ("meetings.Attendance", "note"),
    ("meetings.Attendance", "checkin_note"),
    ("meetings.Action", "text"),
    ("meetings.ActionUpdate", "note"),
    ("meetings.Reflection", "about_situation"),
    ("meetings.Reflection", "about_self"),
    ("meetings.Reflection", "about_relating"),
    ("meetings.ProcessRating", "went_well"),
    ("meetings.ProcessRating", "do_better"),
    ("meetings.Encouragement", "text"),
    ("learning.JournalEntry", "title"),
    ("learning.JournalEntry", "body"),
    ("learning.JournalEntry", "about_situation"),
    ("learning.JournalEntry", "about_self"),
    ("learning.JournalEntry", "about_relating"),
    ("learning.LibraryItem", "title"),
    ("learning.LibraryItem", "text"),
]

# Text fields that are not content (and that the report does not show either).
NOT_CONTENT = {
    ("meetings.Meeting", "place"),
    ("meetings.Meeting", "video_link"),
    ("meetings.MeetingEvent", "kind"),
    ("meetings.MeetingEvent", "step"),
    # The outbox (core) holds kinds, keys of ids, addresses, reasons and errors: never what an email said.
    ("core.OutboxMessage", "kind"),
    ("core.OutboxMessage", "key"),
    ("core.OutboxMessage", "reason"),
    ("core.OutboxMessage", "last_error"),
    ("core.Heartbeat", "name"),
    ("learning.LibraryItem", "by_line"),  # the author's name as published (names are not content)
}


def marker(label: str, field: str) -> str:
    return f"SECRET-{label.split('.')[1].upper()}-{field.upper()}-7Q"


def _values(label: str) -> dict:
    return {field: marker(label, field) for model_label, field in CONTENT_FIELDS if model_label == label}


def _seed_meeting(world, values):
    meeting = world.meetings["m1"]
    Meeting.objects.filter(pk=meeting.pk).update(**values)
    return meeting


def _seed_issue(world, values):
    return Issue.objects.create(owner=world.people["a1"], learning_set=world.alpha, **values)


def _seed_question(world, values):
    slot = AirtimeSlot.objects.get(meeting=world.meetings["m1"], presenter=world.people["a1"])
    return Question.objects.create(slot=slot, author=world.people["a2"], **values)


def _seed_attendance(world, values):
    Attendance.objects.filter(meeting=world.meetings["m1"], user=world.people["a1"]).update(**values)


def _seed_action(world, values):
    return Action.objects.create(owner=world.people["a1"], learning_set=world.alpha, created_at=hand.at(5, 2), **values)


def _seed_update(world, values):
    action = Action.objects.filter(owner=world.people["a2"]).first()
    return ActionUpdate.objects.create(action=action, author=world.people["a2"], created_at=hand.at(5, 3), **values)


def _seed_reflection(world, values):
    for shared in (True, False):
        Reflection.objects.create(meeting=world.meetings["m2"], author=world.people["a1"], shared=shared, **values)


def _seed_rating(world, values):
    ProcessRating.objects.create(meeting=world.meetings["m2"], author=world.people["a2"], rating=7, **values)


def _seed_encouragement(world, values):
    update = ActionUpdate.objects.filter(action__owner=world.people["a2"]).first()
    return Encouragement.objects.create(update=update, author=world.people["a1"], **values)


def _seed_journal_entry(world, values):
    for shared in (True, False):
        JournalEntry.objects.create(author=world.people["a1"], learning_set=world.alpha, shared=shared, **values)


def _seed_library_item(world, values):
    return LibraryItem.objects.create(organisation=world.alpha.organisation, author=world.people["a1"], **values)


SEEDERS = {
    "meetings.Encouragement": _seed_encouragement,
    "learning.JournalEntry": _seed_journal_entry,
    "learning.LibraryItem": _seed_library_item,
    "meetings.Meeting": _seed_meeting,
    "meetings.Issue": _seed_issue,
    "meetings.Question": _seed_question,
    "meetings.Attendance": _seed_attendance,
    "meetings.Action": _seed_action,
    "meetings.ActionUpdate": _seed_update,
    "meetings.Reflection": _seed_reflection,
    "meetings.ProcessRating": _seed_rating,
}


def seed_markers(world) -> list[str]:
    """Write a unique marker into every content field (checking each landed) and return the markers."""
    for label in sorted({label for label, _field in CONTENT_FIELDS}):
        SEEDERS[label](world, _values(label))
    markers = []
    for label, field in CONTENT_FIELDS:
        model = apps.get_model(label)
        # Read back in Python: encrypted fields cannot be matched in SQL (core/encryption.py).
        stored = {getattr(row, field) for row in model.objects.only("pk", field)}
        assert marker(label, field) in stored, f"{label}.{field} was not seeded"
        markers.append(marker(label, field))
    return markers


def test_every_text_field_is_classified():
    unclassified = []
    for app_label in CONTENT_APPS:
        if not apps.is_installed(app_label):
            continue
        for model in apps.get_app_config(app_label).get_models():
            for field in model._meta.get_fields():
                if isinstance(field, models.CharField | models.TextField) and not field.choices:
                    key = (model._meta.label, field.name)
                    if key not in NOT_CONTENT and key not in CONTENT_FIELDS:
                        unclassified.append(key)
    assert unclassified == [], "Add these to CONTENT_FIELDS (and SEEDERS) or NOT_CONTENT"


@pytest.fixture
def world():
    with time_machine.travel(hand.NOW, tick=False):
        built = hand.build()
        built.markers = seed_markers(built)
        yield built


def report_urls(world):
    slug = world.organisation.slug
    person, alpha = world.people["a1"].pk, world.alpha.pk
    queries = ["", f"set={alpha}", f"person={person}", f"set={alpha}&person={person}"]
    urls = [reverse("reports:dashboard", args=[slug])]
    for name in ("reports:report", "reports:report-print", "reports:report-csv"):
        urls += [f"{reverse(name, args=[slug])}?start=2026-01-01&end=2026-06-30&{query}" for query in queries]
    return urls


def body(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


@pytest.mark.parametrize("who", ["admin", "facilitator"])
def test_no_content_in_any_report_page_chart_or_csv(client, world, who):
    client.force_login(world.admin if who == "admin" else world.people["fa"])
    checked = 0
    for url in report_urls(world):
        if who == "facilitator" and "dashboard" in url:
            continue
        response = client.get(url)
        assert response.status_code == 200, url
        content = body(response)
        # The page really shows the set whose content is seeded (the dashboard names only sets at risk: Beta).
        assert ("Beta" if "dashboard" in url else "Alpha") in content, url
        leaked = [m for m in world.markers if m in content]
        assert leaked == [], f"{url} shows {leaked}"
        checked += 1
    assert checked == (13 if who == "admin" else 12)
