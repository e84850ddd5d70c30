"""Actions between meetings: progress updates, a member's own actions, words of support.

Only the owner, or a facilitator of the set, writes an action (sets/permissions.py decides; these functions
check what the input says).
"""

from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ServiceError
from core.form_tokens import once_per_form_token
from meetings.models import Action, ActionUpdate, Encouragement, Meeting

# What an update's status makes of the action.
ACTION_STATUS = {
    ActionUpdate.Status.NOT_STARTED: Action.Status.OPEN,
    ActionUpdate.Status.IN_PROGRESS: Action.Status.OPEN,
    ActionUpdate.Status.DONE: Action.Status.DONE,
    ActionUpdate.Status.DROPPED: Action.Status.DROPPED,
}
MAX_ACTION_LENGTH = 2000


@once_per_form_token
@transaction.atomic
def log_progress(*, action: Action, by, status: str, note: str = "") -> ActionUpdate:
    """Record progress on an action. Side effects: the action becomes done or dropped when the update says so
    (and open again if a later update says it is in progress). Once per `form_token` (core/form_tokens.py)."""
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


def _clean_text(text: str) -> str:
    text = text.strip()
    if not text:
        raise ServiceError(_("Write the action."))
    if len(text) > MAX_ACTION_LENGTH:
        raise ServiceError(_("Keep the action under %(count)d characters.") % {"count": MAX_ACTION_LENGTH})
    return text


def next_meeting_date(learning_set) -> date | None:
    """The local date of the set's next meeting (the default due date of an action), if one is scheduled."""
    starts_at = (
        Meeting.objects.filter(learning_set=learning_set, starts_at__gt=timezone.now(), status=Meeting.Status.SCHEDULED)
        .order_by("starts_at")
        .values_list("starts_at", flat=True)
        .first()
    )
    return timezone.localdate(starts_at) if starts_at else None


@once_per_form_token
@transaction.atomic
def add_own_action(*, owner, learning_set, text: str, due_on: date | None = None, issue=None) -> Action:
    """A member commits to an action between meetings, optionally on one of their issues in that set. Due by the
    set's next meeting unless a date is given (within Action.DUE_DATE). `learning_set` must be one of the owner's
    own open sets (the caller checks, through sets/permissions.py)."""
    text = _clean_text(text)
    Action.DUE_DATE.check(due_on)
    if learning_set.is_closed:
        raise ServiceError(_("This set is closed."))
    if issue is not None and (issue.owner_id != owner.pk or issue.learning_set_id != learning_set.pk):
        raise ServiceError(_("That issue is not yours in this set."))
    return Action.objects.create(
        owner=owner,
        learning_set=learning_set,
        issue=issue,
        text=text,
        due_on=due_on or next_meeting_date(learning_set),
    )


@transaction.atomic
def edit_action(*, action: Action, by, text: str, due_on: date | None) -> Action:
    """Change an action's wording or re-date it. A due date already in the past may stay as it is, but a new
    one must be within Action.DUE_DATE. Side effects: none beyond the action itself."""
    text = _clean_text(text)
    if due_on != action.due_on:
        Action.DUE_DATE.check(due_on)
    action.text, action.due_on = text, due_on
    action.save(update_fields=["text", "due_on"])
    return action


@once_per_form_token
@transaction.atomic
def encourage(*, update: ActionUpdate, by, text: str) -> Encouragement:
    """A set-mate leaves a short word of support on a progress update (who may: sets/permissions.py)."""
    text = text.strip()
    if not text:
        raise ServiceError(_("Write a few words of support."))
    if len(text) > Encouragement.MAX_LENGTH:
        raise ServiceError(
            _("Keep it to %(count)d characters (this is %(length)d).")
            % {"count": Encouragement.MAX_LENGTH, "length": len(text)}
        )
    return Encouragement.objects.create(update=update, author=by, text=text)
