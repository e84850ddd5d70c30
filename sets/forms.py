from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.timezones import TimezoneSelect
from sets.contract import CONTRACT_FIELDS, DEFAULT_REMINDER_OFFSETS
from sets.invitations import INVITATION_ROLES, MAX_BULK_LINES
from sets.models import LearningSet, Organisation, OrganisationMembership, SetMembership

DETAIL_FIELDS = [
    "name",
    "purpose",
    "timezone",
    "meeting_duration_minutes",
    "meeting_place",
    "meeting_video_link",
    "checkin_minutes",
    "presentation_minutes",
    "questioning_minutes",
    "commitments_minutes",
    "reflection_minutes",
]


class OrganisationForm(forms.ModelForm):
    class Meta:
        model = Organisation
        fields = ["name", "timezone"]
        widgets = {"timezone": TimezoneSelect}
        help_texts = {"name": _("Your company, team or programme."), "timezone": _("Where most of your sets meet.")}


class ReminderOffsetsField(forms.CharField):
    """Hours before a meeting, written as "48, 2"."""

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return ", ".join(str(hours) for hours in value)
        return value

    def to_python(self, value):
        text = super().to_python(value)
        if not text.strip():
            return []
        try:
            hours = sorted({int(part) for part in text.replace(";", ",").split(",") if part.strip()}, reverse=True)
        except ValueError:
            raise forms.ValidationError(_("Write whole numbers of hours separated by commas, like 48, 2.")) from None
        if any(h < 1 or h > 24 * 14 for h in hours):
            raise forms.ValidationError(_("Each reminder is between 1 hour and 14 days (336 hours) before."))
        if len(hours) > 5:
            raise forms.ValidationError(_("At most 5 reminders per meeting."))
        return hours


class SetDetailsForm(forms.ModelForm):
    meeting_video_link = forms.URLField(
        label=_("Usual video link"), required=False, assume_scheme="https", max_length=200
    )
    reminder_offsets_hours = ReminderOffsetsField(
        label=_("Reminders (hours before a meeting)"),
        required=False,
        initial=DEFAULT_REMINDER_OFFSETS,
        help_text=_("Separated by commas, like 48, 2. Leave empty for no reminders."),
    )

    class Meta:
        model = LearningSet
        fields = [*DETAIL_FIELDS, "reminder_offsets_hours", "nudge_days_before"]
        widgets = {"purpose": forms.Textarea(attrs={"rows": 3}), "timezone": TimezoneSelect}
        help_texts = {"purpose": _("What the set is for, in a sentence or two. Members read it when they join.")}

    def clean_nudge_days_before(self):
        days = self.cleaned_data["nudge_days_before"]
        if days > 14:
            raise forms.ValidationError(_("At most 14 days before."))
        return days

    def clean_meeting_duration_minutes(self):
        minutes = self.cleaned_data["meeting_duration_minutes"]
        if not 30 <= minutes <= 8 * 60:
            raise forms.ValidationError(_("A meeting lasts between 30 minutes and 8 hours."))
        return minutes


class SetContractForm(forms.ModelForm):
    class Meta:
        model = LearningSet
        fields = list(CONTRACT_FIELDS)
        widgets = {
            name: forms.Textarea(attrs={"rows": 3})
            for name in ["confidentiality", "attendance", "punctuality", "issue_scope", "other_ground_rules"]
        } | {"airtime_mode": forms.RadioSelect, "term_ends_on": forms.DateInput(attrs={"type": "date"})}
        help_texts = {"term_ends_on": _("Or leave empty and give a number of meetings.")}

    def clean_quorum(self):
        quorum = self.cleaned_data["quorum"]
        if quorum < 1:
            raise forms.ValidationError(_("Ensure this value is greater than or equal to 1."))
        return quorum

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("term_meetings") and not cleaned.get("term_ends_on"):
            raise forms.ValidationError(_("Give the set's term: a number of meetings, an end date, or both."))
        meetings = cleaned.get("term_meetings")
        if meetings is not None and not 1 <= meetings <= 52:
            self.add_error("term_meetings", _("Between 1 and 52 meetings."))
        return cleaned


class SetCreateForm(SetDetailsForm, SetContractForm):
    class Meta(SetDetailsForm.Meta):
        fields = [*SetDetailsForm.Meta.fields, *CONTRACT_FIELDS]
        widgets = SetDetailsForm.Meta.widgets | SetContractForm.Meta.widgets
        help_texts = SetDetailsForm.Meta.help_texts | SetContractForm.Meta.help_texts


ROLE_CHOICES = [
    ("member", _("Member")),
    ("facilitator", _("Facilitator (of the set)")),
    ("admin", _("Organisation admin")),
]
assert {value for value, _label in ROLE_CHOICES} == set(INVITATION_ROLES)


class SetChoiceMixin:
    def __init__(self, *args, organisation: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["learning_set"].queryset = organisation.learning_sets.filter(status=LearningSet.Status.ACTIVE)


class InviteForm(SetChoiceMixin, forms.Form):
    email = forms.EmailField(label=_("Email"))
    full_name = forms.CharField(label=_("Name"), max_length=150, required=False)
    role = forms.ChoiceField(label=_("Role"), choices=ROLE_CHOICES, initial="member")
    learning_set = forms.ModelChoiceField(
        label=_("Set"),
        queryset=LearningSet.objects.none(),
        required=False,
        empty_label=_("No set: the organisation only"),
        help_text=_("An admin invited to a set also joins it as a member."),
    )


class BulkInviteForm(SetChoiceMixin, forms.Form):
    learning_set = forms.ModelChoiceField(
        label=_("Set"),
        queryset=LearningSet.objects.none(),
        required=False,
        empty_label=_("No set: the organisation only"),
    )
    lines = forms.CharField(
        label=_("People, one per line"),
        widget=forms.Textarea(attrs={"rows": 8, "placeholder": "sam@example.org, Sam Smith, member"}),
        # Lazy, with its number filled in when shown, so it is worded in the page's language, not the import's.
        help_text=lazy(
            lambda: (
                _(
                    "Write email, name, role on each line; role is member, facilitator or admin (member if left out). "
                    "At most %(n)s lines."
                )
                % {"n": MAX_BULK_LINES}
            ),
            str,
        )(),
    )


class OrganisationRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=OrganisationMembership.Role)


class SetRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=SetMembership.Role)


class AddToSetForm(forms.Form):
    user = forms.ModelChoiceField(label=_("Person"), queryset=None)
    role = forms.ChoiceField(label=_("Role"), choices=SetMembership.Role, initial=SetMembership.Role.MEMBER)

    def __init__(self, *args, learning_set: LearningSet, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = (
            User.objects.filter(organisation_memberships__organisation_id=learning_set.organisation_id)
            .exclude(pk__in=learning_set.memberships.current().values("user_id"))
            .order_by("full_name", "email")
        )
