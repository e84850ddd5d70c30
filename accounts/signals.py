"""What happens around logging in and changing a password (connected in AccountsConfig.ready)."""

from accounts import services


def end_other_sessions(sender, request, user, **kwargs) -> None:
    """A changed, set or reset password ends every other session of that person (a stolen session dies with it)."""
    session = getattr(request, "session", None)
    keep = session.session_key if session is not None and request.user.is_authenticated else None
    services.end_sessions(user=user, keep_session_key=keep)
