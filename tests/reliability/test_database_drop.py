"""A database connection dropped in the middle of a request: the person gets the friendly error page
(templates/500.html), and nothing of the half-done write is kept.

The request adds a presenter with a new issue to a meeting's agenda: two rows (an Issue, then an AirtimeSlot) in
one transaction (meetings.live.add_slot). Right after the Issue is written, the connection is dropped:

- on PostgreSQL (CI), for real: another connection ends the request's server process with pg_terminate_backend,
  as a database restart, a failover or a network cut would;
- on SQLite (`make test`'s default), the equivalent: the request's connection is closed under it, which discards
  its open transaction, and every later statement on it fails.

Never skipped: one of the two always runs."""

import psycopg
import pytest
from django.db import connection
from django.urls import reverse

from meetings.models import AirtimeSlot, Issue
from tests.factories import MeetingFactory

pytestmark = pytest.mark.django_db(transaction=True)  # the kill would take a test's own transaction with it


def drop_the_connection() -> None:
    if connection.vendor == "postgresql":
        pid = connection.connection.info.backend_pid
        settings = connection.settings_dict
        with psycopg.connect(
            dbname=settings["NAME"],
            user=settings["USER"],
            password=settings["PASSWORD"] or None,
            host=settings["HOST"] or None,
            port=settings["PORT"] or None,
            autocommit=True,
        ) as other:
            assert other.execute("SELECT pg_terminate_backend(%s)", [pid]).fetchone() == (True,)
    else:
        connection.connection.close()  # SQLite rolls back an open transaction when its connection closes


@pytest.fixture
def drop_after_the_issue_is_written(monkeypatch):
    """The hook in the service: Issue.objects.create writes its row, then the connection goes (the first time)."""
    original = Issue.objects.create
    dropped = []

    def create_then_drop(**fields):
        issue = original(**fields)
        if dropped:
            return issue
        assert Issue.objects.filter(pk=issue.pk).exists()  # written, inside the open transaction
        drop_the_connection()
        dropped.append(issue.pk)
        return issue

    monkeypatch.setattr(Issue.objects, "create", create_then_drop)
    return dropped


def test_a_connection_dropped_between_two_writes_gives_the_error_page_and_keeps_neither(
    client, learning_set, facilitator, member, drop_after_the_issue_is_written
):
    meeting = MeetingFactory(learning_set=learning_set)
    client.force_login(facilitator)
    client.raise_request_exception = False  # as in production: the handler renders templates/500.html

    response = client.post(
        reverse("meetings:agenda", args=[meeting.pk]),
        {"action": "add", "presenter": member.pk, "issue_title": "DROPPED-MID-REQUEST"},
    )

    assert drop_after_the_issue_is_written, "the hook must have run between the two writes"
    assert response.status_code == 500
    page = response.content.decode()
    assert "Something went wrong" in page
    assert "Nothing you saved was lost" in page
    assert "Traceback" not in page and "DROPPED-MID-REQUEST" not in page
    # What a request after the failure sees (Django reconnects once the broken connection is closed).
    connection.close()
    assert Issue.objects.filter(title="DROPPED-MID-REQUEST").count() == 0
    assert AirtimeSlot.objects.filter(meeting=meeting).count() == 0
    assert Issue.objects.count() == 0

    # And the site goes on: the same request, made again, does both writes.
    client.post(
        reverse("meetings:agenda", args=[meeting.pk]),
        {"action": "add", "presenter": member.pk, "issue_title": "Second try"},
    )
    assert list(AirtimeSlot.objects.filter(meeting=meeting).values_list("presenter", "issue__title")) == [
        (member.pk, "Second try")
    ]
