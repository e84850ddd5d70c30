"""Health endpoints for load balancers, container orchestrators and the performance harness's floor."""

from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from actionlearning.celery import app as celery_app
from core import heartbeat


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        return False


def _broker_ok() -> bool:
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=1)
        return True
    except Exception:
        return False


@never_cache
@login_not_required
def healthz(request):
    """The database's, the broker's and the scheduler's state: 200 while the database answers (the broker or
    beat may be down for a while without losing work: rows wait in the database), 503 when it does not.
    "degraded" names what is wrong, so a missing scheduler never fails silently; "starting" is the first
    BEAT_STALE_AFTER_SECONDS of a process while beat has never run (its first pass may simply be due)."""
    database, broker = _database_ok(), _broker_ok()
    last_beat = heartbeat.last_run() if database else None
    beat_ok = database and not heartbeat.is_late(last_beat)
    beat_starting = database and heartbeat.is_starting(last_beat)
    if not database:
        status = "down"
    elif broker and beat_ok:
        status = "ok"
    elif broker and beat_starting:
        status = "starting"
    else:
        status = "degraded"
    body = {
        "status": status,
        "database": "ok" if database else "down",
        "broker": "ok" if broker else "down",
        "beat": "ok" if beat_ok else ("starting" if beat_starting else "late"),
        "beat_last_run": last_beat.isoformat() if last_beat else None,
    }
    return JsonResponse(body, status=200 if database else 503)


@never_cache
@login_not_required
def healthz_live(request):
    """Liveness: one query and a tiny body. The performance harness measures every page against this floor."""
    database = _database_ok()
    return JsonResponse({"status": "ok" if database else "down"}, status=200 if database else 503)


def bench_layout_floor(request):
    """The performance harness's layout floor: the base layout with one line of content, for whoever is logged in.
    Routed only when BENCH_VIEWS is on (bench/run.py turns it on); never a URL in production."""
    return render(request, "bench/layout_floor.html")
