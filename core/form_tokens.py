"""One record per form, however many times it is sent.

A form that creates something carries a one-time token (`{% form_token %}` from core/templatetags/form_tokens.py,
a hidden `form_token` field). The service that creates the record claims the token before it writes
(`@once_per_form_token`); a second submission of the same form (a double click, a browser resending, a retry
after a slow answer) finds the token claimed and is refused with DuplicateSubmission, which the view shows as
"already saved". No token (a script, a page from before this existed) means no protection, as before.

Tokens are claimed in the database, per person: the claim is an INSERT of a `FormTokenClaim` row (a SHA-256 of
the token, never the token itself) that a unique constraint on (person, token) lets succeed once; an
IntegrityError means "already claimed". The claim and the service run in one transaction, so:

- one claim wins even when both submissions arrive at once (on PostgreSQL the second INSERT waits for the first
  transaction and fails once it commits, or succeeds if it rolled back);
- a service that fails rolls its claim back with everything else, so the corrected form can be sent again with
  the same token;
- nothing depends on Redis: claims hold through a Redis outage or restart (the cache used to keep them, and
  granted every claim while Redis was down).

Claims older than a day (TTL_SECONDS) are swept opportunistically: before a claim, at most once every
SWEEP_EVERY_SECONDS per process, one indexed DELETE. A form sent again more than a day later may save again, as
with the cache's expiry before.
"""

import functools
import hashlib
import re
import secrets
import threading
import time
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import FormTokenClaim

FIELD = "form_token"
TTL_SECONDS = 24 * 3600
SWEEP_EVERY_SECONDS = 600
_WELL_FORMED = re.compile(r"[A-Za-z0-9_-]{16,64}")

ALREADY_SAVED = _("Already saved: the form was sent twice, and saved once.")


class DuplicateSubmission(Exception):
    """This form (its one-time token) was sent before, and what it asked for is done."""

    def __init__(self):
        super().__init__(str(ALREADY_SAVED))


def new_token() -> str:
    return secrets.token_urlsafe(18)


def _token_hash(token: str) -> str | None:
    if not token or not _WELL_FORMED.fullmatch(token):
        return None  # absent or not one of ours: no protection
    return hashlib.sha256(token.encode()).hexdigest()


def claim(token: str, *, user) -> bool:
    """Take the token for `user`: True the first time, False if this form was already sent. Inside a
    transaction, the claim lasts only if the transaction commits."""
    token_hash = _token_hash(token)
    user_id = getattr(user, "pk", None)
    if token_hash is None or user_id is None:
        return True
    try:
        with transaction.atomic():  # a savepoint inside the service's transaction
            FormTokenClaim.objects.create(user_id=user_id, token_hash=token_hash)
    except IntegrityError:
        return False
    return True


def sweep(now: datetime | None = None) -> int:
    """Delete claims older than TTL_SECONDS; returns how many."""
    cutoff = (now or timezone.now()) - timedelta(seconds=TTL_SECONDS)
    deleted, _by_model = FormTokenClaim.objects.filter(claimed_at__lt=cutoff).delete()
    return deleted


_next_sweep = 0.0
_sweep_lock = threading.Lock()


def _sweep_now_and_then() -> None:
    global _next_sweep
    with _sweep_lock:
        if time.monotonic() < _next_sweep:
            return
        _next_sweep = time.monotonic() + SWEEP_EVERY_SECONDS
    sweep()


def once_per_form_token(service):
    """Give a creating service a keyword-only `form_token`, claimed for the person who sends the form (`by`,
    `owner` or `author`) in the same transaction as the service, so that a service that raises leaves no claim.
    Raises DuplicateSubmission when the token was already claimed."""

    @functools.wraps(service)
    def wrapper(*args, form_token: str = "", **kwargs):
        user = kwargs.get("by") or kwargs.get("owner") or kwargs.get("author")  # whoever sends the form
        if _token_hash(form_token) is not None:
            _sweep_now_and_then()
        with transaction.atomic():
            if not claim(form_token, user=user):
                raise DuplicateSubmission()
            return service(*args, **kwargs)

    return wrapper
