"""Writes to a person's own account settings."""

import secrets

from django.db import transaction

from accounts.models import User

PREFERENCE_FIELDS = {"reminder": "reminder_emails", "nudge": "nudge_emails"}


def set_email_preference(*, user: User, kind: str, enabled: bool) -> User:
    """Turn one kind of email (reminder or nudge) on or off for a person."""
    field = PREFERENCE_FIELDS[kind]
    if getattr(user, field) != enabled:
        setattr(user, field, enabled)
        user.save(update_fields=[field])
    return user


@transaction.atomic
def regenerate_calendar_token(*, user: User) -> str:
    """A new private calendar feed address; the old one stops working at once."""
    user.calendar_token = secrets.token_urlsafe(32)
    user.save(update_fields=["calendar_token"])
    return user.calendar_token


@transaction.atomic
def revoke_calendar_token(*, user: User) -> None:
    user.calendar_token = None
    user.save(update_fields=["calendar_token"])
