"""What the harness measures, inside Django: the pages and users, query counts, and the reminder batch."""

import statistics
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import timedelta
from importlib import import_module
from pathlib import Path

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from actionlearning.celery import app as celery_app
from bench.seed import slug
from core import outbox
from core.models import OutboxMessage
from meetings import live, live_version, reminders
from meetings.models import Meeting
from sets.models import OrganisationMembership, SetMembership

ROOT = Path(__file__).resolve().parent.parent
# The participation report and its CSV are timed one request at a time in result["batch"] (see report_timings).
ABSENT_PAGES: list[str] = []
# The layout floor (actionlearning/views.py, routed when BENCH_VIEWS is on): base.html with one line of content.
LAYOUT_FLOOR = "/bench/layout/"


@dataclass
class Page:
    name: str
    path: str
    logged_in: bool = True
    live: bool = False  # the room's "nothing changed" poll: measured against the bare floor, not the layout
    expect: int = 200


def live_meeting(learning_set, member) -> Meeting:
    """A running meeting in the member's set (started once; later runs reuse it), with two presenters."""

    running = learning_set.meetings.filter(status="live").first()
    if running:
        cache.set(live_version.version_cache_key(running.pk), running.revision, live_version.VERSION_CACHE_SECONDS)
        return running
    running = learning_set.meetings.filter(status="ended").order_by("-starts_at").first()
    Meeting.objects.filter(pk=running.pk).update(status="scheduled", version=0, step_index=None)
    running.refresh_from_db()
    facilitator = learning_set.memberships.get(role="facilitator").user
    for presenter in (member, facilitator):
        if not running.slots.filter(presenter=presenter).exists():
            live.add_slot(meeting=running, presenter=presenter, by=facilitator, issue_title="A bench issue")
    live.control_meeting(meeting_id=running.pk, by=facilitator, control="start", version=0)
    running.refresh_from_db()
    return running


@dataclass
class World:
    session_key: str
    cookie: str
    pages: list[Page]


def real_session(user: User, rooms: list[int]) -> str:
    """A session exactly as logging in makes one (so every permission check runs under load), that has opened
    the meeting rooms in `rooms`."""
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session["live_rooms"] = rooms
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key


def prepare(scale: int) -> World:
    """A member (not the facilitator) of the scale organisation's first set, their session, and the pages."""
    membership = (
        SetMembership.objects.filter(learning_set__organisation__slug=slug(scale), role="member")
        .select_related("user", "learning_set", "learning_set__organisation")
        .order_by("learning_set__name", "user__email")
        .first()
    )
    user, learning_set = membership.user, membership.learning_set
    if not user.calendar_token:
        user.calendar_token = f"bench-{uuid.uuid4().hex}"
        user.save(update_fields=["calendar_token"])
    meeting = learning_set.meetings.filter(status="scheduled").order_by("starts_at").first()
    running = live_meeting(learning_set, user)
    key = real_session(user, [running.pk])
    pages = [
        Page("member_home", reverse("sets:home")),
        Page("home_next_meetings_panel", reverse("meetings:my-upcoming")),
        Page("organisation_page", reverse("sets:organisation", args=[learning_set.organisation.slug])),
        Page("set_page", reverse("sets:detail", args=[learning_set.pk])),
        Page("set_meetings", reverse("meetings:set-meetings", args=[learning_set.pk])),
        Page("meeting_page", reverse("meetings:detail", args=[meeting.pk])),
        Page("profile", reverse("accounts:profile")),
        Page("my_actions", reverse("meetings:my-actions")),
        Page("home_open_actions_panel", reverse("meetings:home-actions")),
        Page("home_shared_panel", reverse("meetings:home-shared")),
        Page("set_board", reverse("meetings:board", args=[learning_set.pk])),
        Page("my_issues", reverse("meetings:my-issues")),
        Page("calendar_feed", reverse("meetings:feed", args=[user.calendar_token]), logged_in=False),
        Page("live_meeting_room", reverse("meetings:live", args=[running.pk])),
        Page(
            "live_state_unchanged",
            reverse("meetings:live-state", args=[running.pk]) + f"?v={running.revision}",
            live=True,
            expect=304,
        ),
        # The room's fragment after a change: an HTML page like the others (against the layout floor).
        Page("live_state_changed", reverse("meetings:live-state", args=[running.pk]) + "?v=-1"),
    ]
    issue = running.slots.filter(presenter=user).values_list("issue_id", flat=True).first()
    if issue:
        pages.append(Page("issue_page", reverse("meetings:issue", args=[issue])))
    return World(session_key=key, cookie=f"{settings.SESSION_COOKIE_NAME}={key}", pages=pages)


def count_queries(path: str, session_key: str | None, expect: int = 200) -> int:
    client = Client()
    if session_key:
        client.cookies[settings.SESSION_COOKIE_NAME] = session_key
    client.get(path)  # the first request fills the session cache, as under load
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == expect, f"{path} answered {response.status_code}"
    return len(queries.captured_queries)


