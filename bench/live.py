"""The live meeting room under load: `make bench-live` (also run by `make bench`), or
`uv run python bench/live.py --scale 60 --meetings 50`.

M meetings x 8 participants, each a headless websocket client (the `websockets` library, no browser), against two
daphne processes on two ports, every meeting's clients split between them, sharing the Redis channel layer. Each
meeting's facilitator clicks through the real HTTP endpoint (an htmx POST to live/control/, as the page sends it),
one control every ~5 s; every client notes when the change reaches it. One client per meeting then fetches the new
stage over HTTP, as the page does (click -> stage on screen). Clicks and sockets go to their own process, or to the
other at once when it refuses the connection, as a load balancer in front of the two would send them.

Two scenarios: `steady`, and `kill` (one web process killed with SIGKILL mid-run and started again; its clients
reconnect with the page's backoff and re-sync from the version the server greets them with). Reports p50/p95/max
click -> push latency, lost and duplicated changes, connections held, the web processes' memory per connection
and CPU. Then the same pages served by gunicorn (as `make bench` serves them) and by the two daphne processes, in
one run (`pages_under_asgi`). All into bench/results/live-latest.json. Uses the bench database
(BENCH_DATABASE_URL, as bench/run.py).
"""

import argparse
import asyncio
import contextlib
import json
import os
import random
import re
import resource
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import websockets

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PEOPLE = 8
# Seconds between one facilitator's clicks: 50 meetings at 5 s is 10 clicks a second across the two processes,
# far above real meetings (a step lasts minutes), so each click meets the load of many others.
INTERVAL_S = 5.0
RAMP_S = 0.025  # one page opens every 25 ms: 400 in 10 s
ASGI_APPLICATION = "actionlearning.asgi:application"
BUDGET_P95_MS = 250
# A run through a two-presenter meeting, with a pause, a resume, an added 5 minutes and a step back.
CONTROLS = ["start", "next", "pause", "resume", "extend", "next", "back", "next", "next", "next"]
FIRST_DELAY_S, MAX_DELAY_S = 0.5, 15.0  # the page's backoff (static/js/room.js)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(fraction * len(ordered)))], 1) if ordered else 0.0


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def children(pid: int) -> list[int]:
    """A process's child processes (gunicorn's workers)."""
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(child) for child in (task / "children").read_text().split()]
    return found


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Web:
    """One daphne process on a fixed port, which can be killed and started again."""

    def __init__(self, port: int, env: dict):
        self.port, self.env, self.process, self.up = port, env, None, False
        self.cpu_before_restart = 0.0

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "daphne",
                "-b",
                "127.0.0.1",
                "-p",
                str(self.port),
                "actionlearning.asgi:application",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=self.log(),
        )

    def log(self):
        """BENCH_LOG=<path>: the server's log in <path>.<port> (for finding out why a run went wrong)."""
        if not os.environ.get("BENCH_LOG"):
            return subprocess.DEVNULL
        return open(f"{os.environ['BENCH_LOG']}.{self.port}", "a")

    def kill(self) -> None:
        self.up = False
        self.cpu_before_restart += cpu_seconds(self.process.pid)
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        stop(self.process)


async def http(port: int, method: str, path: str, cookie: str, body: str = "", headers: dict | None = None):
    """A minimal HTTP/1.1 request on its own connection (no thread pool between the click and the clock)."""
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        return 0, b""
    lines = [
        f"{method} {path} HTTP/1.1",
        f"Host: 127.0.0.1:{port}",
        f"Cookie: {cookie}",
        "Connection: close",
        f"Content-Length: {len(body.encode())}",
        *[f"{name}: {value}" for name, value in (headers or {}).items()],
    ]
    try:
        writer.write(("\r\n".join(lines) + "\r\n\r\n" + body).encode())
        await writer.drain()
        response = await reader.read()
    except OSError:
        return 0, b""  # the process died under the request
    finally:
        writer.close()
    parts = response.split(b" ", 2)
    return (int(parts[1]), response) if len(parts) > 2 else (0, response)


