from datetime import timedelta

from dateutil.relativedelta import relativedelta
from django import forms
from django.utils.translation import gettext_lazy as _

from core.dates import DateRule

MAX_DAYS = 3 * 366

# A day of a report's range (core/dates.py): at most 20 years back and five years ahead of today, in the viewer's
# zone. Beyond them a report holds nothing, and the range's ends, turned into times, could overflow.
REPORT_DAY = DateRule(
    earliest=relativedelta(years=-20),
    latest=relativedelta(years=5),
    too_early=_("Choose a day from %(earliest)s on (a report goes back 20 years at most)."),
    too_late=_("Choose a day up to %(latest)s (a report goes five years ahead at most)."),
)


class ReportForm(forms.Form):
    """The report's range and scope. `set` and `person` are ids checked by sets/permissions.py (404 if not yours)."""

    start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}), validators=[REPORT_DAY])
    end = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}), validators=[REPORT_DAY])
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
