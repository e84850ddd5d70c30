"""Writes to a person's own account settings."""

import secrets

from allauth.usersessions.models import UserSession
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


def end_sessions(*, user: User, keep_session_key: str | None = None) -> int:
    """End a person's sessions everywhere (all but `keep_session_key`), e.g. after a password change or when they
    are removed from an organisation. Side effects: the sessions are deleted from the database and the cache, so
    even the live meeting's cache-only poll (meetings/middleware.py) stops answering them. Returns how many."""
    ended = 0
    for session in UserSession.objects.filter(user=user).exclude(session_key=keep_session_key or ""):
        session.end()
        ended += 1
    return ended
