"""The Celery task of meetings, registered by name: beat's every-minute pass, which writes the reminders that
have come due to the outbox and runs the outbox's dispatch. Every email is sent by the outbox's task
(core/tasks.py)."""

from celery import shared_task

from meetings import reminders


@shared_task(name="meetings.dispatch_reminders")
def dispatch_reminders() -> int:
    # Runs every minute from beat; a second overlapping run finds nothing to claim.
    return len(reminders.dispatch_due_reminders())
