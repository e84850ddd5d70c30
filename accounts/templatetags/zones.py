"""Time zones named the way people say them, in every page and email that shows a time with its zone.

{% load zones %}
{{ meeting.starts_at|date:"H:i" }} {{ meeting.starts_at|zone_label }}   -> 18:00 London time
{{ learning_set.timezone|zone_label }}                                   -> London time
{% time_range meeting.starts_at meeting.ends_at %}   -> Tuesday 3 June 2026, 22:00–00:00 (next day) Singapore time
"""

from datetime import datetime

from django import template

from accounts import timezones

register = template.Library()


@register.filter
def zone_label(value) -> str:
    """The label of a zone name ("Asia/Singapore"), or of the zone a datetime is shown in."""
    if isinstance(value, datetime):
        value = timezones.zone_name_of(value)
    return timezones.zone_label(str(value or ""))


@register.simple_tag
def time_range(starts: datetime, ends: datetime, date_pattern: str = "") -> str:
    """A meeting's day, start and end, with "(next day)" when it ends after midnight, and its zone's label."""
    return timezones.time_range(starts, ends, date_pattern)
