"""What the live meeting room shows, read in one place: the stage (step, presenter, clock), the workspace of the
current step (check-in people with their open actions, the presenter's questions and actions, the reflection),
the agenda before the meeting, the record after it, and the revision the room's poll compares.

Reads only: the writes are in meetings/live.py, whose plan and state this module reads through its public
functions. Views add who may do what (sets/permissions.py) on top.
"""

from django.db.models import Avg, Count, Exists, OuterRef, Q, Subquery
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
    RaisedHand,
    Reflection,
)
from meetings.queries import attach_latest_updates, latest_update_id, set_people
from meetings.term import is_last_of_term
from sets.models import SetMembership

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
            "progress": progress(meeting, step, found["slot"]),
        }
    return found


def progress(meeting: Meeting, step: flow.Step, slot: AirtimeSlot | None) -> dict:
    """What the current step has gathered so far, as counts everyone (and the projector) may see: questions
    captured, actions committed, people who gave a reflection and a rating. One query, for the step's own kind."""
    if step.phase == flow.QUESTIONING and slot is not None:
        return {"questions": Question.objects.filter(slot=slot).count()}
    if step.phase == flow.COMMITMENTS and slot is not None:
        return {"actions": Action.objects.filter(meeting=meeting, owner_id=slot.presenter_id).count()}
    if step.phase == flow.REFLECTION:
        return Meeting.objects.filter(pk=meeting.pk).aggregate(
            reflected=Count("reflections__author", distinct=True), rated=Count("ratings", distinct=True)
        )
    return {}


def running(meeting: Meeting, user, can_run: bool) -> dict:
    """Who is running the meeting now: the runner the current presenter chose for their slot, else the member
    the meeting was handed to, else (None) the set's facilitators; and whether that is the viewer."""
    runner = meeting.slot_runner or meeting.facilitator
    return {"runner_now": runner, "viewer_runs_now": can_run and (runner is None or runner.pk == user.pk)}


def people_to_hand_to(meeting: Meeting) -> list[User]:
    """The set's people, by name: whom the meeting (or a presenter's slot) can be handed to."""
    return [m.user for m in set_people(meeting.learning_set).order_by("user__full_name")]


def still_to_come(meeting: Meeting, slots: list[AirtimeSlot]) -> list[AirtimeSlot]:
    """The slots whose place in the running order may still change (during the meeting: turns not begun)."""
    return slots[live.first_movable(meeting, slots) :]


def previous_meeting(meeting: Meeting):
    """The set's last held meeting before this one, as a queryset of one (for subqueries)."""
    return (
        Meeting.objects.held()
        .filter(learning_set_id=meeting.learning_set_id, starts_at__lt=meeting.starts_at)
        .order_by("-starts_at")
    )


def review_status(action: Action, day) -> str:
    """An action's status at check-in: done, dropped, overdue (open and due before the meeting's day) or open."""
    if action.status != Action.Status.OPEN:
        return action.status
    return "overdue" if action.due_on and action.due_on < day else "open"


def actions_to_review(meeting: Meeting) -> dict[int, list[Action]]:
    """Check-in reviews last time's actions: every action committed at the set's previous held meeting (done,
    dropped or not), every action of the set still open from before, and any closed since that meeting began
    (an action of one's own done between meetings). By owner, each with `review_status` and `latest_update`.
    Two queries (the actions, their latest updates), whatever the number of people: only the update shown is
    read (and decrypted), not every update of every action."""
    previous = previous_meeting(meeting)
    since_last = Q(meeting_id=Subquery(previous.values("pk")[:1])) | Q(
        completed_at__gte=Subquery(previous.values("starts_at")[:1])
    )
    day = timezone.localdate(meeting.starts_at)
    by_owner: dict[int, list[Action]] = {}
    actions = attach_latest_updates(
        list(
            Action.objects.filter(learning_set_id=meeting.learning_set_id)
            .exclude(meeting=meeting)
            .filter(Q(status=Action.Status.OPEN) | since_last)
            .annotate(latest_update_id=latest_update_id())
            .order_by("owner_id", "created_at")[:MAX_CHECKIN_ACTIONS]
        ),
        with_support=False,
    )
    for action in actions:
        action.review_status = review_status(action, day)
        by_owner.setdefault(action.owner_id, []).append(action)
    return by_owner


