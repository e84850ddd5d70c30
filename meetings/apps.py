"""The meetings app's configuration: registers its Celery tasks once the models are loaded."""

from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "meetings"

    def ready(self) -> None:
        # Registers the Celery tasks that services queue by name (core.queueing); tasks import the models, so
        # this waits until the app registry is ready. (RUF100: PLC0415 is not switched on for the project yet.)
        from meetings import tasks  # noqa: F401, PLC0415, RUF100 (tasks import the models, not loaded until ready())
