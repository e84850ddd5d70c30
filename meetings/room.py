"""What the live meeting room shows, read in one place: the stage (step, presenter, clock), the workspace of the
current step (check-in people with their open actions, the presenter's questions and actions, the reflection),
the agenda before the meeting, the record after it, and the version the room's poll compares.

Reads only: the writes are in meetings/live.py, whose plan and state this module reads through its public
functions. Views add who may do what (sets/permissions.py) on top.
"""

from django.db.models import Avg, Q
from django.utils import timezone

from accounts.models import User
from meetings import flow, live
from meetings.models import (
    Action,
    AirtimeSlot,
    Attendance,
    Issue,
    Meeting,
    ProcessRating,
    Question,
    Reflection,
)
from meetings.queries import set_people
from meetings.term import is_last_of_term
from sets.models import current_membership

MAX_OPEN_ISSUES = 200
MAX_CHECKIN_ACTIONS = 300


def stage(meeting: Meeting) -> dict:
    """The running order and where the meeting is in it: slots (with presenter and issue), steps, state, the
    current step and its slot, now; once started, the clock (deadline, seconds left, overrun, planned minutes)."""
    slots = list(meeting.slots.select_related("presenter", "issue"))
    plan = live.plan_for(meeting, slots)
    state = live.state_of(meeting)
    step = flow.current(state, plan) if state else None
    now = timezone.now()
    found = {
        "slots": slots,
        "steps": plan.steps(),
        "state": state,
        "step": step,
        "slot": slots[step.slot] if step and step.slot is not None else None,
        "now": now,
    }
    if state:
        found |= {
            "deadline": flow.deadline(state, plan),
            "seconds_left": flow.time_left(state, plan, now),
            "overrun": flow.overrun(state, plan, now),
            "planned_minutes": plan.minutes(step) + state.extra_minutes,
        }
    return found


def still_to_come(meeting: Meeting, slots: list[AirtimeSlot]) -> list[AirtimeSlot]:
    """The slots whose place in the running order may still change (during the meeting: turns not begun)."""
    return slots[live.first_movable(meeting, slots) :]


def checkin(meeting: Meeting, user) -> dict:
    """The check-in step: the set's people, each with their attendance and their open actions from earlier
    meetings (each with its latest update), and the viewer's own attendance."""
    people = list(set_people(meeting.learning_set))
    attendance = {a.user_id: a for a in Attendance.objects.filter(meeting=meeting)}
    open_actions: dict[int, list] = {}
    for action in (
        Action.objects.filter(learning_set=meeting.learning_set, status=Action.Status.OPEN)
        .exclude(meeting=meeting)
        .prefetch_related("updates")
        .order_by("owner_id", "created_at")[:MAX_CHECKIN_ACTIONS]
    ):
        updates = list(action.updates.all())  # prefetched, in time order
        action.latest_update = updates[-1] if updates else None
        open_actions.setdefault(action.owner_id, []).append(action)
    for membership in people:
        membership.attendance = attendance.get(membership.user_id)
        membership.open_actions = open_actions.get(membership.user_id, [])
    return {"people": people, "my_attendance": attendance.get(user.pk)}


def presenting(meeting: Meeting, slot: AirtimeSlot) -> dict:
    """A presenter's steps: the actions they committed to in this meeting, and the questions captured."""
    return {
        "slot_actions": list(Action.objects.filter(meeting=meeting, owner_id=slot.presenter_id)),
        "questions": list(slot.questions.all()),
    }


def reflecting(meeting: Meeting, user) -> dict:
    """The reflection step: whether it is the term's closing review, and the viewer's reflections and rating."""
    return {
        "closing_review": is_last_of_term(meeting),
        "my_reflections": list(Reflection.objects.filter(meeting=meeting, author=user)),
        "my_rating": ProcessRating.objects.filter(meeting=meeting, author=user).first(),
    }


def agenda(meeting: Meeting, user, slots: list[AirtimeSlot]) -> dict:
    """Before the meeting: who could still be given a slot, the set's people, the airtime asked for and
    available, the viewer's own slot, and the issues already brought to the set (offered as titles, so an issue
    keeps its story across meetings)."""
    people = [m.user for m in set_people(meeting.learning_set).order_by("user__full_name")]
    presenters = {slot.presenter_id for slot in slots}
    return {
        "candidates": [person for person in people if person.pk not in presenters],
        "set_people": people,
        "bidding": meeting.learning_set.airtime_mode == "bidding",
        "available_minutes": live.available_minutes(meeting),
        "asked_minutes": sum(slot.bid_minutes or 0 for slot in slots),
        "my_slot": next((slot for slot in slots if slot.presenter_id == user.pk), None),
        "open_issues": list(
            Issue.objects.filter(learning_set=meeting.learning_set, status=Issue.Status.OPEN)
            .only("owner_id", "title")
            .order_by("title")[:MAX_OPEN_ISSUES]
        ),
    }


def record(meeting: Meeting, user, slots: list[AirtimeSlot]) -> dict:
    """After the meeting: who came, the actions, the questions, the reflections the viewer may read (shared
    ones and their own), the average process rating, and minutes planned against minutes spent per step."""
    plan = live.plan_for(meeting, slots)
    actual = live.actual_minutes(meeting)
    return {
        "attendance": Attendance.objects.filter(meeting=meeting, present=True).select_related("user"),
        "actions": Action.objects.filter(meeting=meeting).select_related("owner").order_by("owner__full_name"),
        "questions": Question.objects.filter(slot__meeting=meeting).select_related("slot__presenter"),
        "reflections": Reflection.objects.filter(meeting=meeting)
        .filter(Q(shared=True) | Q(author=user))
        .select_related("author"),
        "rating": meeting.ratings.aggregate(average=Avg("rating"))["average"],
        "minutes": [(step, plan.minutes(step), actual.get(step.key)) for step in plan.steps() if step.phase != "ended"],
    }


def polled_version(meeting_id: int, user) -> int | None:
    """The meeting's version if the user is a current member of its set, else None: one query, for the poll."""
    row = (
        Meeting.objects.filter(current_membership("learning_set__memberships", user=user), pk=meeting_id)
        .values("version")
        .first()
    )
    return None if row is None else row["version"]


def slot_of(meeting: Meeting, slot_id: int) -> AirtimeSlot | None:
    """One of this meeting's slots (None for a slot of another meeting), carrying the meeting already loaded."""
    slot = AirtimeSlot.objects.filter(meeting=meeting, pk=slot_id).first()
    if slot is not None:
        slot.meeting = meeting
    return slot


def person_in_set(meeting: Meeting, user_id: int) -> User | None:
    """Someone with a membership (past or present) of the meeting's set, or None."""
    return User.objects.filter(pk=user_id, set_memberships__learning_set=meeting.learning_set).first()


def people_names(meeting: Meeting) -> dict[int, str]:
    """{user id: name} of the set's current people (facilitators first, then by name): who may be shown as in
    the room."""
    return {m.user_id: m.user.display_name for m in set_people(meeting.learning_set_id)}
