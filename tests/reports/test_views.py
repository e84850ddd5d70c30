"""The report pages: scoping for facilitators, bad input, the CSV, and a fixed number of queries per page."""

import csv
import io
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEvent
from meetings.models import Action, ActionUpdate, AirtimeSlot, Attendance, Meeting, ProcessRating
from reports.export import CSV_COLUMNS
from sets.models import SetMembership
from tests.factories import LearningSetFactory, SetMembershipFactory
from tests.reports import world as hand

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    with time_machine.travel(hand.NOW, tick=False):
        yield hand.build()


def url(world, name="reports:report", **params):
    query = "&".join(f"{key}={value}" for key, value in {"start": "2026-04-01", "end": "2026-06-30", **params}.items())
    return f"{reverse(name, args=[world.organisation.slug])}?{query}"


def test_a_facilitator_sees_only_the_sets_they_facilitate(client, world):
    client.force_login(world.people["fa"])
    content = client.get(url(world)).content.decode()
    assert "The sets you facilitate" in content
    assert ">Alpha<" in content and ">Beta<" not in content
    assert client.get(url(world, set=world.beta.pk)).status_code == 404
    assert client.get(url(world, person=world.people["b1"].pk)).status_code == 404
    assert client.get(url(world, "reports:report-csv", set=world.beta.pk)).status_code == 404
    assert client.get(reverse("reports:dashboard", args=[world.organisation.slug])).status_code == 403


def test_a_facilitators_csv_has_only_their_sets(client, world):
    client.force_login(world.people["fb"])
    rows = list(
        csv.DictReader(io.StringIO(b"".join(client.get(url(world, "reports:report-csv")).streaming_content).decode()))
    )
    assert sorted((row["set"], row["person"]) for row in rows) == [
        ("Beta", "Person B1"),
        ("Beta", "Person B2"),
        ("Beta", "Person FB"),
    ]


def test_a_member_who_facilitated_a_set_they_left_gets_403(client, world):
    SetMembership.objects.filter(user=world.people["fb"]).update(left_at=hand.at(6, 1))
    client.force_login(world.people["fb"])
    assert client.get(url(world)).status_code == 403


def test_an_admin_may_pick_anyone_in_the_organisation_but_not_outside_it(client, world, outsider):
    client.force_login(world.admin)
    response = client.get(url(world, person=world.people["b2"].pk))
    assert response.status_code == 200 and "Person B2" in response.content.decode()
    assert client.get(url(world, person=outsider.pk)).status_code == 404
    assert client.get(url(world, set=999999)).status_code == 404


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"start": "2026-06-30", "end": "2026-04-01"}, "The end date must be on or after the start date."),
        ({"start": "2020-01-01", "end": "2026-06-30"}, "A report covers at most three years."),
        ({"start": "yesterday", "end": "2026-06-30"}, "Enter a valid date."),
    ],
)
def test_bad_dates_say_what_is_wrong_and_show_no_figures(client, world, params, message):
    client.force_login(world.admin)
    response = client.get(url(world, **params))
    content = response.content.decode()
    assert response.status_code == 400
    assert message in content and "At a glance" not in content


def test_the_report_page_shows_the_figures_and_the_charts(client, world):
    client.force_login(world.admin)
    content = client.get(url(world)).content.decode()
    assert "64.3%" in content  # attendance
    assert "42.9%" in content  # completion
    assert 'id="chart-trend"' in content and 'id="chart-sets"' in content
    assert '<title id="chart-trend-title">' in content
    # One set: its people, with links to each person's report.
    content = client.get(url(world, set=world.alpha.pk)).content.decode()
    assert f"person={world.people['a3'].pk}" in content and "Person B1" not in content


