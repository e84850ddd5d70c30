from django import forms
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.timezones import TimezoneSelect, timezone_choices

# A <select> with this attribute is set to the browser's own zone by static/js/timezone.js (when it is one of the
# options): proposed, visible and changeable, never sent behind the person's back.
BROWSER_ZONE_ATTRIBUTE = "data-browser-timezone"


def timezone_field(**kwargs) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=_("Time zone"),
        choices=timezone_choices,
        initial="UTC",
        required=False,
        widget=TimezoneSelect,
        help_text=_("Meeting times are shown to you in this time zone: your browser's is proposed."),
        **kwargs,
    )


def propose_browser_zone(field: forms.Field) -> None:
    field.widget.attrs[BROWSER_ZONE_ATTRIBUTE] = ""


class SignupForm(forms.Form):
    """Extra fields on allauth's sign-up form (allauth calls `signup`). The name may come from an invitation
    (accounts.views.SignupView); the time zone is proposed from the browser."""

    full_name = forms.CharField(
        label=_("Full name"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    timezone = timezone_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            propose_browser_zone(self.fields["timezone"])

    def signup(self, request, user: User) -> None:
        user.full_name = self.cleaned_data["full_name"]
        user.timezone = self.cleaned_data.get("timezone") or "UTC"
        # Someone who signs up in another language than the site's (their browser's, or the footer's choice) keeps
        # it, so their emails come in it too; changeable in the profile.
        language = translation.get_language()
        if language in dict(settings.LANGUAGES) and language != settings.LANGUAGE_CODE:
            user.language = language
        user.save(update_fields=["full_name", "timezone", "language"])


class TimezoneForm(forms.Form):
    """One's time zone alone, asked where someone joins (accepting an invitation)."""

    timezone = timezone_field()

    def __init__(self, *args, propose: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if propose and not self.is_bound:
            propose_browser_zone(self.fields["timezone"])


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["full_name", "timezone", "language", "reminder_emails", "nudge_emails"]
        widgets = {"full_name": forms.TextInput(attrs={"autocomplete": "name"}), "timezone": TimezoneSelect}
        help_texts = {
            "timezone": _("Meeting times are shown to you in this time zone."),
            "language": _("Pages and emails in this language. Empty: your browser's language for pages."),
        }
