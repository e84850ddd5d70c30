import zoneinfo

from django.utils import timezone


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
