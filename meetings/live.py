"""The live meeting: agenda (airtime slots) and the facilitator's controls, applied through meetings/flow.py.

Every control goes through `control_meeting`, which locks the meeting row, checks the version the click was
made from, applies one flow function, records a MeetingEvent and bumps the version: two facilitators, or a
double click, never advance twice.
"""

from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from meetings import flow
from meetings.models import AirtimeSlot, Issue, Meeting, MeetingEvent
from sets.models import SetMembership
from sets.services import ServiceError

START = "start"
CONTROLS = (START, *flow.CONTROLS)


class StaleVersion(ServiceError):
    """The click was made from an older state of the meeting than the one it is in now."""


def plan_for(meeting: Meeting, slots=None) -> flow.Plan:
    learning_set = meeting.learning_set
    slots = list(meeting.slots.all()) if slots is None else slots
    return flow.Plan(
        checkin=learning_set.checkin_minutes,
        reflection=learning_set.reflection_minutes,
        slots=tuple((s.presentation_minutes, s.questioning_minutes, s.commitments_minutes) for s in slots),
    )


def state_of(meeting: Meeting) -> flow.State | None:
    if meeting.step_index is None:
        return None
    return flow.State(
        index=meeting.step_index,
        step_started_at=meeting.step_started_at,
        paused_at=meeting.paused_at,
        paused_seconds=meeting.paused_seconds,
        extra_minutes=meeting.extra_minutes,
    )


def _check_agenda_open(meeting: Meeting) -> None:
    if meeting.status != Meeting.Status.SCHEDULED:
        raise ServiceError(_("The agenda is fixed once the meeting has started."))


@transaction.atomic
def add_slot(*, meeting: Meeting, presenter, by, issue_title: str = "") -> AirtimeSlot:
    """Give a member of the set a presenter's slot, with the set's default minutes (and a new issue, if titled)."""
    _check_agenda_open(meeting)
    learning_set = meeting.learning_set
    if not SetMembership.objects.filter(learning_set=learning_set, user=presenter, left_at=None).exists():
        raise ServiceError(_("Only people in the set can present."))
    if meeting.slots.filter(presenter=presenter).exists():
        raise ServiceError(_("%(name)s already has a slot.") % {"name": presenter.display_name})
    issue = None
    if issue_title.strip():
        issue = Issue.objects.create(owner=presenter, learning_set=learning_set, title=issue_title.strip()[:200])
    last = meeting.slots.aggregate(last=Max("order"))["last"]
    return AirtimeSlot.objects.create(
        meeting=meeting,
        presenter=presenter,
        issue=issue,
        order=0 if last is None else last + 1,
        presentation_minutes=learning_set.presentation_minutes,
        questioning_minutes=learning_set.questioning_minutes,
        commitments_minutes=learning_set.commitments_minutes,
    )


@transaction.atomic
def remove_slot(*, slot: AirtimeSlot, by) -> None:
    _check_agenda_open(slot.meeting)
    slot.delete()


@transaction.atomic
def move_slot(*, slot: AirtimeSlot, by, earlier: bool) -> None:
    """Swap a slot with its neighbour in the running order."""
    _check_agenda_open(slot.meeting)
    slots = list(AirtimeSlot.objects.select_for_update().filter(meeting_id=slot.meeting_id))
    index = next(i for i, s in enumerate(slots) if s.pk == slot.pk)
    other = index - 1 if earlier else index + 1
    if not 0 <= other < len(slots):
        return
    slots[index], slots[other] = slots[other], slots[index]
    for position, each in enumerate(slots):
        if each.order != position:
            AirtimeSlot.objects.filter(pk=each.pk).update(order=position)


@transaction.atomic
def control_meeting(*, meeting_id: int, by, control: str, version: int, minutes: int = 5) -> Meeting:
    """Apply one facilitator control (start, next, back, pause, resume, extend, end) to a meeting.

    Side effects: a MeetingEvent row; the meeting's version goes up by one. Raises StaleVersion when `version`
    is not the meeting's current one, ServiceError when the control does not apply."""
    if control not in CONTROLS:
        raise ServiceError(_("Unknown control."))
    meeting = Meeting.objects.select_for_update().select_related("learning_set").get(pk=meeting_id)
    if meeting.version != version:
        raise StaleVersion(_("The meeting had already moved on; this page now shows where it is."))
    now = timezone.now()
    plan = plan_for(meeting)
    if control == START:
        if meeting.status != Meeting.Status.SCHEDULED:
            raise ServiceError(_("This meeting has already started."))
        state = flow.start(now)
        meeting.status = Meeting.Status.LIVE
        meeting.started_at = now
    else:
        if meeting.status != Meeting.Status.LIVE:
            raise ServiceError(_("The meeting is not running."))
        try:
            if control == "extend":
                state = flow.extend(state_of(meeting), plan, now, minutes)
            else:
                state = flow.apply(control, state_of(meeting), plan, now)
        except flow.FlowError as error:
            raise ServiceError(str(error)) from error
    fields = {
        "step_index": state.index,
        "step_started_at": state.step_started_at,
        "paused_at": state.paused_at,
        "paused_seconds": state.paused_seconds,
        "extra_minutes": state.extra_minutes,
        "status": meeting.status,
        "started_at": meeting.started_at,
        "ended_at": meeting.ended_at,
        "updated_at": now,
    }
    step = flow.current(state, plan)
    if step.phase == flow.ENDED:
        fields |= {"status": Meeting.Status.ENDED, "ended_at": now}
    # Compare-and-set on the version: with the row lock this is belt and braces on PostgreSQL, and it is what
    # keeps SQLite (which has no row locks) from advancing twice.
    updated = Meeting.objects.filter(pk=meeting.pk, version=version).update(version=F("version") + 1, **fields)
    if updated != 1:
        raise StaleVersion(_("The meeting had already moved on; this page now shows where it is."))
    for name, value in fields.items():
        setattr(meeting, name, value)
    meeting.version = version + 1
    MeetingEvent.objects.create(meeting=meeting, kind=control, step=step.key, actor=by, at=now)
    return meeting
