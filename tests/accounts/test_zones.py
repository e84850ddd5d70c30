"""Times carry a zone people recognise ("Singapore time", not "+08"), and a meeting past midnight says so."""

import zoneinfo
from datetime import UTC, datetime

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone

from accounts.timezones import time_range, zone_label
from tests.factories import MeetingFactory


@pytest.mark.parametrize(
    ("name", "label"),
    [
        ("Asia/Singapore", "Singapore time"),
        ("Europe/London", "London time"),
        ("America/New_York", "New York time"),
        ("America/Argentina/Buenos_Aires", "Buenos Aires time"),
        ("UTC", "UTC"),
        ("", "UTC"),
    ],
)
def test_a_zone_is_named_by_its_city(name, label):
    assert zone_label(name) == label


def render(source: str, **context) -> str:
    return Template("{% load zones %}" + source).render(Context(context))


def test_the_filter_names_the_zone_a_time_is_shown_in():
    moment = datetime(2026, 6, 2, 10, 0, tzinfo=UTC)
    with timezone.override(zoneinfo.ZoneInfo("Asia/Singapore")):
        assert render('{{ t|date:"H:i" }} {{ t|zone_label }}', t=moment) == "18:00 Singapore time"
        assert render('{{ t|date:"T" }}', t=moment) == "+08"  # what the pages said before
    with timezone.override(zoneinfo.ZoneInfo("Europe/London")):
        assert render("{{ t|zone_label }}", t=moment) == "London time"
    assert render("{{ z|zone_label }}", z="America/New_York") == "New York time"


def test_a_meeting_that_ends_after_midnight_says_next_day():
    singapore = zoneinfo.ZoneInfo("Asia/Singapore")
    starts = datetime(2026, 6, 2, 22, 0, tzinfo=singapore)
    with timezone.override(singapore):
        assert time_range(starts, datetime(2026, 6, 3, 0, 0, tzinfo=singapore)) == (
            "Tuesday 2 June 2026, 22:00–00:00 (next day) Singapore time"
        )
        assert time_range(starts, datetime(2026, 6, 2, 23, 30, tzinfo=singapore)) == (
            "Tuesday 2 June 2026, 22:00–23:30 Singapore time"
        )
        assert render("{% time_range a b %}", a=starts, b=datetime(2026, 6, 3, 0, 30, tzinfo=singapore)) == (
            "Tuesday 2 June 2026, 22:00–00:30 (next day) Singapore time"
        )


def test_the_meeting_page_names_the_viewers_zone_and_the_sets(client, learning_set, member):
    learning_set.timezone = "Europe/London"
    learning_set.save(update_fields=["timezone"])
    member.timezone = "Asia/Singapore"
    member.save(update_fields=["timezone"])
    meeting = MeetingFactory(
        learning_set=learning_set, starts_at=datetime(2027, 3, 16, 14, 0, tzinfo=UTC), duration_minutes=120
    )
    client.force_login(member)
    content = client.get(reverse("meetings:detail", args=[meeting.pk])).content.decode()
    assert "Tuesday 16 March 2027, 22:00–00:00 (next day) Singapore time" in content
    assert "14:00 London time, where the set meets" in content
    assert "+08</time>" not in content  # the abbreviation the page showed before
