"""Reminders move onto the outbox (core.OutboxMessage): each Reminder row becomes an outbox row of the same kind,
key, person and outcome, so nothing already sent goes again and nothing pending is lost; then the table goes.
Meetings gain `announced_at` (reminders already due when the set was emailed a meeting's time are covered by
that email)."""

from django.db import migrations, models

STATUS = {"": "pending", "sent": "sent", "skipped": "skipped"}
MAX_ATTEMPTS = 8  # core.outbox.MAX_ATTEMPTS when this was written


def to_outbox(apps, schema_editor):
    Reminder = apps.get_model("meetings", "Reminder")
    OutboxMessage = apps.get_model("core", "OutboxMessage")
    rows = []
    for reminder in Reminder.objects.select_related("user", "meeting__learning_set").iterator(chunk_size=2000):
        meeting = reminder.meeting
        status = STATUS.get(reminder.outcome, "skipped")
        if status == "pending" and reminder.attempts >= MAX_ATTEMPTS:
            status = "failed"
        rows.append(
            OutboxMessage(
                kind=reminder.kind,
                key=(
                    f"{reminder.kind}:{meeting.pk}:{reminder.user_id}:{reminder.offset_hours}:"
                    f"{int(reminder.meeting_starts_at.timestamp())}"
                ),
                to_user_id=reminder.user_id,
                to_email=reminder.user.email,
                organisation_id=meeting.learning_set.organisation_id,
                learning_set_id=meeting.learning_set_id,
                ref={
                    "meeting": meeting.pk,
                    "offset_hours": reminder.offset_hours,
                    "starts_at": reminder.meeting_starts_at.isoformat(),
                },
                created_at=reminder.created_at,
                due_at=reminder.due_at,
                expires_at=reminder.meeting_starts_at,
                status=status,
                claimed_at=reminder.claimed_at,
                sent_at=reminder.sent_at,
                reason=reminder.skip_reason[:200],
                attempts=reminder.attempts,
                last_error=reminder.last_error,
            )
        )
        if len(rows) >= 2000:
            OutboxMessage.objects.bulk_create(rows, ignore_conflicts=True)
            rows = []
    OutboxMessage.objects.bulk_create(rows, ignore_conflicts=True)


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0003_outbox"),
        ("meetings", "0010_delete_heartbeat"),
    ]

    operations = [
        migrations.AddField(
            model_name="meeting",
            name="announced_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(to_outbox, migrations.RunPython.noop),
        migrations.DeleteModel(
            name="Reminder",
        ),
    ]
