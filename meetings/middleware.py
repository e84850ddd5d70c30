"""The live meeting's poll, answered before the rest of the middleware stack when nothing has changed.

Every participant's page asks `live/state/?v=<revision>` every 2 s, so this is the busiest URL of a meeting and
almost always the answer is "unchanged". A session that a meeting room has let in (the room checked the person in
full: logged in, in the set, not left) carries the meeting's id in `LIVE_ROOMS` (meetings/live_version.py); for
such a session the answer "304, unchanged" needs only the session and the meeting's current revision, both in the
cache (Redis), read in one round trip, with no database query, no user object and no other middleware.

Anything else (no cookie, a session not let into this room, a revision that moved on, a cache miss) falls through
to the view, which renders a changed state only after the full permission check (sets/permissions.py). So a
person removed from the set, or a session whose password has since changed, can at most go on learning "nothing
changed" until the room next changes, and never sees a byte of content.
"""

from importlib import import_module

from django.conf import settings
from django.core.cache import caches
from django.http import HttpResponseNotModified
from django.urls import Resolver404, resolve

from meetings.live_version import LIVE_ROOMS, version_cache_key

LIVE_STATE_VIEW = "meetings:live-state"
_SUFFIX = "/live/state/"


class LiveStatePollMiddleware:
    """Answers an unchanged poll of `meetings:live-state` with 304 from the cache alone (see the module's
    docstring). Sits right after SecurityMiddleware, so the security headers still apply."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.session_store = import_module(settings.SESSION_ENGINE).SessionStore
        # Only cache-backed session engines (cache, cached_db) can be read without the database.
        self.enabled = hasattr(self.session_store, "cache_key_prefix")

    def __call__(self, request):
        if self.enabled and request.method == "GET" and request.path_info.endswith(_SUFFIX):
            response = self.unchanged(request)
            if response is not None:
                return response
        return self.get_response(request)

    def unchanged(self, request):
        asked = request.GET.get("v")
        cookie = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
        if not asked or not cookie:
            return None
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return None
        if match.view_name != LIVE_STATE_VIEW:
            return None
        meeting_id = match.kwargs["meeting_id"]
        session = self.session_store(cookie)
        if session.session_key is None:  # not a well-formed key: let the normal path deal with it
            return None
        session_cache = caches[settings.SESSION_CACHE_ALIAS]
        revision_key = version_cache_key(meeting_id)
        if session_cache is caches["default"]:
            found = session_cache.get_many([session.cache_key, revision_key])
            data, revision = found.get(session.cache_key), found.get(revision_key)
        else:
            data, revision = session_cache.get(session.cache_key), caches["default"].get(revision_key)
        request.live_revision_cached = revision is not None  # the view puts it back only when it is not
        if not isinstance(data, dict) or revision is None or str(revision) != asked:
            return None
        if meeting_id not in data.get(LIVE_ROOMS, ()):
            return None
        response = HttpResponseNotModified()
        # As the session middleware would: the answer depends on who asks, and no shared cache may keep it.
        response["Vary"] = "Cookie"
        response["Cache-Control"] = "private, no-cache"
        return response
