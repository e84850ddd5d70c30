"""Project-wide request checks that belong to no one app."""

from django.http import HttpResponseBadRequest
from django.template.loader import render_to_string
from django.utils.translation import gettext as _


class RefuseNulCharactersMiddleware:
    """A NUL character (U+0000) in a form or a query string is refused with a clear 400 before any view runs:
    PostgreSQL cannot store it in text, and no keyboard types it, so it is always a mistake or an attack. One
    check here rather than in every view that reads a field by hand (Django's forms already refuse it)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path_info or any(
            "\x00" in key or any("\x00" in value for value in values)
            for data in ((request.GET, request.POST) if request.method == "POST" else (request.GET,))
            for key, values in data.lists()
        ):
            message = _("What you sent contains a character that cannot be saved (NUL). Remove it and try again.")
            body = render_to_string("400.html", {"message": message}, request=request)
            return HttpResponseBadRequest(body)
        return self.get_response(request)
