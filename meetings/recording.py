"""What people record during the live meeting: presence and check-in notes, the presenter's issue, actions
committed, questions captured, reflections and process ratings (until a day after the end), and raised hands.
Each write checks the meeting is running (or, for reflections and ratings, running or lately ended) and who may
write what; the view checks the meeting itself (sets/permissions.py). Each calls `live_version.room_changed`, so
what one person writes reaches every screen within the step. The agenda and the controls are in meetings/live.py.
"""

from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import ServiceError
from core.form_tokens import once_per_form_token
from meetings import flow, live
from meetings.live_version import room_changed
from meetings.models import (
    Action,
    AirtimeSlot,
    Attendance,
    Issue,
    Meeting,
    ProcessRating,
    Question,
    RaisedHand,
    Reflection,
)
from meetings.queries import is_current_member, set_people

# What people record during the meeting. Each checks the meeting is running (or, for reflections and ratings,
# running or ended less than REFLECTION_WINDOW ago) and who may write what; permissions on the meeting itself are
# checked by the view.


# Reflections and ratings can still be given this long after the meeting ends (for the one who had to leave
# early, or who wants to sleep on it); the room shows their forms until then.
REFLECTION_WINDOW = timedelta(hours=24)


def reflections_close_at(meeting: Meeting):
    """When an ended meeting stops taking reflections and ratings (None while it has not ended)."""
    if meeting.status != Meeting.Status.ENDED or meeting.ended_at is None:
        return None
    return meeting.ended_at + REFLECTION_WINDOW


def reflections_open(meeting: Meeting, now=None) -> bool:
    """Reflections and ratings are given during the meeting and for REFLECTION_WINDOW after it ends."""
    if meeting.status == Meeting.Status.LIVE:
        return True
    closes = reflections_close_at(meeting)
    return closes is not None and (now or timezone.now()) <= closes


def _check_reflections_open(meeting: Meeting, before: str) -> None:
    if reflections_open(meeting):
        return
    if reflections_close_at(meeting) is not None:
        raise ServiceError(_("Reflections and ratings closed a day after the meeting ended."))
    raise ServiceError(before)


def _check_running(meeting: Meeting) -> None:
    if meeting.status != Meeting.Status.LIVE:
        raise ServiceError(_("The meeting is not running."))


@transaction.atomic
def mark_present(*, meeting: Meeting, user, present: bool, by) -> Attendance:
    """Who is here: the person running the meeting marks (or corrects) anyone, a member themselves through
    `check_in_myself` (a late arrival too: the time is kept)."""
    _check_running(meeting)
    attendance, _created = Attendance.objects.get_or_create(meeting=meeting, user=user)
    attendance.present = present
    attendance.checked_in_at = timezone.now() if present else None
    attendance.save(update_fields=["present", "checked_in_at"])
    room_changed(meeting.pk)
    return attendance


@transaction.atomic
def check_in_myself(*, meeting: Meeting, by) -> Attendance:
    """ "I'm here": a member marks themselves present (once: pressing it again keeps the first time)."""
    _check_running(meeting)
    attendance = Attendance.objects.filter(meeting=meeting, user=by).first()
    if attendance is not None and attendance.present:
        return attendance
    return mark_present(meeting=meeting, user=by, present=True, by=by)


@transaction.atomic
def mark_expected_present(*, meeting: Meeting, by) -> int:
    """One click for the person running the meeting: everyone in the set who replied "I'll be there" and is not
    marked yet is marked present now. Returns how many were marked."""
    _check_running(meeting)
    marked = (
        Attendance.objects.filter(meeting=meeting, rsvp=Attendance.Rsvp.YES, present=False)
        .filter(user__in=set_people(meeting.learning_set_id).values("user_id"))
        .update(present=True, checked_in_at=timezone.now())
    )
    if marked:
        room_changed(meeting.pk)
    return marked


@transaction.atomic
def write_checkin_note(*, meeting: Meeting, user, note: str) -> Attendance:
    _check_running(meeting)
    attendance, _created = Attendance.objects.get_or_create(meeting=meeting, user=user)
    attendance.checkin_note = note.strip()[:500]
    attendance.save(update_fields=["checkin_note"])
    room_changed(meeting.pk)
    return attendance


def _presenter_or_facilitator(slot: AirtimeSlot, user, facilitating: bool) -> None:
    if not facilitating and slot.presenter_id != user.pk:
        raise PermissionDenied


@transaction.atomic
def update_issue(*, slot: AirtimeSlot, by, facilitating: bool, title: str, summary: str) -> Issue:
    """The presenter (or the facilitator for them) writes the issue's title and summary, confidential to the set."""
    _check_running(slot.meeting)
    _presenter_or_facilitator(slot, by, facilitating)
    title = title.strip()[:200]
    if not title:
        raise ServiceError(_("Give the issue a title."))
    issue = slot.issue or Issue(owner_id=slot.presenter_id, learning_set_id=slot.meeting.learning_set_id)
    issue.title, issue.summary = title, summary.strip()
    issue.save()
    if slot.issue_id != issue.pk:
        slot.issue = issue
        slot.save(update_fields=["issue"])
    room_changed(slot.meeting_id)
    return issue


