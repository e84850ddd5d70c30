from datetime import timedelta

from django import forms
from django.utils.translation import gettext_lazy as _

MAX_DAYS = 3 * 366


class ReportForm(forms.Form):
    """The report's range and scope. `set` and `person` are ids checked by sets/permissions.py (404 if not yours)."""

    start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))
    set = forms.IntegerField(label=_("Set"), required=False, min_value=1)
    person = forms.IntegerField(label=_("Person"), required=False, min_value=1, widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if start > end:
                self.add_error("end", _("The end date must be on or after the start date."))
            elif end - start > timedelta(days=MAX_DAYS):
                self.add_error("start", _("A report covers at most three years."))
        return data