def reminder_dispatch() -> dict:
    """One beat pass over the scale organisation: every set's next meeting is put 47 hours away, so each of its
    10 people has a due 48-hour reminder (10,000 pairs at the top scale). Time and queries of the pass, which
    includes queueing the send tasks on Redis."""

    OutboxMessage.objects.filter(kind__in=reminders.KINDS).delete()
    now = timezone.now()
    next_meetings = (
        Meeting.objects.filter(status="scheduled", starts_at__gt=now)
        .order_by("learning_set_id", "starts_at")
        .distinct("learning_set_id")
        .values("pk")
    )
    Meeting.objects.filter(pk__in=next_meetings).update(starts_at=now + timedelta(hours=47))
    queue = f"bench-{uuid.uuid4().hex}"
    celery_app.conf.task_default_queue = queue
    celery_app.conf.task_always_eager = False
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        claimed = reminders.dispatch_due_reminders()
    seconds = time.perf_counter() - started
    return {
        "due_pairs": len(claimed),
        "dispatch_seconds": round(seconds, 3),
        "dispatch_queries": len(queries.captured_queries),
        "send_batches": -(-len(claimed) // outbox.SEND_BATCH),
        "queue": queue,
    }


def send_through_worker(env: dict, batch: dict, timeout: float = 900) -> dict:
    """Start a real Celery worker (prefork, 2 processes) on the batch's queue and time it until every claimed
    reminder is marked sent. Emails go to Django's dummy backend: this measures the app, not an SMTP server."""
    command = [sys.executable, "-m", "celery", "-A", "actionlearning", "worker", "--concurrency=2"]
    command += ["--queues", batch["queue"], "--loglevel=WARNING", "--without-gossip", "--without-mingle"]
    started = time.perf_counter()
    worker = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while time.perf_counter() - started < timeout:
            sent = OutboxMessage.objects.filter(kind__in=reminders.KINDS, status="sent").count()
            if sent >= batch["due_pairs"]:
                break
            time.sleep(1)
        seconds = time.perf_counter() - started
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
    return {
        "worker_processes": 2,
        "sent": sent,
        "send_seconds_including_worker_start": round(seconds, 1),
        "emails_per_second": round(sent / seconds, 1) if seconds else None,
    }


@dataclass
class ReportWorld:
    session_key: str
    cookie: str
    report_path: str
    csv_path: str


def prepare_report(scale: int) -> ReportWorld:
    """The scale organisation's admin, their session, and the organisation-wide 90-day report and CSV."""

    admin = (
        OrganisationMembership.objects.filter(organisation__slug=slug(scale), role="admin")
        .select_related("user")
        .first()
        .user
    )
    key = real_session(admin, [])
    return ReportWorld(
        session_key=key,
        cookie=f"{settings.SESSION_COOKIE_NAME}={key}",
        report_path=reverse("reports:report", args=[slug(scale)]),
        csv_path=reverse("reports:report-csv", args=[slug(scale)]),
    )


def _get(url: str, cookie: str) -> tuple[int, int]:
    request = urllib.request.Request(url, headers={"Cookie": cookie})
    with urllib.request.urlopen(request, timeout=120) as response:
        return response.status, len(response.read())


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(child) for child in path.read_text().split()] if path.exists() else []


def _rss_mib(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        status = Path(f"/proc/{pid}/status")
        if status.exists():
            for line in status.read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return round(total / 1024, 1)


def time_report(base: str, report: ReportWorld, runs: int = 5) -> dict:
    """The organisation-wide 90-day report page, one request at a time (after one warm-up request). Every request
    is cold: nothing caches the report, so each one runs its queries and renders it (the warm-up only loads the
    code and the database's pages into memory)."""
    url = base + report.report_path
    _get(url, report.cookie)
    seconds = []
    for _run in range(runs):
        started = time.perf_counter()
        status, size = _get(url, report.cookie)
        seconds.append(time.perf_counter() - started)
        assert status == 200, f"{url} answered {status}"
    return {
        "path": report.report_path,
        "runs": runs,
        "cached": False,  # seconds_median is the cold path: no cache in front of the report
        "seconds_median": round(statistics.median(seconds), 3),
        "seconds_min": round(min(seconds), 3),
        "seconds_max": round(max(seconds), 3),
        "bytes": size,
        "queries": count_queries(report.report_path, report.session_key),
    }


STREAMED_MAX_GROWTH_MIB = 8


def time_csv(base: str, report: ReportWorld, server_pid: int) -> dict:
    """The CSV export of the same report: time to the first byte and to the last, rows, and the gunicorn workers'
    resident memory sampled every 20 ms while it streams (it stays flat: rows come from a cursor, not a list)."""
    url = base + report.csv_path
    workers = _children(server_pid)
    before = _rss_mib(workers)
    peak = [before]
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], _rss_mib(workers))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started = time.perf_counter()
    request = urllib.request.Request(url, headers={"Cookie": report.cookie})
    rows = size = 0
    first_byte = first_row = None
    with urllib.request.urlopen(request, timeout=300) as response:
        assert response.status == 200, f"{url} answered {response.status}"
        for line in response:
            if first_byte is None:
                first_byte = time.perf_counter() - started  # the header line
            elif first_row is None:
                first_row = time.perf_counter() - started  # the first person's row: the cursor's first batch
            rows += 1
            size += len(line)
    total = time.perf_counter() - started
    done.set()
    sampler.join()
    return {
        "path": report.csv_path,
        "rows": rows - 1,  # less the header
        "bytes": size,
        "seconds_to_first_byte": round(first_byte or total, 3),
        "seconds_to_first_row": round(first_row or total, 3),
        "seconds_total": round(total, 3),
        "workers_rss_mib_before": before,
        "workers_rss_mib_peak": peak[0],
        "workers_rss_growth_mib": round(peak[0] - before, 1),
        # Held in memory, 10,000 rows as dicts would add tens of MiB to a worker; streamed, it stays flat. (The
        # first row waits for the database to sort the rows by set and name; the worker never holds them.)
        "streamed": peak[0] - before < STREAMED_MAX_GROWTH_MIB,
    }
