"""The ASGI application (daphne in production and under `manage.py runserver`): http to Django as ever, and the
websockets of the live meeting room to Channels (meetings/routing.py).

A socket is let in only from an allowed host (AllowedHostsOriginValidator: the Origin header must name one of
ALLOWED_HOSTS) and carries the session from its cookie (SessionMiddlewareStack); the consumer resolves the
logged-in user from it (Django's own `auth.get_user`, in a worker thread with the rest of its blocking work) and
checks, through sets/permissions.py, that the user may open the meeting's room.
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "actionlearning.settings")

# Django is set up here, before anything that imports models (the consumers) is imported.
http_application = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402 (after Django is set up)
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402 (after Django is set up)
from channels.sessions import SessionMiddlewareStack  # noqa: E402 (after Django is set up)

from meetings.routing import websocket_urlpatterns  # noqa: E402 (after Django is set up)

application = ProtocolTypeRouter(
    {
        "http": http_application,
        "websocket": AllowedHostsOriginValidator(SessionMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)