class Client:
    """One participant's page: a socket that reconnects like static/js/room.js and notes each version seen."""

    def __init__(self, meeting, person, ports: tuple[int, int], pages_port: int, cookie: str, fetches: bool):
        self.meeting, self.person, self.cookie, self.fetches = meeting, person, cookie, fetches
        self.pages_port = pages_port
        self.port, self.other_port = ports
        self.pushed: dict[int, float] = {}  # version -> when its push arrived
        self.synced: dict[int, float] = {}  # version -> when a (re)connect's greeting said it
        self.duplicates = 0
        self.fetched: dict[int, float] = {}
        self.fetching: set = set()
        self.connected = asyncio.Event()
        self.reconnects = 0
        self.stop = False
        self.problem = ""

    async def run(self, delay: float = 0) -> None:
        await asyncio.sleep(delay)  # pages open over a few seconds, not all in one instant
        attempts = 0
        while not self.stop:
            try:
                async with self.open_socket() as socket:
                    attempts = 0
                    async for raw in socket:
                        await self.received(json.loads(raw))
            except (TimeoutError, OSError, websockets.exceptions.WebSocketException) as error:
                self.problem = repr(error)
            if self.stop:
                return
            self.reconnects += 1
            ceiling = min(MAX_DELAY_S, FIRST_DELAY_S * 2**attempts)
            attempts += 1
            await asyncio.sleep(ceiling / 2 + random.random() * ceiling / 2)

    @contextlib.asynccontextmanager
    async def open_socket(self):
        """The page's socket, through the load balancer a deployment of several processes has (the clicks go the
        same way): to the client's own process, or, when that one refuses the connection (it is down), at once to
        the other, as a proxy tries its next upstream."""
        for port in (self.port, self.other_port):
            try:
                socket = await websockets.connect(
                    f"ws://127.0.0.1:{port}/ws/meetings/{self.meeting.pk}/",
                    additional_headers={"Cookie": self.cookie},
                    origin=f"http://127.0.0.1:{port}",
                    open_timeout=10,
                    ping_interval=None,
                )
            except ConnectionRefusedError:
                if port == self.other_port:
                    raise
                continue
            async with socket:
                yield socket
            return

    async def received(self, message: dict) -> None:
        now = time.perf_counter()
        if message["type"] == "hello":
            self.synced.setdefault(message["version"], now)
            self.connected.set()
        elif message["type"] == "room.changed":
            version = message["version"]
            if version in self.pushed:
                self.duplicates += 1
            self.pushed.setdefault(version, now)
            if self.fetches:
                self.fetching.add(asyncio.get_running_loop().create_task(self.fetch(version)))

    async def fetch(self, version: int) -> None:
        path = f"/meetings/{self.meeting.pk}/live/state/?v={version - 1}"
        status, _body = await http(self.pages_port, "GET", path, self.cookie, headers={"HX-Request": "true"})
        if status == 200:
            self.fetched.setdefault(version, time.perf_counter())

    def first_seen(self, version: int) -> tuple[float, str] | None:
        """When this page first showed `version` or a later one (a re-sync covers what it missed)."""
        candidates = [(at, "push") for v, at in self.pushed.items() if v >= version]
        candidates += [(at, "resync") for v, at in self.synced.items() if v >= version]
        return min(candidates) if candidates else None


async def facilitate(meeting, cookie: str, csrf: str, pages_port: int, clicks: dict, errors: list, answered: list):
    """Click through CONTROLS, one every INTERVAL_S (+-20%), through the real endpoint, as the page's htmx POST."""
    await asyncio.sleep(random.random() * INTERVAL_S)
    version = 0
    for control in CONTROLS:
        body = f"control={control}&version={version}"
        clicked = time.perf_counter()
        # A click whose connection failed is sent again with the same version: the compare-and-set applies it once
        # (the answer then shows the version it led to, with "already moved on" if the first had been applied).
        for _attempt in range(3):
            status, response = await http(
                pages_port,
                "POST",
                f"/meetings/{meeting.pk}/live/control/",
                cookie,
                body,
                {
                    "Content-Type": "application/x-www-form-urlencoded",
                    "X-CSRFToken": csrf,
                    "Origin": f"http://127.0.0.1:{pages_port}",
                    "HX-Request": "true",
                },
            )
            if status:
                break
        answered.append((time.perf_counter() - clicked) * 1000)
        if status == 200 and f'data-version="{version + 1}"'.encode() in response:
            version += 1
            clicks[(meeting.pk, version)] = clicked
        else:
            errors.append(f"meeting {meeting.pk} {control}: HTTP {status}")
        await asyncio.sleep(INTERVAL_S * (0.8 + 0.4 * random.random()))


