from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "meetings"

    def ready(self) -> None:
        # Registers the Celery tasks that services queue by name (core.queueing); tasks import the models, so
        # this waits until the app registry is ready.
        from meetings import tasks  # noqa: F401, PLC0415 (ready(): tasks import models)
