"""What the cache (Redis) knows about a live meeting, shared by the services that move it on, the views that
render it and the middleware that answers its "nothing changed" poll: the meeting's version under one key, and
the rooms a session has been let into; and the push that tells every open room page the version moved on
(core/realtime.py, to the sockets of meetings/consumers.py). Imports nothing of the app, so anything in it may
import this."""

from django.core.cache import cache
from django.db import transaction

from core import realtime

LIVE_ROOMS = "live_rooms"
VERSION_CACHE_SECONDS = 6 * 3600


def version_cache_key(meeting_id: int) -> str:
    return f"meetings:live-version:{meeting_id}"


def room_group(meeting_id: int) -> str:
    """The channel-layer group of the meeting's open room pages (each page's socket joins it)."""
    return f"meeting-{meeting_id}"


def publish_version(meeting_id: int, version: int, *, full: bool = False) -> None:
    """After commit, keep the meeting's version in the cache (Redis), so polling pages learn "nothing changed"
    without a database query, then push `{"type": "room.changed", "version": version}` to every open room page,
    which fetches its stage and workspace (permission-checked GETs) when its own version is older.

    `full=True` says the pages should fetch even at the same version: for what changes the room without moving
    the meeting on (the agenda before the meeting, who runs it), which the control's compare-and-set on the
    version must not see. Fails soft (core/realtime.py): the pages' polling is the fallback."""
    transaction.on_commit(lambda: cache.set(version_cache_key(meeting_id), version, VERSION_CACHE_SECONDS))
    message = {"type": "room.changed", "version": version}
    if full:
        message["full"] = True
    realtime.publish(room_group(meeting_id), message)


def restore_version(meeting_id: int, version: int) -> None:
    """Put the version back in the cache if it fell out (Redis restarted, the key expired); never overwrite."""
    cache.add(version_cache_key(meeting_id), version, VERSION_CACHE_SECONDS)


def remember_room(session, meeting_id: int) -> None:
    """Let this session poll the meeting's state through the shortcut (call after a full permission check)."""
    rooms = session.get(LIVE_ROOMS, [])
    if meeting_id not in rooms:
        session[LIVE_ROOMS] = [*rooms[-9:], meeting_id]
