"""The live room's forms: one small form per kind of thing written during the meeting (`live_record`), and the
agenda's and the controls' forms.

They only read the POST: they never refuse what the old hand parsing let through, so each service keeps giving
its own message (a number that is not one is 0, which the services refuse; a missing text is ""). The one check
of their own is the due date of an action, refused as "Enter the due date as a date."
"""

from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.errors import ServiceError
from meetings.forms import WholeNumberField


def free_text():
    """Free text as typed (the services strip it and bound it); missing is ""."""
    return forms.CharField(required=False, strip=False)


class FlagField(forms.Field):
    """True only when the field carries exactly `on_value` (a checkbox's "on", a button's "1")."""

    def __init__(self, on_value: str = "on", **kwargs):
        self.on_value = on_value
        super().__init__(required=False, **kwargs)

    def to_python(self, value) -> bool:
        return value == self.on_value


class IsoDateField(forms.Field):
    """An optional date in ISO form (what a date input sends)."""

    default_error_messages = {"invalid": _("Enter the due date as a date.")}

    def __init__(self, **kwargs):
        super().__init__(required=False, **kwargs)

    def to_python(self, value) -> date | None:
        if not value:
            return None
        try:
            return date.fromisoformat(value)
        except (TypeError, ValueError):
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None


class VersionField(forms.Field):
    """The meeting version a control was clicked from; anything that is not a number is -1 (so: stale)."""

    def __init__(self, **kwargs):
        super().__init__(required=False, **kwargs)

    def to_python(self, value) -> int:
        try:
            return int(value if value is not None else "")
        except (TypeError, ValueError):
            return -1


class LiveForm(forms.Form):
    def checked(self) -> dict:
        """The cleaned data, or a ServiceError carrying the first error (shown as the page's message)."""
        if not self.is_valid():
            raise ServiceError(next(iter(self.errors.values()))[0])
        return self.cleaned_data


class OnceForm(LiveForm):
    """A form whose service creates a record once per form token (core/form_tokens.py)."""

    form_token = free_text()


class BidForm(OnceForm):
    minutes = WholeNumberField()
    urgent = FlagField("on")
    issue_title = free_text()


class TermForm(LiveForm):
    decision = free_text()


class ProcessNotesForm(LiveForm):
    notes = free_text()


class PresentForm(LiveForm):
    user = WholeNumberField()
    present = FlagField("1")


class HereForm(LiveForm):
    """ "I'm here": the person sending it, nobody else."""


class ExpectedPresentForm(LiveForm):
    """ "Mark everyone who said they'd come as here": no fields."""


class HandForm(LiveForm):
    """Raise one's own hand (`raised=1`) or lower it."""

    raised = FlagField("1")


class ClearHandsForm(LiveForm):
    """The person running the meeting lowers one person's hand (`user`) or, without one, everyone's."""

    user = WholeNumberField()


class CheckinForm(LiveForm):
    note = free_text()


class SlotForm(LiveForm):
    """A form about one presenter's slot."""

    slot = WholeNumberField()


class SlotIssueForm(SlotForm):
    title = free_text()
    summary = free_text()


class SlotActionForm(SlotForm, OnceForm):
    text = free_text()
    due_on = IsoDateField()


class QuestionForm(SlotForm, OnceForm):
    text = free_text()


class ReflectionForm(OnceForm):
    about_situation = free_text()
    about_self = free_text()
    about_relating = free_text()
    shared = FlagField("on")
    closing = FlagField("1")


class RatingForm(LiveForm):
    rating = WholeNumberField()
    went_well = free_text()
    do_better = free_text()


RECORD_FORMS = {
    "bid": BidForm,
    "term": TermForm,
    "process_notes": ProcessNotesForm,
    "present": PresentForm,
    "here": HereForm,
    "present_expected": ExpectedPresentForm,
    "checkin": CheckinForm,
    "hand": HandForm,
    "clear_hands": ClearHandsForm,
    "issue": SlotIssueForm,
    "action": SlotActionForm,
    "question": QuestionForm,
    "reflection": ReflectionForm,
    "rating": RatingForm,
}


class AgendaForm(LiveForm):
    action = free_text()
    facilitator = WholeNumberField()
    presenter = WholeNumberField()
    slot = WholeNumberField()
    issue_title = free_text()


class ControlForm(LiveForm):
    control = free_text()
    version = VersionField()
