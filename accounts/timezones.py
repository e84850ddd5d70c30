"""The list of time zones a person or a set may choose: the IANA database as Python ships it."""

import zoneinfo
from functools import cache

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe


@cache
def timezone_choices() -> list[tuple[str, str]]:
    names = sorted(
        name
        for name in zoneinfo.available_timezones()
        if "/" in name and not name.startswith(("Etc/", "SystemV/", "posix/", "right/"))
    )
    return [("UTC", "UTC"), *((name, name.replace("_", " ")) for name in names)]


class TimezoneSelect(forms.Select):
    """A <select> of the ~600 IANA zones, rendered in Python: Django's per-option templates cost ~25 ms here."""

    def render(self, name, value, attrs=None, renderer=None):
        attrs = self.build_attrs(self.attrs, attrs or {})
        attrs["name"] = name
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            ((zone, mark_safe(" selected") if zone == value else "", label) for zone, label in timezone_choices()),
        )
        return format_html("<select{}>{}</select>", flatatt(attrs), options)
