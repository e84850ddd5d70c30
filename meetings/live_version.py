"""What the cache (Redis) knows about a live meeting, shared by the services that move it on, the views that
render it and the middleware that answers its "nothing changed" poll: the meeting's version under one key, and
the rooms a session has been let into. Imports nothing of the app, so anything in it may import this."""

from django.core.cache import cache
from django.db import transaction

LIVE_ROOMS = "live_rooms"
VERSION_CACHE_SECONDS = 6 * 3600


def version_cache_key(meeting_id: int) -> str:
    return f"meetings:live-version:{meeting_id}"


def publish_version(meeting_id: int, version: int) -> None:
    """Keep the meeting's version in the cache (Redis) after commit, so polling pages learn "nothing changed"
    without a database query."""
    transaction.on_commit(lambda: cache.set(version_cache_key(meeting_id), version, VERSION_CACHE_SECONDS))


def restore_version(meeting_id: int, version: int) -> None:
    """Put the version back in the cache if it fell out (Redis restarted, the key expired); never overwrite."""
    cache.add(version_cache_key(meeting_id), version, VERSION_CACHE_SECONDS)


def remember_room(session, meeting_id: int) -> None:
    """Let this session poll the meeting's state through the shortcut (call after a full permission check)."""
    rooms = session.get(LIVE_ROOMS, [])
    if meeting_id not in rooms:
        session[LIVE_ROOMS] = [*rooms[-9:], meeting_id]
