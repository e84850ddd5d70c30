"""Invitations go out through a real Celery worker on the configured broker (Redis in CI) and database."""

import time

import pytest

from sets import services
from sets.models import Invitation
from tests.worker_support import emails_in, wait_for, worker_pool

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_a_real_worker_sends_the_invitation_once(tmp_path, organisation, learning_set, admin):
    with worker_pool(tmp_path) as (start, outbox, log):
        start()
        invitation = services.invite(
            organisation=organisation,
            learning_set=learning_set,
            request=services.InvitationRequest(email="worker@example.org", full_name="Wendy Worker"),
            by=admin,
        )
        wait_for(lambda: len(emails_in(outbox)) >= 1, log=log, what="the invitation email")
        time.sleep(1)  # a second, duplicated send would land by now
        [message] = emails_in(outbox)
    assert "To: worker@example.org" in message
    assert f"invited you to {organisation.name}" in message
    invitation.refresh_from_db()
    assert invitation.send_count == 1
    # The link in the email is the live one: its token's hash is what the worker saved.
    token = message.split("/invitations/")[1].split("/")[0]
    assert services.invitation_for_token(token) == Invitation.objects.get(pk=invitation.pk)
