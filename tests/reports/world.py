"""A small organisation built by hand for the report tests: two sets (and a closed third), known meetings,
attendance, actions, progress updates, ratings and presenters, at known dates. The figures it must give are
worked out beside each test in tests/reports/test_figures.py."""

from dataclasses import dataclass
from datetime import UTC, date, datetime

from meetings.models import Action, ActionUpdate, AirtimeSlot, Attendance, Meeting, ProcessRating
from sets.models import Invitation, LearningSet, OrganisationMembership, SetMembership
from tests.factories import (
    InvitationFactory,
    LearningSetFactory,
    OrganisationFactory,
    OrganisationMembershipFactory,
    SetMembershipFactory,
    UserFactory,
)

NOW = datetime(2026, 6, 30, 12, 0, tzinfo=UTC)
START, END = date(2026, 4, 1), date(2026, 6, 30)


def at(month, day, hour=10, minute=0, year=2026):
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


@dataclass
class World:
    organisation: object
    alpha: LearningSet
    beta: LearningSet
    gamma: LearningSet
    admin: object
    people: dict
    meetings: dict


def build() -> World:
    """Call inside time_machine.travel(NOW)."""
    org = OrganisationFactory(name="Handbuilt Org", slug="handbuilt", timezone="UTC")
    admin = OrganisationMembershipFactory(
        organisation=org, role=OrganisationMembership.Role.ADMIN, user__full_name="Hana Admin"
    ).user
    alpha = LearningSetFactory(organisation=org, name="Alpha", quorum=2)
    beta = LearningSetFactory(organisation=org, name="Beta", quorum=3)
    gamma = LearningSetFactory(organisation=org, name="Gamma", status=LearningSet.Status.CLOSED)
    people = {}
    for key, learning_set, role in [
        ("fa", alpha, SetMembership.Role.FACILITATOR),
        ("a1", alpha, SetMembership.Role.MEMBER),
        ("a2", alpha, SetMembership.Role.MEMBER),
        ("a3", alpha, SetMembership.Role.MEMBER),
        ("fb", beta, SetMembership.Role.FACILITATOR),
        ("b1", beta, SetMembership.Role.MEMBER),
        ("b2", beta, SetMembership.Role.MEMBER),
    ]:
        people[key] = SetMembershipFactory(
            learning_set=learning_set, role=role, user__full_name=f"Person {key.upper()}", joined_at=at(1, 5)
        ).user
    SetMembership.objects.filter(learning_set=alpha, user=people["a3"]).update(left_at=at(5, 20))

    def meeting(learning_set, starts_at, status, started=None, ended=None, duration=150):
        return Meeting.objects.create(
            learning_set=learning_set,
            starts_at=starts_at,
            status=status,
            started_at=started,
            ended_at=ended,
            duration_minutes=duration,
        )

    ended, cancelled, scheduled = Meeting.Status.ENDED, Meeting.Status.CANCELLED, Meeting.Status.SCHEDULED
    meetings = {
        "m0": meeting(alpha, at(3, 10), ended),
        "m1": meeting(alpha, at(4, 10), ended, at(4, 10), at(4, 10, 12)),  # 120 of 150 minutes
        "m2": meeting(alpha, at(5, 10), ended, at(5, 10), at(5, 10, 12, 30)),  # 150 of 150
        "m3": meeting(alpha, at(6, 10), ended),  # not timed
        "m4": meeting(alpha, at(6, 20), cancelled),
        "m5": meeting(alpha, at(7, 10), scheduled),  # after the range
        "n0": meeting(beta, at(3, 25), ended),
        "n1": meeting(beta, at(4, 15), ended, at(4, 15), at(4, 15, 11), duration=120),  # 60 of 120
    }
    m, p = meetings, people
    yes, apologies = Attendance.Rsvp.YES, Attendance.Rsvp.APOLOGIES
    for meeting_key, person, rsvp, present in [
        ("m1", "fa", yes, True),
        ("m1", "a1", yes, True),
        ("m1", "a2", apologies, False),
        ("m2", "fa", yes, True),
        ("m2", "a1", apologies, False),
        ("m2", "a2", yes, True),
        ("m2", "a3", yes, True),
        ("m3", "fa", yes, True),
        ("m3", "a1", yes, True),
        ("m3", "a2", yes, False),
        ("n1", "fb", yes, True),
        ("n1", "b1", yes, True),
    ]:
        Attendance.objects.create(meeting=m[meeting_key], user=p[person], rsvp=rsvp, present=present)

    def action(owner, learning_set, created, status=Action.Status.OPEN, completed=None, due=None):
        return Action.objects.create(
            owner=p[owner],
            learning_set=learning_set,
            text=f"Action of {owner}",
            created_at=created,
            status=status,
            completed_at=completed,
            due_on=due,
        )

    done, dropped = Action.Status.DONE, Action.Status.DROPPED
    x1 = action("a1", alpha, at(4, 10), done, at(4, 20))  # 10 days to done
    action("a2", alpha, at(4, 10), done, at(5, 10))  # 30 days
    action("a1", alpha, at(5, 10), dropped)
    x4 = action("a2", alpha, at(5, 10), due=date(2026, 6, 1))  # overdue
    action("fa", alpha, at(6, 10), due=date(2026, 7, 10))  # open, not overdue
    x6 = action("a1", alpha, at(3, 10), done, at(3, 20))  # before the range
    x7 = action("a3", alpha, at(3, 15))  # before the range
    action("b1", beta, at(4, 15), done, at(4, 19))  # 4 days
    action("b2", beta, at(4, 15), due=date(2026, 5, 1))  # overdue
    y0 = action("b1", beta, at(3, 25), done, at(3, 30))  # before the range
    for act, author, created in [
        (x6, "a1", at(4, 1)),  # before m1 (since m0)
        (x1, "a1", at(5, 5)),  # before m2
        (x4, "a2", at(6, 1)),  # before m3
        (x7, "a3", at(5, 25)),  # after a3 left: counts nowhere
        (y0, "b1", at(4, 10)),  # before n1
    ]:
        ActionUpdate.objects.create(action=act, author=p[author], note="progress", created_at=created)
    for meeting_key, author, rating in [("m1", "a1", 6), ("m1", "a2", 8), ("m2", "a1", 9), ("n1", "b1", 4)]:
        ProcessRating.objects.create(meeting=m[meeting_key], author=p[author], rating=rating)
    for meeting_key, presenter in [("m1", "a1"), ("m1", "a2"), ("m2", "a1"), ("n1", "b1"), ("m0", "fa"), ("m4", "fa")]:
        AirtimeSlot.objects.create(meeting=m[meeting_key], presenter=p[presenter])
    InvitationFactory(organisation=org)  # pending
    accepted = InvitationFactory(organisation=org)
    expired = InvitationFactory(organisation=org)
    Invitation.objects.filter(pk=accepted.pk).update(accepted_at=at(6, 1))
    Invitation.objects.filter(pk=expired.pk).update(expires_at=at(6, 1))
    UserFactory(full_name="Not in this organisation")
    return World(org, alpha, beta, gamma, admin, people, meetings)


