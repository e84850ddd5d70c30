"""The live meeting's writes: agenda (airtime slots) and the facilitator's controls, applied through
meetings/flow.py, and what people record during the meeting. What the room shows is read in meetings/room.py.

Every control goes through `control_meeting`, which locks the meeting row, checks the version the click was
made from, applies one flow function, records a MeetingEvent and bumps the version: two facilitators, or a
double click, never advance twice. Every write in the room, controls included, also calls
`live_version.room_changed`, which bumps the meeting's revision: what the room's poll compares, so what one
person writes reaches every screen within a step.
"""

from itertools import pairwise

from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ServiceError
from core.form_tokens import once_per_form_token
from meetings import flow
from meetings.live_version import publish_version, room_changed
from meetings.models import (
    AirtimeSlot,
    Issue,
    Meeting,
    MeetingEvent,
    RaisedHand,
)
from meetings.queries import is_current_member
from meetings.summary import write_meeting_summaries
from sets.versions import bump_sets

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


def issue_to_present(*, presenter, learning_set, title: str) -> Issue | None:
    """The issue a presenter brings: one of theirs in the set with that title (brought back: open again), so an
    issue keeps its story across meetings; otherwise a new one. None without a title."""
    title = title.strip()[:200]
    if not title:
        return None
    issue = (
        Issue.objects.filter(owner=presenter, learning_set=learning_set, title__iexact=title)
        .order_by("status", "-created_at")  # an open one first
        .first()
    )
    if issue is None:
        return Issue.objects.create(owner=presenter, learning_set=learning_set, title=title)
    if issue.status != Issue.Status.OPEN:
        issue.status = Issue.Status.OPEN
        issue.save(update_fields=["status", "updated_at"])
    return issue


@transaction.atomic
def add_slot(*, meeting: Meeting, presenter, by, issue_title: str = "") -> AirtimeSlot:
    """Give a member of the set a presenter's slot, with the set's default minutes, and the issue they bring
    (one of theirs with that title, or a new one: `issue_to_present`)."""
    _check_agenda_open(meeting)
    learning_set = meeting.learning_set
    if not is_current_member(learning_set, presenter):
        raise ServiceError(_("Only people in the set can present."))
    if meeting.slots.filter(presenter=presenter).exists():
        raise ServiceError(_("%(name)s already has a slot.") % {"name": presenter.display_name})
    issue = issue_to_present(presenter=presenter, learning_set=learning_set, title=issue_title)
    last = meeting.slots.aggregate(last=Max("order"))["last"]
    slot = AirtimeSlot.objects.create(
        meeting=meeting,
        presenter=presenter,
        issue=issue,
        order=0 if last is None else last + 1,
        presentation_minutes=learning_set.presentation_minutes,
        questioning_minutes=learning_set.questioning_minutes,
        commitments_minutes=learning_set.commitments_minutes,
    )
    publish_version(meeting.pk, meeting.revision, full=True)  # open rooms fetch the agenda
    return slot


def _check_runner_choice(meeting: Meeting, to) -> None:
    if meeting.status in (Meeting.Status.ENDED, Meeting.Status.CANCELLED):
        raise ServiceError(_("This meeting is over."))
    if to is not None and not is_current_member(meeting.learning_set_id, to):
        raise ServiceError(_("Only someone in the set can run its meeting."))


@transaction.atomic
def hand_over(*, meeting: Meeting, to, by) -> Meeting:
    """Let a member run this meeting (or give it back to the set's facilitators with `to=None`), before it or at
    any point during it: sets rotate facilitation. The set's facilitators can always take it back."""
    _check_runner_choice(meeting, to)
    meeting.facilitator = to
    meeting.save(update_fields=["facilitator", "updated_at"])
    room_changed(meeting.pk)
    return meeting


