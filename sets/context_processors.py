from typing import NamedTuple

from accounts.versions import cached_for_user
from sets import permissions


class NavOrganisation(NamedTuple):
    """What the organisation switcher shows of one of the viewer's organisations."""

    pk: int
    name: str
    slug: str


def navigation(request) -> dict:
    """The organisation switcher in the top bar: the viewer's organisations, cached on the viewer's version
    (accounts/versions.py: a join, a removal, a role change or a rename bumps it), read when the page uses it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def build() -> list[NavOrganisation]:
        rows = permissions.organisations_for(user).order_by("name").values_list("pk", "name", "slug")
        return [NavOrganisation(*row) for row in rows]

    return {"nav_organisations": lambda: cached_for_user(request, user.pk, "nav-organisations", build)}
