from allauth.account.views import SignupView as AllauthSignupView
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import services
from accounts.forms import ProfileForm
from accounts.versions import user_scope
from core import fragments, versions


def profile(request):
    """The person's own settings. Shown (GET), the form is cached on the person's version (every save of their row
    bumps it: name, zone, language, email settings, a new or revoked calendar address), with the CSRF token filled
    in per request. A hit reads nothing secret: the calendar token is not in the cached person (accounts/middleware.py)
    and is read only to build the form."""
    if request.method != "POST":
        user = request.user
        name = versions.for_viewer(request, "profile", request.scheme, request.get_host())
        build = lambda: {"form": ProfileForm(instance=user)}  # noqa: E731
        scopes = [user_scope(user.pk)]
        content = fragments.render(request, "accounts/profile_content.html", build, name=name, scopes=scopes)
        return render(request, "accounts/profile.html", {"content": content})
    form = ProfileForm(request.POST, instance=request.user)
    if form.is_valid():
        form.save()
        messages.success(request, _("Profile saved."))
        return redirect("accounts:profile")
    return render(request, "accounts/profile.html", {"form": form})


@require_POST
def calendar_feed(request):
    """Make a new private calendar address (the old one stops working), or turn the feed off."""
    if request.POST.get("action") == "revoke":
        services.revoke_calendar_token(user=request.user)
        messages.success(request, _("Your calendar feed is off; its old address no longer works."))
    else:
        services.regenerate_calendar_token(user=request.user)
        messages.success(request, _("Your new calendar address is below; any old one no longer works."))
    return redirect("accounts:profile")


class SignupView(AllauthSignupView):
    """allauth's sign-up, starting from the name the inviter typed when the person came from an invitation link
    (stashed by the invitation page: accounts.services.stash_invited_name)."""

    def get_initial(self) -> dict:
        initial = super().get_initial()
        invited_name = self.request.session.get(services.INVITED_NAME_SESSION_KEY)
        if invited_name:
            initial["full_name"] = invited_name
        return initial

    def form_valid(self, form):
        self.request.session.pop(services.INVITED_NAME_SESSION_KEY, None)
        return super().form_valid(form)


signup = SignupView.as_view()
