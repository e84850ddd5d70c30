from smtplib import SMTPException

from celery import shared_task

from sets import invitations


@shared_task(
    name="sets.send_invitation",
    acks_late=True,
    autoretry_for=(SMTPException, ConnectionError, TimeoutError),
    retry_backoff=True,
    max_retries=5,
)
def send_invitation(invitation_id: int) -> None:
    # Makes a fresh token each run, so a retry or a duplicate delivery only means the newest link is the live one.
    invitations.send_invitation_email(invitation_id=invitation_id)
