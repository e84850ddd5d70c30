"""The Celery tasks of meetings, registered by name (services queue them through core.queueing): reminders,
calendar emails, meeting summaries. Each is a thin wrapper round a service function."""

from smtplib import SMTPException

from celery import shared_task

from meetings import live, reminders, scheduling

TRANSIENT = (SMTPException, ConnectionError, TimeoutError, OSError)


@shared_task(name="meetings.dispatch_reminders")
def dispatch_reminders() -> int:
    # Runs every minute from beat; a second overlapping run finds nothing to claim.
    return len(reminders.dispatch_due_reminders())


@shared_task(
    name="meetings.send_reminders",
    bind=True,
    acks_late=True,
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=5,
)
def send_reminders(self, reminder_ids: list[int]) -> int:
    """Send a batch of claimed reminder rows; retry (with backoff) only the rows that failed transiently."""
    failed, sent = [], 0
    for reminder_id in reminder_ids:
        try:
            sent += reminders.send_reminder(reminder_id=reminder_id)
        except Exception:
            # The error is kept on the row; this task retries the failed rows, and a later beat pass re-queues
            # any still unsent, up to reminders.MAX_ATTEMPTS.
            failed.append(reminder_id)
    if failed:
        raise self.retry(args=[failed])
    return sent


@shared_task(
    name="meetings.send_calendar_emails",
    acks_late=True,
    autoretry_for=TRANSIENT,
    retry_backoff=True,
    max_retries=5,
)
def send_calendar_emails(meeting_ids: list[int], method: str, change: str) -> int:
    return scheduling.send_calendar_emails(meeting_ids=meeting_ids, method=method, change=change)


@shared_task(name="meetings.send_meeting_summaries", acks_late=True)
def send_meeting_summaries(meeting_id: int) -> int:
    return live.send_meeting_summaries(meeting_id=meeting_id)
