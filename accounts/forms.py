from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.timezones import TimezoneSelect


class SignupForm(forms.Form):
    """Extra fields on allauth's sign-up form (allauth calls `signup`)."""

    full_name = forms.CharField(
        label=_("Full name"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )

    def signup(self, request, user: User) -> None:
        user.full_name = self.cleaned_data["full_name"]
        user.save(update_fields=["full_name"])


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["full_name", "timezone", "language", "reminder_emails", "nudge_emails"]
        widgets = {"full_name": forms.TextInput(attrs={"autocomplete": "name"}), "timezone": TimezoneSelect}
        help_texts = {
            "timezone": _("Meeting times are shown to you in this time zone."),
            "language": _("Pages and emails in this language. Empty: your browser's language for pages."),
        }
