"""Invitations go out through a real Celery worker on the configured broker (Redis in CI) and database."""

import time

import pytest

from sets import invitations
from sets.models import Invitation
from tests.worker_support import worker_pool

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def workers(tmp_path, transactional_db):
    """Torn down (workers stopped, queue deleted) before the test database is flushed, even on failure."""
    with worker_pool(tmp_path) as pool:
        yield pool


def test_a_real_worker_sends_the_invitation_once(workers, organisation, learning_set, admin):
    workers.start()
    invitation = invitations.invite(
        organisation=organisation,
        learning_set=learning_set,
        request=invitations.InvitationRequest(email="worker@example.org", full_name="Wendy Worker"),
        by=admin,
    )
    workers.wait_for(lambda: len(workers.emails()) >= 1, what="the invitation email")
    time.sleep(1)  # a second, duplicated send would land by now
    [message] = workers.emails()
    assert message["To"] == "worker@example.org"
    body = message.get_body(("plain",)).get_content()
    assert f"invited you to {organisation.name}" in body
    invitation.refresh_from_db()
    assert invitation.send_count == 1
    # The link in the email is the live one: its token's hash is what the worker saved.
    token = body.split("/invitations/")[1].split("/")[0]
    assert invitations.invitation_for_token(token) == Invitation.objects.get(pk=invitation.pk)
