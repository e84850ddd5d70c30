"""The outbox's send task, registered by name for core.queueing: a batch of row ids, each sent once."""

from celery import shared_task

from core import outbox


@shared_task(
    name=outbox.SEND_TASK,
    bind=True,
    acks_late=True,
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=5,
)
def send_outbox(self, message_ids: list[int]) -> int:
    """Send a batch of claimed rows; retry (with backoff) only the rows that failed."""
    failed, sent = [], 0
    for message_id in message_ids:
        try:
            sent += outbox.send(message_id=message_id)
        except Exception:
            # The error is kept on the row; this task retries the failed rows, and a later beat pass re-queues
            # any still unsent once their claim is stale, up to outbox.MAX_ATTEMPTS.
            failed.append(message_id)
    if failed:
        raise self.retry(args=[failed])
    return sent
