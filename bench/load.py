"""The load run: `make load` (or `uv run python bench/load.py --scale 100 --users 50 --duration 120`).

50 people, each with a session of their own made as logging in makes one, use the site at once for 2 minutes:
five sets of ten hold a live meeting each, which their facilitators move on every few seconds, and each person
goes round the member pages (home, my actions, the set page, the set's meetings, the next meeting's page, the
live meeting room) while polling the meeting's state and workspace as the room's htmx does. The app is served as
in production (gunicorn, `--workers` sync workers, DEBUG off, Redis cache, PostgreSQL) on loopback; the people are
threads of this process with a keep-alive connection each, sending their next request as soon as the last one is
answered (`--think 0`, the default: 50 connections always busy) or after a pause (`--think 2`: a person's pace).

Every answer is checked: a page must answer 200, the polls 200 or 304 (a 302 to the login page counts as an
unexpected status). It prints one JSON document (requests, errors, non-2xx/3xx, unexpected statuses, p50, p95,
p99 and max per page and overall) and writes it to bench/results/load-latest.json. The exit status is 1 unless
every request got its expected answer.
"""

import argparse
import http.client
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import ensure_database, environment, free_port, machine, manage, wait_until_up  # noqa: E402

DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/actionlearning_bench_load"
RESULTS = ROOT / "bench" / "results"
STATE_REVISION = re.compile(rb"live/state/\?v=(\d+)")
WORKSPACE_REVISION = re.compile(rb"live/workspace/\?v=(\d+)")


@dataclass
class Person:
    name: str
    cookie: str
    meeting_id: int
    pages: list[tuple[str, str]]  # (page name, path)
    revision: int = 0
    workspace_revision: int = 0


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, dict[int, int]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    unexpected: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    examples: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, page: str, status: int | None, seconds: float, ok: bool, problem: str = "") -> None:
        with self.lock:
            self.latencies[page].append(seconds)
            if status is None:
                self.errors[page] += 1
            else:
                self.statuses[page][status] += 1
            if not ok:
                self.unexpected[page] += 1
                if len(self.examples) < 20:
                    self.examples.append(f"{page}: {problem or status}")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def summary(latencies: list[float], statuses: dict[int, int], errors: int, unexpected: int, seconds: float) -> dict:
    return {
        "requests": len(latencies),
        "requests_per_second": round(len(latencies) / seconds, 1),
        "errors": errors,
        "non_2xx_or_3xx": sum(n for status, n in statuses.items() if not 200 <= status < 400),
        "unexpected_status": unexpected,
        "statuses": {str(status): n for status, n in sorted(statuses.items())},
        "p50_ms": round(percentile(latencies, 0.50) * 1000, 1),
        "p95_ms": round(percentile(latencies, 0.95) * 1000, 1),
        "p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
        "max_ms": round(max(latencies, default=0) * 1000, 1),
    }


