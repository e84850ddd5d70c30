"""Actions between meetings: progress updates. Only the owner, or a facilitator of the set, writes them."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from meetings.models import Action, ActionUpdate
from sets.form_tokens import once_per_form_token
from sets.services import ServiceError

# What an update's status makes of the action.
ACTION_STATUS = {
    ActionUpdate.Status.NOT_STARTED: Action.Status.OPEN,
    ActionUpdate.Status.IN_PROGRESS: Action.Status.OPEN,
    ActionUpdate.Status.DONE: Action.Status.DONE,
    ActionUpdate.Status.DROPPED: Action.Status.DROPPED,
}


@once_per_form_token
@transaction.atomic
def log_progress(*, action: Action, by, status: str, note: str = "") -> ActionUpdate:
    """Record progress on an action. Side effects: the action becomes done or dropped when the update says so
    (and open again if a later update says it is in progress). Once per `form_token` (sets/form_tokens.py)."""
    if status not in ACTION_STATUS:
        raise ServiceError(_("Choose a status."))
    note = note.strip()
    if status in (ActionUpdate.Status.DONE, ActionUpdate.Status.DROPPED) and not note:
        raise ServiceError(_("Say in a line what came of it."))
    update = ActionUpdate.objects.create(action=action, author=by, note=note[:4000], status_after=status)
    new_status = ACTION_STATUS[status]
    if action.status != new_status:
        action.status = new_status
        action.completed_at = timezone.now() if new_status != Action.Status.OPEN else None
        action.save(update_fields=["status", "completed_at"])
    return update