def test_the_csv_has_the_documented_columns_and_one_row_per_person_per_set(client, world):
    client.force_login(world.admin)
    response = client.get(url(world, "reports:report-csv"))
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="participation-handbuilt-20260401-20260630.csv"'
    text = b"".join(response.streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == [name for name, _help in CSV_COLUMNS]
    assert len(rows) == 7  # fa a1 a2 a3 in Alpha, fb b1 b2 in Beta (Gamma has nobody)
    a2 = next(row for row in rows if row["person"] == "Person A2")
    assert {k: a2[k] for k in CSV_A2} == CSV_A2
    a3 = next(row for row in rows if row["person"] == "Person A3")
    assert a3["left_on"] == "2026-05-20"


CSV_A2 = {
    "set": "Alpha",
    "role": "member",
    "range_start": "2026-04-01",
    "range_end": "2026-06-30",
    "meetings_expected": "3",
    "present": "1",
    "apologies": "1",
    "absent": "1",
    "attendance_rate": "33.3",
    "progress_due": "3",
    "progress_logged": "1",
    "presentations": "1",
    "actions_committed": "2",
    "actions_done": "1",
    "actions_dropped": "0",
    "actions_open": "1",
    "actions_overdue": "1",
    "completion_rate": "50.0",
    "left_on": "",
}


def grow(organisation, sets: int) -> None:
    """`sets` more sets, each with a facilitator and three members, two held meetings with attendance, ratings
    and presenters, and actions with updates: more rows, and more groups, for every figure."""
    now = timezone.now()
    for n in range(sets):
        learning_set = LearningSetFactory(organisation=organisation, name=f"Grown {n}")
        people = [
            SetMembershipFactory(learning_set=learning_set, role=role, joined_at=now - timedelta(weeks=8)).user
            for role in (SetMembership.Role.FACILITATOR, *[SetMembership.Role.MEMBER] * 3)
        ]
        for weeks in (6, 2):
            meeting = Meeting.objects.create(
                learning_set=learning_set, starts_at=now - timedelta(weeks=weeks), status=Meeting.Status.ENDED
            )
            for position, person in enumerate(people):
                Attendance.objects.create(meeting=meeting, user=person, present=position != 3)
                ProcessRating.objects.create(meeting=meeting, author=person, rating=5 + position)
                action = Action.objects.create(
                    owner=person, learning_set=learning_set, meeting=meeting, text="x", created_at=meeting.starts_at
                )
                ActionUpdate.objects.create(
                    action=action, author=person, created_at=meeting.starts_at + timedelta(days=3)
                )
            AirtimeSlot.objects.create(meeting=meeting, presenter=people[1])


PAGES = [
    ("reports:dashboard", {}),
    ("reports:report", {}),
    ("reports:report", {"set": "alpha"}),
    ("reports:report", {"person": "a1"}),
    ("reports:report-print", {}),
    ("reports:report-csv", {}),
]


def page_url(world, name, params):
    values = {key: (world.alpha.pk if value == "alpha" else world.people[value].pk) for key, value in params.items()}
    return reverse(name, args=[world.organisation.slug]) + "?" + "&".join(f"{k}={v}" for k, v in values.items())


@pytest.mark.parametrize(("name", "params"), PAGES, ids=[f"{n}{p}" for n, p in PAGES])
@pytest.mark.parametrize("extra_sets", [0, 4])
def test_each_report_page_makes_the_same_queries_whatever_the_size(
    client, world, name, params, extra_sets, django_assert_num_queries
):
    grow(world.organisation, extra_sets)
    client.force_login(world.admin)
    target = page_url(world, name, params)
    client.get(target)  # the session is loaded once, as for any later request
    with django_assert_num_queries(QUERIES[(name, tuple(params))]):
        response = client.get(target)
        if response.streaming:
            b"".join(response.streaming_content)
    assert response.status_code == 200


# Session and user (2), the organisation and the viewer's role, then the figures: the same at both sizes.
# The person, their organisation switcher and the admin check come from the cache (docs/performance.md).
QUERIES = {
    ("reports:dashboard", ()): 15,
    ("reports:report", ()): 12,
    ("reports:report", ("set",)): 14,
    ("reports:report", ("person",)): 14,
    ("reports:report-print", ()): 12,
    ("reports:report-csv", ()): 2,
}


def test_the_set_page_links_its_facilitator_and_admins_to_the_report_and_members_not(client, world):
    link = f"{reverse('reports:report', args=[world.organisation.slug])}?set={world.alpha.pk}"
    page = reverse("sets:detail", args=[world.alpha.pk])
    for user, shown in [(world.people["fa"], True), (world.admin, True), (world.people["a1"], False)]:
        client.force_login(user)
        assert (link in client.get(page).content.decode()) is shown


def test_the_organisation_page_links_admins_to_the_dashboard(client, world):
    dashboard = reverse("reports:dashboard", args=[world.organisation.slug])
    page = reverse("sets:organisation", args=[world.organisation.slug])
    client.force_login(world.admin)
    assert dashboard in client.get(page).content.decode()
    client.force_login(world.people["fa"])
    assert dashboard not in client.get(page).content.decode()


def test_one_persons_report_covers_only_their_sets(client, world):
    client.force_login(world.admin)
    beta_at_risk = "<strong>Beta</strong>"
    assert beta_at_risk in client.get(url(world, person=world.people["b1"].pk)).content.decode()
    assert beta_at_risk not in client.get(url(world, person=world.people["a1"].pk)).content.decode()


def test_a_csv_export_is_in_the_audit_log(client, admin, organisation):
    client.force_login(admin)
    response = client.get(reverse("reports:report-csv", args=[organisation.slug]))
    b"".join(response.streaming_content)
    event = AuditEvent.objects.get(verb=AuditEvent.Verb.EXPORTED)
    assert (event.actor, event.organisation, event.detail) == (
        admin,
        organisation,
        {"kind": "participation_report", "format": "csv"},
    )
