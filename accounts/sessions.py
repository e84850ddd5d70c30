"""The session engine: Django's cached_db (read from the cache, written through to the database, so sessions stay
server-side and the session list and "sign out other sessions" work), reading the person's version token in the
same cache round trip as the session.

A session key belongs to at most one person for its whole life (logging in gives a new key, logging out deletes
it), so this process remembers whose each recently seen key is, and the next load of that key asks the cache for the
session and for `"user:<pk>"`'s version together (one `get_many`). The loaded session must still name that person
for the token to be used (accounts/versions.py `user_version`); anything else reads the token as before. A session
missing from the cache loads from the database, as cached_db does.
"""

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends import cached_db

from accounts.versions import user_scope
from core import versions
from core.memo import LocalLRU

OWNERS_REMEMBERED = 20_000


owners: LocalLRU[str] = LocalLRU(OWNERS_REMEMBERED)  # session key: the person's pk


class SessionStore(cached_db.SessionStore):
    prefetched_versions: dict[str, str] = {}

    def load(self):
        key = self.cache_key
        owner = owners.get(self.session_key)
        token_key = versions.token_key(user_scope(owner)) if owner else None
        try:
            found = self._cache.get_many([key, token_key] if token_key else [key])
        except Exception:  # as cached_db: a backend that refuses the key reads as a miss
            found = {}
        data = found.get(key)
        if data is None:
            data = super().load()  # the database, as cached_db does (and back into the cache)
        user_id = data.get(SESSION_KEY)
        if user_id is not None:
            user_id = str(user_id)
            if owner != user_id:
                owners.put(self.session_key, user_id)
            elif token_key in found:
                self.prefetched_versions = {user_scope(user_id): found[token_key]}
                versions.remember(user_scope(user_id), found[token_key])
        return data
