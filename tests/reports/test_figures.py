"""Every figure of the report on a small organisation built by hand (tests/reports/world.py), with the answers
worked out here from that data."""

from datetime import date, timedelta

import pytest
import time_machine

from reports.figures import dashboard, report
from reports.people import person_rows
from reports.scope import Scope
from reports.sets_at_risk import per_set
from reports.totals import action_totals, attendance_totals, meeting_totals, monthly, presentation_totals
from sets.models import LearningSet, SetMembership
from tests.reports import world as hand

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    with time_machine.travel(hand.NOW, tick=False):
        yield hand.build()


def scope(world, **kwargs):
    sets = LearningSet.objects.filter(organisation=world.organisation)
    if kwargs.get("learning_set"):
        sets = sets.filter(pk=kwargs["learning_set"].pk)
    return Scope(organisation=world.organisation, sets=sets, start=hand.START, end=hand.END, **kwargs)


def test_meetings(world):
    # In the range: Alpha m1, m2, m3 held, m4 cancelled; Beta n1 held (m0, n0 before it, m5 after it).
    # Timed: m1 120 of 150, m2 150 of 150, n1 60 of 120 -> planned 140.0, actual 110.0.
    assert meeting_totals(scope(world)) == {
        "scheduled": 5,
        "held": 4,
        "cancelled": 1,
        "to_come": 0,
        "timed": 3,
        "planned_minutes": 140.0,
        "actual_minutes": 110.0,
    }


def test_attendance_and_progress_before_meetings(world):
    # Expected: m1 fa a1 a2 a3, m2 fa a1 a2 a3, m3 fa a1 a2 (a3 left on 20 May), n1 fb b1 b2 = 14.
    # Present: m1 fa a1, m2 fa a2 a3, m3 fa a1, n1 fb b1 = 9. Apologies: a2 at m1, a1 at m2 = 2. Absent: 3.
    # Progress since the previous meeting: a1 before m1 and m2, a2 before m3, b1 before n1 = 4 of 14.
    assert attendance_totals(scope(world)) == {
        "expected": 14,
        "present": 9,
        "apologies": 2,
        "absent": 3,
        "attendance_rate": 64.3,
        "engagement_due": 14,
        "engaged": 4,
        "engagement_rate": 28.6,
    }


def test_actions(world):
    # Committed in the range: x1 x2 x3 x4 x5 (Alpha), y1 y2 (Beta) = 7. Done x1 (10 days) x2 (30) y1 (4):
    # median 10. Dropped x3. Open x4 (overdue since 1 June) x5 (due in July) y2 (overdue since 1 May).
    assert action_totals(scope(world)) == {
        "committed": 7,
        "done": 3,
        "dropped": 1,
        "open": 3,
        "overdue": 2,
        "completion_rate": 42.9,
        "median_days_to_done": 10.0,
    }


def test_presentations(world):
    # Slots at held meetings in the range: a1, a2 (m1), a1 (m2), b1 (n1) = 4 (fa's at m0 and cancelled m4
    # do not count). People in the sets now: fa a1 a2, fb b1 b2 = 6; never presented: fa, fb, b2.
    assert presentation_totals(scope(world)) == {"people": 6, "never_presented": 3, "presentations": 4}


def test_by_month(world):
    rows = monthly(scope(world))
    assert [row["month"] for row in rows] == [date(2026, 4, 1), date(2026, 5, 1), date(2026, 6, 1)]
    wanted = {
        # April: m1 (4 expected, fa a1 present, a2 apologies, a3 absent) and n1 (3: fb b1 present, b2 absent);
        # progress a1 (m1), b1 (n1); actions x1 x2 y1 y2, three done; ratings 6, 8 (m1) and 4 (n1).
        date(2026, 4, 1): dict(expected=7, present=4, apologies=1, absent=2, attendance_rate=57.1, engaged=2,
                               engagement_due=7, engagement_rate=28.6, committed=4, done=3, completion_rate=75.0,
                               rating=6.0, ratings=3),
        # May: m2 (4 expected: 3 present, a1 apologies); progress a1; actions x3 x4, none done; rating 9.
        date(2026, 5, 1): dict(expected=4, present=3, apologies=1, absent=0, attendance_rate=75.0, engaged=1,
                               engagement_due=4, engagement_rate=25.0, committed=2, done=0, completion_rate=0.0,
                               rating=9.0, ratings=1),
        # June: m3 (3 expected: fa a1 present, a2 absent); progress a2; action x5 open; no ratings.
        date(2026, 6, 1): dict(expected=3, present=2, apologies=0, absent=1, attendance_rate=66.7, engaged=1,
                               engagement_due=3, engagement_rate=33.3, committed=1, done=0, completion_rate=0.0,
                               rating=None, ratings=0),
    }  # fmt: skip
    for row in rows:
        assert {key: row[key] for key in wanted[row["month"]]} == wanted[row["month"]]


