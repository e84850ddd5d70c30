from io import StringIO

from django.contrib.auth import authenticate
from django.core.management import call_command

from accounts.models import User
from meetings.models import Action, ActionUpdate, Meeting
from sets.models import Invitation, LearningSet, Organisation, OrganisationMembership, SetMembership


def seed(*args) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def counts() -> tuple:
    return (
        Organisation.objects.count(),
        User.objects.count(),
        OrganisationMembership.objects.count(),
        LearningSet.objects.count(),
        SetMembership.objects.count(),
        Meeting.objects.count(),
        Action.objects.count(),
        Invitation.objects.count(),
    )


def test_the_demo_is_realistic_and_safe_to_run_twice(db):
    first = seed()
    assert "Created the demo organisation" in first
    assert "demo-password-2026" in first
    after_first = counts()
    assert after_first[:5] == (1, 15, 15, 3, 3 + 5 + 4 + 5)
    assert Meeting.objects.filter(status="scheduled").count() == 12
    assert Meeting.objects.filter(status="ended").count() == 6
    assert Action.objects.count() == 18 and ActionUpdate.objects.count() == 12
    # Everyone joined their set before its first meeting, so the demo's report expects them at every one.
    for membership in SetMembership.objects.select_related("learning_set"):
        first_meeting = membership.learning_set.meetings.order_by("starts_at").first()
        assert membership.joined_at < first_meeting.starts_at
    second = seed()
    assert "already there; nothing changed" in second
    assert counts() == after_first


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
