"""The report's rules, each named once, and how its numbers are rounded."""

from __future__ import annotations

from datetime import timedelta


def rate(part, whole) -> float | None:
    """A share in per cent, one decimal; None when there is nothing to share."""
    return round(100 * part / whole, 1) if whole else None


def days(duration: timedelta | None) -> float | None:
    return None if duration is None else round(duration.total_seconds() / 86400, 1)


def minutes(duration: timedelta | None) -> float | None:
    return None if duration is None else round(duration.total_seconds() / 60, 1)