def test_per_set_and_sets_at_risk(world):
    rows = {row["name"]: row for row in per_set(scope(world))}
    assert list(rows) == ["Alpha", "Beta", "Gamma"]
    alpha, beta, gamma = rows["Alpha"], rows["Beta"], rows["Gamma"]
    # Alpha: present 2, 3, 2 at its held meetings: 2.3 on average, quorum 2; met every ~30.7 days, last 20 days
    # before now: not at risk.
    assert {k: alpha[k] for k in ALPHA} == ALPHA
    # Beta: 2 present at n1, quorum 3 (low); held 25 Mar and 15 Apr (every 21 days), nothing for 76 days > 42.
    assert {k: beta[k] for k in BETA} == BETA
    # Gamma is closed and empty: zeros, never at risk.
    assert (gamma["held"], gamma["expected"], gamma["committed"], gamma["at_risk"]) == (0, 0, 0, False)


ALPHA = dict(
    scheduled=4, held=3, cancelled=1, average_present=2.3, expected=11, present=7, apologies=2,
    absent=2, attendance_rate=63.6, engagement_due=11, engaged=3, engagement_rate=27.3, committed=5, done=2,
    dropped=1, open=2, overdue=1, completion_rate=40.0, median_days_to_done=20.0, people=3, never_presented=1,
    presentations=3, rating=7.7, ratings_by_month=[7.0, 9.0, None], usual_interval_days=30.7,
    low_attendance=False, meeting_overdue=False, at_risk=False,
)  # fmt: skip
BETA = dict(
    scheduled=1, held=1, cancelled=0, average_present=2.0, expected=3, present=2, apologies=0,
    absent=1, attendance_rate=66.7, engagement_due=3, engaged=1, engagement_rate=33.3, committed=2, done=1,
    dropped=0, open=1, overdue=1, completion_rate=50.0, median_days_to_done=4.0, people=3, never_presented=2,
    presentations=1, rating=4.0, ratings_by_month=[4.0, None, None], usual_interval_days=21.0,
    low_attendance=True, meeting_overdue=True, at_risk=True,
)  # fmt: skip


def test_report_lists_only_beta_at_risk(world):
    with time_machine.travel(hand.NOW, tick=False):
        figures = report(scope(world))
    assert [row["name"] for row in figures["at_risk"]] == ["Beta"]


def test_person_rows(world):
    rows = {(row["set_name"], row["person"]): row for row in person_rows(scope(world, learning_set=world.alpha))}
    assert sorted(rows) == [("Alpha", f"Person {k}") for k in ("A1", "A2", "A3", "FA")]
    fields = ["meetings_expected", "present", "apologies", "absent", "engagement_due", "engaged", "presented",
              "committed", "done", "dropped", "open", "overdue"]  # fmt: skip

    def figures(key):
        return [rows[("Alpha", f"Person {key}")][name] for name in fields]

    # a1: expected m1 m2 m3; present m1 m3, apologies m2; progress before m1 and m2; presented at m1 and m2;
    # committed x1 (done) and x3 (dropped).
    assert figures("A1") == [3, 2, 1, 0, 3, 2, 2, 2, 1, 1, 0, 0]
    # a2: present m2, apologies m1, absent m3; progress before m3; presented m1; x2 done, x4 open and overdue.
    assert figures("A2") == [3, 1, 1, 1, 3, 1, 1, 2, 1, 0, 1, 1]
    # a3 left on 20 May: expected m1 m2 only; present m2; absent m1; the update after leaving counts nowhere.
    assert figures("A3") == [2, 1, 0, 1, 2, 0, 0, 0, 0, 0, 0, 0]
    # fa: present at all three; no progress logged; presented only at m0 (before) and m4 (cancelled); x5 open.
    assert figures("FA") == [3, 3, 0, 0, 3, 0, 0, 1, 0, 0, 1, 0]


def test_one_person(world):
    person_scope = scope(world, person=world.people["a1"])
    assert attendance_totals(person_scope) == {
        "expected": 3,
        "present": 2,
        "apologies": 1,
        "absent": 0,
        "attendance_rate": 66.7,
        "engagement_due": 3,
        "engaged": 2,
        "engagement_rate": 66.7,
    }
    assert action_totals(person_scope) == {
        "committed": 2,
        "done": 1,
        "dropped": 1,
        "open": 0,
        "overdue": 0,
        "completion_rate": 50.0,
        "median_days_to_done": 10.0,
    }
    assert presentation_totals(person_scope) == {"people": 1, "never_presented": 0, "presentations": 2}
    # a1 is only in Alpha: Alpha's meetings.
    assert meeting_totals(person_scope)["scheduled"] == 4


def test_one_set(world):
    beta_scope = scope(world, learning_set=world.beta)
    assert meeting_totals(beta_scope)["held"] == 1
    assert attendance_totals(beta_scope)["expected"] == 3
    assert [row["name"] for row in per_set(beta_scope)] == ["Beta"]


