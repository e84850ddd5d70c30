import zoneinfo

from django.utils import timezone, translation


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