async def scenario(
    name: str, world: list, webs: list[Web], pages: subprocess.Popen, pages_port: int, kill: bool
) -> dict:
    clients = []
    for meeting, people in world:
        for position, (person, cookie) in enumerate(people):
            ports = (webs[position % 2].port, webs[(position + 1) % 2].port)
            clients.append(Client(meeting, person, ports, pages_port, cookie, fetches=position == 1))
    rss_idle = {web.port: rss_kib(web.process.pid) for web in webs}
    cpu_start = {web.port: cpu_seconds(web.process.pid) for web in webs}
    pages_cpu_start = sum(cpu_seconds(pid) for pid in children(pages.pid))
    tasks = [asyncio.create_task(client.run(delay=i * RAMP_S)) for i, client in enumerate(clients)]
    try:
        await asyncio.wait_for(asyncio.gather(*(client.connected.wait() for client in clients)), timeout=120)
    except TimeoutError:
        waiting = [client for client in clients if not client.connected.is_set()]
        raise SystemExit(f"{len(waiting)} of {len(clients)} clients could not connect: {waiting[0].problem}") from None
    await asyncio.sleep(1)
    held = sum(client.connected.is_set() for client in clients)
    rss_held = {web.port: rss_kib(web.process.pid) for web in webs}
    for client in clients:
        client.pushed.clear()
        client.synced.clear()

    clicks: dict = {}
    errors: list = []
    answered: list = []
    started = time.perf_counter()
    own_cpu_start = resource.getrusage(resource.RUSAGE_SELF)
    facilitators = [
        asyncio.create_task(facilitate(meeting, people[0][1], CSRF[meeting.pk], pages_port, clicks, errors, answered))
        for meeting, people in world
    ]
    killed_at = restarted_at = None
    if kill:
        await asyncio.sleep(len(CONTROLS) * INTERVAL_S / 2)
        victim = webs[1]
        victim.kill()
        killed_at = time.perf_counter() - started
        await asyncio.sleep(1)
        victim.start()
        await asyncio.to_thread(wait_until_up, f"http://127.0.0.1:{victim.port}/healthz/live")
        victim.up = True
        restarted_at = time.perf_counter() - started
    await asyncio.gather(*facilitators)
    await asyncio.sleep(3)  # the last pushes, and reconnects still backing off
    if kill:
        deadline = time.perf_counter() + 30
        while time.perf_counter() < deadline and not all(c.synced or c.pushed for c in clients):
            await asyncio.sleep(0.5)
    seconds = time.perf_counter() - started
    own_cpu_end = resource.getrusage(resource.RUSAGE_SELF)
    pages_cpu = sum(cpu_seconds(pid) for pid in children(pages.pid)) - pages_cpu_start
    cpu = {
        web.port: round(cpu_seconds(web.process.pid) + web.cpu_before_restart - cpu_start[web.port], 2) for web in webs
    }
    for client in clients:
        client.stop = True
        tasks += client.fetching
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)

    latencies, resynced, fetched, lost, duplicates = [], [], [], 0, 0
    duplicates_by_port: dict = {}
    for client in clients:
        duplicates += client.duplicates
        if client.duplicates:
            duplicates_by_port[client.port] = duplicates_by_port.get(client.port, 0) + client.duplicates
        for (meeting_id, version), clicked in clicks.items():
            if meeting_id != client.meeting.pk:
                continue
            seen = client.first_seen(version)
            if seen is None:
                lost += 1
                continue
            latency = max(0.0, (seen[0] - clicked) * 1000)
            latencies.append(latency)
            if seen[1] == "resync":
                resynced.append(latency)
            if version in client.fetched:
                fetched.append((client.fetched[version] - clicked) * 1000)
    deliveries = len(latencies) + lost
    result = {
        "scenario": name,
        "meetings": len(world),
        "participants_per_meeting": PEOPLE,
        "web_processes": len(webs),
        "connections_held": held,
        "clicks": len(clicks),
        "click_errors": errors[:10],
        "changes_expected_on_screens": deliveries,
        "lost": lost,
        "duplicated": duplicates,
        "duplicated_by_port": duplicates_by_port,
        "click_to_push_ms": {
            "p50": percentile(latencies, 0.5),
            "p95": percentile(latencies, 0.95),
            "p99": percentile(latencies, 0.99),
            "max": round(max(latencies), 1) if latencies else None,
        },
        "click_answered_ms": {"p50": percentile(answered, 0.5), "p95": percentile(answered, 0.95)},
        "click_to_stage_fetched_ms": {
            "samples": len(fetched),
            "p50": percentile(fetched, 0.5),
            "p95": percentile(fetched, 0.95),
            "max": round(max(fetched), 1) if fetched else None,
        },
        "web_rss_mib_idle": {port: round(kib / 1024, 1) for port, kib in rss_idle.items()},
        "web_rss_mib_with_connections": {port: round(kib / 1024, 1) for port, kib in rss_held.items()},
        "web_rss_kib_per_connection": round((sum(rss_held.values()) - sum(rss_idle.values())) / max(1, held), 1),
        "web_cpu_seconds": cpu,
        "web_cpu_percent_of_one_core": {port: round(100 * s / seconds, 1) for port, s in cpu.items()},
        "pages_cpu_percent_of_one_core": round(100 * pages_cpu / seconds, 1),
        "client_cpu_seconds": round(
            own_cpu_end.ru_utime + own_cpu_end.ru_stime - own_cpu_start.ru_utime - own_cpu_start.ru_stime, 2
        ),
        "seconds": round(seconds, 1),
    }
    if kill:
        result |= {
            "killed_at_s": round(killed_at, 1),
            "restarted_at_s": round(restarted_at, 1),
            "reconnects": sum(client.reconnects for client in clients),
            "resynced_changes": len(resynced),
            "resync_ms": {"p50": percentile(resynced, 0.5), "max": round(max(resynced), 1) if resynced else None},
        }
    problems = []
    if result["click_to_push_ms"]["p95"] > BUDGET_P95_MS:
        problems.append(f"p95 {result['click_to_push_ms']['p95']} ms > {BUDGET_P95_MS}")
    if kill and not all(client.pushed or client.synced for client in clients):
        problems.append("some pages never came back")
    if lost or duplicates or errors:
        problems.append(f"{lost} lost, {duplicates} duplicated, {len(errors)} click errors")
    result["budget"] = "met" if not problems else "missed: " + "; ".join(problems)
    return result