@once_per_form_token
@transaction.atomic
def commit_action(*, slot: AirtimeSlot, by, facilitating: bool, text: str, due_on=None) -> Action:
    """An action the presenter commits to; due by the set's next meeting unless another date is given (within
    Action.DUE_DATE). It is the presenter's action, whoever typed it."""
    _check_running(slot.meeting)
    _presenter_or_facilitator(slot, by, facilitating)
    text = text.strip()
    if not text:
        raise ServiceError(_("Write the action."))
    Action.DUE_DATE.check(due_on)
    meeting = slot.meeting
    if due_on is None:
        following = (
            Meeting.objects.held()
            .filter(learning_set_id=meeting.learning_set_id, starts_at__gt=meeting.starts_at)
            .order_by("starts_at")
            .values_list("starts_at", flat=True)
            .first()
        )
        due_on = timezone.localdate(following) if following else None
    action = Action.objects.create(
        owner_id=slot.presenter_id,
        learning_set_id=meeting.learning_set_id,
        meeting=meeting,
        issue_id=slot.issue_id,
        text=text[:2000],
        due_on=due_on,
    )
    room_changed(meeting.pk)
    return action


@once_per_form_token
@transaction.atomic
def capture_question(*, slot: AirtimeSlot, by, text: str) -> Question:
    """Anyone in the set notes a question asked of the presenter, during their questioning step."""
    meeting = slot.meeting
    _check_running(meeting)
    slots = list(meeting.slots.all())
    step = flow.current(live.state_of(meeting), live.plan_for(meeting, slots))
    if step.phase != flow.QUESTIONING or slots[step.slot].pk != slot.pk:
        raise ServiceError(_("Questions are captured during the presenter's questioning."))
    text = text.strip()
    if not text:
        raise ServiceError(_("Write the question."))
    question = Question.objects.create(slot=slot, author=by, text=text[:2000])
    room_changed(meeting.pk)
    return question


@once_per_form_token
@transaction.atomic
def write_reflection(
    *, meeting: Meeting, by, situation: str, myself: str, relating: str, shared: bool, closing: bool = False
) -> Reflection:
    _check_reflections_open(meeting, _("Reflections are written in or after the meeting."))
    if not (situation.strip() or myself.strip() or relating.strip()):
        raise ServiceError(_("Write at least one of the three."))
    reflection = Reflection.objects.create(
        meeting=meeting,
        author=by,
        about_situation=situation.strip(),
        about_self=myself.strip(),
        about_relating=relating.strip(),
        shared=shared,
        closing=closing,
    )
    room_changed(meeting.pk)
    return reflection


@transaction.atomic
def rate_process(*, meeting: Meeting, by, rating: int, went_well: str = "", do_better: str = "") -> ProcessRating:
    _check_reflections_open(meeting, _("The set rates its process in or after the meeting."))
    if not 1 <= rating <= 10:
        raise ServiceError(_("Rate from 1 to 10."))
    rated, _created = ProcessRating.objects.update_or_create(
        meeting=meeting,
        author=by,
        defaults={"rating": rating, "went_well": went_well.strip(), "do_better": do_better.strip()},
    )
    room_changed(meeting.pk)
    return rated


def _presenter_in_questioning(meeting: Meeting) -> int:
    """The presenter being questioned now (their user id); ServiceError outside questioning."""
    _check_running(meeting)
    slots = list(meeting.slots.all())
    step = flow.current(live.state_of(meeting), live.plan_for(meeting, slots))
    if step.phase != flow.QUESTIONING:
        raise ServiceError(_("Hands are raised during questioning."))
    return slots[step.slot].presenter_id


@transaction.atomic
def raise_hand(*, meeting: Meeting, by) -> RaisedHand:
    """A member of the set (not the presenter being questioned) raises a hand to ask next, during questioning
    (again: their place is kept)."""
    if _presenter_in_questioning(meeting) == by.pk:
        raise ServiceError(_("The questions are for you: the others raise their hands."))
    if not is_current_member(meeting.learning_set_id, by):
        raise ServiceError(_("Only people in the set raise a hand."))
    hand = RaisedHand.objects.filter(meeting=meeting, user=by, cleared_at=None).first()
    if hand is None:
        hand = RaisedHand.objects.create(meeting=meeting, user=by)
        room_changed(meeting.pk)
    return hand


@transaction.atomic
def clear_hands(*, meeting: Meeting, by, user=None) -> int:
    """Lower raised hands: one person's (`user`; their own, or anyone's for the person running the meeting,
    which the view checks) or, with `user=None`, everyone's. Returns how many were lowered."""
    hands = RaisedHand.objects.filter(meeting=meeting, cleared_at=None)
    if user is not None:
        hands = hands.filter(user=user)
    cleared = hands.update(cleared_at=timezone.now())
    if cleared:
        room_changed(meeting.pk)
    return cleared
