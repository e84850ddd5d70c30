"""meetings/flow.py: property tests (hypothesis) over any sequence of controls, and worked examples."""

import contextlib
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from meetings import flow

T0 = datetime(2027, 3, 16, 9, 30, tzinfo=UTC)

plans = st.builds(
    flow.Plan,
    checkin=st.integers(0, 60),
    reflection=st.integers(0, 60),
    slots=st.lists(st.tuples(st.integers(0, 60), st.integers(0, 60), st.integers(0, 60)), max_size=8).map(tuple),
)
controls = st.lists(
    st.tuples(st.sampled_from(sorted(flow.CONTROLS)), st.integers(0, 3600)),  # (control, seconds later)
    max_size=60,
)


def run(plan, sequence):
    state, now = flow.start(T0), T0
    for control, later in sequence:
        now += timedelta(seconds=later)
        with contextlib.suppress(flow.FlowError):  # a refused control leaves the state as it was
            state = flow.apply(control, state, plan, now)
        yield state, now


@settings(max_examples=300, deadline=None)
@given(plans, controls)
def test_any_sequence_of_controls_keeps_a_valid_step_and_a_clock_that_never_goes_negative(plan, sequence):
    steps = plan.steps()
    for state, now in run(plan, sequence):
        assert 0 <= state.index < len(steps)
        assert flow.time_left(state, plan, now) >= 0
        assert flow.overrun(state, plan, now) >= 0
        assert flow.elapsed_seconds(state, now) >= 0
        assert 0 <= state.extra_minutes <= flow.MAX_EXTRA_MINUTES


@given(plans)
def test_the_steps_follow_the_slots_in_the_fixed_order(plan):
    keys = [step.key for step in plan.steps()]
    expected = ["checkin"]
    for slot in range(len(plan.slots)):
        expected += [f"presentation:{slot}", f"questioning:{slot}", f"commitments:{slot}"]
    assert keys == [*expected, "reflection", "ended"]


@given(plans, controls, st.integers(0, 600))
def test_back_after_next_returns_to_the_same_step(plan, sequence, later):
    for state, now in run(plan, sequence):
        if flow.current(state, plan).phase == flow.ENDED:
            continue
        forward = flow.next_step(state, plan, now)
        returned = flow.back(forward, plan, now + timedelta(seconds=later))
        assert returned.index == state.index


def test_a_paused_clock_stands_still_and_added_minutes_count():
    plan = flow.Plan(checkin=15, reflection=15, slots=((10, 20, 5),))
    state = flow.start(T0)
    assert flow.time_left(state, plan, T0 + timedelta(minutes=5)) == 10 * 60
    state = flow.pause(state, plan, T0 + timedelta(minutes=5))
    assert flow.time_left(state, plan, T0 + timedelta(minutes=50)) == 10 * 60
    assert flow.deadline(state, plan) is None
    state = flow.resume(state, plan, T0 + timedelta(minutes=50))
    state = flow.extend(state, plan, T0 + timedelta(minutes=50), 5)
    assert flow.time_left(state, plan, T0 + timedelta(minutes=51)) == 14 * 60
    assert flow.deadline(state, plan) == T0 + timedelta(minutes=45 + 20)
    assert flow.overrun(state, plan, T0 + timedelta(minutes=70)) == 5 * 60


def test_controls_that_do_not_apply_are_refused():
    plan = flow.Plan(checkin=15, reflection=15, slots=())
    state = flow.start(T0)
    with pytest.raises(flow.FlowError):
        flow.back(state, plan, T0)
    with pytest.raises(flow.FlowError):
        flow.resume(state, plan, T0)
    ended = flow.end(state, plan, T0)
    assert flow.current(ended, plan).phase == flow.ENDED
    for control in ("next", "pause", "extend"):
        with pytest.raises(flow.FlowError):
            flow.apply(control, ended, plan, T0)
    with pytest.raises(flow.FlowError):
        flow.apply("jump", state, plan, T0)
