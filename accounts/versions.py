"""A person's version (`"user:<pk>"`, core/versions.py), what bumps it, and values cached on it for every page.

The scope `"user:<pk>"` covers what the layout shows of a person: their own row (name, email, language, time zone,
active, password, last login: any save or delete of the User) and their organisations (any save or delete of one of
their organisation memberships, so a join, a removal or a role change; and any save of an organisation they belong
to, so a rename). An organisation's deletion deletes its memberships first, each bumping its person. Set memberships
bump it too (saves and deletes; the bulk `update(left_at=...)` of sets/services.py and learning/departure.py is
followed by an organisation membership's delete or by nothing the layout shows). Receivers are connected in
AccountsConfig.ready() for the person's row, and in sets/versions.py for memberships and organisations (the
layer that owns those models).

`cached_for_user(request, pk, name, build)` is the read: the value `build()` gave for this person at their current
version. A hit costs no cache round trip beyond the one version read a request makes (and the session engine,
accounts/sessions.py, fetches that version with the session itself): values are kept pickled in this process under
their version token as well as in the shared cache, and unpickled for each request, so no two requests share an
object. A bump gives a new token, so an old value is never reached again; with the cache down every token is new
and every value is built from the database.
"""

import pickle
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from core import versions
from core.memo import LocalLRU

T = TypeVar("T")
LOCAL_ENTRIES = 2000  # values kept pickled in this process (a few KiB each at most)
_REQUEST_TOKENS = "_user_version_tokens"


def user_scope(pk) -> str:
    return f"user:{pk}"


class _Generation:
    """Bumped (in this process) by every bump_users commit: a request that changed a person re-reads the token."""

    value = 0


def bump_users(*pks) -> None:
    """New versions for these people, once the current transaction commits."""
    pks = [pk for pk in pks if pk is not None]
    if not pks:
        return
    versions.bump(*(user_scope(pk) for pk in pks))

    def moved_on() -> None:
        _Generation.value += 1

    transaction.on_commit(moved_on)


def user_version(request, pk) -> str:
    """The current version token of this person, read once per request (or taken from what the session engine
    fetched with the session), and read again after this process bumped anyone."""
    scope = user_scope(pk)
    tokens = request.__dict__.setdefault(_REQUEST_TOKENS, {})
    seen = tokens.get(scope)
    if seen is not None and seen[0] == _Generation.value:
        return seen[1]
    generation = _Generation.value
    token = None
    if seen is None:
        token = getattr(getattr(request, "session", None), "prefetched_versions", {}).get(scope)
    if token is None:
        token = versions.current(scope)[0]
    tokens[scope] = (generation, token)
    return token


local_values: LocalLRU[bytes] = LocalLRU(LOCAL_ENTRIES)  # pickled, by versioned key


def cached_for_user(request, pk, name: str, build: Callable[[], T]) -> T:
    """`build()`'s value for person `pk`, built once per version of `"user:<pk>"` (`name` must hold every other
    input the value depends on). A fresh copy each call."""
    key = f"user-cached:{name}:{pk}:{user_version(request, pk)}"
    blob = local_values.get(key)
    if blob is None:
        blob = cache.get(key)
        if blob is None:
            blob = pickle.dumps(build(), pickle.HIGHEST_PROTOCOL)
            cache.set(key, blob, versions.TIMEOUT)
        local_values.put(key, blob)
    return pickle.loads(blob)


# Receivers (connected in AccountsConfig.ready).


def user_changed(sender, instance, **kwargs) -> None:
    bump_users(instance.pk)


def connect() -> None:
    """The person's own row; their memberships and organisations bump it from sets/versions.py (the layer above)."""
    for name, signal in (("save", post_save), ("delete", post_delete)):
        signal.connect(user_changed, sender=settings.AUTH_USER_MODEL, dispatch_uid=f"user-version-user-{name}")
