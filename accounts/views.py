from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import services
from accounts.forms import ProfileForm


def profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
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
