"""Progress before meetings is found two ways (reports/attendance.py): on PostgreSQL by binary search in each (set,
author)'s sorted update times, elsewhere by joining every update to the windows of its set. Both must count the
same pairs, including at a window's very edges: an update at the previous meeting's start counts, one at the
meeting's own start belongs to the next window."""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection

from meetings import actions as action_services
from meetings.models import Action, ActionUpdate, Meeting
from reports.attendance import pair_rows, sum_pairs
from reports.people import person_rows
from reports.scope import Scope
from sets.models import LearningSet, SetMembership
from tests.factories import ActionFactory, LearningSetFactory, SetMembershipFactory
from tests.reports import world as hand

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    with time_machine.travel(hand.NOW, tick=False):
        yield hand.build()


def edges(world):
    """A set of its own: three held meetings a week apart (and one cancelled between them, which opens no
    window), two people, and updates exactly on the windows' edges."""
    learning_set = LearningSetFactory(organisation=world.organisation, name="Edges")
    ann, bob = (
        SetMembershipFactory(learning_set=learning_set, joined_at=hand.at(4, 1), user__full_name=name).user
        for name in ("Ann Edge", "Bob Edge")
    )
    starts = [hand.at(5, 4), hand.at(5, 11), hand.at(5, 18)]
    for start in starts:
        Meeting.objects.create(learning_set=learning_set, starts_at=start, status=Meeting.Status.ENDED)
    Meeting.objects.create(learning_set=learning_set, starts_at=hand.at(5, 14), status=Meeting.Status.CANCELLED)
    action = Action.objects.create(owner=ann, learning_set=learning_set, text="x", created_at=starts[0])
    # Ann: at the second meeting's start exactly (the third meeting's window, not the second's).
    ActionUpdate.objects.create(action=action, author=ann, created_at=starts[1])
    # Bob: one microsecond before the second meeting (its window), and at the first's start (the same window).
    ActionUpdate.objects.create(action=action, author=bob, created_at=starts[1] - timedelta(microseconds=1))
    ActionUpdate.objects.create(action=action, author=bob, created_at=starts[0])
    # On another set's action: counts for nobody here.
    other = Action.objects.create(owner=ann, learning_set=world.alpha, text="y", created_at=starts[0])
    ActionUpdate.objects.create(action=other, author=ann, created_at=starts[1] - timedelta(days=1))
    return learning_set


def scope(world, **kwargs):
    sets = LearningSet.objects.filter(organisation=world.organisation)
    return Scope(organisation=world.organisation, sets=sets, start=hand.START, end=hand.END, **kwargs)


def test_the_edges_of_a_window(world):
    learning_set = edges(world)
    only = Scope(
        organisation=world.organisation,
        sets=LearningSet.objects.filter(pk=learning_set.pk),
        start=hand.START,
        end=hand.END,
        learning_set=learning_set,
    )
    # Due before the second and third meetings from both (2 x 2); Ann logged before the third, Bob before the second.
    totals = sum_pairs(pair_rows(only))
    assert (totals["engagement_due"], totals["engaged"]) == (4, 2)
    rows = {row["person"]: (row["engagement_due"], row["engaged"]) for row in person_rows(only)}
    assert rows == {"Ann Edge": (2, 1), "Bob Edge": (2, 1)}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the binary search runs on PostgreSQL only")
@pytest.mark.parametrize("person", [None, "a1", "b1"])
def test_both_ways_count_the_same(world, person):
    edges(world)
    # A late joiner in Beta, and a second stay's day moved: memberships that start and end inside windows.
    SetMembership.objects.filter(user=world.people["b2"]).update(joined_at=hand.at(5, 1))
    chosen = world.people[person] if person else None
    rows = pair_rows(scope(world, person=chosen))
    other = pair_rows(scope(world, person=chosen), vendor="sqlite")
    key = lambda row: (row["learning_set_id"], row["month_index"])  # noqa: E731
    assert sorted(rows, key=key) == sorted(other, key=key)
    assert sum_pairs(rows)["engaged"] > 0


def test_an_update_carries_its_actions_set(learning_set, member):
    """The report reads progress by the update's own set (ActionUpdate.learning_set), copied when it is saved."""
    action = ActionFactory(learning_set=learning_set, owner=member)
    update = action_services.log_progress(action=action, by=member, status="in_progress", note="Spoke to finance")
    assert update.learning_set_id == learning_set.pk