def test_dashboard(world):
    with time_machine.travel(hand.NOW, tick=False):
        overview = dashboard(world.organisation)
    assert overview == {
        "sets": {"active": 2, "closed": 1},
        # The admin and seven people in sets; facilitators fa fb; members a1 a2 b1 b2 (a3 left).
        "people": {"total": 8, "admins": 1, "facilitators": 2, "members": 4, "in_sets": 6},
        # June: m3 held, m4 cancelled.
        "month": {"total": 2, "held": 1, "to_come": 0, "cancelled": 1, "first_day": date(2026, 6, 1)},
        "pending_invitations": 1,
    }


@pytest.fixture
def late_joiner():
    with time_machine.travel(hand.NOW, tick=False):
        yield hand.build_late_joiner()


def late_scope(world, end=hand.END, **kwargs):
    sets = LearningSet.objects.filter(pk=world.learning_set.pk)
    return Scope(organisation=world.organisation, sets=sets, start=hand.START, end=end, **kwargs)


def test_a_late_joiner_is_not_absent_from_the_meetings_before_they_joined(late_joiner):
    # The example. Up to 9 June: four held meetings, 7 of the 9 people in the set present at each (28 of
    # 36, 77.8%). Lee joined on 10 June: counting them absent from all four made it 0 of 4 present and progress
    # 0 of 3 for them, and 28 of 40 (70.0%) for the set.
    before_joining = late_scope(late_joiner, end=date(2026, 6, 9))
    lee = next(row for row in person_rows(before_joining) if row["person"] == "Lee Late")
    assert (lee["meetings_expected"], lee["present"], lee["absent"]) == (0, 0, 0)
    assert (lee["engagement_due"], lee["engaged"]) == (0, 0)
    assert attendance_totals(before_joining) == {
        "expected": 36,
        "present": 28,
        "apologies": 4,
        "absent": 4,
        "attendance_rate": 77.8,
        "engagement_due": 27,  # the nine at the second, third and fourth meetings
        "engaged": 0,
        "engagement_rate": 0.0,
    }
    assert per_set(before_joining)[0]["attendance_rate"] == 77.8
    assert attendance_totals(late_scope(late_joiner, end=date(2026, 6, 9), person=late_joiner.late))["expected"] == 0


def test_a_late_joiner_is_expected_from_their_first_meeting_and_owes_progress_from_their_second(late_joiner):
    # The whole range: six meetings. Lee is expected at the fifth (present) and sixth (apologies); progress is due
    # from them only before the sixth (they were in the set at the fifth), where they logged some. The progress
    # they logged before their first meeting is not counted: none was due there.
    whole = late_scope(late_joiner)
    lee = next(row for row in person_rows(whole) if row["person"] == "Lee Late")
    figures = ["meetings_expected", "present", "apologies", "absent", "engagement_due", "engaged", "committed"]
    assert [lee[name] for name in figures] == [2, 1, 1, 0, 1, 1, 2]
    # The nine: 54 pairs, 42 present, 6 apologies; Lee: 2 pairs, 1 present, 1 apologies. Progress due: the nine at
    # five meetings after the first (45) and Lee at one (1 logged).
    assert attendance_totals(whole) == {
        "expected": 56,
        "present": 43,
        "apologies": 7,
        "absent": 6,
        "attendance_rate": 76.8,
        "engagement_due": 46,
        "engaged": 1,
        "engagement_rate": 2.2,
    }
    assert attendance_totals(late_scope(late_joiner, person=late_joiner.late)) == {
        "expected": 2,
        "present": 1,
        "apologies": 1,
        "absent": 0,
        "attendance_rate": 50.0,
        "engagement_due": 1,
        "engaged": 1,
        "engagement_rate": 100.0,
    }
    # By month: April and May have only the nine; June adds Lee's two meetings.
    june = next(row for row in monthly(whole) if row["month"] == date(2026, 6, 1))
    assert (june["expected"], june["present"], june["engagement_due"], june["engaged"]) == (29, 22, 28, 1)


def test_a_person_is_expected_at_a_meeting_only_if_they_had_joined_when_it_started(late_joiner):
    # Expected when the meeting started while they were in the set: joined before its start, left after it.
    from_the_day = late_joiner.meetings[4].starts_at
    SetMembership.objects.filter(user=late_joiner.late).update(joined_at=from_the_day)
    lee = attendance_totals(late_scope(late_joiner, person=late_joiner.late))
    assert (lee["expected"], lee["engagement_due"]) == (2, 1)
    SetMembership.objects.filter(user=late_joiner.late).update(joined_at=from_the_day + timedelta(minutes=5))
    lee = attendance_totals(late_scope(late_joiner, person=late_joiner.late))
    assert (lee["expected"], lee["engagement_due"]) == (1, 0)