class Browser:
    """One person's keep-alive connection (reopened when the server closes it, as gunicorn's sync workers do)."""

    def __init__(self, port: int, cookie: str):
        self.port, self.cookie = port, cookie
        self.connection = None

    def get(self, path: str) -> tuple[int, bytes]:
        for attempt in (1, 2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            try:
                self.connection.request("GET", path, headers={"Cookie": self.cookie, "Host": "127.0.0.1"})
                response = self.connection.getresponse()
                body = response.read()
                if response.will_close:
                    self.connection.close()
                    self.connection = None
                return response.status, body
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # A kept-alive connection the server had already closed: what a browser retries at once.
                self.connection.close()
                self.connection = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


def person_loop(person: Person, port: int, stop: threading.Event, stats: Stats, think: float, seed: int) -> None:
    browser = Browser(port, person.cookie)
    rng = random.Random(seed)
    turn = rng.randrange(len(person.pages))
    while not stop.is_set():
        # Like the room's htmx: the state and the workspace polls, then a page.
        state = f"/meetings/{person.meeting_id}/live/state/?v={person.revision}"
        workspace = f"/meetings/{person.meeting_id}/live/workspace/?v={person.workspace_revision}"
        page_name, page_path = person.pages[turn % len(person.pages)]
        turn += 1
        for name, path, expected in (
            ("live_state_poll", state, (200, 304)),
            ("live_workspace_poll", workspace, (200, 304)),
            (page_name, page_path, (200,)),
        ):
            if stop.is_set():
                return
            started = time.perf_counter()
            try:
                status, body = browser.get(path)
            except Exception as error:  # a refused or dropped connection, a timeout: an error of the run
                stats.record(name, None, time.perf_counter() - started, False, f"{type(error).__name__}: {error}")
                continue
            seconds = time.perf_counter() - started
            stats.record(name, status, seconds, status in expected, f"{status} for {path}")
            if status == 200 and name == "live_state_poll":
                found = STATE_REVISION.search(body)
                person.revision = int(found.group(1)) if found else person.revision
            if status == 200 and name in ("live_workspace_poll", "live_room"):
                found = WORKSPACE_REVISION.search(body)
                person.workspace_revision = int(found.group(1)) if found else person.workspace_revision
            if think:
                stop.wait(rng.uniform(0.5, 1.5) * think)


def facilitators_loop(meetings: list, stop: threading.Event, every: float, moves: list) -> None:
    """Each facilitator moves their meeting on (or back, at the end) every `every` seconds, through the service,
    as the control buttons do: every participant's next poll then gets the new state."""
    from meetings import live  # noqa: PLC0415 (imported once Django is set up)
    from meetings.models import Meeting  # noqa: PLC0415 (imported once Django is set up)

    forward = dict.fromkeys((m.pk for m, _f in meetings), True)
    while not stop.wait(every):
        for meeting, facilitator in meetings:
            current = Meeting.objects.get(pk=meeting.pk)
            steps = len(live.plan_for(current).steps())
            if current.step_index >= steps - 3:  # stay clear of the reflection and the end
                forward[meeting.pk] = False
            elif current.step_index <= 0:
                forward[meeting.pk] = True
            control = "next" if forward[meeting.pk] else "back"
            live.control_meeting(meeting_id=current.pk, by=facilitator, control=control, version=current.version)
            moves.append(control)


def prepare(scale: int, users: int) -> tuple[list[Person], list]:
    """`users` people from the first sets of the scale organisation (10 a set), each with a session of their own
    let into their set's live meeting (started if it is not running)."""
    from django.urls import reverse  # noqa: PLC0415 (imported once Django is set up)

    from bench.scenario import live_meeting, real_session  # noqa: PLC0415 (imported once Django is set up)
    from bench.seed import slug  # noqa: PLC0415 (imported once Django is set up)
    from sets.models import LearningSet  # noqa: PLC0415 (imported once Django is set up)

    sets = list(LearningSet.objects.filter(organisation__slug=slug(scale)).order_by("name")[: -(-users // 10)])
    people, meetings = [], []
    for learning_set in sets:
        memberships = list(learning_set.memberships.select_related("user").order_by("role", "user__email"))
        facilitator = next(m.user for m in memberships if m.role == "facilitator")
        member = next(m.user for m in memberships if m.role == "member")
        running = live_meeting(learning_set, member)
        meetings.append((running, facilitator))
        upcoming = learning_set.meetings.filter(status="scheduled").order_by("starts_at").first()
        pages = [
            ("home", reverse("sets:home")),
            ("my_actions", reverse("meetings:my-actions")),
            ("set_page", reverse("sets:detail", args=[learning_set.pk])),
            ("set_meetings", reverse("meetings:set-meetings", args=[learning_set.pk])),
            ("meeting_page", reverse("meetings:detail", args=[upcoming.pk])),
            ("live_room", reverse("meetings:live", args=[running.pk])),
        ]
        for membership in memberships:
            if len(people) == users:
                break
            key = real_session(membership.user, [running.pk])
            people.append(
                Person(
                    name=membership.user.email,
                    cookie=f"sessionid={key}",
                    meeting_id=running.pk,
                    pages=pages,
                    revision=running.revision,
                    workspace_revision=running.revision,
                )
            )
    return people, meetings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, default=100, help="the seeded organisation: N sets of 10 people")
    parser.add_argument("--users", type=int, default=50, help="people using the site at once")
    parser.add_argument("--duration", type=int, default=120, help="seconds")
    parser.add_argument("--think", type=float, default=0.0, help="average pause between a person's requests (s)")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn sync workers (3, as in the Dockerfile)")
    parser.add_argument("--advance-every", type=float, default=10.0, help="seconds between facilitators' moves")
    parser.add_argument("--output", default=str(RESULTS / "load-latest.json"))
    args = parser.parse_args()

    database_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE)
    ensure_database(database_url)
    env = environment(database_url)
    os.environ.update(env)
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "seed_demo", "--scale", str(args.scale))
    manage(env, "collectstatic", "--noinput", "-v0")

    import django  # noqa: PLC0415 (a bench script: Django is imported once the environment it runs in is set)

    django.setup()
    from django.conf import settings  # noqa: PLC0415 (imported once Django is set up)

    people, meetings = prepare(args.scale, args.users)
    cookie_name = settings.SESSION_COOKIE_NAME
    for person in people:
        person.cookie = person.cookie.replace("sessionid=", f"{cookie_name}=", 1)
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "actionlearning.wsgi:application", "-w", str(args.workers)]
    command += ["-b", f"127.0.0.1:{port}", "--backlog", "2048", "--timeout", "60"]
    server_log = Path(tempfile.gettempdir()) / f"actionlearning-load-{port}.log"  # gunicorn's own errors, if any
    with server_log.open("w") as log:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    stats, stop, moves = Stats(), threading.Event(), []
    try:
        wait_until_up(f"http://127.0.0.1:{port}/healthz/live")
        warm = Browser(port, people[0].cookie)
        for _name, path in people[0].pages:
            warm.get(path)
        threads = [
            threading.Thread(target=person_loop, args=(p, port, stop, stats, args.think, i), daemon=True)
            for i, p in enumerate(people)
        ]
        mover = threading.Thread(
            target=facilitators_loop, args=(meetings, stop, args.advance_every, moves), daemon=True
        )
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        mover.start()
        time.sleep(args.duration)
        stop.set()
        for thread in threads:
            thread.join(timeout=35)
        mover.join(timeout=35)
        elapsed = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=30)

    pages = {
        name: summary(stats.latencies[name], stats.statuses[name], stats.errors[name], stats.unexpected[name], elapsed)
        for name in sorted(stats.latencies)
    }
    all_latencies = [value for values in stats.latencies.values() for value in values]
    all_statuses: dict[int, int] = defaultdict(int)
    for statuses in stats.statuses.values():
        for status, n in statuses.items():
            all_statuses[status] += n
    total = summary(all_latencies, all_statuses, sum(stats.errors.values()), sum(stats.unexpected.values()), elapsed)
    passed = total["errors"] == 0 and total["unexpected_status"] == 0 and total["requests"] > 0
    result = {
        "scale": args.scale,
        "users": len(people),
        "distinct_sessions": len({p.cookie for p in people}),
        "live_meetings": len(meetings),
        "facilitator_moves": len(moves),
        "duration_s": round(elapsed, 1),
        "think_s": args.think,
        "gunicorn_workers": args.workers,
        "machine": machine(),
        "total": total,
        "pages": pages,
        "problems": stats.examples,
        "server_log": str(server_log),
        "result": "passed: every request answered as expected" if passed else "FAILED",
    }
    document = json.dumps(result, indent=2)
    print(document)
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(document + "\n")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
