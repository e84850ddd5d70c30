"""iCalendar (RFC 5545) for meetings, built with the icalendar library.

An emailed invitation is METHOD:REQUEST, a change is REQUEST again with the same UID and a higher SEQUENCE, a
cancellation is METHOD:CANCEL; calendar programs match them by UID. The private feed is METHOD:PUBLISH. The words
are in the active language: callers activate the recipient's.
"""

import zoneinfo
from collections.abc import Iterable

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, vCalAddress, vText

from meetings.models import Meeting

REQUEST = "REQUEST"
CANCEL = "CANCEL"
PUBLISH = "PUBLISH"


def _organizer() -> vCalAddress:
    address = settings.DEFAULT_FROM_EMAIL.rsplit("<", 1)[-1].rstrip(">").strip()
    organizer = vCalAddress(f"mailto:{address}")
    organizer.params["cn"] = vText("actionlearning")
    return organizer


def meeting_event(meeting: Meeting, *, cancelled: bool = False, attendee_email: str | None = None) -> Event:
    tz = zoneinfo.ZoneInfo(meeting.learning_set.timezone)
    event = Event()
    event.add("uid", f"{meeting.uid}@actionlearning")
    event.add("sequence", meeting.sequence)
    event.add("dtstamp", timezone.now())
    event.add("dtstart", meeting.starts_at.astimezone(tz))
    event.add("dtend", meeting.ends_at.astimezone(tz))
    event.add("summary", _("%(set)s: action learning set") % {"set": meeting.learning_set.name})
    details = [f"{settings.SITE_URL}{reverse('meetings:detail', args=[meeting.pk])}"]
    if meeting.video_link:
        details.insert(0, meeting.video_link)
        event.add("url", meeting.video_link)
    event.add("description", "\n".join(details))
    if meeting.place:
        event.add("location", meeting.place)
    elif meeting.video_link:
        event.add("location", meeting.video_link)
    event.add("organizer", _organizer())
    if attendee_email:
        attendee = vCalAddress(f"mailto:{attendee_email}")
        attendee.params["role"] = vText("REQ-PARTICIPANT")
        attendee.params["partstat"] = vText("NEEDS-ACTION")
        attendee.params["rsvp"] = vText("FALSE")
        event.add("attendee", attendee, encode=0)
    cancelled = cancelled or meeting.is_cancelled
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    return event


def calendar(
    meetings: Iterable[Meeting], *, method: str, attendee_email: str | None = None, name: str | None = None
) -> bytes:
    cal = Calendar()
    cal.add("prodid", "-//actionlearning//meetings//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method)
    if name:
        cal.add("x-wr-calname", name)
    zones = set()
    for meeting in meetings:
        zones.add(meeting.learning_set.timezone)
        cal.add_component(meeting_event(meeting, cancelled=method == CANCEL, attendee_email=attendee_email))
    # VTIMEZONE blocks for every TZID used, so programs without the IANA database read the times right.
    cal.add_missing_timezones()
    return cal.to_ical()
