"""The forms of the meetings pages: scheduling, replies, actions and issues (the live room's are in
meetings/live_forms.py)."""

from datetime import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from meetings import recurrence
from meetings.models import Attendance, Meeting, MeetingSeries
from meetings.scheduling import MeetingDetails


def whole_number(value) -> int:
    """A whole number from a form, or 0 (which every service here refuses with its own message). Numbers beyond
    what the database holds are 0 too, so an id of 10**30 is "not found", never an overflow."""
    try:
        number = int(value if value is not None else "")
    except (TypeError, ValueError):
        return 0
    return number if -(2**63) < number < 2**63 else 0


class WholeNumberField(forms.Field):
    """A number that is never a form error: anything that is not a whole number in range is 0, and the service
    the number goes to refuses 0 with its own message."""

    def __init__(self, **kwargs):
        super().__init__(required=False, **kwargs)

    def to_python(self, value) -> int:
        return whole_number(value)


NO_REPEAT = ""
REPEAT_CHOICES = [(NO_REPEAT, _("Does not repeat")), *MeetingSeries.Frequency.choices]


class MeetingDetailsForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}), validators=[Meeting.DATE])
    time = forms.TimeField(label=_("Start time"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    duration_minutes = forms.IntegerField(label=_("Length (minutes)"), min_value=30, max_value=8 * 60)
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    video_link = forms.URLField(label=_("Video link"), required=False, assume_scheme="https")

    def local_start(self) -> datetime:
        return datetime.combine(self.cleaned_data["date"], self.cleaned_data["time"])

    def details(self) -> MeetingDetails:
        data = self.cleaned_data
        return MeetingDetails(
            local_start=self.local_start(),
            duration_minutes=data["duration_minutes"],
            place=data["place"],
            video_link=data["video_link"],
        )


class ScheduleForm(MeetingDetailsForm):
    repeat = forms.ChoiceField(label=_("Repeat"), choices=REPEAT_CHOICES, required=False)
    interval_weeks = forms.IntegerField(
        label=_("Every how many weeks"), min_value=1, max_value=12, required=False, help_text=_("For “Every N weeks”.")
    )
    count = forms.IntegerField(
        label=_("Number of meetings"), min_value=1, max_value=recurrence.MAX_OCCURRENCES, required=False
    )
    until = forms.DateField(
        label=_("Or until"), required=False, widget=forms.DateInput(attrs={"type": "date"}), validators=[Meeting.DATE]
    )

    def clean(self):
        cleaned = super().clean()
        repeat = cleaned.get("repeat")
        if repeat:
            if not cleaned.get("count") and not cleaned.get("until"):
                raise forms.ValidationError(_("A repeating meeting needs a number of meetings or an end date."))
            if repeat == MeetingSeries.Frequency.EVERY_N_WEEKS and not cleaned.get("interval_weeks"):
                self.add_error("interval_weeks", _("Say every how many weeks."))
            if cleaned.get("until") and cleaned.get("date") and cleaned["until"] < cleaned["date"]:
                self.add_error("until", _("The end date is before the first meeting."))
        return cleaned

    def rule(self) -> recurrence.Rule | None:
        data = self.cleaned_data
        if not data.get("repeat"):
            return None
        return recurrence.Rule(
            frequency=data["repeat"],
            interval_weeks=data.get("interval_weeks") or 1,
            count=data.get("count"),
            until=data.get("until"),
        )


SCOPE_ONE = "one"
SCOPE_REST = "rest"


class ScopeMixin(forms.Form):
    scope = forms.ChoiceField(
        label=_("Apply to"),
        choices=[(SCOPE_ONE, _("This meeting only")), (SCOPE_REST, _("This and every later meeting of the series"))],
        initial=SCOPE_ONE,
        widget=forms.RadioSelect,
    )


class RescheduleForm(MeetingDetailsForm, ScopeMixin):
    pass


class CancelForm(ScopeMixin):
    pass


class ReplyForm(forms.Form):
    rsvp = forms.ChoiceField(
        label=_("Your reply"),
        choices=[(Attendance.Rsvp.YES, _("I'll be there")), (Attendance.Rsvp.APOLOGIES, _("Apologies"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("Note (optional)"), max_length=500, required=False)


class ActionForm(forms.Form):
    """A member's own action (with `sets`, the sets to choose from) or an edit of an existing one (without)."""

    learning_set = forms.TypedChoiceField(
        label=_("Set"), coerce=int, error_messages={"invalid_choice": _("Choose one of your sets.")}
    )
    text = forms.CharField(
        label=_("Action"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Write the action.")},
    )
    due_on = forms.DateField(
        label=_("Due"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Enter the due date as a date.")},
        help_text=_("Leave empty to make it due at the set's next meeting."),
    )

    def __init__(self, *args, sets=None, **kwargs):
        super().__init__(*args, **kwargs)
        if sets is None:
            del self.fields["learning_set"]
            self.fields["due_on"].help_text = ""
        else:
            self.fields["learning_set"].choices = [("", _("Choose a set")), *((s.pk, s.name) for s in sets)]


class IssueForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200, error_messages={"required": _("Give the issue a title.")})
    summary = forms.CharField(
        label=_("Summary"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Confidential to the set."),
    )