@dataclass
class LateJoinerWorld:
    organisation: object
    learning_set: LearningSet
    late: object  # joined after the fourth meeting
    meetings: list


def build_late_joiner() -> LateJoinerWorld:
    """The issue's example: a set of nine (a facilitator and eight members, in it since January) holds four
    meetings between April and early June with 7 of 9 present at each (28 of 36, 77.8%); a tenth person joins on
    10 June, after the fourth; the set then holds two more meetings. Call inside time_machine.travel(NOW)."""
    org = OrganisationFactory(name="Late Joiner Org", slug="late-joiner", timezone="UTC")
    learning_set = LearningSetFactory(organisation=org, name="Delta", quorum=4)
    people = [
        SetMembershipFactory(
            learning_set=learning_set,
            role=SetMembership.Role.FACILITATOR if n == 0 else SetMembership.Role.MEMBER,
            user__full_name=f"Delta {n}",
            joined_at=at(1, 5),
        ).user
        for n in range(9)
    ]
    late = SetMembershipFactory(learning_set=learning_set, user__full_name="Lee Late", joined_at=at(6, 10, 9)).user
    starts = [at(4, 2), at(4, 23), at(5, 14), at(6, 4), at(6, 18), at(6, 25)]
    meetings = [
        Meeting.objects.create(learning_set=learning_set, starts_at=start, status=Meeting.Status.ENDED)
        for start in starts
    ]
    yes, apologies = Attendance.Rsvp.YES, Attendance.Rsvp.APOLOGIES
    for index, meeting in enumerate(meetings):
        # Two of the nine miss each meeting (one with apologies), a different two each time.
        missing = {(2 * index + 1) % 9, (2 * index + 2) % 9}
        for n, person in enumerate(people):
            present = n not in missing
            rsvp = yes if present or n == (2 * index + 1) % 9 else apologies
            Attendance.objects.create(meeting=meeting, user=person, rsvp=rsvp, present=present)
    # The newcomer: present at the fifth meeting, apologies for the sixth.
    Attendance.objects.create(meeting=meetings[4], user=late, rsvp=yes, present=True)
    Attendance.objects.create(meeting=meetings[5], user=late, rsvp=apologies, present=False)
    # An action of their own before their first meeting, with progress on it before that meeting (no progress is
    # due from them there), and one committed at the fifth meeting with progress before the sixth (due, logged).
    own = Action.objects.create(owner=late, learning_set=learning_set, text="Own action", created_at=at(6, 11))
    ActionUpdate.objects.create(action=own, author=late, note="progress", created_at=at(6, 12))
    committed = Action.objects.create(
        owner=late, learning_set=learning_set, meeting=meetings[4], text="Committed", created_at=at(6, 18, 11)
    )
    ActionUpdate.objects.create(action=committed, author=late, note="progress", created_at=at(6, 20))
    return LateJoinerWorld(org, learning_set, late, meetings)
