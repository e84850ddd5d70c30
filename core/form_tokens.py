"""One record per form, however many times it is sent.

A form that creates something carries a one-time token (`{% form_token %}` from core/templatetags/form_tokens.py,
a hidden `form_token` field). The service that creates the record claims the token before it writes
(`@once_per_form_token`); a second submission of the same form (a double click, a browser resending, a retry
after a slow answer) finds the token claimed and is refused with DuplicateSubmission, which the view shows as
"already saved". A service that fails releases its token, so the corrected form can be sent again.

Tokens are claimed in the cache with an atomic `add` (Redis in production: one claim wins even when both
submissions arrive at once; one process's memory in the embedded mode), for a day, per person. No token (a
script, a page from before this existed) means no protection, as before. While Redis is down the cache grants
every claim (core/cache.py), so this fails open: a double submission then saves twice, nothing is lost.
"""

import functools
import re
import secrets

from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

FIELD = "form_token"
TTL_SECONDS = 24 * 3600
_WELL_FORMED = re.compile(r"[A-Za-z0-9_-]{16,64}")

ALREADY_SAVED = _("Already saved: the form was sent twice, and saved once.")


class DuplicateSubmission(Exception):
    """This form (its one-time token) was sent before, and what it asked for is done."""

    def __init__(self):
        super().__init__(str(ALREADY_SAVED))


def new_token() -> str:
    return secrets.token_urlsafe(18)


def _key(user, token: str) -> str | None:
    if not token or not _WELL_FORMED.fullmatch(token):
        return None  # absent or not one of ours: no protection, and never an over-long cache key
    return f"form-token:{getattr(user, 'pk', None)}:{token}"


def claim(token: str, *, user) -> bool:
    """Take the token for `user`: True the first time, False if this form was already sent."""
    key = _key(user, token)
    if key is None:
        return True
    if cache.add(key, 1, TTL_SECONDS):
        return True
    return cache.get(key) is None  # just expired between the two calls: as good as new


def release(token: str, *, user) -> None:
    key = _key(user, token)
    if key is not None:
        cache.delete(key)


def once_per_form_token(service):
    """Give a creating service a keyword-only `form_token`, claimed for the person who sends the form (`by`,
    `owner` or `author`) before the service runs and released
    if it raises. Raises DuplicateSubmission when the token was already claimed."""

    @functools.wraps(service)
    def wrapper(*args, form_token: str = "", **kwargs):
        user = kwargs.get("by") or kwargs.get("owner") or kwargs.get("author")  # whoever sends the form
        if not claim(form_token, user=user):
            raise DuplicateSubmission()
        try:
            return service(*args, **kwargs)
        except BaseException:
            release(form_token, user=user)
            raise

    return wrapper
