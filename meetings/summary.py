"""The meeting's summary email: when the meeting ends, one for each person marked present, written to the
outbox in the ending's transaction (an outbox kind, registered in meetings/apps.py) and sent by the worker."""

from core import outbox
from core.emails import send_templated
from core.models import OutboxMessage
from meetings.models import (
    Action,
    Meeting,
)

# The meeting's summary email: an outbox kind (registered in meetings/apps.py).

SUMMARY = "meeting-summary"


def write_meeting_summaries(*, meeting: Meeting, now) -> list[int]:
    """When the meeting ends: one summary for each person marked present, written to the outbox in the ending's
    transaction. Once per meeting (summary_sent_at, and one key per person)."""
    if not Meeting.objects.filter(pk=meeting.pk, summary_sent_at=None).update(summary_sent_at=now):
        return []
    learning_set = meeting.learning_set
    return outbox.enqueue(
        outbox.Message(
            kind=SUMMARY,
            key=f"{SUMMARY}:{meeting.pk}:{attendance.user_id}",
            to_email=attendance.user.email,
            to_user_id=attendance.user_id,
            ref={"meeting": meeting.pk},
            organisation_id=learning_set.organisation_id,
            learning_set_id=learning_set.pk,
        )
        for attendance in meeting.attendances.filter(present=True).select_related("user")
    )


def check_meeting_summary(message: OutboxMessage, now) -> str:
    if not Meeting.objects.filter(pk=message.ref.get("meeting"), status=Meeting.Status.ENDED).exists():
        return "meeting not ended"
    return ""


def send_meeting_summary(message: OutboxMessage) -> None:
    """The shared record and the person's own actions. It carries only what a member of the set may read: issue
    titles, shared reflections, their own actions."""
    meeting = Meeting.objects.select_related("learning_set").get(pk=message.ref["meeting"])
    person = message.to_user
    send_templated(
        SUMMARY,
        to=person.email,
        tz_name=person.timezone,
        language=person.language,
        context={
            "meeting": meeting,
            "learning_set": meeting.learning_set,
            "recipient": person,
            "slots": list(meeting.slots.select_related("presenter", "issue")),
            "reflections": list(meeting.reflections.filter(shared=True).select_related("author")),
            "actions": list(Action.objects.filter(meeting=meeting, owner=person)),
        },
    )
