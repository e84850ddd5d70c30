"""The Reminder table moves into the outbox (meetings 0011): each row keeps its person, kind, key and outcome, so
nothing sent goes again and nothing pending is lost."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from core.models import OutboxMessage
from meetings import reminders
from meetings.models import Meeting

LAST_WITH_REMINDERS = ("meetings", "0010_delete_heartbeat")
START = datetime(2027, 3, 16, 9, 30, tzinfo=UTC)


@pytest.mark.django_db(transaction=True)
def test_reminder_rows_become_outbox_rows_with_their_outcome():
    executor = MigrationExecutor(connection)
    # Every other app as it is now (the user's later fields included), meetings just before the move.
    BEFORE = [node for node in executor.loader.graph.leaf_nodes() if node[0] != "meetings"] + [LAST_WITH_REMINDERS]
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    organisation = old.get_model("sets", "Organisation").objects.create(name="Org", slug="org")
    learning_set = old.get_model("sets", "LearningSet").objects.create(organisation=organisation, name="Set")
    person = old.get_model("accounts", "User").objects.create(email="ada@example.org", full_name="Ada")
    meeting = old.get_model("meetings", "Meeting").objects.create(learning_set=learning_set, starts_at=START)
    Reminder = old.get_model("meetings", "Reminder")
    common = {"meeting": meeting, "user": person, "meeting_starts_at": START}
    Reminder.objects.create(
        kind="reminder", offset_hours=48, due_at=START - timedelta(hours=48), outcome="sent", attempts=1, **common
    )
    Reminder.objects.create(kind="reminder", offset_hours=2, due_at=START - timedelta(hours=2), outcome="", **common)
    Reminder.objects.create(
        kind="nudge", offset_hours=72, due_at=START - timedelta(hours=72), outcome="", attempts=8, **common
    )

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    rows = OutboxMessage.objects.order_by("kind", "-ref__offset_hours")
    assert [(r.kind, r.ref["offset_hours"], r.status, r.attempts, r.to_email) for r in rows] == [
        ("nudge", 72, "failed", 8, "ada@example.org"),
        ("reminder", 48, "sent", 1, "ada@example.org"),
        ("reminder", 2, "pending", 0, "ada@example.org"),
    ]
    assert {(r.organisation_id, r.learning_set_id, r.expires_at) for r in rows} == {
        (organisation.pk, learning_set.pk, START)
    }
    # The keys are the ones the dispatch pass writes now, so it does not write these reminders again.

    current = Meeting.objects.select_related("learning_set").get(pk=meeting.pk)
    expected = reminders.reminder_message(current, person.pk, person.email, "reminder", 48).key
    assert OutboxMessage.objects.filter(key=expected, status="sent").exists()