def checkin(meeting: Meeting, user) -> dict:
    """The check-in step: the set's people, each with their attendance (here, apologies, not here yet) and last
    time's actions to review (`actions_to_review`), the counts of each, and the viewer's own attendance."""
    people = list(set_people(meeting.learning_set))
    attendance = {a.user_id: a for a in Attendance.objects.filter(meeting=meeting)}
    actions = actions_to_review(meeting)
    counts = {"here": 0, "apologies": 0, "missing": 0}
    for membership in people:
        membership.attendance = attendance.get(membership.user_id)
        membership.presence = presence_of(membership.attendance)
        membership.review = actions.get(membership.user_id, [])
        counts[membership.presence] += 1
    expected = sum(
        1 for m in people if m.attendance and m.attendance.rsvp == Attendance.Rsvp.YES and m.presence != "here"
    )
    return {
        "people": people,
        "my_attendance": attendance.get(user.pk),
        "presence_counts": counts,
        "expected_count": expected,
    }


def meetings_for_room(user):
    """Meetings as the room loads them (give it to sets/permissions.py): with who runs it, and `viewer_present`
    (whether the viewer is marked present: a late arrival's "I'm here"), in the same query."""
    return Meeting.objects.select_related("facilitator", "slot_runner").annotate(
        viewer_present=Exists(Attendance.objects.filter(meeting=OuterRef("pk"), user=user.pk, present=True))
    )


def viewer_present(meeting: Meeting, user) -> bool:
    """Whether the viewer is marked present: from `meetings_for_room`'s annotation when the meeting was loaded so,
    else one query (a cached room page loads the plain meeting, and asks only on a miss, in the steps that show
    it)."""
    present = getattr(meeting, "viewer_present", None)
    if present is None:
        present = Attendance.objects.filter(meeting=meeting, user=user.pk, present=True).exists()
    return present


def presence_of(attendance: Attendance | None) -> str:
    """here (marked present), apologies (replied so, and not here), or missing."""
    if attendance is not None and attendance.present:
        return "here"
    if attendance is not None and attendance.rsvp == Attendance.Rsvp.APOLOGIES:
        return "apologies"
    return "missing"


def presenting(meeting: Meeting, slot: AirtimeSlot) -> dict:
    """A presenter's steps: the actions they committed to in this meeting, and the questions captured."""
    return {
        "slot_actions": list(Action.objects.filter(meeting=meeting, owner_id=slot.presenter_id)),
        "questions": list(slot.questions.all()),
    }


def hands(meeting: Meeting, user) -> dict:
    """Questioning's queue of raised hands, in the order raised, and whether the viewer's is among them."""
    queue = list(RaisedHand.objects.filter(meeting=meeting, cleared_at=None).select_related("user"))
    return {"hands": queue, "my_hand_raised": any(hand.user_id == user.pk for hand in queue)}


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
        **attendance_record(meeting),
        "actions": Action.objects.filter(meeting=meeting).select_related("owner").order_by("owner__full_name"),
        "questions": Question.objects.filter(slot__meeting=meeting).select_related("slot__presenter"),
        "reflections": Reflection.objects.filter(meeting=meeting)
        .filter(Q(shared=True) | Q(author=user))
        .select_related("author"),
        "rating": meeting.ratings.aggregate(average=Avg("rating"))["average"],
        "minutes": [(step, plan.minutes(step), actual.get(step.key)) for step in plan.steps() if step.phase != "ended"],
    }


def attendance_record(meeting: Meeting) -> dict:
    """Who was there: present (marked so), apologies (replied so and not there) and absent (who was in the set
    at the time and neither), each by name. One query."""
    reply = Attendance.objects.filter(meeting=meeting, user=OuterRef("pk"))
    in_the_set = SetMembership.objects.filter(
        learning_set_id=meeting.learning_set_id, joined_at__lte=meeting.ended_at or meeting.ends_at
    ).filter(Q(left_at=None) | Q(left_at__gte=meeting.starts_at))
    people = (
        User.objects.filter(
            Q(pk__in=Attendance.objects.filter(meeting=meeting).values("user_id"))
            | Q(pk__in=in_the_set.values("user_id"))
        )
        .annotate(was_present=Subquery(reply.values("present")[:1]), reply=Subquery(reply.values("rsvp")[:1]))
        .order_by("full_name", "pk")
    )
    found = {"present": [], "apologies": [], "absent": []}
    for person in people:
        if person.was_present:
            found["present"].append(person)
        elif person.reply == Attendance.Rsvp.APOLOGIES:
            found["apologies"].append(person)
        else:
            found["absent"].append(person)
    return found


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
