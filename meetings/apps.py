from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "meetings"

    def ready(self) -> None:
        # Registers beat's task (queued by name) and the emails of meetings as outbox kinds, which core delivers
        # without importing this app. Both import models, so this waits until the app registry is ready.
        from core import outbox  # noqa: PLC0415 (ready(): the outbox imports models)
        from meetings import live, reminders, scheduling, summary, tasks, versions  # noqa: F401, PLC0415 (ready(): they import models)

        versions.connect()

        outbox.register(
            "reminder",
            label=_("Reminder"),
            check=reminders.check,
            send=reminders.send,
            expired_reason=reminders.MEETING_STARTED,
        )
        outbox.register(
            "nudge",
            label=_("Progress nudge"),
            check=reminders.check,
            send=reminders.send,
            expired_reason=reminders.MEETING_STARTED,
        )
        calendar_labels = {
            scheduling.SCHEDULED: _("Meeting invitation"),
            scheduling.CHANGED: _("Meeting changed"),
            scheduling.CANCELLED: _("Meeting cancelled"),
        }
        for kind, label in calendar_labels.items():
            outbox.register(
                kind, label=label, check=scheduling.check_calendar_email, send=scheduling.send_calendar_email
            )
        outbox.register(
            summary.SUMMARY,
            label=_("Meeting summary"),
            check=summary.check_meeting_summary,
            send=summary.send_meeting_summary,
        )
