"""The live room's websocket (meetings/consumers.py): who is let in, what it is pushed, and who is in the room.

Each test drives the real ASGI application (origin check, session authentication, routing) through channels'
WebsocketCommunicator, with the channel layer of the settings (Redis when REDIS_URL is set, memory otherwise).
"""

import asyncio
import threading
import time
from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.db import connections
from django.test import Client
from django.utils import timezone

from actionlearning.asgi import application
from core import realtime
from meetings import consumers, live, presence
from meetings.models import Meeting
from sets.models import SetMembership
from tests.factories import SetMembershipFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("sockets_leave_no_connection")]

ORIGIN = (b"origin", b"http://localhost")


def session_cookie(user) -> bytes:
    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}".encode()


def socket(meeting_id: int, user=None, origin=ORIGIN) -> WebsocketCommunicator:
    headers = [origin] if origin else []
    if user is not None:
        headers.append((b"cookie", session_cookie(user)))
    return WebsocketCommunicator(application, f"/ws/meetings/{meeting_id}/", headers=headers)


async def refusal(communicator) -> int | None:
    """The close code the server sent right after the handshake (None if it let the socket in)."""
    connected, _code = await communicator.connect()
    assert connected
    first = await communicator.receive_output(timeout=5)
    if first["type"] == "websocket.close":
        return first["code"]
    await communicator.disconnect()
    return None


async def receive_type(communicator, wanted: str, timeout: float = 5) -> dict:
    while True:
        message = await communicator.receive_json_from(timeout=timeout)
        if message["type"] == wanted:
            return message


@pytest.fixture
def meeting(learning_set, facilitator, member):
    return Meeting.objects.create(learning_set=learning_set, starts_at=timezone.now() + timedelta(minutes=5))


def test_a_member_is_let_in_and_told_the_version(meeting, member):
    async def scenario():
        communicator = socket(meeting.pk, member)
        connected, _ = await communicator.connect()
        assert connected
        assert await communicator.receive_json_from(timeout=5) == {"type": "hello", "version": 0}
        await communicator.disconnect()

    async_to_sync(scenario)()


def test_a_socket_from_another_site_is_refused(meeting, member):
    async def scenario():
        communicator = socket(meeting.pk, member, origin=(b"origin", b"https://evil.example"))
        connected, _ = await communicator.connect()
        assert not connected

    async_to_sync(scenario)()


def test_a_lost_control_push_is_not_a_reason_to_fail_the_click(meeting, facilitator, monkeypatch, caplog):
    """The channel layer down: the control is applied and the version cached; the push is logged and dropped."""

    async def down(group, message):
        raise ConnectionError("channel layer down")

    monkeypatch.setattr(realtime, "_group_send", down)
    live.control_meeting(meeting_id=meeting.pk, by=facilitator, control="start", version=0)
    assert Meeting.objects.get(pk=meeting.pk).version == 1
    assert "Could not push room.changed to meeting-" in caplog.text


def test_every_control_is_pushed_to_every_open_room_after_commit(meeting, facilitator, member):
    async def scenario():
        follower, runner = socket(meeting.pk, member), socket(meeting.pk, facilitator)
        for communicator in (follower, runner):
            await communicator.connect()
            await receive_type(communicator, "hello")
        await control("start", 0)
        for communicator in (follower, runner):
            assert await receive_type(communicator, "room.changed") == {
                "type": "room.changed",
                "version": 1,
                "full": False,
            }
        await control("next", 1)
        assert (await receive_type(follower, "room.changed"))["version"] == 2
        for communicator in (follower, runner):
            await communicator.disconnect()

    @database_sync_to_async
    def control(name, version):
        live.control_meeting(meeting_id=meeting.pk, by=facilitator, control=name, version=version)

    async_to_sync(scenario)()


def test_the_room_shows_who_has_it_open_and_forgets_who_left(meeting, facilitator, member):
    async def scenario():
        follower = socket(meeting.pk, member)
        await follower.connect()
        assert (await receive_type(follower, "presence"))["people"] == ["Milo Member"]
        runner = socket(meeting.pk, facilitator)
        await runner.connect()
        # facilitators first, then by name: the set's order
        assert (await receive_type(follower, "presence"))["people"] == ["Fay Facilitator", "Milo Member"]
        assert (await receive_type(runner, "presence"))["people"] == ["Fay Facilitator", "Milo Member"]
        await runner.disconnect()
        assert (await receive_type(follower, "presence"))["people"] == ["Milo Member"]
        await follower.disconnect()

    async_to_sync(scenario)()
    assert presence.present(meeting.pk, [facilitator.pk, member.pk]) == set()


