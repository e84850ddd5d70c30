"""The report as CSV: one row per person per set, streamed line by line from a database cursor.

Every cell goes through core.spreadsheet.safe_cell: the text columns (set, person, email, role and the days) are
neutralised when they begin like a formula, since names and set names are typed by people; the number columns
(ids, counts, rates) hold Python numbers, which it writes as they are."""

import csv
from collections.abc import Callable
from typing import NamedTuple

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.spreadsheet import safe_row
from reports.people import person_rows
from reports.rules import rate
from reports.scope import Scope


class Column(NamedTuple):
    """One column of the CSV: its heading, what it holds (for the report page) and how to get its value from a
    row of person_rows and the report's scope."""

    heading: str
    help: str
    value: Callable[[dict, Scope], object]


def _field(key: str):
    return lambda row, scope: row[key]


def _day(key: str):
    """A timestamp of the row as a day in the organisation's time zone; empty if there is none."""
    return lambda row, scope: timezone.localtime(row[key], scope.tz).date().isoformat() if row[key] else ""


def _rate(part: str, whole: str):
    """A share in per cent (rate); empty when there is nothing to share."""
    return lambda row, scope: _blank(rate(row[part], row[whole]))


def _blank(value):
    return "" if value is None else value


# The CSV's columns, in order. Documented on the report page and in the README.
COLUMNS = (
    Column("set", _("the set's name"), _field("set_name")),
    Column("set_id", _("the set's id"), _field("set_id")),
    Column("person", _("the person's name"), _field("person")),
    Column("email", _("the person's email address"), _field("email")),
    Column("role", _("facilitator or member"), _field("role")),
    Column("joined_on", _("the day they joined the set"), _day("joined_at")),
    Column("left_on", _("the day they left the set (empty if still in it)"), _day("left_at")),
    Column("range_start", _("first day of the report"), lambda row, scope: scope.start.isoformat()),
    Column("range_end", _("last day of the report"), lambda row, scope: scope.end.isoformat()),
    Column(
        "meetings_expected", _("held meetings in the range while they were in the set"), _field("meetings_expected")
    ),
    Column("present", _("of those, meetings they were checked in at"), _field("present")),
    Column("apologies", _("meetings they sent apologies for and missed"), _field("apologies")),
    Column("absent", _("meetings missed without apologies"), _field("absent")),
    Column("attendance_rate", _("present / meetings_expected, per cent"), _rate("present", "meetings_expected")),
    Column(
        "progress_due",
        _("held meetings before which progress was due from them: they were in the set at the previous one"),
        _field("engagement_due"),
    ),
    Column(
        "progress_logged",
        _("of those, meetings before which they logged progress on an action"),
        _field("engaged"),
    ),
    Column(
        "presentations",
        _("times they presented (had an airtime slot) at a held meeting"),
        _field("presented"),
    ),
    Column("actions_committed", _("actions they committed to in the range"), _field("committed")),
    Column("actions_done", _("of those, done"), _field("done")),
    Column("actions_dropped", _("of those, dropped"), _field("dropped")),
    Column("actions_open", _("of those, still open"), _field("open")),
    Column("actions_overdue", _("of those, open and past their due date"), _field("overdue")),
    Column("completion_rate", _("actions_done / actions_committed, per cent"), _rate("done", "committed")),
)

# (heading, what it holds) for each column, as the report page lists them.
CSV_COLUMNS = [(column.heading, column.help) for column in COLUMNS]


class _Echo:
    def write(self, value):
        return value


def csv_lines(scope: Scope):
    """The CSV's lines, header first; rows come from a server-side cursor on PostgreSQL. Each cell is made safe
    for a spreadsheet (core/spreadsheet.py)."""
    writer = csv.writer(_Echo())
    yield writer.writerow(safe_row(column.heading for column in COLUMNS))
    for row in person_rows(scope):
        yield writer.writerow(safe_row(column.value(row, scope) for column in COLUMNS))
