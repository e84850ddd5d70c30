"""The report as CSV: one row per person per set, streamed line by line from a database cursor."""

import csv

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from reports import queries

# The CSV's columns, in order: (name, what it holds). Documented on the report page and in the README.
CSV_COLUMNS = [
    ("set", _("the set's name")),
    ("set_id", _("the set's id")),
    ("person", _("the person's name")),
    ("email", _("the person's email address")),
    ("role", _("facilitator or member")),
    ("joined_on", _("the day they joined the set")),
    ("left_on", _("the day they left the set (empty if still in it)")),
    ("range_start", _("first day of the report")),
    ("range_end", _("last day of the report")),
    ("meetings_expected", _("held meetings in the range while they were in the set")),
    ("present", _("of those, meetings they were checked in at")),
    ("apologies", _("meetings they sent apologies for and missed")),
    ("absent", _("meetings missed without apologies")),
    ("attendance_rate", _("present / meetings_expected, per cent")),
    ("progress_due", _("held meetings that had an earlier meeting to report progress since")),
    ("progress_logged", _("of those, meetings before which they logged progress on an action")),
    ("presentations", _("times they presented (had an airtime slot) at a held meeting")),
    ("actions_committed", _("actions they committed to in the range")),
    ("actions_done", _("of those, done")),
    ("actions_dropped", _("of those, dropped")),
    ("actions_open", _("of those, still open")),
    ("actions_overdue", _("of those, open and past their due date")),
    ("completion_rate", _("actions_done / actions_committed, per cent")),
]


class _Echo:
    def write(self, value):
        return value


def csv_lines(scope: queries.Scope):
    """The CSV's lines, header first; rows come from a server-side cursor on PostgreSQL."""
    writer = csv.writer(_Echo())
    yield writer.writerow([name for name, _help in CSV_COLUMNS])
    for row in queries.person_rows(scope):
        yield writer.writerow(
            [
                row["set_name"],
                row["set_id"],
                row["person"],
                row["email"],
                row["role"],
                timezone.localtime(row["joined_at"], scope.tz).date().isoformat(),
                timezone.localtime(row["left_at"], scope.tz).date().isoformat() if row["left_at"] else "",
                scope.start.isoformat(),
                scope.end.isoformat(),
                row["meetings_expected"],
                row["present"],
                row["apologies"],
                row["absent"],
                _blank(queries.rate(row["present"], row["meetings_expected"])),
                row["engagement_due"],
                row["engaged"],
                row["presented"],
                row["committed"],
                row["done"],
                row["dropped"],
                row["open"],
                row["overdue"],
                _blank(queries.rate(row["done"], row["committed"])),
            ]
        )


def _blank(value):
    return "" if value is None else value
