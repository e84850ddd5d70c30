"""Versioned caching: a value is cached under the versions of what it was built from, and every change bumps them.

A *scope* names something whose changes must reach every cached value built from it: `"user:42"` (a person's name,
language, time zone, memberships), `"set:7"` (a set's people, meetings, actions, issues), `"org:3"`. Each scope has
a version in the cache, a random token. A cached value is kept with the versions of every scope it depends on, and
used only while they are all current, so a bump makes every value built from the old version unreachable at once
(they are overwritten or expire on their own); nothing has to know which keys exist.

- `bump(*scopes)` gives each scope a new token once the current transaction commits (at once outside one). Not
  before: a reader between the write and the commit would cache the old data under the new token.
- `current(*scopes)` reads the tokens in one round trip; a scope with no token (never bumped, evicted, or the cache
  unreachable) is given a new one, so a lost token can only cause a miss, never a stale hit. Within one request
  (`snapshot`, opened by core.middleware.VersionSnapshotMiddleware) a token is read once: the permission check and
  the page's fragments share it, and a bump in the request updates it. A request is one consistent view, as a
  transaction is; the next request reads again.
- `cached(name, scopes, build)` is the whole pattern: the value stored for `name` and the scopes' tokens, or
  `build()` stored there. The entry's key holds the name and scopes, and the entry itself the tokens it was built
  at: the tokens not yet read in this request and the entry come back in one round trip, and an entry built at
  other tokens is a miss, exactly as if the tokens were in its key. Values are pickled, compressed and sealed with
  the keys of the confidential fields (core/encryption.py): cached pages show what members bring, and the cache
  (Redis, and whatever it writes to disk) holds none of it in clear, as the database does not. A value no current
  key opens (a rotated key) is a miss.
- `prefetch((name, scopes), ...)` reads several entries (and their tokens) in one round trip, for a request that
  knows it will ask `cached` for each: the permission check asks for the viewer's set and the object together.
  `expect(hint)` adds the entry a page's content was last cached under (`cached(..., hint=...)`, remembered in the
  process) to the request's next round trip, so a page that checks permissions and then shows cached content
  makes one round trip, not two.

When Redis is down the cache reads as empty (core/cache.py): every token is new on each request, and every value is
built from the database, as before caching. See docs/performance.md, "What is cached".
"""

import hashlib
import pickle
import secrets
import zlib
from collections.abc import Callable, Hashable, Iterable
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

from cryptography.fernet import InvalidToken
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone, translation

from core import encryption
from core.memo import LocalLRU

T = TypeVar("T")
# Long enough for a value to be worth keeping, short enough that the cache holds only what people look at.
TIMEOUT = 60 * 60
_TOKEN_TIMEOUT = 60 * 60 * 24 * 7


def token_key(scope: str) -> str:
    """The cache key holding `scope`'s token (the session engine, accounts/sessions.py, reads it with the session)."""
    return f"version:{scope}"


def _new_token() -> str:
    return secrets.token_hex(6)


_snapshot: ContextVar[dict[str, str] | None] = ContextVar("versions_snapshot", default=None)
# Entries fetched ahead (`prefetch`, `expect`) in this request, by key, until `cached` takes them.
_prefetched: ContextVar[dict[str, object] | None] = ContextVar("versions_prefetched", default=None)
# Entries `expect`ed in this request, read with its next round trip.
_expected: ContextVar[list[tuple[str, tuple[str, ...]]] | None] = ContextVar("versions_expected", default=None)
# The entry (name, scopes) each hint of `cached` last stood for, in this process.
_hinted: LocalLRU[tuple[str, tuple[str, ...]]] = LocalLRU(20_000)


@contextmanager
def snapshot():
    """Tokens read once for the duration (a request): see the module's docstring."""
    reset = _snapshot.set({})
    reset_prefetched = _prefetched.set({})
    reset_expected = _expected.set([])
    try:
        yield
    finally:
        _expected.reset(reset_expected)
        _prefetched.reset(reset_prefetched)
        _snapshot.reset(reset)


def remember(scope: str, token: str) -> None:
    """A token read along with something else (the session engine reads the person's with the session)."""
    memo = _snapshot.get()
    if memo is not None:
        memo.setdefault(token_key(scope), token)


def bump(*scopes: str) -> None:
    """New versions for `scopes`, now and once the current transaction (if any) has committed."""
    scopes = tuple(dict.fromkeys(scope for scope in scopes if scope))
    if not scopes:
        return

    def store() -> None:
        tokens = {token_key(scope): _new_token() for scope in scopes}
        cache.set_many(tokens, _TOKEN_TIMEOUT)
        memo = _snapshot.get()
        if memo is not None:
            memo.update(tokens)

    store()
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(store)


