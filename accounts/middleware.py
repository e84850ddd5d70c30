import hashlib
import zoneinfo

from django.conf import settings
from django.contrib import auth
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare
from django.utils.functional import SimpleLazyObject

from accounts.models import User
from accounts.versions import cached_for_user


class TimezoneMiddleware:
    """Shows times in the viewer's own time zone (times are stored in UTC)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        zone = None
        if user is not None and user.is_authenticated and user.timezone:
            try:
                zone = zoneinfo.ZoneInfo(user.timezone)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                zone = None
        # override() puts the previous zone back after the response, so nothing leaks to the next request.
        with timezone.override(zone):
            return self.get_response(request)


class UserLanguageMiddleware:
    """Pages in the language a person chose in their profile; without a choice, LocaleMiddleware's (the browser's,
    or the language picked in the footer before logging in). Sits after AuthenticationMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.language:
            translation.activate(user.language)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)


# Never in the cache: the password hash, and the calendar feed's secret. They are left out of the cached person
# (deferred: read from the database if a page needs them).
SECRET_FIELDS = ("password", "calendar_token")


def _digest(session_auth_hash: str) -> str:
    return hashlib.sha256(session_auth_hash.encode()).hexdigest()


def _person(pk):
    """The person as the cache keeps them: the row without its secrets, and a digest of the session auth hash (an
    HMAC of the password hash, which every session of theirs stores anyway) to check sessions against."""
    user = User.objects.filter(pk=pk).first()
    if user is None:
        return None
    digest = _digest(user.get_session_auth_hash())
    for name in SECRET_FIELDS:
        user.__dict__.pop(name, None)
    return user, digest


def cached_session_user(request):
    """The logged-in person, from the cache (accounts/versions.py) while the session's auth hash matches the
    current password; anything else (no such person, inactive, a session from before a password change, a key
    rotation, an unknown backend) goes through Django's own get_user, which flushes the session when it must."""
    session = request.session
    try:
        user_id = session[SESSION_KEY]
        backend_path = session[BACKEND_SESSION_KEY]
    except KeyError:
        return AnonymousUser()
    if backend_path in settings.AUTHENTICATION_BACKENDS:
        pk = User._meta.pk.to_python(user_id)
        entry = cached_for_user(request, pk, "session-user", lambda: _person(pk))
        session_hash = session.get(HASH_SESSION_KEY)
        if entry is not None and session_hash and entry[0].is_active:
            user, digest = entry
            if constant_time_compare(_digest(session_hash), digest):
                return user
    return auth.get_user(request)


def _get_user(request):
    if not hasattr(request, "_cached_user"):
        request._cached_user = cached_session_user(request)
    return request._cached_user


class CachedAuthenticationMiddleware(AuthenticationMiddleware):
    """Django's AuthenticationMiddleware, with the person read from the cache instead of a query on every request
    (see cached_session_user). Logging in and out, password changes and key rotation behave as Django's."""

    def process_request(self, request):
        super().process_request(request)
        request.user = SimpleLazyObject(lambda: _get_user(request))
