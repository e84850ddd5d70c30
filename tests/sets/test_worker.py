"""Invitations go out through a real Celery worker on the configured broker (Redis in CI) and database."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from actionlearning.celery import app as celery_app
from sets import services
from sets.models import Invitation

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def database_url() -> str:
    """The test database, as a URL the worker process reads from DATABASE_URL."""
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def worker(tmp_path):
    """A Celery worker in its own process, on a queue of its own, writing emails to files."""
    queue = f"test-{uuid.uuid4().hex}"
    outbox = tmp_path / "outbox"
    outbox.mkdir()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "actionlearning.settings_test",
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "EMAIL_URL": f"filemail:///{outbox}",
        "CELERY_TASK_ALWAYS_EAGER": "false",
    }
    command = [sys.executable, "-m", "celery", "-A", "actionlearning", "worker", "--pool=solo", "--loglevel=INFO"]
    command += ["--queues", queue, "--hostname", f"{queue}@%h", "--without-gossip", "--without-mingle"]
    log = tmp_path / "worker.log"
    with log.open("w") as log_file:
        process = subprocess.Popen(command, env=env, stdout=log_file, stderr=subprocess.STDOUT, cwd=settings.BASE_DIR)
    old = celery_app.conf.task_always_eager, celery_app.conf.task_default_queue
    celery_app.conf.task_always_eager, celery_app.conf.task_default_queue = False, queue
    try:
        yield outbox, log, process
    finally:
        celery_app.conf.task_always_eager, celery_app.conf.task_default_queue = old
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        _delete_queue(queue)


def _delete_queue(queue: str) -> None:
    try:
        with celery_app.connection_for_write() as conn:
            conn.default_channel.queue_delete(queue)
    except Exception:  # the queue may never have been declared
        pass


def wait_for_files(folder: Path, count: int, log: Path, timeout: float = 60) -> list[Path]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        files = sorted(folder.iterdir())
        if len(files) >= count:
            return files
        time.sleep(0.2)
    raise AssertionError(f"no email from the worker after {timeout}s; its log:\n{log.read_text()[-4000:]}")


def test_a_real_worker_sends_the_invitation_once(worker, organisation, learning_set, admin):
    outbox, log, _process = worker
    invitation = services.invite(
        organisation=organisation,
        learning_set=learning_set,
        request=services.InvitationRequest(email="worker@example.org", full_name="Wendy Worker"),
        by=admin,
    )

    files = wait_for_files(outbox, 1, log)
    time.sleep(1)  # a second, duplicated send would land by now
    assert len(list(outbox.iterdir())) == 1
    message = files[0].read_text()
    assert "To: worker@example.org" in message
    assert f"invited you to {organisation.name}" in message
    invitation.refresh_from_db()
    assert invitation.send_count == 1
    assert invitation.sent_at is not None
    # The link in the email is the live one: its token's hash is what the worker saved.
    token = message.split("/invitations/")[1].split("/")[0]
    assert services.invitation_for_token(token) == Invitation.objects.get(pk=invitation.pk)
