"""The emails about meetings: reminders, nudges and their one-click unsubscribe."""

from django.conf import settings
from django.core import signing
from django.urls import reverse

from core.emails import send_templated
from meetings.models import Action, Attendance, Meeting, ReminderKind
from meetings.queries import set_people

UNSUBSCRIBE_SALT = "meetings.unsubscribe"


def unsubscribe_token(user_id: int, kind: str) -> str:
    return signing.dumps({"u": user_id, "k": kind}, salt=UNSUBSCRIBE_SALT, compress=True)


def read_unsubscribe_token(token: str) -> tuple[int, str] | None:
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("k") not in ReminderKind.values or not isinstance(data.get("u"), int):
        return None
    return data["u"], data["k"]


def unsubscribe_url(user_id: int, kind: str) -> str:
    return settings.SITE_URL + reverse("meetings:unsubscribe", args=[unsubscribe_token(user_id, kind)])


def send_reminder_email(*, meeting: Meeting, user, kind: str) -> None:
    """A reminder or a nudge to one person. It carries only what that person may read: the meeting, who is
    expected, and their own open actions."""
    expected = set_people(meeting.learning_set_id).exclude(
        user_id__in=Attendance.objects.filter(meeting=meeting, rsvp=Attendance.Rsvp.APOLOGIES).values("user_id")
    )
    actions = Action.objects.filter(owner=user, learning_set_id=meeting.learning_set_id, status=Action.Status.OPEN)
    link = unsubscribe_url(user.pk, kind)
    send_templated(
        kind,
        to=user.email,
        tz_name=user.timezone,
        language=user.language,
        context={
            "meeting": meeting,
            "learning_set": meeting.learning_set,
            "recipient": user,
            "expected": [m.user for m in expected],
            "actions": list(actions[:20]),
            "meeting_url": settings.SITE_URL + reverse("meetings:detail", args=[meeting.pk]),
            "actions_url": settings.SITE_URL + reverse("meetings:my-actions"),
            "unsubscribe_url": link,
        },
        headers={"List-Unsubscribe": f"<{link}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
    )
