"""The audit log: one function writes it, one query reads it. Facts about people and access only, never content.

`record` takes no free text on purpose: `detail` holds roles, kinds and counts (callers pass only those), so a
title, a note or a reflection cannot end up in the log by accident.
"""

from django.db.models import QuerySet

from core.models import AuditEvent

# The keys `detail` may carry; anything else is refused, so no content can slip into the log.
DETAIL_KEYS = frozenset(
    {"role", "from_role", "to_role", "kind", "format", "count", "anonymous", "required", "sets", "policy"}
)


def record(
    verb: str,
    *,
    actor,
    organisation=None,
    learning_set=None,
    subject=None,
    subject_email: str = "",
    **detail,
) -> AuditEvent:
    """Write one audit event about an organisation (or a set of it). Side effects: one AuditEvent row (in the
    caller's transaction)."""
    unknown = set(detail) - DETAIL_KEYS
    if unknown:
        raise ValueError(f"audit detail keys not allowed: {sorted(unknown)}")
    if organisation is None and learning_set is not None:
        organisation = learning_set.organisation
    return AuditEvent.objects.create(
        verb=verb,
        organisation=organisation,
        learning_set=learning_set,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_email=getattr(actor, "email", "") or "",
        subject=subject,
        subject_email=subject_email or getattr(subject, "email", "") or "",
        detail=detail,
    )


def events_for(organisation) -> QuerySet[AuditEvent]:
    """An organisation's log, newest first, with the names it shows."""
    return AuditEvent.objects.filter(organisation=organisation).select_related("actor", "subject", "learning_set")
