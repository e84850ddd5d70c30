"""Queue Celery tasks after the transaction commits, by name, without letting a broker outage break the request.

Services name the task they queue ("core.send_outbox") rather than import it: a task module imports the
services it calls, so importing tasks back from the services would make a cycle. Each app registers its tasks
when Django starts (its AppConfig.ready imports its `tasks` module), so the name is always known here.
"""

import logging

from celery import current_app
from django.db import transaction

logger = logging.getLogger(__name__)


def queue_after_commit(task_name: str, *args) -> None:
    """Queue the task called `task_name` with `args` once the current transaction commits (so the worker sees
    the rows it needs).

    If the broker is down the error is logged and the request carries on: whatever the task would have done is
    recorded in the database first (outbox rows, core/outbox.py), and beat's next pass queues it again from there.
    """
    task = current_app.tasks[task_name]  # an unknown name is a programming error: fail now, not after commit

    def send() -> None:
        try:
            task.delay(*args)
        except Exception:
            logger.exception("Could not queue %s", task_name)

    transaction.on_commit(send)
