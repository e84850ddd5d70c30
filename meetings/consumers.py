"""The live meeting room's websocket, `ws/meetings/<id>/`: one per open room page.

It lets in exactly whom the room's GET lets in (meetings/views/live.py: `permissions.object_in_own_set`, and an
organisation's two-factor requirement as sets/middleware.py applies it), and closes any other socket with a code
that says why, before it joins anything: 4401 not logged in, 4404 not found (a stranger to the set or its
organisation), 4403 not allowed (an admin outside the set, two-factor still to set up). The check runs again at
every heartbeat, so someone removed from the set is shown the door within HEARTBEAT_SECONDS.

What it sends to the page (JSON):
- `{"type": "hello", "version": v}` once let in, and `{"type": "ping", "version": v}` every heartbeat: the page
  fetches its state when v is newer than what it shows (after a reconnect, or a push that was lost);
- `{"type": "room.changed", "version": v, "full": bool}`, pushed by the services (meetings/live_version.py);
- `{"type": "presence", "people": [names]}` when someone opens or leaves the room (meetings/presence.py).
Only versions and the names of the set's own people travel here: every piece of content is fetched over a
permission-checked GET.

Its blocking work (the session and user, the permission check, the presence entry) runs as one call in a worker
thread per connect and per heartbeat (`visit`), not on the single thread channels and Django give a process's
sync code by default, where it would queue behind every page being rendered and every other socket's check. A
presence message goes to the room only when who is in it changed: a page that reconnects (a process restarted,
a laptop woke up) while its person is still shown is told the room's presence alone.
"""

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from types import SimpleNamespace

from asgiref.sync import sync_to_async
from channels.consumer import get_handler_name
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.contrib import auth
from django.core.exceptions import PermissionDenied
from django.db import connections
from django.http import Http404

from meetings import presence, room
from meetings.live_version import room_group
from meetings.models import Meeting
from sets import permissions
from sets.middleware import TWO_FACTOR_NEEDED
from sets.services import two_factor_needed

logger = logging.getLogger(__name__)

CLOSE_LOGIN = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404


def room_access(user, meeting_id: int, session) -> tuple[int | None, int | None, dict]:
    """(refusal close code or None, the meeting's version, {user id: name} of the set's people), decided as the
    room's GET decides."""
    if user is None or not user.is_authenticated:
        return CLOSE_LOGIN, None, {}
    if session is not None and session.get(TWO_FACTOR_NEEDED) and two_factor_needed(user):
        return CLOSE_FORBIDDEN, None, {}
    try:
        meeting = permissions.object_in_own_set(user, Meeting.objects.all(), meeting_id)
    except Http404:
        return CLOSE_NOT_FOUND, None, {}
    except PermissionDenied:
        return CLOSE_FORBIDDEN, None, {}
    return None, meeting.version, room.people_names(meeting)


@dataclass
class Visit:
    """What one connect or heartbeat found out."""

    user: object
    refused: int | None
    version: int | None = None
    people: dict = field(default_factory=dict)
    here: list[str] = field(default_factory=list)  # the names shown as in the room now
    arrived: bool = False  # this person was not shown as in the room a moment ago


def visit(session, user, meeting_id: int, channel: str) -> Visit:
    """The person behind the socket (from the session at connect, `user` at heartbeats), whether they may be in
    the room, and if so their presence renewed and who is in the room now."""
    if user is None:
        # Django's own session -> user resolution (with the session-hash check), as every page request does.
        user = auth.get_user(SimpleNamespace(session=session)) if session is not None else None
    refused, version, people = room_access(user, meeting_id, session)
    if refused:
        return Visit(user, refused)
    arrived = presence.arrive(meeting_id, user.pk, channel)
    return Visit(user, None, version, people, shown(meeting_id, people), arrived)


def shown(meeting_id: int, people: dict) -> list[str]:
    here = presence.present(meeting_id, people)
    return [name for user_id, name in people.items() if user_id in here]


