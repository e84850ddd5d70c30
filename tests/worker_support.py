"""A real Celery worker in its own process for integration tests: the configured broker (Redis in CI), the
test database, emails written to files.

Each pool of workers listens on a queue of its own, so tests (and other people's test runs on the same Redis)
cannot take each other's messages. With kombu's filesystem transport (no CELERY_BROKER_URL) the pool also gets
a broker folder of its own, so the tests need no `.broker/` folder and leave nothing in it. Workers are always
stopped, and the queue deleted, when the pool closes.
"""

import email
import email.policy
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.filebased import EmailBackend as FileBackend
from django.db import connection
from kombu.utils.json import loads

from actionlearning.celery import app as celery_app


def database_url() -> str:
    """The test database, as a URL the worker process reads from DATABASE_URL."""
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"


def unused_port() -> int:
    """A local TCP port nothing listens on (a dead broker)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _reset_connection_pools() -> None:
    """Make this process's Celery app take its connections from the pools for its current broker settings.
    (kombu keeps one pool per broker URL and options for the whole process, so the pools are left open.)"""
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@contextmanager
def broker(url: str, transport_options: dict | None = None):
    """Point what this process's Celery app sends (`.delay()`) at another broker for a while.

    It sets the *write* URL: Celery reads `conf.broker_url` from the CELERY_BROKER_URL environment variable
    before anything assigned to it, so assigning `conf.broker_url` does nothing when that variable is set (CI).
    """
    conf = celery_app.conf
    old = conf.get("broker_write_url"), conf.broker_transport_options
    _reset_connection_pools()
    conf.broker_write_url = url
    if transport_options is not None:
        conf.broker_transport_options = transport_options
    try:
        yield
    finally:
        _reset_connection_pools()
        conf.broker_write_url, conf.broker_transport_options = old


@contextmanager
def routed_to(queue: str):
    """Send this process's tasks to `queue` through the real broker (not eagerly)."""
    old = celery_app.conf.task_always_eager, celery_app.conf.task_default_queue
    celery_app.conf.task_always_eager, celery_app.conf.task_default_queue = False, queue
    try:
        yield
    finally:
        celery_app.conf.task_always_eager, celery_app.conf.task_default_queue = old


class Worker:
    def __init__(self, pool: "WorkerPool", email_backend: str = ""):
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.worker_settings",
            "DATABASE_URL": database_url(),
            "CELERY_BROKER_URL": pool.broker_url,
            "TEST_EMAIL_DIR": str(pool.outbox),
            "TEST_EMAIL_BACKEND": email_backend,
            "SITE_URL": "http://testserver",
        }
        if pool.broker_dir:
            env["CELERY_BROKER_DIR"] = str(pool.broker_dir)
        command = [sys.executable, "-m", "celery", "-A", "actionlearning", "worker", "--pool=solo"]
        command += ["--loglevel=INFO", "--queues", pool.queue, "--hostname", f"{uuid.uuid4().hex}@%h"]
        command += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
        with pool.log.open("a") as log_file:
            self.process = subprocess.Popen(
                command, env=env, stdout=log_file, stderr=subprocess.STDOUT, cwd=settings.BASE_DIR
            )

    def kill(self) -> None:
        """As a crash would: SIGKILL, no warm shutdown, no acknowledgement of the message in hand."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()  # warm shutdown: finishes the task in hand
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


@dataclass
class WorkerPool:
    queue: str
    outbox: Path
    log: Path
    broker_url: str
    broker_dir: Path | None
    workers: list[Worker] = field(default_factory=list)

    def start(self, email_backend: str = "") -> Worker:
        """A new worker on the pool's queue; `email_backend` replaces the file backend (e.g. a slow one)."""
        worker = Worker(self, email_backend)
        self.workers.append(worker)
        return worker

    def emails(self) -> list[EmailMessage]:
        return sent_emails(self.outbox)

    def wait_for(self, condition, *, what: str, timeout: float = 40, interval: float = 0.1) -> None:
        wait_for(condition, log=self.log, what=what, timeout=timeout, interval=interval)


@contextmanager
def worker_pool(tmp_path: Path):
    """A pool whose workers (`pool.start()`) share one fresh queue, to which this process's tasks are routed.
    Whatever happens, every worker is stopped and the queue deleted at the end."""
    queue = f"test-{uuid.uuid4().hex}"
    outbox = tmp_path / "outbox"
    outbox.mkdir()
    broker_url, broker_dir, transport_options = settings.CELERY_BROKER_URL, None, None
    if broker_url.startswith("filesystem://"):
        broker_dir = tmp_path / "broker"
        (broker_dir / "control").mkdir(parents=True)
        transport_options = {
            "data_folder_in": str(broker_dir),
            "data_folder_out": str(broker_dir),
            "control_folder": str(broker_dir / "control"),
        }
    pool = WorkerPool(queue, outbox, tmp_path / "worker.log", broker_url, broker_dir)
    try:
        with broker(broker_url, transport_options), routed_to(queue):
            yield pool
    finally:
        for worker in pool.workers:
            worker.stop()
        delete_queue(queue)


def delete_queue(queue: str) -> None:
    """Remove a test queue from Redis: its messages, its binding tables, and unacknowledged messages a killed
    worker left behind (Redis would otherwise put them back on the queue after the visibility timeout). The
    filesystem transport's per-pool folder goes with the test's tmp_path."""
    if not settings.CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
        return
    with celery_app.connection_for_write() as conn:
        channel = conn.default_channel
        client = channel.client
        keys = {channel._q_for_pri(queue, priority) for priority in channel.priority_steps}
        keys |= {channel.keyprefix_queue % queue, channel.keyprefix_binding_permanent % queue}
        client.delete(*keys)
        for tag, raw in client.hgetall(channel.unacked_key).items():
            _message, _exchange, routing_key = loads(raw)
            if routing_key == queue:
                client.hdel(channel.unacked_key, tag)
                client.zrem(channel.unacked_index_key, tag)


def wait_for(condition, *, log: Path, timeout: float = 40, what: str = "the worker", interval: float = 0.1) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(interval)
    tail = log.read_text()[-4000:] if log.exists() else "(no log)"
    raise AssertionError(f"timed out waiting for {what} after {timeout}s; worker log:\n{tail}")


# Django's file backend appends each message, then a line of 79 dashes, to a file per connection; two
# connections can share a file (its name is the second and the backend's id()), so files are not messages.
_SEPARATOR = b"\n" + b"-" * 79 + b"\n"


def sent_emails(outbox: Path) -> list[EmailMessage]:
    """Every message the workers wrote to `outbox`, parsed."""
    found = []
    for path in sorted(outbox.iterdir()):
        for chunk in path.read_bytes().split(_SEPARATOR):
            if chunk.strip():
                found.append(email.message_from_bytes(chunk, policy=email.policy.default))
    return found


class HandOverThenPauseBackend(FileBackend):
    """Writes each email at once, then pauses 0.4 s before the caller goes on (to commit that the email went):
    a worker killed in the pause has handed an email over without recording it, as a crash between an SMTP
    server's "250 OK" and the database commit would. (tests/slow_email.py pauses *before* writing instead.)"""

    def send_messages(self, email_messages):
        sent = super().send_messages(email_messages)
        time.sleep(0.4)
        return sent
