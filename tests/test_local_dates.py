"""Dates in the page's language: German writes the day as an ordinal ("26. November 2026"), English and French
do not. Templates use `local_date` with one pattern for all (core/templatetags/local_dates.py)."""

from datetime import date

import pytest
from django.template import engines
from django.utils import translation

from core.templatetags.local_dates import pattern_for

DAY = date(2026, 12, 1)


@pytest.mark.parametrize(
    ("language", "pattern", "written"),
    [
        ("en-gb", "j F Y", "1 December 2026"),
        ("fr", "j F Y", "1 décembre 2026"),
        ("de", "j F Y", "1. Dezember 2026"),
        ("de", "j M", "1. Dez"),
        ("de", "l j F", "Dienstag, 1. Dezember"),
        ("en-gb", "l j F", "Tuesday 1 December"),
    ],
)
def test_a_day_is_written_as_the_page_s_language_writes_it(language, pattern, written):
    template = engines["django"].from_string("{{ day|local_date:pattern }}")
    with translation.override(language):
        assert template.render({"day": DAY, "pattern": pattern}) == written


def test_only_a_day_before_a_month_becomes_an_ordinal():
    assert pattern_for("H:i", "de") == "H:i"
    assert pattern_for("j M, H:i", "de") == "j. M, H:i"
    assert pattern_for("D j M, H:i", "de") == r"D., j. M, H:i"
    assert pattern_for("j M Y", "fr") == "j M Y"
