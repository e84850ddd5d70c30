"""What was sent to whom, when, and what failed: the facilitator's meeting page and the admin's people page list
outbox rows (kind, recipient, time, status, reason), never what an email said, only to those allowed, in a fixed
number of queries."""

import smtplib
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from core import outbox
from core.models import OutboxMessage
from meetings import reminders, scheduling, summary
from sets import invitations
from tests.factories import ActionFactory, MeetingFactory, SetMembershipFactory

MARKER = "SENT-LOG-ACTION-MARKER-4f"


def page(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def sent(learning_set, facilitator, member, admin, monkeypatch, django_capture_on_commit_callbacks):
    """A meeting whose reminders went (one carrying the member's action), an invitation that failed, and a
    reminder covered by the change email."""
    ActionFactory(owner=member, learning_set=learning_set, text=MARKER)
    meeting = MeetingFactory(learning_set=learning_set, starts_at=timezone.now() + timedelta(hours=47))
    with django_capture_on_commit_callbacks(execute=True):
        outbox.enqueue(
            reminders.reminder_message(meeting, person.pk, person.email, "reminder", 48)
            for person in (facilitator, member)
        )
        outbox.write([reminders.reminder_message(meeting, member.pk, member.email, "reminder", 2)])
    OutboxMessage.objects.filter(ref__offset_hours=2).update(status="skipped", reason="covered by the change email")
    assert MARKER in "".join(m.body for m in mail.outbox)  # the email carried it; the pages must not

    def refuse(self, messages):
        raise smtplib.SMTPRecipientsRefused({"new@example.org": (550, b"no such mailbox")})

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", refuse)
    invitation = invitations.invite(
        organisation=learning_set.organisation,
        learning_set=learning_set,
        request=invitations.InvitationRequest(email="new@example.org"),
        by=admin,
    )
    [row] = OutboxMessage.objects.filter(kind="invitation")
    for _ in range(outbox.MAX_ATTEMPTS):
        with pytest.raises(smtplib.SMTPException):
            outbox.send(message_id=row.pk)
    monkeypatch.undo()
    return meeting, invitation


def test_the_facilitator_sees_what_went_to_whom_and_what_did_not(client, sent, facilitator):
    meeting, _invitation = sent
    client.force_login(facilitator)
    content = page(client.get(reverse("meetings:detail", args=[meeting.pk])))
    assert "Emails about this meeting" in content
    assert content.count('badge-ok">Sent<') == 2
    assert "Milo Member" in content and "Fay Facilitator" in content
    assert "covered by the change email" in content and "48 h before" in content
    assert MARKER not in content and "Reminder:" not in content  # never the content, nor the subject
    assert "new@example.org" not in content  # the invitation is not about this meeting


def test_the_admin_sees_the_organisations_emails_and_the_failure(client, sent, admin, other_set):
    other_meeting = MeetingFactory(learning_set=other_set)
    other_person = SetMembershipFactory(learning_set=other_set, user__email="elsewhere@example.org").user
    outbox.write([reminders.reminder_message(other_meeting, other_person.pk, other_person.email, "reminder", 48)])
    client.force_login(admin)
    content = page(client.get(reverse("sets:people", args=["northwind"])))
    assert "Emails sent" in content
    assert "new@example.org" in content and "Failed" in content and "SMTPRecipientsRefused" in content
    assert f"{outbox.MAX_ATTEMPTS} tries" in content
    assert content.count('badge-ok">Sent<') == 2 and "covered by the change email" in content
    assert MARKER not in content and "no such mailbox" not in content  # the error's kind only, never its text
    assert "elsewhere@example.org" not in content  # another organisation's emails


def test_only_facilitators_and_admins_see_the_log(client, sent, member, stranger, outsider):
    meeting, _invitation = sent
    client.force_login(member)
    assert "emails-heading" not in page(client.get(reverse("meetings:detail", args=[meeting.pk])))
    assert client.get(reverse("sets:people", args=["northwind"])).status_code == 403
    client.force_login(stranger)
    assert client.get(reverse("meetings:detail", args=[meeting.pk])).status_code == 404
    client.force_login(outsider)
    assert client.get(reverse("meetings:detail", args=[meeting.pk])).status_code == 404
    assert client.get(reverse("sets:people", args=["northwind"])).status_code == 404


@pytest.mark.parametrize("size", [1, 8])
def test_the_logs_make_a_fixed_number_of_queries(
    client, learning_set, facilitator, admin, size, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    people = [SetMembershipFactory(learning_set=learning_set).user for _ in range(size)]
    meetings = [MeetingFactory(learning_set=learning_set) for _ in range(size)]
    with django_capture_on_commit_callbacks(execute=True):
        scheduling.schedule_meetings(
            learning_set=learning_set,
            by=facilitator,
            details=scheduling.MeetingDetails(
                local_start=meetings[0].starts_at.replace(tzinfo=None), duration_minutes=60
            ),
        )
        for meeting in meetings:
            outbox.enqueue(
                reminders.reminder_message(meeting, person.pk, person.email, kind, hours)
                for person in people
                for kind, hours in (("reminder", 48), ("nudge", 72))
            )
            outbox.enqueue(
                [
                    outbox.Message(
                        kind=summary.SUMMARY,
                        key=f"test-summary:{meeting.pk}",
                        to_email=facilitator.email,
                        to_user_id=facilitator.pk,
                        ref={"meeting": meeting.pk},
                        learning_set_id=learning_set.pk,
                        organisation_id=learning_set.organisation_id,
                    )
                ]
            )
    assert OutboxMessage.objects.count() >= 3 * size
    client.force_login(facilitator)
    with django_assert_max_num_queries(10):
        assert client.get(reverse("meetings:detail", args=[meetings[0].pk])).status_code == 200
    client.force_login(admin)
    with django_assert_max_num_queries(9):
        assert client.get(reverse("sets:people", args=["northwind"])).status_code == 200