CSRF: dict = {}


def wait_until_up(url: str, timeout: float = 60) -> None:
    from bench.run import wait_until_up as wait  # noqa: PLC0415 (a bench script: imported once the path is set)

    wait(url, timeout)


def prepare(scale: int, meetings: int) -> list:
    """`meetings` new meetings, each in its own set of the scale organisation, with two presenters, and a real
    session for 8 of the set's people (the facilitator first)."""
    from django.utils import timezone  # noqa: PLC0415 (imported once Django is set up)

    from bench.scenario import real_session  # noqa: PLC0415 (imported once Django is set up)
    from bench.seed import slug  # noqa: PLC0415 (imported once Django is set up)
    from meetings import live  # noqa: PLC0415 (imported once Django is set up)
    from meetings.models import Meeting  # noqa: PLC0415 (imported once Django is set up)
    from sets.models import LearningSet  # noqa: PLC0415 (imported once Django is set up)

    sets = list(LearningSet.objects.filter(organisation__slug=slug(scale)).order_by("pk")[:meetings])
    if len(sets) < meetings:
        raise SystemExit(f"scale {scale} has {len(sets)} sets; --meetings {meetings} needs as many")
    world = []
    for learning_set in sets:
        memberships = learning_set.memberships.filter(left_at=None).select_related("user").order_by("role", "pk")
        people = [m.user for m in memberships][:PEOPLE]  # "facilitator" sorts before "member"
        facilitator = people[0]
        meeting = Meeting.objects.create(learning_set=learning_set, starts_at=timezone.now() + timedelta(hours=1))
        for presenter in people[1:3]:
            live.add_slot(meeting=meeting, presenter=presenter, by=facilitator, issue_title="A bench issue")
        sessions = []
        for person in people:
            key = real_session(person, [meeting.pk])
            sessions.append((person, f"sessionid={key}; csrftoken={csrf_token()}"))
        world.append((meeting, sessions))
    return world