def _read(scopes: Iterable[str], others: Iterable[str] = ()) -> dict[str, object]:
    """The tokens of `scopes` (by token key) and whatever the cache holds under the keys `others`, in one round
    trip: tokens this request has read already are not asked again, and a scope with no token is given one. The
    entries this request `expect`s come along, with their tokens."""
    scopes, others = list(scopes), list(others)
    expected = _expected.get()
    riders = []
    if expected:
        riders = [entry_key(name, entry_scopes) for name, entry_scopes in expected]
        scopes += [scope for _, entry_scopes in expected for scope in entry_scopes]
        others += riders
        expected.clear()
    keys = [token_key(scope) for scope in scopes]
    memo = _snapshot.get()
    found = {key: memo[key] for key in keys if key in memo} if memo else {}
    unread = [key for key in dict.fromkeys(keys) if key not in found]
    asked = [*unread, *others]
    if asked:
        found.update(cache.get_many(asked))
    if riders:
        prefetched = _prefetched.get()
        if prefetched is not None:
            prefetched.update((key, found.get(key)) for key in riders)
    missing = {key: _new_token() for key in unread if key not in found}
    for key, token in missing.items():
        # add, not set: another process may have just given the scope its token; take theirs if so.
        if not cache.add(key, token, _TOKEN_TIMEOUT):
            token = cache.get(key) or token
        found[key] = token
    if memo is not None:
        memo.update((key, found[key]) for key in unread)
    return found


def current(*scopes: str) -> tuple[str, ...]:
    """The version token of each scope, in order, in one cache round trip (two when some are new)."""
    found = _read(scopes)
    return tuple(found[token_key(scope)] for scope in scopes)


def entry_key(name: str, scopes: Iterable[str]) -> str:
    """The cache key of the value `name` built from `scopes` (the entry holds the tokens it was built at)."""
    digest = hashlib.blake2b("|".join((name, *scopes)).encode(), digest_size=12).hexdigest()
    return f"cached:{digest}"


def prefetch(*entries: tuple[str, Iterable[str]]) -> None:
    """Read the entries `(name, scopes)` that `cached` will be asked for in this request, with their tokens, in
    one round trip. Outside a request (no `snapshot`) it does nothing."""
    prefetched = _prefetched.get()
    if prefetched is None:
        return
    entries = [(name, tuple(scopes)) for name, scopes in entries]
    keys = [entry_key(name, scopes) for name, scopes in entries]
    found = _read([scope for _, scopes in entries for scope in scopes], keys)
    prefetched.update((key, found.get(key)) for key in keys)


def expect(hint: Hashable) -> None:
    """This request will likely ask `cached` for the entry it asked for last time under `hint` (a page's content,
    for this viewer and object: its name holds what is known only after the permission check, such as the
    viewer's role or a time bucket): read it along with the request's next round trip (the permission check's),
    not in one of its own. A guess that no longer holds costs only the bytes; nothing is opened but under its own
    name, after the check. Outside a request (no `snapshot`) it does nothing."""
    expected = _expected.get()
    entry = _hinted.get(hint) if expected is not None else None
    if entry is not None:
        expected.append(entry)


def cached(
    name: str, scopes: Iterable[str], build: Callable[[], T], timeout: int = TIMEOUT, *, hint: Hashable = None
) -> T:
    """The value `build()` gives, built once per version of `scopes` (name must hold every other input: the
    viewer, the language, the time zone, whatever the value shows differently for). `hint` names it for `expect`
    in the next request."""
    scopes = tuple(scopes)
    key = entry_key(name, scopes)
    if hint is not None:
        _hinted.put(hint, (name, scopes))
    prefetched = _prefetched.get()
    if prefetched and key in prefetched:
        entry = prefetched.pop(key)
        found = _read(scopes)  # read with the entry: from this request's memo
    else:
        found = _read(scopes, [key])
        entry = found.get(key)
    tokens = tuple(found[token_key(scope)] for scope in scopes)
    if isinstance(entry, tuple) and len(entry) == 2 and entry[0] == tokens:
        try:
            return pickle.loads(zlib.decompress(encryption.unseal(entry[1])))
        except InvalidToken:
            pass
    value = build()
    # Compressed first (fast, level 1): a page's HTML shrinks ~9x, so less to seal, open and carry from Redis.
    sealed = encryption.seal(zlib.compress(pickle.dumps(value, pickle.HIGHEST_PROTOCOL), 1))
    cache.set(key, (tokens, sealed), timeout)
    return value


def for_viewer(request, *parts) -> str:
    """A cached value's name for what `request`'s viewer sees: `parts`, the person, the page's language and time zone
    (every page shows dates in both). Anything else the value shows differently for goes in `parts`."""
    user_id = getattr(getattr(request, "user", None), "pk", None)
    zone = timezone.get_current_timezone_name()
    return "|".join(map(str, (*parts, f"user={user_id}", translation.get_language(), zone)))


def time_bucket(seconds: int = 60) -> int:
    """The current period of `seconds`: put it in a name whose value shows relative times ("in 5 minutes",
    overdue, upcoming), so such a value is rebuilt at least that often even when nothing changed."""
    return int(timezone.now().timestamp()) // seconds
