"""The live meeting as a pure state machine: no database, no clock of its own (every call is given `now`).

The steps come from the airtime slots, in a fixed order:

    check-in -> for each slot: presentation -> questioning -> commitments -> reflection -> ended

A `State` is what the database keeps on the meeting row; each control returns a new State (or raises
`FlowError` when it does not apply), so the service layer can lock the row, apply one function and save.
"""

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

CHECKIN = "checkin"
PRESENTATION = "presentation"
QUESTIONING = "questioning"
COMMITMENTS = "commitments"
REFLECTION = "reflection"
ENDED = "ended"
SLOT_PHASES = (PRESENTATION, QUESTIONING, COMMITMENTS)
MAX_EXTRA_MINUTES = 120


class FlowError(ValueError):
    """A control that does not apply in the current state (e.g. `next` after the end)."""


@dataclass(frozen=True)
class Step:
    phase: str
    slot: int | None = None  # index of the airtime slot, for the three slot phases

    @property
    def key(self) -> str:
        return self.phase if self.slot is None else f"{self.phase}:{self.slot}"


@dataclass(frozen=True)
class Plan:
    """Planned minutes: check-in and reflection, and (presentation, questioning, commitments) per slot."""

    checkin: int
    reflection: int
    slots: tuple[tuple[int, int, int], ...]

    def steps(self) -> list[Step]:
        return steps_for(len(self.slots))

    def minutes(self, step: Step) -> int:
        if step.phase == CHECKIN:
            return self.checkin
        if step.phase == REFLECTION:
            return self.reflection
        if step.phase == ENDED:
            return 0
        return self.slots[step.slot][SLOT_PHASES.index(step.phase)]


def steps_for(slot_count: int) -> list[Step]:
    steps = [Step(CHECKIN)]
    for slot in range(slot_count):
        steps += [Step(phase, slot) for phase in SLOT_PHASES]
    return [*steps, Step(REFLECTION), Step(ENDED)]


@dataclass(frozen=True)
class State:
    """Where a started meeting is. `index` points into the plan's steps; the clock of the current step runs
    from `step_started_at`, minus the time spent paused, plus any minutes added."""

    index: int
    step_started_at: datetime
    paused_at: datetime | None = None
    paused_seconds: int = 0
    extra_minutes: int = 0

    @property
    def is_paused(self) -> bool:
        return self.paused_at is not None


def start(now: datetime) -> State:
    return State(index=0, step_started_at=now)


def current(state: State, plan: Plan) -> Step:
    return plan.steps()[state.index]


def _moved(state: State, index: int, now: datetime) -> State:
    # A move always starts the new step's clock afresh and running.
    return State(index=index, step_started_at=now)


def next_step(state: State, plan: Plan, now: datetime) -> State:
    steps = plan.steps()
    if steps[state.index].phase == ENDED:
        raise FlowError("The meeting has ended.")
    return _moved(state, state.index + 1, now)


def back(state: State, plan: Plan, now: datetime) -> State:
    if state.index == 0:
        raise FlowError("This is the first step.")
    return _moved(state, state.index - 1, now)


def end(state: State, plan: Plan, now: datetime) -> State:
    return _moved(state, len(plan.steps()) - 1, now)


def pause(state: State, plan: Plan, now: datetime) -> State:
    if state.is_paused:
        raise FlowError("The clock is already paused.")
    if current(state, plan).phase == ENDED:
        raise FlowError("The meeting has ended.")
    return replace(state, paused_at=now)


def resume(state: State, plan: Plan, now: datetime) -> State:
    if not state.is_paused:
        raise FlowError("The clock is not paused.")
    paused = max(0, int((now - state.paused_at).total_seconds()))
    return replace(state, paused_at=None, paused_seconds=state.paused_seconds + paused)


def extend(state: State, plan: Plan, now: datetime, minutes: int = 5) -> State:
    if current(state, plan).phase == ENDED:
        raise FlowError("The meeting has ended.")
    if minutes < 1 or state.extra_minutes + minutes > MAX_EXTRA_MINUTES:
        raise FlowError(f"Add between 1 minute and {MAX_EXTRA_MINUTES} in all.")
    return replace(state, extra_minutes=state.extra_minutes + minutes)


def elapsed_seconds(state: State, now: datetime) -> int:
    until = state.paused_at or now
    return max(0, int((until - state.step_started_at).total_seconds()) - state.paused_seconds)


def planned_seconds(state: State, plan: Plan) -> int:
    return (plan.minutes(current(state, plan)) + state.extra_minutes) * 60


def time_left(state: State, plan: Plan, now: datetime) -> int:
    """Seconds left on the current step's clock; never negative (an overrun is reported, not enforced)."""
    return max(0, planned_seconds(state, plan) - elapsed_seconds(state, now))


def overrun(state: State, plan: Plan, now: datetime) -> int:
    """Seconds past the planned time (0 while within it)."""
    return max(0, elapsed_seconds(state, now) - planned_seconds(state, plan))


CONTROLS = {"next": next_step, "back": back, "end": end, "pause": pause, "resume": resume, "extend": extend}


def apply(control: str, state: State, plan: Plan, now: datetime) -> State:
    try:
        function = CONTROLS[control]
    except KeyError:
        raise FlowError(f"Unknown control {control!r}.") from None
    return function(state, plan, now)


def deadline(state: State, plan: Plan) -> datetime | None:
    """When the running clock reaches zero (None while paused): what browsers count down to."""
    if state.is_paused:
        return None
    return state.step_started_at + timedelta(seconds=state.paused_seconds + planned_seconds(state, plan))
