"""The meetings pages' content, cached as rendered HTML on versions (core/versions.py), and filled in per request.

A page checks permissions (sets/permissions.py) first, on every request; then its content comes from the cache
under a name that holds everything it is shown differently for (the viewer, language and time zone through
`versions.for_viewer`, the viewer's role, the meeting's revision, a time bucket where it shows relative times)
and the scopes of what it shows (the set's: every change to a set's rows bumps it, sets/versions.py). Only a
miss builds the context (queries, decryption) and renders the template.

What must differ on every request is filled in after the cache, never stored in it: the CSRF token and fresh
one-time form tokens (core/fragments.py, as for every cached page), and here the live room's clock
(templates/meetings/live.html, the stage): `data-server-now` and, while the clock runs, the seconds left and
overrun, recomputed from the deadline the fragment holds. Typed text cannot pose as the clock's markup: the
replacements match quotes and `<`, which escaping turns into entities in anything a person typed.
"""

import re
from collections.abc import Callable, Hashable, Iterable

from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from core import fragments

_SERVER_NOW = re.compile(r'data-server-now="\d*"')
_TIMER = re.compile(r'<span class="timer" data-deadline="(\d+)" data-left="\d+" data-overrun="\d+">\d+</span>')


def cached_html(
    request,
    template_name: str,
    name: str,
    scopes: Iterable[str],
    context: Callable[[], dict],
    hint: Hashable = None,
) -> SafeString:
    """`template_name` (a page's partial) rendered with `context()`, kept under `name` and `scopes`, filled in for
    this request. `context` is called only on a miss. Call it only after the permission check. `hint` as for
    versions.cached."""
    return fill_clock(fragments.render(request, template_name, context, name=name, scopes=scopes, hint=hint))


def fill_clock(html: SafeString) -> SafeString:
    """The live clock's current values in cached HTML."""
    if "data-server-now=" not in html:
        return html
    now = int(timezone.now().timestamp())
    html = _SERVER_NOW.sub(f'data-server-now="{now}"', html)
    html = _TIMER.sub(lambda found: _timer(int(found[1]), now), html)
    return mark_safe(html)  # rendered by the template engine; only our own markup was replaced


def _timer(deadline: int, now: int) -> str:
    left, overrun = max(0, deadline - now), max(0, now - deadline)
    return f'<span class="timer" data-deadline="{deadline}" data-left="{left}" data-overrun="{overrun}">{left}</span>'
