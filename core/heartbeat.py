"""When periodic jobs last ran, recorded by the jobs and read by the health check.

Beat's reminder pass calls `beat(DISPATCH)` each minute; `/healthz` asks `is_late(last_run(DISPATCH))` without
knowing which app runs the pass, and `is_starting(...)` so that a freshly started stack is not reported as broken.
"""

import time
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from core import apps as core_apps
from core.models import Heartbeat

DISPATCH = "meetings.dispatch_reminders"  # beat's every-minute pass: the one whose silence /healthz reports


def beat(name: str, now: datetime) -> None:
    """Record that the job `name` ran at `now`."""
    Heartbeat.objects.update_or_create(name=name, defaults={"last_run_at": now})


def last_run(name: str = DISPATCH) -> datetime | None:
    return Heartbeat.objects.filter(name=name).values_list("last_run_at", flat=True).first()


def is_late(last: datetime | None, now: datetime | None = None) -> bool:
    """Whether a job's last run (`last_run()`) is too long ago, or never happened."""
    now = now or timezone.now()
    return last is None or now - last > timedelta(seconds=settings.BEAT_STALE_AFTER_SECONDS)


def is_starting(last: datetime | None, monotonic_now: float | None = None) -> bool:
    """Whether a job has never run but this process started less than BEAT_STALE_AFTER_SECONDS ago: beat may
    simply not have made its first pass yet (it runs once a minute), so its silence is not yet a fault."""
    uptime = (time.monotonic() if monotonic_now is None else monotonic_now) - core_apps.STARTED_AT
    return last is None and uptime < settings.BEAT_STALE_AFTER_SECONDS
