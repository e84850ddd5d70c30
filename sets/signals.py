"""Receivers of the sets app (connected in SetsConfig.ready)."""

from core import audit
from core.models import AuditEvent
from sets.middleware import TWO_FACTOR_NEEDED
from sets.models import OrganisationMembership
from sets.services import two_factor_needed


def audit_admin_login(sender, request, user, **kwargs) -> None:
    """Logins of people who administer something go in the audit log: each organisation's admins in that
    organisation's log, and staff (who can open the Django admin) in the log outside any organisation."""
    admin_of = OrganisationMembership.objects.filter(user=user, role=OrganisationMembership.Role.ADMIN)
    for membership in admin_of.select_related("organisation"):
        audit.record(AuditEvent.Verb.ADMIN_LOGIN, actor=user, organisation=membership.organisation, subject=user)
    if user.is_staff:
        audit.record(AuditEvent.Verb.ADMIN_LOGIN, actor=user, subject=user, kind="staff")


def note_two_factor_requirement(sender, request, user, **kwargs) -> None:
    """At login (and when an authenticator is removed): ask for two-factor first if an organisation needs it."""
    if two_factor_needed(user):
        request.session[TWO_FACTOR_NEEDED] = True
