from sets import permissions


def navigation(request) -> dict:
    """The organisation switcher in the top bar: the viewer's organisations, read once per page when used."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"nav_organisations": lambda: list(permissions.organisations_for(user).order_by("name"))}
