"""Push a small message to every socket in a group (Django Channels' channel layer), after the transaction commits.

The live meeting room keeps one websocket per open page (meetings/consumers.py); services call `publish` when
what a group's pages show has changed. Messages say only *that* something changed (a version number, never
content): each page then fetches what it shows through a permission-checked GET, so nothing confidential
travels outside one.

The channel layer is Redis in production (so several web processes and machines share one group) and an
in-process memory layer on the embedded defaults. A push that cannot be delivered (Redis down or hanging) is
logged and dropped: the pages still poll while their socket is down, and a page whose socket is up but missed a
push catches up at the next push or reconnect (each compares versions).
"""

import asyncio
import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)

# A channel layer that does not answer within this many seconds is given up on for this message.
PUBLISH_TIMEOUT_SECONDS = 1.0


async def _group_send(group: str, message: dict) -> None:
    layer = get_channel_layer()
    if layer is None:  # no CHANNEL_LAYERS configured: nothing listens
        return
    await asyncio.wait_for(layer.group_send(group, message), timeout=PUBLISH_TIMEOUT_SECONDS)


def send_now(group: str, message: dict) -> bool:
    """Send `message` to `group` now; False (and a warning in the log) if the channel layer is down."""
    try:
        async_to_sync(_group_send)(group, message)
    except Exception:
        logger.warning("Could not push %s to %s", message.get("type"), group, exc_info=True)
        return False
    return True


def publish(group: str, message: dict) -> None:
    """Send `message` (a dict with a `type` naming the consumer's handler) to every socket in `group` once the
    current transaction commits (at once outside one). Fails soft: see the module's docstring."""
    transaction.on_commit(lambda: send_now(group, message))