def csrf_token() -> str:
    from django.middleware.csrf import _get_new_csrf_string  # noqa: PLC0415 (imported once Django is set up)

    return _get_new_csrf_string()


# The pages compared under the two servers: the floor, the live room's two hot paths, and member pages.
COMPARED_PAGES = ("member_home", "my_actions", "live_meeting_room", "live_state_unchanged", "live_state_changed")


def serve_and_measure(command_for_port, ports: list[int], env: dict, paths: dict, cookie: str, duration: int) -> dict:
    """Start one server process per port (`command_for_port(port)`), drive every path with wrk (16 connections
    split over the ports, at the same time) and stop them: {name: {requests_per_second, p95_ms}}."""
    processes = [
        subprocess.Popen(
            command_for_port(port), cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        for port in ports
    ]
    figures = {}
    try:
        for port in ports:
            wait_until_up(f"http://127.0.0.1:{port}/healthz/live")
            for path, _logged_in in paths.values():  # warm each process's connection and template caches
                for _ in range(3):
                    subprocess.run(
                        ["curl", "-s", "-o", "/dev/null", "-H", f"Cookie: {cookie}", f"http://127.0.0.1:{port}{path}"],
                        check=False,
                    )
        for name, (path, logged_in) in paths.items():
            runs = [
                subprocess.Popen(
                    wrk_command(
                        f"http://127.0.0.1:{port}{path}", cookie if logged_in else None, duration, 16 // len(ports)
                    ),
                    stdout=subprocess.PIPE,
                    text=True,
                )
                for port in ports
            ]
            reports = [wrk_report(run.communicate()[0]) for run in runs]
            seconds = max(report["duration_us"] for report in reports) / 1e6
            figures[name] = {
                "requests_per_second": round(sum(report["requests"] for report in reports) / seconds, 1),
                "p95_ms": round(max(report["p95_us"] for report in reports) / 1000, 2),
                "errors": sum(report["errors"] + report["status_errors"] for report in reports),
            }
    finally:
        for process in processes:
            stop(process)
    return figures


def stop(process: subprocess.Popen) -> None:
    """SIGTERM, and SIGKILL if the server is still draining connections 20 s later."""
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def wrk_command(url: str, cookie: str | None, duration: int, connections: int) -> list[str]:
    from bench.run import WRK_SCRIPT  # noqa: PLC0415 (a bench script: imported once the path is set)

    command = ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--latency", "-s", str(WRK_SCRIPT)]
    return [*command, *(["-H", f"Cookie: {cookie}"] if cookie else []), url]


def wrk_report(output: str) -> dict:
    return json.loads(re.search(r"^BENCH_JSON (.+)$", output, re.MULTILINE).group(1))


def gunicorn_command(port: int) -> list[str]:
    """The pages as `make bench` and docker-compose serve them: gunicorn, 2 sync workers."""
    return [sys.executable, "-m", "gunicorn", "actionlearning.wsgi:application", "-w", "2", "-b", f"127.0.0.1:{port}"]


def pages_under_both_servers(scale: int, env: dict, duration: int) -> dict:
    """The same pages served as `make bench` serves them (gunicorn, 2 sync workers) and as the deployment does
    (two daphne processes, wrk's 16 connections split between them), in one run: each page's requests/s against
    the WSGI floor (/healthz/live under gunicorn), as `make bench` reports it, under each server."""
    from bench import scenario  # noqa: PLC0415 (imported once Django is set up)

    world = scenario.prepare(scale)
    paths = {"floor": ("/healthz/live", False)} | {
        page.name: (page.path, page.logged_in) for page in world.pages if page.name in COMPARED_PAGES
    }
    wsgi = serve_and_measure(
        gunicorn_command,
        [free_port()],
        env,
        paths,
        world.cookie,
        duration,
    )
    asgi = serve_and_measure(
        lambda port: [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), ASGI_APPLICATION],
        [free_port(), free_port()],
        env,
        paths,
        world.cookie,
        duration,
    )
    floor = wsgi["floor"]["requests_per_second"]
    pages = {}
    for name in paths:
        pages[name] = {
            "wsgi": wsgi[name] | {"ratio_to_wsgi_floor": round(wsgi[name]["requests_per_second"] / floor, 3)},
            "asgi": asgi[name] | {"ratio_to_wsgi_floor": round(asgi[name]["requests_per_second"] / floor, 3)},
            "asgi_over_wsgi": round(asgi[name]["requests_per_second"] / wsgi[name]["requests_per_second"], 2),
        }
    return {
        "wsgi": "gunicorn, 2 sync workers, one port",
        "asgi": "daphne x2 (one process each), wrk's connections split between the two ports",
        "connections": 16,
        "duration_s": duration,
        "pages": pages,
    }


