"""Project-wide request checks that belong to no one app."""

from csp.constants import HEADER as CSP_HEADER
from csp.middleware import CheckableLazyObject, CSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.http import HttpResponseBadRequest
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from core import versions


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


class PrivateNoStoreMiddleware:
    """Every answer to a logged-in person says `Cache-Control: private, no-store` unless its view set a
    Cache-Control of its own: pages show what members bring (journal entries, the meeting room, actions), and a
    browser's or a proxy's copy of them outlives the session on a shared computer. One place for every page,
    so a new view cannot forget. Answers that set their own keep it (the data exports and /healthz say no-store
    too, the calendar feed `private, max-age=300` on purpose, the live poll `private, no-cache`); static files are
    answered by WhiteNoise before this runs, and stay cacheable. Logged in at the start or at the end of the
    request counts (logging out and logging in are both covered)."""

    VALUE = "private, no-store"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        before = request.user.is_authenticated
        response = self.get_response(request)
        if (before or request.user.is_authenticated) and not response.has_header("Cache-Control"):
            response["Cache-Control"] = self.VALUE
        return response


class StaticPolicyCSPMiddleware(CSPMiddleware):
    """django-csp's middleware, with the header built once: the policy comes from settings alone (no view here
    changes it, and no page uses a nonce), yet django-csp rebuilds the same string on every response. A response
    that does carry a view's own policy (`@csp_update`, `@csp_replace`, `@csp_exempt`...) or a request that used
    its nonce still goes through django-csp's own code, so the decorators keep working."""

    _built: tuple[object, str] | None = None

    def process_response(self, request, response):
        if (
            getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None)
            or getattr(request, "_csp_nonce", None) is not None
            or any(hasattr(response, name) for name in _VIEW_POLICY_ATTRIBUTES)
            or (response.status_code in (500, 404) and settings.DEBUG)
        ):
            return super().process_response(request, response)
        policy = getattr(settings, "CONTENT_SECURITY_POLICY", None) or {}
        built = StaticPolicyCSPMiddleware._built
        if built is None or built[0] is not policy:  # settings changed (a test's override): build it again
            built = StaticPolicyCSPMiddleware._built = (policy, build_policy())
        prefixes = tuple(policy.get("EXCLUDE_URL_PREFIXES", None) or ())
        if built[1] and CSP_HEADER not in response and not request.path_info.startswith(prefixes):
            response[CSP_HEADER] = built[1]
        if getattr(request, "_csp_nonce", None) is None:
            request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response


_VIEW_POLICY_ATTRIBUTES = (
    "_csp_exempt",
    "_csp_config",
    "_csp_update",
    "_csp_replace",
    "_csp_exempt_ro",
    "_csp_config_ro",
    "_csp_update_ro",
    "_csp_replace_ro",
)


class VersionSnapshotMiddleware:
    """Each request reads a version token once (core/versions.py `snapshot`): the permission check and the page's
    cached fragments share it, and the session engine hands over the person's, read with the session."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with versions.snapshot():
            return self.get_response(request)
