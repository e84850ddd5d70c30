"""Dates written the way the page's language writes them: `{{ day|local_date:"j F Y" }}`.

Templates give one pattern (Django's date format letters) for every language; this filter adapts it to the
current one before formatting. German writes the day of the month as an ordinal, with a dot ("26. November
2026", "Di., 3. Dez."); English and French write the plain number ("26 November 2026", "26 novembre 2026").
Month and weekday names come from Django's own catalogues, in the page's language, as with the `date` filter.
"""

import re

from django import template
from django.template.defaultfilters import date
from django.utils import translation

register = template.Library()

# The day of the month followed by a month (j F, j M, j N, j E): an ordinal in these languages.
_DAY_BEFORE_MONTH = re.compile(r"\bj(?= [FMNE])")
ORDINAL_DAY_LANGUAGES = {"de"}


def pattern_for(pattern: str, language: str | None) -> str:
    """The date pattern as `language` writes it."""
    if (language or "").split("-")[0] in ORDINAL_DAY_LANGUAGES:
        return _DAY_BEFORE_MONTH.sub(r"j.", pattern).replace("l j.", "l, j.").replace("D j.", r"D., j.")
    return pattern


@register.filter(expects_localtime=True, is_safe=False)
def local_date(value, pattern):
    """Django's `date` filter, with the pattern adapted to the current language (see the module's docstring)."""
    return date(value, pattern_for(pattern, translation.get_language()))
