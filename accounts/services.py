"""Writes to a person's own account settings."""

import secrets

from allauth.usersessions.models import UserSession
from django.db import transaction

from accounts.models import User

PREFERENCE_FIELDS = {"reminder": "reminder_emails", "nudge": "nudge_emails"}
# The name an invitation gave the person, kept in the session until they sign up (accounts.views.SignupView).
INVITED_NAME_SESSION_KEY = "accounts_invited_full_name"


def set_email_preference(*, user: User, kind: str, enabled: bool) -> User:
    """Turn one kind of email (reminder or nudge) on or off for a person."""
    field = PREFERENCE_FIELDS[kind]
    if getattr(user, field) != enabled:
        setattr(user, field, enabled)
        user.save(update_fields=[field])
    return user


def set_timezone(*, user: User, timezone_name: str) -> User:
    """Show times to a person in this zone (one of accounts.timezones.timezone_choices)."""
    if timezone_name and user.timezone != timezone_name:
        user.timezone = timezone_name
        user.save(update_fields=["timezone"])
    return user


def stash_invited_name(request, full_name: str) -> None:
    """Remember the name the inviter typed for this person, so the sign-up form starts with it. Side effects: the
    session; a blank name forgets any earlier one."""
    if full_name:
        request.session[INVITED_NAME_SESSION_KEY] = full_name
    else:
        request.session.pop(INVITED_NAME_SESSION_KEY, None)


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
