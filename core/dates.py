"""Bounds on the dates people type.

Every kind of date a person types has one DateRule, named once beside what it dates (`Action.DUE_DATE`,
`LearningSet.TERM_END`, `Meeting.DATE`, the report's `REPORT_DAY`), and checked on every path that saves or uses
such a date: in the service that writes it (`rule.check(value)`, a ServiceError), or, where a form is the only
way in, as the form field's validator (the rule itself is one). Bounds are counted from today in the active
time zone, which is the person's own (accounts/middleware.py), as the page they typed the date on shows it.

A past date that is already stored (an action that fell overdue, a term that ended) is not the person's doing,
and may stay when the record is saved again: the services check a date only when it is new or changed. That is
why these are not validators of the model fields, which would refuse to save an old record again.
"""

from dataclasses import dataclass
from datetime import date

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import date_format

from core.errors import ServiceError


@dataclass(frozen=True)
class DateRule:
    """A date between `earliest` and `latest` from today (both included). The messages may name the bounds as
    %(earliest)s and %(latest)s."""

    earliest: relativedelta
    latest: relativedelta
    too_early: str
    too_late: str

    def bounds(self) -> tuple[date, date]:
        today = timezone.localdate()
        return today + self.earliest, today + self.latest

    def problem(self, value: date) -> str | None:
        """What is wrong with `value`, for the person; None when it is within the bounds."""
        earliest, latest = self.bounds()
        names = {"earliest": date_format(earliest), "latest": date_format(latest)}
        if value < earliest:
            return str(self.too_early) % names
        if value > latest:
            return str(self.too_late) % names
        return None

    def check(self, value: date | None) -> None:
        """For services: a ServiceError when a date is given and out of bounds (no date is not this rule's
        business)."""
        if value is not None and (problem := self.problem(value)):
            raise ServiceError(problem)

    def __call__(self, value: date | None) -> None:
        """As a form field's validator: a ValidationError when out of bounds."""
        if value is not None and (problem := self.problem(value)):
            raise ValidationError(problem, code="out_of_bounds")
