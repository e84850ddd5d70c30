"""Nothing confidential leaks sideways: Celery messages carry ids only, emails carry only what their reader may
read, and the logs carry no content — checked by scanning them for marker strings written into every kind of
confidential text while the app schedules, reminds, runs and sums up a meeting."""

import logging
import re
import zoneinfo
from datetime import timedelta

import pytest
from celery.app.task import Task
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from django.utils import timezone
from django.utils.log import AdminEmailHandler

from actionlearning.settings import parse_admins
from core.models import OutboxMessage
from learning import services as learning_services
from learning.models import JournalEntry
from meetings import live, recording, reminders, scheduling
from meetings.models import Action, ActionUpdate, Question, Reflection
from meetings.scheduling import MeetingDetails
from sets import invitations
from sets.invitations import InvitationRequest
from tests.factories import MeetingFactory, SetMembershipFactory

MARKERS = {
    "private_reflection": "SIDE-PRIVATE-REFLECTION-91c",
    "shared_reflection": "SIDE-SHARED-REFLECTION-91c",
    "journal": "SIDE-PRIVATE-JOURNAL-91c",
    "process_notes": "SIDE-PROCESS-NOTES-91c",
    "member_action": "SIDE-MEMBER-ACTION-91c",
    "facilitator_action": "SIDE-FACILITATOR-ACTION-91c",
    "update": "SIDE-UPDATE-NOTE-91c",
    "question": "SIDE-QUESTION-91c",
    "summary": "SIDE-ISSUE-SUMMARY-91c",
    "checkin": "SIDE-CHECKIN-NOTE-91c",
}
IDENTIFIER = re.compile(r"^[A-Za-z_]{1,40}$")  # arguments may name a kind of email ("REQUEST", "scheduled")


@pytest.fixture
def published(monkeypatch):
    """Every Celery message the app sends: (task name, args, kwargs)."""
    sent = []
    original = Task.apply_async

    def record(self, args=None, kwargs=None, *rest, **options):
        sent.append((self.name, tuple(args or ()), dict(kwargs or {})))
        return original(self, args, kwargs, *rest, **options)

    monkeypatch.setattr(Task, "apply_async", record)
    return sent


def ids_only(value) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    if isinstance(value, str):
        return bool(IDENTIFIER.match(value))
    if isinstance(value, list | tuple):
        return all(ids_only(each) for each in value)
    return False


def test_messages_emails_and_logs_carry_no_confidential_content(
    learning_set, facilitator, member, admin, organisation, published, caplog, django_capture_on_commit_callbacks
):
    caplog.set_level(logging.DEBUG)
    other = SetMembershipFactory(learning_set=learning_set, user__full_name="Olu Other").user
    meeting = MeetingFactory(learning_set=learning_set, starts_at=timezone.now() + timedelta(minutes=5))
    slot = live.add_slot(meeting=meeting, presenter=member, by=facilitator, issue_title="An issue")
    slot.issue.summary = MARKERS["summary"]
    slot.issue.save(update_fields=["summary"])
    with django_capture_on_commit_callbacks(execute=True):
        live.control_meeting(meeting_id=meeting.pk, by=facilitator, control="start", version=0)
        meeting.refresh_from_db()
        for person in (member, facilitator, other):
            recording.mark_present(meeting=meeting, user=person, present=True, by=facilitator)
        recording.write_checkin_note(meeting=meeting, user=member, note=MARKERS["checkin"])
        Question.objects.create(slot=slot, author=other, text=MARKERS["question"])
        action = Action.objects.create(
            owner=member, learning_set=learning_set, meeting=meeting, text=MARKERS["member_action"]
        )
        Action.objects.create(
            owner=facilitator, learning_set=learning_set, meeting=meeting, text=MARKERS["facilitator_action"]
        )
        ActionUpdate.objects.create(action=action, author=member, note=MARKERS["update"])
        Reflection.objects.create(meeting=meeting, author=member, about_self=MARKERS["private_reflection"])
        Reflection.objects.create(meeting=meeting, author=other, about_self=MARKERS["shared_reflection"], shared=True)
        JournalEntry.objects.create(author=member, body=MARKERS["journal"], learning_set=learning_set)
        live.write_process_notes(meeting=meeting, by=facilitator, notes=MARKERS["process_notes"])
        # The meeting ends: everyone present gets a summary.
        meeting.refresh_from_db()
        live.control_meeting(meeting_id=meeting.pk, by=facilitator, control="end", version=meeting.version)
        # The next meeting: calendar invitations, then reminders and progress nudges.
        later = (timezone.now() + timedelta(hours=30)).astimezone(zoneinfo.ZoneInfo(learning_set.timezone))
        scheduling.schedule_meetings(
            learning_set=learning_set,
            by=facilitator,
            details=MeetingDetails(local_start=later.replace(tzinfo=None, microsecond=0), duration_minutes=120),
        )
        # The 48-hour reminder is covered by the invitation (its time had come); the 2-hour one and the nudge go.
        reminders.dispatch_due_reminders(now=later - timedelta(hours=1))
        invitations.invite(
            organisation=organisation,
            learning_set=learning_set,
            request=InvitationRequest(email="new@example.org", full_name="New Person", role="member"),
            by=admin,
        )

    assert mail.outbox, "the flows sent no email: the checks below would prove nothing"
    # Every email goes through the outbox's one task, which is given row ids; each kind went that way.
    assert {name for name, _args, _kwargs in published} == {"core.send_outbox"}
    assert set(OutboxMessage.objects.filter(status="sent").values_list("kind", flat=True)) >= {
        "meeting-summary",
        "meeting-scheduled",
        "reminder",
        "invitation",
    }
    for name, args, kwargs in published:
        assert ids_only(list(args) + list(kwargs.values())), f"{name} was given more than ids: {args} {kwargs}"

    facilitators = {facilitator.email}
    for message in mail.outbox:
        text = message.body + "".join(str(part[0]) for part in getattr(message, "alternatives", []))
        to = message.to[0]
        assert MARKERS["journal"] not in text
        assert MARKERS["private_reflection"] not in text or to == member.email
        assert MARKERS["process_notes"] not in text or to in facilitators
        if to != member.email:
            assert MARKERS["member_action"] not in text and MARKERS["update"] not in text
        if to != facilitator.email:
            assert MARKERS["facilitator_action"] not in text
    summaries = [m for m in mail.outbox if m.to == [member.email] and "SIDE-" in m.body]
    assert summaries, "the member's summary should carry their own action (the scan must see content)"

    logged = caplog.text + "".join(str(record.args) for record in caplog.records)
    for marker in MARKERS.values():
        assert marker not in logged


