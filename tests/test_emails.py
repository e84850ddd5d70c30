"""Every kind of email says names as they are written: the subject and the text body are plain text (never
HTML-escaped), the HTML body is escaped. Each is sent by the task or service that sends it in production."""

from datetime import timedelta

import pytest
from celery import current_app
from django.core import mail
from django.utils import timezone

from meetings.models import Attendance, Meeting, Reminder
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


def run_task(name: str, *args) -> None:
    current_app.tasks[name].apply(args=args).get()


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


@pytest.mark.parametrize("change", ["scheduled", "changed", "cancelled"])
def test_the_calendar_emails(meeting, change):
    run_task("meetings.send_calendar_emails", [meeting.pk], "REQUEST", change)
    subject, text, html = the_only_email()
    assert_plain_and_escaped(subject, text, html)


def test_the_subject_of_several_meetings_scheduled(learning_set, person, meeting):
    later = MeetingFactory(learning_set=learning_set, place=NAME, starts_at=meeting.starts_at + timedelta(days=7))
    run_task("meetings.send_calendar_emails", [meeting.pk, later.pk], "REQUEST", "scheduled")
    subject, text, html = the_only_email()
    assert subject == f"{NAME}: 2 meetings scheduled"
    assert_plain_and_escaped(subject, text, html)


@pytest.mark.parametrize("kind", [Reminder.Kind.REMINDER, Reminder.Kind.NUDGE])
def test_the_reminder_and_the_nudge(meeting, person, kind):
    reminder = Reminder.objects.create(
        meeting=meeting,
        user=person,
        kind=kind,
        offset_hours=24,
        meeting_starts_at=meeting.starts_at,
        due_at=timezone.now(),
        claimed_at=timezone.now(),
    )
    run_task("meetings.send_reminders", [reminder.pk])
    subject, text, html = the_only_email()
    assert_plain_and_escaped(subject, text, html)


def test_the_meeting_summary(meeting, person):
    Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.ENDED, ended_at=timezone.now())
    Attendance.objects.create(meeting=meeting, user=person, present=True)
    run_task("meetings.send_meeting_summaries", meeting.pk)
    subject, text, html = the_only_email()
    assert subject.startswith(f"{NAME}: the record of ")
    assert_plain_and_escaped(subject, text, html)
