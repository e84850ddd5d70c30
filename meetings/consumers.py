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
"""

import asyncio
import contextlib
import logging

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.core.exceptions import PermissionDenied
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


class MeetingRoomConsumer(AsyncJsonWebsocketConsumer):
    heartbeat_seconds = presence.HEARTBEAT_SECONDS

    async def connect(self):
        self.joined = False
        self.meeting_id = self.scope["url_route"]["kwargs"]["meeting_id"]
        self.user = self.scope.get("user")
        refused, version, self.people = await self.check()
        await self.accept()
        if refused:
            await self.close(code=refused)
            return
        self.group = room_group(self.meeting_id)
        self.shown_presence: list[str] | None = None
        await self.channel_layer.group_add(self.group, self.channel_name)
        self.joined = True
        await self.send_json({"type": "hello", "version": version})
        await presence.arrive(self.meeting_id, self.user.pk, self.channel_name)
        await self.announce_presence()
        self.heartbeat = asyncio.create_task(self.beat())

    async def check(self):
        return await database_sync_to_async(room_access)(self.user, self.meeting_id, self.scope.get("session"))

    async def disconnect(self, code):
        if not self.joined:
            return
        self.joined = False
        self.heartbeat.cancel()
        await self.channel_layer.group_discard(self.group, self.channel_name)
        await presence.leave(self.meeting_id, self.user.pk, self.channel_name)
        await self.announce_presence()

    async def receive_json(self, content, **kwargs):
        """The page sends nothing the server acts on (writes go through permission-checked POSTs)."""

    async def beat(self):
        """Every heartbeat: check the person may still be here, renew their presence, tell the page the version
        (so a lost push is caught up) and correct the room's presence if an entry lapsed."""
        with contextlib.suppress(asyncio.CancelledError):
            while True:
                await asyncio.sleep(self.heartbeat_seconds)
                try:
                    refused, version, self.people = await self.check()
                    if refused:
                        await self.close(code=refused)
                        return
                    await presence.arrive(self.meeting_id, self.user.pk, self.channel_name)
                    await self.send_json({"type": "ping", "version": version})
                    if await self.presence_names() != self.shown_presence:
                        await self.announce_presence()
                except Exception:  # the database or the channel layer is down: try again next heartbeat
                    logger.warning("Room socket heartbeat failed", exc_info=True)

    async def presence_names(self) -> list[str]:
        here = await presence.present(self.meeting_id, self.people)
        return [name for user_id, name in self.people.items() if user_id in here]

    async def announce_presence(self):
        await self.channel_layer.group_send(
            self.group, {"type": "room.presence", "people": await self.presence_names()}
        )

    # Messages from the group (channels calls the handler named by the message's type).

    async def room_changed(self, event):
        await self.send_json({"type": "room.changed", "version": event["version"], "full": event.get("full", False)})

    async def room_presence(self, event):
        self.shown_presence = event["people"]
        await self.send_json({"type": "presence", "people": event["people"]})
