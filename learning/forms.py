from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from learning.models import JournalEntry
from learning.services import EntryContent
from meetings.models import Action, Issue, Meeting
from sets import permissions


class MeetingChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.learning_set.name}: {date_format(timezone.localtime(obj.starts_at), 'j M Y')}"


class IssueChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.title


class ActionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.text if len(obj.text) <= 80 else obj.text[:79] + "…"


class JournalEntryForm(forms.ModelForm):
    """Only the author's own sets, actions, issues and recent meetings are offered (the service checks again)."""

    learning_set = forms.ModelChoiceField(
        queryset=None, required=False, label=_("Set"), empty_label=_("None"), help_text=_("Optional.")
    )
    action = ActionChoiceField(queryset=None, required=False, label=_("Action"), empty_label=_("None"))
    meeting = MeetingChoiceField(queryset=None, required=False, label=_("Meeting"), empty_label=_("None"))
    issue = IssueChoiceField(queryset=None, required=False, label=_("Issue"), empty_label=_("None"))

    class Meta:
        model = JournalEntry
        fields = ["title", "body", "about_situation", "about_self", "about_relating"]
        labels = {
            "title": _("Title"),
            "body": _("What happened, what I noticed"),
            "about_situation": _("About the situation"),
            "about_self": _("About myself"),
            "about_relating": _("About how I think, act and relate to others"),
        }
        widgets = {name: forms.Textarea(attrs={"rows": 3}) for name in fields[1:]}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"].widget.attrs["rows"] = 6
        my_sets = permissions.sets_to_share_with(user)
        set_ids = my_sets.values("pk")
        now = timezone.now()
        self.fields["learning_set"].queryset = my_sets.order_by("name")
        # Bounded lists: own actions still open or from the last year, meetings of the last year and next quarter.
        self.fields["action"].queryset = Action.objects.filter(
            owner=user, learning_set__in=set_ids, created_at__gte=now - timedelta(days=365)
        ).order_by("-created_at")
        self.fields["meeting"].queryset = (
            Meeting.objects.filter(
                learning_set__in=set_ids,
                starts_at__gte=now - timedelta(days=365),
                starts_at__lte=now + timedelta(days=92),
            )
            .exclude(status=Meeting.Status.CANCELLED)
            .select_related("learning_set")
            .order_by("-starts_at")
        )
        self.fields["issue"].queryset = Issue.objects.filter(owner=user, learning_set__in=set_ids).order_by(
            "-created_at"
        )
        if self.instance.pk:
            for name in ("learning_set", "action", "meeting", "issue"):
                self.initial[name] = getattr(self.instance, f"{name}_id")
        self.order_fields(["title", "body", "about_situation", "about_self", "about_relating"])

    def content(self) -> EntryContent:
        data = self.cleaned_data
        return EntryContent(
            title=data["title"],
            body=data["body"],
            about_situation=data["about_situation"],
            about_self=data["about_self"],
            about_relating=data["about_relating"],
            learning_set=data["learning_set"],
            action=data["action"],
            meeting=data["meeting"],
            issue=data["issue"],
        )


class ShareForm(forms.Form):
    learning_set = forms.ModelChoiceField(queryset=None, label=_("Share with"), empty_label=None)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["learning_set"].queryset = permissions.sets_to_share_with(user).order_by("name")


class PublishForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    text = forms.CharField(
        label=_("The learning, as the library will show it"),
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("Take out anything that belongs to your set: names, details of someone's issue."),
    )
    anonymous = forms.TypedChoiceField(
        label=_("Show it"),
        choices=[("0", _("With my name")), ("1", _("Anonymously"))],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
        initial="0",
    )
    organisation = forms.TypedChoiceField(label=_("Organisation"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisations = {org.pk: org for org in organisations}
        self.fields["organisation"].choices = [(org.pk, org.name) for org in organisations]
        if len(organisations) == 1:
            self.fields["organisation"].widget = forms.HiddenInput()
            self.fields["organisation"].initial = organisations[0].pk

    def clean_organisation(self):
        chosen = self.cleaned_data["organisation"]
        if chosen is None and len(self.organisations) == 1:
            return next(iter(self.organisations))
        if chosen is None:
            raise forms.ValidationError(_("Choose the organisation."))
        return chosen
