"""The end of a set's term: whether a meeting is the last of it (its reflection becomes a closing review), and
the set's decision there to re-contract for a new term or to close."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ServiceError
from meetings.live_version import room_changed
from meetings.models import Meeting
from sets import services as set_services


def is_last_of_term(meeting: Meeting) -> bool:
    """Whether this is the last meeting of the set's term: its Nth meeting when the term is N meetings, or the
    last one on or before the term's end date."""
    learning_set = meeting.learning_set
    held = Meeting.objects.held().filter(learning_set_id=learning_set.pk)
    if (
        learning_set.term_meetings
        and held.filter(starts_at__lte=meeting.starts_at).count() == learning_set.term_meetings
    ):
        return True
    if learning_set.term_ends_on:
        local_day = timezone.localdate(meeting.starts_at)
        later_in_term = held.filter(starts_at__gt=meeting.starts_at).filter(
            starts_at__date__lte=learning_set.term_ends_on
        )
        return local_day <= learning_set.term_ends_on and not later_in_term.exists()
    return False


@transaction.atomic
def decide_term(*, meeting: Meeting, by, decision: str) -> None:
    """The set's decision at its closing review: re-contract for a new term (every member agrees again, and the
    term starts over with as many meetings again), or close the set (archived, read-only)."""
    learning_set = meeting.learning_set
    if decision == "close":
        set_services.close_learning_set(learning_set=learning_set, by=by)
    elif decision == "recontract":
        changes = {}
        if learning_set.term_meetings:
            changes["term_meetings"] = learning_set.term_meetings * 2
        if learning_set.term_ends_on:
            changes["term_ends_on"] = learning_set.term_ends_on + (
                learning_set.term_ends_on - learning_set.created_at.date()
            )
        if changes:  # a change to the term is a change of contract: everyone agrees again
            set_services.update_learning_set(learning_set=learning_set, by=by, changes=changes)
        else:
            learning_set.contract_version += 1
            learning_set.contract_updated_at = timezone.now()
            learning_set.save(update_fields=["contract_version", "contract_updated_at"])
    else:
        raise ServiceError(_("Choose to re-contract or to close the set."))
    room_changed(meeting.pk)
