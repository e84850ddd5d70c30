"""A page's content rendered once per version (core/versions.py) and served as HTML, with what must be new on every
request filled in on every request.

`render(request, template, build_context, name=..., scopes=...)` renders `template` with `build_context()` only on a
miss, and caches the HTML under `name` (which must hold the viewer and everything else the content differs for:
`versions.for_viewer`) and the versions of `scopes`. Two things in a form must never be cached:

- the CSRF token (`{% csrf_token %}`): rendered as a slot, filled with this request's token on every request;
- the one-time form token (`{% form_token %}`, core/form_tokens.py): each one rendered as a slot and filled with a new
  token on every request, so two forms of one page, or the same form seen twice, never share a token.

The slots hold a NUL character, which no request may carry (core/middleware.py refuses it), so no text a person
typed can stand for one. Permission checks run before this is called, on every request.
"""

from collections.abc import Callable, Hashable, Iterable

from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils.functional import SimpleLazyObject
from django.utils.safestring import SafeString, mark_safe

from core import versions

CSRF_SLOT = "\x00csrf-token\x00"
FORM_TOKEN_SLOT = "\x00form-token\x00"
SLOTS_FLAG = "render_form_token_slots"  # in the context while a cached fragment renders (core/templatetags)


def csrf_token(request) -> str:
    """This request's masked CSRF token, masked once per request (Django masks it anew on every `get_token`: 32
    random characters from the system's generator each time) for the page and every fragment filled into it, and
    again if the secret changes (a login rotates it). The `csrf_token` of every template (settings.TEMPLATES)."""
    secret = request.META.get("CSRF_COOKIE")
    memo = getattr(request, "_csrf_token_memo", None)
    if memo is None or secret is None or memo[0] != secret:
        token = get_token(request)
        request._csrf_token_memo = (request.META.get("CSRF_COOKIE"), token)
        return token
    return memo[1]


def csrf(request) -> dict:
    """A context processor in place of Django's built-in one (later processors win): the same lazy token, masked
    once per request (`csrf_token`)."""
    return {"csrf_token": SimpleLazyObject(lambda: csrf_token(request))}


def fill(request, html: str) -> SafeString:
    """The cached HTML with this request's CSRF token and new one-time form tokens."""
    if CSRF_SLOT in html:
        html = html.replace(CSRF_SLOT, csrf_token(request))
    if FORM_TOKEN_SLOT in html:
        from core.form_tokens import new_token  # noqa: PLC0415 (core.form_tokens imports models)

        parts = html.split(FORM_TOKEN_SLOT)
        html = parts[0] + "".join(new_token() + part for part in parts[1:])
    return mark_safe(html)


def render(
    request,
    template_name: str,
    build_context: Callable[[], dict],
    *,
    name: str,
    scopes: Iterable[str],
    timeout: int = versions.TIMEOUT,
    hint: Hashable = None,
) -> SafeString:
    """See the module's docstring; `hint` as for versions.cached (the page calls versions.expect with it first)."""

    def build() -> str:
        context = {**build_context(), "csrf_token": CSRF_SLOT, SLOTS_FLAG: True}
        return str(render_to_string(template_name, context, request))

    return fill(request, versions.cached(name, scopes, build, timeout, hint=hint))
