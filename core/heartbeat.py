"""When periodic jobs last ran, recorded by the jobs and read by the health check.

Beat's reminder pass calls `beat(DISPATCH)` each minute; `/healthz` asks `is_late(last_run(DISPATCH))` without
knowing which app runs the pass.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

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
