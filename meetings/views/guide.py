"""The guide: what action learning is and how a meeting runs (for members), and running each step of it (for
facilitators). Open to anyone logged in.

Prose this long is hard to keep in a catalogue, so each language has its own template of it,
templates/guide/<language>/<page>.html, chosen by the current language with English as the fallback; the page
around it (title, the links between the two guides) is translated as usual.
"""

from django.conf import settings
from django.shortcuts import render
from django.template.loader import select_template
from django.utils import translation

PAGES = ("members", "facilitating")
FALLBACK = "en"


def guide_template(page: str, language: str | None = None) -> str:
    """The name of the guide's text in `language` (e.g. "de", "fr", "en-gb" -> "en"), or in English."""
    language = (language or translation.get_language() or settings.LANGUAGE_CODE).lower()
    codes = dict.fromkeys([language, language.split("-")[0], FALLBACK])
    return select_template([f"guide/{code}/{page}.html" for code in codes]).template.name


def _page(request, page: str):
    return render(request, "guide/page.html", {"page": page, "text": guide_template(page)})


def members(request):
    return _page(request, "members")


def facilitating(request):
    return _page(request, "facilitating")
