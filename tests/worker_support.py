"""A real Celery worker in its own process for integration tests: the configured broker (Redis in CI), the
test database, emails written to files. Each worker listens on a queue of its own."""

import os
import signal
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import connection

from actionlearning.celery import app as celery_app


def database_url() -> str:
    """The test database, as a URL the worker process reads from DATABASE_URL."""
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"


class Worker:
    def __init__(self, queue: str, outbox: Path, log: Path, email_backend: str = ""):
        self.queue, self.outbox, self.log = queue, outbox, log
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.worker_settings",
            "DATABASE_URL": database_url(),
            "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
            "TEST_EMAIL_DIR": str(outbox),
            "TEST_EMAIL_BACKEND": email_backend,
            "SITE_URL": "http://testserver",
        }
        command = [sys.executable, "-m", "celery", "-A", "actionlearning", "worker", "--pool=solo"]
        command += ["--loglevel=INFO", "--queues", queue, "--hostname", f"{uuid.uuid4().hex}@%h"]
        command += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
        with log.open("a") as log_file:
            self.process = subprocess.Popen(
                command, env=env, stdout=log_file, stderr=subprocess.STDOUT, cwd=settings.BASE_DIR
            )

    def kill(self) -> None:
        """As a crash would: no warm shutdown, no acknowledgement of the message in hand."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


@contextmanager
def routed_to(queue: str):
    """Send this process's tasks to `queue` through the real broker (not eagerly)."""
    old = celery_app.conf.task_always_eager, celery_app.conf.task_default_queue
    celery_app.conf.task_always_eager, celery_app.conf.task_default_queue = False, queue
    try:
        yield
    finally:
        celery_app.conf.task_always_eager, celery_app.conf.task_default_queue = old


@contextmanager
def worker_pool(tmp_path: Path):
    """Start workers on one fresh queue with `start(email_backend=...)`; all are stopped and the queue deleted
    at the end, whatever happens."""
    queue = f"test-{uuid.uuid4().hex}"
    outbox = tmp_path / "outbox"
    outbox.mkdir()
    workers: list[Worker] = []

    def start(email_backend: str = "") -> Worker:
        worker = Worker(queue, outbox, tmp_path / "worker.log", email_backend)
        workers.append(worker)
        return worker

    try:
        with routed_to(queue):
            yield start, outbox, tmp_path / "worker.log"
    finally:
        for worker in workers:
            worker.stop()
        delete_queue(queue)


def delete_queue(queue: str) -> None:
    try:
        with celery_app.connection_for_write() as conn:
            conn.default_channel.queue_delete(queue)
    except Exception:  # the queue may never have been declared
        pass


def wait_for(condition, *, log: Path, timeout: float = 60, what: str = "the worker") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    tail = log.read_text()[-4000:] if log.exists() else "(no log)"
    raise AssertionError(f"timed out waiting for {what} after {timeout}s; worker log:\n{tail}")


def emails_in(outbox: Path) -> list[str]:
    return [path.read_text() for path in sorted(outbox.iterdir())]
