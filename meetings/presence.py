"""Who has the meeting room open now: one cache entry per (meeting, person) holding that person's open sockets,
each with the time it lapses.

A socket (meetings/consumers.py) arrives when it joins, renews its own entry every heartbeat and leaves when it
closes. An entry lapses TTL_SECONDS after its last heartbeat, so a web process that crashed (and never said
goodbye) leaves no ghost for longer than that. The cache is Redis in production, so every web process sees the
same room; it fails soft (core/cache.py): while Redis is down the room simply shows nobody.

Two sockets of the same person (two tabs) share an entry; were both to write it at once, one write could drop
the other's socket until its next heartbeat. Nothing worse can happen: the entry never holds another person.

The functions are plain (synchronous) cache calls: the room's socket runs them in a worker thread together with its
permission check (one hop off the event loop per connect and heartbeat).
"""

import time

from django.core.cache import cache

HEARTBEAT_SECONDS = 25
TTL_SECONDS = 3 * HEARTBEAT_SECONDS


def presence_key(meeting_id: int, user_id: int) -> str:
    return f"meetings:presence:{meeting_id}:{user_id}"


def _live(sockets, now: float) -> dict:
    return {channel: lapses for channel, lapses in (sockets or {}).items() if lapses > now}


def arrive(meeting_id: int, user_id: int, channel: str) -> bool:
    """The socket `channel` of this person has the room open (call again at every heartbeat). True if the person
    was not in the room a moment ago (their arrival changes who is shown)."""
    key, now = presence_key(meeting_id, user_id), time.time()
    sockets = _live(cache.get(key), now)
    arrived = not sockets
    sockets[channel] = now + TTL_SECONDS
    cache.set(key, sockets, TTL_SECONDS)
    return arrived


def leave(meeting_id: int, user_id: int, channel: str) -> bool:
    """The socket `channel` closed. True if the person has no other socket in the room (they have left it)."""
    key, now = presence_key(meeting_id, user_id), time.time()
    sockets = _live(cache.get(key), now)
    sockets.pop(channel, None)
    if sockets:
        cache.set(key, sockets, TTL_SECONDS)
        return False
    cache.delete(key)
    return True


def present(meeting_id: int, user_ids) -> set[int]:
    """Which of `user_ids` have the room open now (one cache round trip)."""
    keys = {presence_key(meeting_id, user_id): user_id for user_id in user_ids}
    found, now = cache.get_many(list(keys)), time.time()
    return {keys[key] for key, sockets in found.items() if _live(sockets, now)}
