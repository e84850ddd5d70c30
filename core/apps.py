import time

from django.apps import AppConfig

# When this process started (Django imports every app's apps.py at start-up). /healthz says "starting", not
# "degraded", while beat has not run yet and the process is younger than BEAT_STALE_AFTER_SECONDS (core/heartbeat.py).
STARTED_AT = time.monotonic()


class CoreConfig(AppConfig):
    """Shared plumbing every app may use: it imports no app of the project (docs/architecture.md)."""

    name = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        # Registers the outbox's send task, which core.outbox queues by name.
        from core import tasks  # noqa: F401, PLC0415 (ready(): tasks import models)
