"""Queue Celery tasks after the transaction commits, without letting a broker outage break the request."""

import logging

from django.db import transaction

logger = logging.getLogger(__name__)


def queue_after_commit(task, *args) -> None:
    """Queue `task(*args)` once the current transaction commits (so the worker sees the rows it needs).

    If the broker is down the error is logged and the request carries on: whatever the task would have done is
    recorded in the database first (invitation and reminder rows), and can be sent again from there.
    """

    def send() -> None:
        try:
            task.delay(*args)
        except Exception:
            logger.exception("Could not queue %s", task.name)

    transaction.on_commit(send)
