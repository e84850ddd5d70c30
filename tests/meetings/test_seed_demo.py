from io import StringIO

from django.contrib.auth import authenticate
from django.core.management import call_command
from django.utils import timezone

from accounts.models import User
from core.models import OutboxMessage
from learning.models import JournalEntry, LibraryItem
from meetings.models import (
    Action,
    ActionUpdate,
    Attendance,
    Encouragement,
    Meeting,
    MeetingEvent,
    ProcessRating,
    Question,
    Reflection,
)
from reports.figures import report
from reports.scope import Scope, default_range
from sets.models import Invitation, LearningSet, Organisation, OrganisationMembership, SetMembership


def seed(*args) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def counts() -> tuple:
    return tuple(
        model.objects.count()
        for model in (
            Organisation,
            User,
            OrganisationMembership,
            LearningSet,
            SetMembership,
            Meeting,
            Attendance,
            MeetingEvent,
            Question,
            Action,
            ActionUpdate,
            Encouragement,
            Reflection,
            ProcessRating,
            JournalEntry,
            LibraryItem,
            Invitation,
            OutboxMessage,
        )
    )


def ninety_day_report() -> dict:
    organisation = Organisation.objects.get(slug="northwind")
    start, end = default_range(organisation, days=90)
    return report(Scope(organisation=organisation, sets=organisation.learning_sets.all(), start=start, end=end))


def test_the_demo_has_months_of_history_and_is_safe_to_run_twice(db):
    first = seed()
    assert "Created the demo organisation" in first
    assert "demo-password-2026" in first
    after_first = counts()
    assert after_first[:5] == (1, 15, 15, 3, 3 + 5 + 4 + 5)
    now = timezone.now()
    ended = Meeting.objects.filter(status=Meeting.Status.ENDED)
    # Months of meetings behind, more to come, and one that was cancelled.
    assert ended.count() >= 12
    assert ended.order_by("starts_at").first().starts_at < now - timezone.timedelta(days=140)
    assert not ended.filter(starts_at__gt=now).exists()
    assert Meeting.objects.filter(status=Meeting.Status.SCHEDULED, starts_at__gt=now).count() >= 6
    assert Meeting.objects.filter(status=Meeting.Status.CANCELLED).count() == 1
    # Each held meeting was run in the meeting room: started, stepped through, ended, with people marked present.
    for meeting in ended:
        assert meeting.started_at and meeting.ended_at and meeting.started_at < meeting.ended_at
        kinds = list(meeting.events.values_list("kind", flat=True))
        assert kinds[0] == "start" and kinds.count("next") == 3 * meeting.slots.count() + 2
        assert meeting.attendances.filter(present=True).count() >= 3
        assert Question.objects.filter(slot__meeting=meeting).exists()
        assert meeting.ratings.exists()
    # One meeting was run by a member (hand-over); one person joined a set after its second meeting.
    assert Meeting.objects.exclude(facilitator=None).count() == 1
    assert SetMembership.objects.filter(joined_at__gt=timezone.now() - timezone.timedelta(weeks=8)).count() == 1
    second = seed()
    assert "already there; nothing changed" in second
    assert counts() == after_first


def test_the_demo_reports_look_like_use(db):
    seed()
    figures = ninety_day_report()
    assert figures["meetings"]["held"] >= 8
    assert figures["attendance"]["attendance_rate"] > 50
    assert 0 < figures["attendance"]["apologies"] < figures["attendance"]["present"]
    assert figures["attendance"]["engagement_rate"] > 20
    actions = figures["actions"]
    assert actions["done"] > 0 and actions["completion_rate"] > 40
    assert Action.objects.filter(status=Action.Status.DROPPED).exists()
    assert actions["open"] > 0
    assert figures["at_risk"] == []
    assert all(row["held"] >= 3 and row["rating"] for row in figures["sets"])
    # Progress has its story: updates, actions done and dropped, words of support.
    assert ActionUpdate.objects.filter(status_after="done").count() == Action.objects.filter(status="done").count()
    assert Encouragement.objects.exists()


def test_the_demo_has_a_journal_and_a_library(db):
    seed()
    assert JournalEntry.objects.count() >= 10
    assert JournalEntry.objects.filter(shared=True).exists() and JournalEntry.objects.filter(shared=False).exists()
    assert Reflection.objects.filter(shared=True).exists() and Reflection.objects.filter(shared=False).exists()
    items = LibraryItem.objects.order_by("published_at")
    assert items.count() == 2
    assert {item.anonymous for item in items} == {True, False}
    assert items.get(anonymous=True).by_line == ""


def test_seeding_leaves_no_email_to_send(db):
    """The history's calendar invitations, summaries and the invitation are outbox rows, all closed: `make run`'s
    worker sends none of them to the demo addresses."""
    output = seed()
    rows = OutboxMessage.objects.all()
    assert rows.count() > 50
    assert not rows.filter(status=OutboxMessage.Status.PENDING).exists()
    assert set(rows.values_list("status", "reason").distinct()) == {("skipped", "demo data")}
    assert {"meeting-scheduled", "meeting-summary", "invitation"} <= set(rows.values_list("kind", flat=True))
    assert f"{rows.count()} emails of the demo's history were not sent" in output


def test_the_printed_logins_work(db):
    seed()
    for email in ("admin@example.org", "fran@example.org", "maya@example.org"):
        assert authenticate(email=email, password="demo-password-2026") is not None
    assert OrganisationMembership.objects.get(user__email="admin@example.org").role == "admin"
    assert SetMembership.objects.filter(user__email="fran@example.org", role="facilitator").count() == 2


def test_scale_builds_n_sets_of_ten_and_runs_once(db):
    seed("--scale", "3")
    organisation = Organisation.objects.get(slug="scale-3")
    assert organisation.learning_sets.count() == 3
    assert SetMembership.objects.filter(learning_set__organisation=organisation).count() == 30
    first_meeting = Meeting.objects.filter(learning_set__organisation=organisation).order_by("starts_at").first()
    assert not SetMembership.objects.filter(joined_at__gte=first_meeting.starts_at).exists()
    assert Meeting.objects.filter(learning_set__organisation=organisation).count() == 60
    assert Action.objects.filter(learning_set__organisation=organisation).count() == 300
    assert ActionUpdate.objects.filter(action__learning_set__organisation=organisation).count() == 900
    assert "already there" in seed("--scale", "3")
    assert Action.objects.count() == 300
