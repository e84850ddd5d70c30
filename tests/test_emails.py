"""Every kind of email says names as they are written: the subject and the text body are plain text (never
HTML-escaped), the HTML body is escaped. Each is sent by the task or service that sends it in production."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from core import outbox
from meetings import recurrence, reminders, scheduling, summary
from meetings.models import Attendance, Meeting, ReminderKind
from sets import invitations
from sets.models import SetMembership
from tests.factories import LearningSetFactory, MeetingFactory, SetMembershipFactory

NAME = "Zoë O'Brien & 王芳"
ESCAPED = "Zoë O&#x27;Brien &amp; 王芳"


@pytest.fixture
def learning_set(db):
    return LearningSetFactory(name=NAME, organisation__name=NAME)


@pytest.fixture
def person(learning_set):
    return SetMembershipFactory(learning_set=learning_set, user__full_name=NAME, user__timezone="Asia/Singapore").user


@pytest.fixture
def meeting(learning_set, person):
    return MeetingFactory(learning_set=learning_set, place=NAME, starts_at=timezone.now() + timedelta(days=2))


def the_only_email():
    assert len(mail.outbox) == 1, [message.subject for message in mail.outbox]
    message = mail.outbox[0]
    return message.subject, message.body, message.alternatives[0].content


def assert_plain_and_escaped(subject: str, text: str, html: str) -> None:
    assert NAME in subject
    assert "&#x27;" not in subject and "&amp;" not in subject
    assert NAME in text
    assert "&#x27;" not in text and "&amp;" not in text
    assert ESCAPED in html
    assert NAME not in html


def test_the_invitation(learning_set, django_capture_on_commit_callbacks):
    inviter = SetMembershipFactory(learning_set=learning_set, role=SetMembership.Role.FACILITATOR).user
    with django_capture_on_commit_callbacks(execute=True):
        invitations.invite(
            organisation=learning_set.organisation,
            learning_set=learning_set,
            request=invitations.InvitationRequest(email="new@example.org", full_name=NAME),
            by=inviter,
        )
    subject, text, html = the_only_email()
    assert subject == f"You are invited to join {NAME} at {NAME}"
    assert_plain_and_escaped(subject, text, html)


def details(day: int = 1):
    start = (timezone.now() + timedelta(days=10 + day)).replace(tzinfo=None, hour=9, minute=30, second=0, microsecond=0)
    return scheduling.MeetingDetails(local_start=start, duration_minutes=120, place=NAME)


@pytest.mark.parametrize("change", ["scheduled", "changed", "cancelled"])
def test_the_calendar_emails(learning_set, person, change, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        [meeting] = scheduling.schedule_meetings(learning_set=learning_set, by=person, details=details())
    if change != "scheduled":
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            if change == "changed":
                scheduling.reschedule_meeting(meeting=meeting, by=person, details=details(day=2))
            else:
                scheduling.cancel_meeting(meeting=meeting, by=person)
    subject, text, html = the_only_email()
    assert_plain_and_escaped(subject, text, html)


def test_the_subject_of_several_meetings_scheduled(learning_set, person, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        scheduling.schedule_meetings(
            learning_set=learning_set,
            by=person,
            details=details(),
            repeat=recurrence.Rule(frequency=recurrence.WEEKLY, count=2),
        )
    subject, text, html = the_only_email()
    assert subject == f"{NAME}: 2 meetings scheduled"
    assert_plain_and_escaped(subject, text, html)


@pytest.mark.parametrize("kind", [ReminderKind.REMINDER, ReminderKind.NUDGE])
def test_the_reminder_and_the_nudge(meeting, person, kind, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        outbox.enqueue([reminders.reminder_message(meeting, person.pk, person.email, kind, 48)])
    subject, text, html = the_only_email()
    assert_plain_and_escaped(subject, text, html)


def test_the_meeting_summary(meeting, person, django_capture_on_commit_callbacks):
    Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.ENDED, ended_at=timezone.now())
    meeting.refresh_from_db()
    Attendance.objects.create(meeting=meeting, user=person, present=True)
    with django_capture_on_commit_callbacks(execute=True):
        summary.write_meeting_summaries(meeting=meeting, now=timezone.now())
    subject, text, html = the_only_email()
    assert subject.startswith(f"{NAME}: the record of ")
    assert_plain_and_escaped(subject, text, html)
