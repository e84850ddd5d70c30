"""What the cache (Redis) knows about a live meeting, shared by the services that change the room, the views that
render it and the middleware that answers its "nothing changed" poll: the room's poll token under one key, and
the rooms a session has been let into.

A meeting has two counters. `Meeting.version` is the controls' compare-and-set (a "Next" clicked from an older
step is refused); it moves only with the controls and the running order. `Meeting.revision` moves with every
write in the room (controls and agenda too, and check-in, the presenter's issue, questions, actions, reflections
and ratings, raised hands, hand-over), through `room_changed`; it is what the room's polls carry as `?v=` and what
the cache keeps (the key and the publish functions keep the name "version" the poll's `v` stands for). So a
question captured moves everyone's screen on, and never makes the facilitator's "Next" stale.

Imports only the app's models, so the services, views and middleware may all import this.

Every publish also pushes `{"type": "room.changed", "version": <the poll token>}` to the meeting's open room pages
(core/realtime.py, to the sockets of meetings/consumers.py), which then fetch their stage and workspace through the
permission-checked GETs: the push carries no content.
"""

from django.core.cache import cache
from django.db import transaction
from django.db.models import F

from core import realtime
from meetings.models import Meeting
from sets.versions import bump_sets

LIVE_ROOMS = "live_rooms"
VERSION_CACHE_SECONDS = 6 * 3600


def version_cache_key(meeting_id: int) -> str:
    """The cache key of the room's poll token (the meeting's revision)."""
    return f"meetings:live-version:{meeting_id}"


def room_group(meeting_id: int) -> str:
    """The channel-layer group of the meeting's open room pages (each page's socket joins it)."""
    return f"meeting-{meeting_id}"


def publish_version(meeting_id: int, version: int, *, full: bool = False) -> None:
    """After commit, keep the room's poll token (the meeting's revision) in the cache (Redis), so polling pages
    learn "nothing changed" without a database query, and push it to every open room page, which fetches its
    stage and workspace when its own token is older.

    `full=True` says the pages should fetch even at the same token: for what changes the room before the meeting
    (the agenda), which does not move the revision. Fails soft (core/realtime.py): the pages' polling is the
    fallback."""
    transaction.on_commit(lambda: cache.set(version_cache_key(meeting_id), version, VERSION_CACHE_SECONDS))
    message = {"type": "room.changed", "version": version}
    if full:
        message["full"] = True
    realtime.publish(room_group(meeting_id), message)


def restore_version(meeting_id: int, version: int) -> None:
    """Put the poll token back in the cache if it fell out (Redis restarted, the key expired); never overwrite."""
    cache.add(version_cache_key(meeting_id), version, VERSION_CACHE_SECONDS)


def room_changed(meeting_id: int) -> int:
    """Something in the meeting room changed: the meeting's revision goes up by one, in the caller's transaction
    (the UPDATE locks the row, so the revision read back is this change's), and is published (cache and push)
    after commit. Every room write calls this once. Returns the new revision."""
    Meeting.objects.filter(pk=meeting_id).update(revision=F("revision") + 1)
    revision, set_id = Meeting.objects.filter(pk=meeting_id).values_list("revision", "learning_set_id").get()
    publish_version(meeting_id, revision)
    bump_sets(set_id)  # the set's pages (sets/versions.py) show the room's state too
    return revision


def remember_room(session, meeting_id: int) -> None:
    """Let this session poll the meeting's state through the shortcut (call after a full permission check)."""
    rooms = session.get(LIVE_ROOMS, [])
    if meeting_id not in rooms:
        session[LIVE_ROOMS] = [*rooms[-9:], meeting_id]
