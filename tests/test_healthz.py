"""/healthz right after start: "starting" until beat's first pass is due, "degraded" once it is overdue."""

import time
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from core import apps as core_apps
from core import heartbeat

pytestmark = pytest.mark.django_db


@pytest.fixture
def broker_up(monkeypatch):
    """The broker's state is not what these tests are about: take it as up."""
    monkeypatch.setattr("actionlearning.views._broker_ok", lambda: True)


def started_seconds_ago(monkeypatch, seconds: float) -> None:
    monkeypatch.setattr(core_apps, "STARTED_AT", time.monotonic() - seconds)


def test_a_fresh_process_whose_beat_never_ran_is_starting(client, monkeypatch, settings, broker_up):
    settings.BEAT_STALE_AFTER_SECONDS = 300
    started_seconds_ago(monkeypatch, 10)
    response = client.get(reverse("healthz"))
    body = response.json()
    assert response.status_code == 200
    assert (body["status"], body["beat"], body["beat_last_run"]) == ("starting", "starting", None)


def test_beat_that_never_ran_is_degraded_once_the_process_is_older_than_the_limit(
    client, monkeypatch, settings, broker_up
):
    settings.BEAT_STALE_AFTER_SECONDS = 300
    started_seconds_ago(monkeypatch, 301)
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["beat"]) == ("degraded", "late")


def test_a_late_beat_that_ran_once_is_degraded_even_in_a_fresh_process(client, monkeypatch, broker_up):
    started_seconds_ago(monkeypatch, 10)
    heartbeat.beat(heartbeat.DISPATCH, timezone.now() - timedelta(minutes=6))
    body = client.get(reverse("healthz")).json()
    assert (body["status"], body["beat"]) == ("degraded", "late")


def test_a_fresh_process_with_its_broker_down_is_degraded_not_starting(client, monkeypatch):
    started_seconds_ago(monkeypatch, 10)
    monkeypatch.setattr("actionlearning.views._broker_ok", lambda: False)
    body = client.get(reverse("healthz")).json()
    assert (body["status"], body["broker"], body["beat"]) == ("degraded", "down", "starting")


def test_beat_on_time_is_ok(client, monkeypatch, broker_up):
    started_seconds_ago(monkeypatch, 10)
    heartbeat.beat(heartbeat.DISPATCH, timezone.now())
    body = client.get(reverse("healthz")).json()
    assert (body["status"], body["beat"]) == ("ok", "ok")