@transaction.atomic
def choose_slot_runner(*, slot: AirtimeSlot, to, by) -> AirtimeSlot:
    """Who runs this presenter's slot (`to=None`: whoever runs the meeting): when the person running the meeting
    presents, the one they chose runs their three steps, and the controls come back after them. Chosen before
    the meeting or during it; if the slot is running now, the choice applies at once."""
    meeting = Meeting.objects.select_for_update().get(pk=slot.meeting_id)
    _check_runner_choice(meeting, to)
    slot.run_by = to
    slot.save(update_fields=["run_by"])
    if meeting.status == Meeting.Status.LIVE:
        slots = list(meeting.slots.all())
        step = flow.current(state_of(meeting), plan_for(meeting, slots))
        if step.slot is not None and slots[step.slot].pk == slot.pk:
            Meeting.objects.filter(pk=meeting.pk).update(slot_runner=to)
    room_changed(meeting.pk)
    return slot


def available_minutes(meeting: Meeting) -> int:
    """Time for presenters: the meeting's length less check-in and reflection."""
    learning_set = meeting.learning_set
    return max(0, meeting.duration_minutes - learning_set.checkin_minutes - learning_set.reflection_minutes)


@once_per_form_token
@transaction.atomic
def bid_for_time(*, meeting: Meeting, by, minutes: int, urgent: bool, issue_title: str = "") -> AirtimeSlot:
    """In a bidding set, a member asks for airtime ("40 minutes on X, urgent") before the meeting starts. The
    slot's questioning time takes what the bid leaves after presentation and commitments."""
    _check_agenda_open(meeting)
    learning_set = meeting.learning_set
    if learning_set.airtime_mode != learning_set.AirtimeMode.BIDDING:
        raise ServiceError(_("This set shares time equally; the facilitator sets the agenda."))
    fixed = learning_set.presentation_minutes + learning_set.commitments_minutes
    if not fixed + 1 <= minutes <= available_minutes(meeting):
        raise ServiceError(
            _("Ask for between %(low)d and %(high)d minutes.") % {"low": fixed + 1, "high": available_minutes(meeting)}
        )
    slot = meeting.slots.filter(presenter=by).first() or add_slot(meeting=meeting, presenter=by, by=by)
    if issue_title.strip():
        slot.issue = issue_to_present(presenter=by, learning_set=learning_set, title=issue_title)
    slot.bid_minutes, slot.bid_urgent = minutes, urgent
    slot.questioning_minutes = minutes - fixed
    slot.save(update_fields=["issue", "bid_minutes", "bid_urgent", "questioning_minutes"])
    publish_version(meeting.pk, meeting.revision, full=True)
    return slot


@transaction.atomic
def write_process_notes(*, meeting: Meeting, by, notes: str) -> Meeting:
    """The facilitator's notes on how the set worked: visible to facilitators only."""
    meeting.process_notes = notes.strip()
    meeting.save(update_fields=["process_notes", "updated_at"])
    room_changed(meeting.pk)
    return meeting


def first_movable(meeting: Meeting, slots: list[AirtimeSlot]) -> int:
    """The first position in the running order that may still change: all of it before the meeting; during it,
    only presenters whose turn has not begun (so the current step keeps its place)."""
    if meeting.status == Meeting.Status.SCHEDULED:
        return 0
    if meeting.status != Meeting.Status.LIVE:
        raise ServiceError(_("The meeting is over."))
    step = flow.current(state_of(meeting), plan_for(meeting, slots))
    if step.phase == flow.CHECKIN:
        return 0
    if step.slot is not None:
        return step.slot + 1
    return len(slots)


def _agenda_changed(meeting: Meeting, by, kind: str) -> None:
    """During the meeting, a change to the running order moves the version on (a "Next" clicked from the old
    order is stale) and the revision (every page refreshes). Before it, every open room is told to fetch the
    agenda; the revision starts moving with the meeting."""
    if meeting.status == Meeting.Status.LIVE:
        Meeting.objects.filter(pk=meeting.pk).update(version=F("version") + 1)
        room_changed(meeting.pk)
        steps = plan_for(meeting).steps()
        MeetingEvent.objects.create(meeting=meeting, kind=kind, step=steps[meeting.step_index].key, actor=by)
    else:
        # The reorder's UPDATEs send no signal: the set's pages (the room's agenda among them) are bumped here.
        bump_sets(meeting.learning_set_id)
        publish_version(meeting.pk, meeting.revision, full=True)