def test_an_error_while_saving_content_logs_no_content(client, member, monkeypatch, caplog):
    """A request that fails with content in it: the error report (Django's request log, with its traceback) names
    the page, never what was typed."""

    def broken(**kwargs):
        raise RuntimeError("the journal is broken")

    monkeypatch.setattr(learning_services, "write_entry", lambda **kwargs: broken(**kwargs))
    caplog.set_level(logging.DEBUG)
    client.raise_request_exception = False
    client.force_login(member)
    response = client.post(
        reverse("learning:entry-new"), {"title": "SIDE-ERROR-TITLE-91c", "body": "SIDE-ERROR-BODY-91c"}
    )
    assert response.status_code == 500
    assert "Internal Server Error" in caplog.text and "the journal is broken" in caplog.text  # it was reported
    assert "SIDE-ERROR" not in caplog.text + "".join(str(record.args) for record in caplog.records)


def test_the_error_email_to_operators_names_the_page_and_the_error_never_the_content(
    client, member, monkeypatch, settings
):
    """ADMINS get every 500 (Django's AdminEmailHandler, as configured in settings.LOGGING). Django's own report
    lists the POST values, the cookies (the session's among them) and, in its HTML version, every local variable:
    core/error_reports.py keeps their names and hides every value. The HTML version is asked for here too, so
    that the locals (the service's arguments hold what was typed) are checked."""

    def broken(**kwargs):
        raise RuntimeError("the journal is broken")

    monkeypatch.setattr(learning_services, "write_entry", lambda **kwargs: broken(**kwargs))
    settings.ADMINS = [("Operators", "ops@example.org")]
    handler = next(each for each in logging.getLogger("django").handlers if isinstance(each, AdminEmailHandler))
    monkeypatch.setattr(handler, "include_html", True)
    client.raise_request_exception = False
    client.force_login(member)
    url = reverse("learning:entry-new") + "?issue=SIDE-ERROR-QUERY-91c"
    response = client.post(url, {"title": "SIDE-ERROR-TITLE-91c", "body": "SIDE-ERROR-BODY-91c"})
    assert response.status_code == 500
    [email] = mail.outbox
    assert email.to == ["ops@example.org"]
    assert reverse("learning:entry-new") in email.subject
    texts = [email.subject, email.body, *(content for content, _type in email.alternatives)]
    assert len(texts) == 3
    for text in texts[1:]:
        assert "RuntimeError" in text and "the journal is broken" in text  # which error
        assert "body" in text and "title" in text  # which fields were sent, not what was in them
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    for text in texts:
        assert "SIDE-ERROR" not in text
        assert session not in text


def test_admins_are_read_as_names_and_addresses():
    assert parse_admins("") == []
    assert parse_admins("Ops Team <ops@example.org>, dev@example.org") == [
        ("Ops Team", "ops@example.org"),
        ("dev@example.org", "dev@example.org"),
    ]
    with pytest.raises(ImproperlyConfigured):
        parse_admins("Ops Team")