def test_a_socket_of_a_crashed_process_lapses_and_the_heartbeat_says_so(meeting, facilitator, member, monkeypatch):
    """A web process killed without closing its sockets leaves presence entries behind: they lapse after
    presence.TTL_SECONDS, and the next heartbeat of a socket still open tells the room."""
    monkeypatch.setattr(consumers.MeetingRoomConsumer, "heartbeat_seconds", 0.2)
    clock = {"now": 1_000_000.0}
    monkeypatch.setattr(presence.time, "time", lambda: clock["now"])

    async def scenario():
        await sync_to_async(presence.arrive)(meeting.pk, facilitator.pk, "channel-of-a-dead-process")
        follower = socket(meeting.pk, member)
        await follower.connect()
        assert (await receive_type(follower, "presence"))["people"] == ["Fay Facilitator", "Milo Member"]
        clock["now"] += presence.TTL_SECONDS + 1  # the dead process's entry lapses; the follower's is renewed
        ping = await receive_type(follower, "ping")
        assert ping == {"type": "ping", "version": 0}
        assert (await receive_type(follower, "presence"))["people"] == ["Milo Member"]
        await follower.disconnect()

    async_to_sync(scenario)()


def test_someone_removed_from_the_set_is_shown_the_door_at_the_next_heartbeat(meeting, member, monkeypatch):
    monkeypatch.setattr(consumers.MeetingRoomConsumer, "heartbeat_seconds", 0.2)

    async def scenario():
        follower = socket(meeting.pk, member)
        await follower.connect()
        await receive_type(follower, "hello")
        await remove()
        while True:
            output = await follower.receive_output(timeout=5)
            if output["type"] == "websocket.close":
                assert output["code"] == consumers.CLOSE_NOT_FOUND
                return

    @database_sync_to_async
    def remove():
        # Saved, as the services do: the save bumps the set's version, so the cached permission answer goes.
        membership = SetMembership.objects.get(user=member)
        membership.left_at = timezone.now()
        membership.save()

    async_to_sync(scenario)()


def test_a_set_mate_who_joins_later_sees_the_room_as_it_is(meeting, learning_set, facilitator, member):
    late = SetMembershipFactory(learning_set=learning_set, user__full_name="Lara Late").user

    async def scenario():
        first = socket(meeting.pk, member)
        await first.connect()
        await receive_type(first, "presence")
        second = socket(meeting.pk, late)
        await second.connect()
        assert (await receive_type(second, "presence"))["people"] == ["Lara Late", "Milo Member"]
        await second.disconnect()
        await first.disconnect()

    async_to_sync(scenario)()


def test_a_second_page_of_someone_already_in_the_room_tells_only_itself(meeting, facilitator, member):
    """Who is in the room did not change (a second tab, a page reconnecting after its process restarted): the
    new page is told the room's presence, the others receive nothing."""

    async def scenario():
        runner = socket(meeting.pk, facilitator)
        await runner.connect()
        await receive_type(runner, "presence")
        first = socket(meeting.pk, member)
        await first.connect()
        assert (await receive_type(runner, "presence"))["people"] == ["Fay Facilitator", "Milo Member"]
        second = socket(meeting.pk, member)
        await second.connect()
        assert (await receive_type(second, "presence"))["people"] == ["Fay Facilitator", "Milo Member"]
        assert await runner.receive_nothing(timeout=0.5)
        await second.disconnect()  # the member still has the first page open: nobody left
        assert await runner.receive_nothing(timeout=0.5)
        await first.disconnect()
        assert (await receive_type(runner, "presence"))["people"] == ["Fay Facilitator"]
        await runner.disconnect()

    async_to_sync(scenario)()


def test_a_socket_is_let_in_while_the_process_renders_a_slow_page(meeting, member):
    """The socket's checks run in a worker thread, not queued behind the one thread that runs a process's pages
    (Django's and channels' sync code by default): a page that takes seconds does not hold up the handshake."""

    async def scenario():
        slow_page = asyncio.create_task(sync_to_async(time.sleep, thread_sensitive=True)(3))
        await asyncio.sleep(0.1)
        follower = socket(meeting.pk, member)
        await follower.connect(timeout=5)
        hello = await follower.receive_json_from(timeout=1.5)  # the slow page is still being rendered
        assert hello == {"type": "hello", "version": 0}
        assert not slow_page.done()
        await follower.disconnect()
        await slow_page

    async_to_sync(scenario)()


def test_a_click_served_by_a_wsgi_worker_is_pushed_to_the_sockets(meeting, facilitator, member):
    """Pages (and so the controls) are served by gunicorn, sockets by daphne: the control runs in plain sync code
    with no event loop of its own, as in a WSGI worker, and its push still reaches the room."""

    async def scenario():
        follower = socket(meeting.pk, member)
        await follower.connect()
        await receive_type(follower, "hello")
        clicked = threading.Thread(target=click)
        clicked.start()
        assert (await receive_type(follower, "room.changed"))["version"] == 1
        await asyncio.to_thread(clicked.join)
        await follower.disconnect()

    def click():
        try:
            live.control_meeting(meeting_id=meeting.pk, by=facilitator, control="start", version=0)
        finally:
            connections.close_all()

    async_to_sync(scenario)()
