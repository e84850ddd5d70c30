"""An organisation that requires two-factor authentication: its people set one up before anything else."""

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from sets.services import two_factor_needed

# Set in the session at login (sets/signals.py), when an authenticator is removed, and on joining such an
# organisation. Turning the requirement on ends the sessions of everyone it concerns, so every session of a
# person it concerns has been through a login that set it. Only flagged sessions pay for the check (a query),
# which clears the flag once an authenticator exists.
TWO_FACTOR_NEEDED = "two_factor_needed"


class TwoFactorRequiredMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            request.user.is_authenticated
            and request.session.get(TWO_FACTOR_NEEDED)
            and not request.path_info.startswith(("/accounts/", "/healthz"))
        ):
            if not two_factor_needed(request.user):
                del request.session[TWO_FACTOR_NEEDED]
                return self.get_response(request)
            messages.warning(
                request,
                _("Your organisation requires two-factor authentication. Set up an authenticator app to go on."),
            )
            return redirect(reverse("mfa_activate_totp"))
        return self.get_response(request)
