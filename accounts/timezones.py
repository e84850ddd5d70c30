"""The list of time zones a person or a set may choose (the IANA database as Python ships it), and how a zone is
named to people."""

import zoneinfo
from datetime import datetime
from functools import cache

from django import forms
from django.forms.utils import flatatt
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import pgettext


@cache
def timezone_choices() -> list[tuple[str, str]]:
    names = sorted(
        name
        for name in zoneinfo.available_timezones()
        if "/" in name and not name.startswith(("Etc/", "SystemV/", "posix/", "right/"))
    )
    return [("UTC", "UTC"), *((name, name.replace("_", " ")) for name in names)]


@cache
def _options_html() -> str:
    """Every zone's <option>, escaped once per process (the labels are not translated)."""
    return format_html_join("", '<option value="{}">{}</option>', timezone_choices())


class TimezoneSelect(forms.Select):
    """A <select> of the ~600 IANA zones: the options are escaped once per process, and the chosen one is marked by
    a string replacement (Django's per-option templates cost ~25 ms here, escaping 600 options each time ~10 ms)."""

    def render(self, name, value, attrs=None, renderer=None):
        attrs = self.build_attrs(self.attrs, attrs or {})
        attrs["name"] = name
        options = _options_html()
        if value:
            chosen = format_html('<option value="{}">', value)
            options = options.replace(chosen, chosen[:-1] + " selected>", 1)
        return format_html("<select{}>{}</select>", flatatt(attrs), mark_safe(options))


def zone_label(name: str) -> str:
    """A zone as people say it: "Singapore time", "London time", "New York time" (the IANA name's city part);
    "UTC" stays "UTC". Abbreviations are not used: many zones have none ("+08" for Singapore)."""
    if not name or name in {"UTC", "Etc/UTC", "GMT"}:
        return "UTC"
    city = name.rsplit("/", 1)[-1].replace("_", " ")
    return _("%(city)s time") % {"city": city}


def zone_name_of(moment: datetime) -> str:
    """The IANA name of the zone `moment` is shown in: the active zone (the viewer's or the email recipient's)."""
    zone = timezone.template_localtime(moment).tzinfo
    return getattr(zone, "key", None) or (str(zone) if zone is not None else timezone.get_current_timezone_name())


def time_range(starts: datetime, ends: datetime, date_pattern: str = "") -> str:
    """ "Tuesday 3 June 2026, 18:00–20:30 London time", with "(next day)" when it ends on a later day, all in the
    active zone. The date is written as the active language writes it ("Dienstag, 3. Juni 2026") unless a
    `date_pattern` is given."""
    date_pattern = date_pattern or pgettext("Django date format of a meeting's day and start", "l j F Y, H:i")
    starts_local, ends_local = timezone.template_localtime(starts), timezone.template_localtime(ends)
    text = f"{date_format(starts_local, date_pattern)}–{date_format(ends_local, 'H:i')}"
    if ends_local.date() > starts_local.date():
        text += " " + _("(next day)")
    return f"{text} {zone_label(zone_name_of(starts))}"
