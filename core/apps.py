from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Shared plumbing every app may use: it imports no app of the project (docs/architecture.md)."""

    name = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        # Registers the outbox's send task, which core.outbox queues by name.
        from core import tasks  # noqa: F401, PLC0415 (ready(): tasks import models)