@transaction.atomic
def remove_slot(*, slot: AirtimeSlot, by) -> None:
    """Take a presenter off the agenda (before the meeting, or during it if their turn has not begun: a skip)."""
    meeting = Meeting.objects.select_for_update().get(pk=slot.meeting_id)
    slots = list(meeting.slots.all())
    position = next(i for i, each in enumerate(slots) if each.pk == slot.pk)
    if position < first_movable(meeting, slots):
        raise ServiceError(_("That presenter's turn has already begun."))
    slot.delete()
    _agenda_changed(meeting, by, "skip")


@transaction.atomic
def move_slot(*, slot: AirtimeSlot, by, earlier: bool) -> None:
    """Swap a slot with its neighbour in the running order (during the meeting, among those still to come)."""
    meeting = Meeting.objects.select_for_update().get(pk=slot.meeting_id)
    slots = list(AirtimeSlot.objects.select_for_update().filter(meeting_id=meeting.pk))
    index = next(i for i, each in enumerate(slots) if each.pk == slot.pk)
    other = index - 1 if earlier else index + 1
    if not 0 <= other < len(slots):
        return
    if min(index, other) < first_movable(meeting, slots):
        raise ServiceError(_("Only presenters still to come can be moved."))
    slots[index], slots[other] = slots[other], slots[index]
    for position, each in enumerate(slots):
        if each.order != position:
            AirtimeSlot.objects.filter(pk=each.pk).update(order=position)
    _agenda_changed(meeting, by, "reorder")


@transaction.atomic
def control_meeting(*, meeting_id: int, by, control: str, version: int, minutes: int = 5) -> Meeting:
    """Apply one facilitator control (start, next, back, pause, resume, extend, end) to a meeting.

    Side effects: a MeetingEvent row; the meeting's version and revision go up by one. Raises StaleVersion when
    `version` is not the meeting's current one, ServiceError when the control does not apply."""
    if control not in CONTROLS:
        raise ServiceError(_("Unknown control."))
    meeting = Meeting.objects.select_for_update().select_related("learning_set").get(pk=meeting_id)
    if meeting.version != version:
        raise StaleVersion(_("The meeting had already moved on; this page now shows where it is."))
    now = timezone.now()
    slots = list(meeting.slots.all())
    plan = plan_for(meeting, slots)
    previous_index = meeting.step_index
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
    # The presenter's chosen runner has the controls for their slot's steps, and only then.
    fields["slot_runner_id"] = slots[step.slot].run_by_id if step.slot is not None else None
    # Compare-and-set on the version: with the row lock this is belt and braces on PostgreSQL, and it is what
    # keeps SQLite (which has no row locks) from advancing twice.
    updated = Meeting.objects.filter(pk=meeting.pk, version=version).update(version=F("version") + 1, **fields)
    if updated != 1:
        raise StaleVersion(_("The meeting had already moved on; this page now shows where it is."))
    for name, value in fields.items():
        setattr(meeting, name, value)
    meeting.version = version + 1
    meeting.revision = room_changed(meeting.pk)
    if meeting.status == Meeting.Status.ENDED:
        write_meeting_summaries(meeting=meeting, now=now)
    MeetingEvent.objects.create(meeting=meeting, kind=control, step=step.key, actor=by, at=now)
    if state.index != previous_index:
        # A new step: hands raised to ask in the last one are lowered.
        RaisedHand.objects.filter(meeting=meeting, cleared_at=None).update(cleared_at=now)
    return meeting


def actual_minutes(meeting: Meeting) -> dict[str, float]:
    """Minutes actually spent per step, from the meeting's events (pauses included)."""
    events = list(meeting.events.order_by("at", "pk").values_list("step", "at"))
    spent: dict[str, float] = {}
    for (step, at), (_next_step, next_at) in pairwise(events):
        spent[step] = spent.get(step, 0) + (next_at - at).total_seconds() / 60
    return {step: round(minutes, 1) for step, minutes in spent.items()}
