"""A Redis cache that fails soft: while Redis is down, unreachable or hanging, the cache reads as empty.

Django's own RedisCache raises redis's ConnectionError or TimeoutError from every call, so a Redis outage turns
every page into a 500 (sessions are read from the cache first, the live meeting's poll reads the cache). This
subclass turns those errors into what the callers already handle:

- reads are misses (`get` gives the default, `get_many` gives `{}`, `has_key` is False): sessions then load
  from the database (SESSION_ENGINE is `cached_db`), the live poll goes to its view;
- writes do nothing and say so the way Django's API does (`touch`, `delete` False; `set_many` lists every key
  as not set; `incr` raises ValueError, as for a missing key), except `add`, which says True (as if the key
  were added): callers use `add` as a lock (allauth guards its rate-limit counters with one), and a lock that
  could never be taken would refuse every login with a 429 for as long as Redis is down;
- the first failure is logged once (a WARNING on `core.cache`), and for `RETRY_AFTER` seconds after a
  failure the cache does not ask Redis at all, so a hanging Redis costs a request one socket timeout at most,
  not one per cache call; the first call that reaches Redis again logs that it is back;
- a key whose write failed may still hold an older value in Redis (a network split rather than a restart), so
  before anything else a process deletes the keys it failed to write, once Redis answers again (or empties the
  cache, if it failed to write more than MAX_UNSYNCED_KEYS keys).

allauth's rate-limit counters live in this cache: while Redis is down they read as empty and their lock is
granted, so rate limits fail open (nobody is locked out; limits apply again once Redis is back). See
docs/reliability.md.

Settings: OPTIONS accepts `RETRY_AFTER` (seconds, default 2) besides redis-py's connection options; set short
`socket_connect_timeout` and `socket_timeout` so that a Redis that does not answer is given up on quickly.
"""

import logging
import threading
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

FAILURES = (RedisConnectionError, RedisTimeoutError, OSError)
MAX_UNSYNCED_KEYS = 10_000


class _Health:
    """Whether one Redis location is up, shared by the cache objects of every thread of this process (Django makes
    one cache object per thread), so an outage is logged once per process."""

    def __init__(self):
        self.lock = threading.Lock()
        self.down_until = 0.0  # monotonic time before which Redis is not asked
        self.down_since = None  # monotonic time of the first failure of this outage, None while up
        self.unsynced: set[str] = set()  # keys (already made) whose write failed during this outage
        self.overflowed = False  # more of them than MAX_UNSYNCED_KEYS: the cache is emptied on return


_health: dict[str, _Health] = {}
_health_lock = threading.Lock()


def _health_for(location: str) -> _Health:
    with _health_lock:
        return _health.setdefault(location, _Health())


class ReusedClientRedisCacheClient(RedisCacheClient):
    """Django's client, keeping one `redis.Redis` object per connection pool instead of making one for every call.

    Making one copies redis-py's table of ~170 response callbacks each time: a tenth of a cached page's time, for
    an object that holds nothing but the pool (which keeps the connections, and drops a broken one itself) and that
    table. Django makes one cache object, so one of these, per thread."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class FailSoftRedisCache(RedisCache):
    """Django's RedisCache, with a Redis outage read as a cache miss (see the module's docstring)."""

    def __init__(self, server, params):
        options = dict(params.get("OPTIONS") or {})
        self.retry_after = float(options.pop("RETRY_AFTER", 2))
        super().__init__(server, {**params, "OPTIONS": options})
        self._class = ReusedClientRedisCacheClient
        self._health = _health_for(server if isinstance(server, str) else ",".join(server))

    # The guard around every call.

    def _call(self, fallback, operation, *, written_keys=()):
        health = self._health
        now = time.monotonic()
        if health.down_until > now:
            self._remember(written_keys)
            return fallback
        try:
            if health.down_since is None:
                return operation()
            # The first call after the back-off: Redis is back only if both of these work.
            self._forget_stale()
            result = operation()
            self._back()
            return result
        except FAILURES as error:
            self._failed(error, now)
            self._remember(written_keys)
            return fallback

    def _failed(self, error, now: float) -> None:
        health = self._health
        with health.lock:
            first = health.down_since is None
            if first:
                health.down_since = now
            health.down_until = now + self.retry_after
        if first:
            logger.warning(
                "The Redis cache is unreachable (%s: %s); serving cache misses until it is back",
                type(error).__name__,
                error,
            )

    def _forget_stale(self) -> None:
        """Delete the keys whose write failed during the outage (they may hold older values); if there were too
        many to remember, empty the cache: everything in it is rebuilt from the database on demand."""
        health = self._health
        with health.lock:
            stale, overflowed = list(health.unsynced), health.overflowed
        if overflowed:
            self._cache.clear()
        elif stale:
            self._cache.delete_many(stale)
        with health.lock:
            health.unsynced.difference_update(stale)
            health.overflowed = health.overflowed and not overflowed

    def _back(self) -> None:
        health = self._health
        with health.lock:
            if health.down_since is None:  # another thread said so already
                return
            seconds = time.monotonic() - health.down_since
            health.down_since = None
            health.down_until = 0.0
        logger.warning("The Redis cache is back after %.1f s", seconds)

    def _remember(self, keys) -> None:
        health = self._health
        with health.lock:
            if len(health.unsynced) + len(keys) <= MAX_UNSYNCED_KEYS:
                health.unsynced.update(keys)
            elif keys:
                health.overflowed = True

    def _key(self, key, version):
        return self.make_and_validate_key(key, version=version)

    # Django's cache API.

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        made = self._key(key, version)
        return self._call(
            True, lambda: super(FailSoftRedisCache, self).add(key, value, timeout, version), written_keys=[made]
        )

    def get(self, key, default=None, version=None):
        return self._call(default, lambda: super(FailSoftRedisCache, self).get(key, default, version))

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        made = self._key(key, version)
        self._call(None, lambda: super(FailSoftRedisCache, self).set(key, value, timeout, version), written_keys=[made])

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(False, lambda: super(FailSoftRedisCache, self).touch(key, timeout, version))

    def delete(self, key, version=None):
        made = self._key(key, version)
        return self._call(False, lambda: super(FailSoftRedisCache, self).delete(key, version), written_keys=[made])

    def get_many(self, keys, version=None):
        return self._call({}, lambda: super(FailSoftRedisCache, self).get_many(keys, version))

    def has_key(self, key, version=None):
        return self._call(False, lambda: super(FailSoftRedisCache, self).has_key(key, version))

    def incr(self, key, delta=1, version=None):
        missing = object()
        made = self._key(key, version)
        result = self._call(
            missing, lambda: super(FailSoftRedisCache, self).incr(key, delta, version), written_keys=[made]
        )
        if result is missing:
            raise ValueError(f"Key '{key}' not found (the cache is unreachable)")
        return result

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        made = [self._key(key, version) for key in data]
        return self._call(
            list(data), lambda: super(FailSoftRedisCache, self).set_many(data, timeout, version), written_keys=made
        )

    def delete_many(self, keys, version=None):
        made = [self._key(key, version) for key in keys]
        self._call(None, lambda: super(FailSoftRedisCache, self).delete_many(keys, version), written_keys=made)

    def clear(self):
        return self._call(False, lambda: super(FailSoftRedisCache, self).clear())