def depart(meeting_id: int, user_id: int, channel: str, people: dict) -> list[str] | None:
    """The socket closed: the names in the room now if that changed them (the person left), else None."""
    if presence.leave(meeting_id, user_id, channel):
        return shown(meeting_id, people)
    return None


def in_worker_thread(func):
    """`func` as a coroutine function that runs it in a thread of the event loop's default executor, not on the
    process's one thread for sync code (see the module's docstring), and hands the thread's database connection
    back (to the pool in production) when it returns, so no worker thread keeps one."""

    def run(*args):
        try:
            return func(*args)
        finally:
            connections.close_all()

    return sync_to_async(run, thread_sensitive=False)


visit_in_thread = in_worker_thread(visit)
depart_in_thread = in_worker_thread(depart)


class MeetingRoomConsumer(AsyncJsonWebsocketConsumer):
    heartbeat_seconds = presence.HEARTBEAT_SECONDS

    async def dispatch(self, message):
        """Call the message's handler, as channels' own dispatch does, without its first step: a hop to the
        process's one thread for sync code to close that thread's stale database connections, before *every*
        message, pushes included. Each push would then wait for whatever page that thread is rendering. This
        consumer touches the database only through `in_worker_thread`, which hands its connections back itself."""
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def connect(self):
        self.joined = False
        self.meeting_id = self.scope["url_route"]["kwargs"]["meeting_id"]
        found = await visit_in_thread(self.scope.get("session"), None, self.meeting_id, self.channel_name)
        await self.accept()
        if found.refused:
            await self.close(code=found.refused)
            return
        self.user, self.people = found.user, found.people
        self.group = room_group(self.meeting_id)
        self.shown_presence: list[str] | None = None
        await self.channel_layer.group_add(self.group, self.channel_name)
        self.joined = True
        await self.send_json({"type": "hello", "version": found.version})
        if found.arrived:  # everyone's list changes, this page's too
            await self.announce_presence(found.here)
        else:  # a second tab, or a reconnect while still shown: only this page needs the list
            await self.room_presence({"people": found.here})
        self.heartbeat = asyncio.create_task(self.beat())

    async def disconnect(self, code):
        if not self.joined:
            return
        self.joined = False
        self.heartbeat.cancel()
        await self.channel_layer.group_discard(self.group, self.channel_name)
        here = await depart_in_thread(self.meeting_id, self.user.pk, self.channel_name, self.people)
        if here is not None:
            await self.announce_presence(here)

    async def receive_json(self, content, **kwargs):
        """The page sends nothing the server acts on (writes go through permission-checked POSTs)."""

    async def beat(self):
        """Every heartbeat: check the person may still be here, renew their presence, tell the page the version
        (so a lost push is caught up) and correct the room's presence if an entry lapsed."""
        with contextlib.suppress(asyncio.CancelledError):
            while True:
                await asyncio.sleep(self.heartbeat_seconds)
                try:
                    found = await visit_in_thread(None, self.user, self.meeting_id, self.channel_name)
                    if found.refused:
                        await self.close(code=found.refused)
                        return
                    self.people = found.people
                    await self.send_json({"type": "ping", "version": found.version})
                    if found.here != self.shown_presence:
                        await self.announce_presence(found.here)
                except Exception:  # the database or the channel layer is down: try again next heartbeat
                    logger.warning("Room socket heartbeat failed", exc_info=True)

    async def announce_presence(self, people: list[str]):
        await self.channel_layer.group_send(self.group, {"type": "room.presence", "people": people})

    # Messages from the group (channels calls the handler named by the message's type).

    async def room_changed(self, event):
        await self.send_json({"type": "room.changed", "version": event["version"], "full": event.get("full", False)})

    async def room_presence(self, event):
        self.shown_presence = event["people"]
        await self.send_json({"type": "presence", "people": event["people"]})