def free_port() -> int:
    from bench.run import free_port as free  # noqa: PLC0415 (a bench script: imported once the path is set)

    return free()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, default=60, help="seed_demo --scale (sets of 10 people)")
    parser.add_argument("--meetings", type=int, default=50)
    parser.add_argument("--no-kill", action="store_true", help="skip the scenario that kills a web process")
    parser.add_argument("--no-steady", action="store_true", help="skip the steady scenario")
    parser.add_argument("--no-pages", action="store_true", help="skip the pages under gunicorn and under daphne")
    parser.add_argument("--duration", type=int, default=10, help="seconds of wrk per page in the pages comparison")
    parser.add_argument("--output", default=str(RESULTS / "live-latest.json"))
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT))
    from bench.run import DEFAULT_DATABASE, analyze, ensure_database, environment, manage  # noqa: PLC0415 (a bench script: imported once the path is set)

    database_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE)
    ensure_database(database_url)
    env = environment(database_url)
    os.environ.update(env)
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "seed_demo", "--scale", str(args.scale))
    analyze(database_url)
    manage(env, "collectstatic", "--noinput", "-v0")
    import django  # noqa: PLC0415 (a bench script: Django is imported once the environment it runs in is set)

    django.setup()
    world = prepare(args.scale, args.meetings)
    for meeting, people in world:
        CSRF[meeting.pk] = people[0][1].split("csrftoken=")[1]

    webs, pages = [Web(free_port(), env), Web(free_port(), env)], None
    pages_port = free_port()
    results = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "load_average_at_start": os.getloadavg(),
        "servers": "pages and clicks: gunicorn (2 sync workers); sockets: daphne x2; channels-redis on "
        + env.get("CHANNEL_LAYER_URL", env["REDIS_URL"]),
        "budget_p95_ms": BUDGET_P95_MS,
    }
    try:
        for web in webs:
            web.start()
        pages = subprocess.Popen(
            gunicorn_command(pages_port), cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        for web in webs:
            wait_until_up(f"http://127.0.0.1:{web.port}/healthz/live")
            web.up = True
        wait_until_up(f"http://127.0.0.1:{pages_port}/healthz/live")
        if not args.no_steady:
            results["steady"] = asyncio.run(scenario("steady", world, webs, pages, pages_port, kill=False))
            print(json.dumps(results["steady"], indent=2), flush=True)
            world = prepare(args.scale, args.meetings)  # fresh meetings, at version 0
            for meeting, people in world:
                CSRF[meeting.pk] = people[0][1].split("csrftoken=")[1]
        if not args.no_kill:
            results["kill"] = asyncio.run(scenario("kill", world, webs, pages, pages_port, kill=True))
            print(json.dumps(results["kill"], indent=2), flush=True)
    finally:
        for web in webs:
            web.stop()
        if pages is not None:
            stop(pages)
    if not args.no_pages:
        results["pages_under_asgi"] = pages_under_both_servers(args.scale, env, args.duration)
        print(json.dumps(results["pages_under_asgi"], indent=2), flush=True)
    document = json.dumps(results, indent=2)
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(document + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
