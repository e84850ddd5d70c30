"""A large organisation for the performance harness, built with bulk inserts.

Scale N gives N sets of 10 people (the first of each facilitates), so N=1000 is the top scale: 10,000 members,
1,000 sets, 20,000 meetings (10 past, 10 to come per set; the first to come is 47 hours away, so a reminder
pass has 10,000 due pairs), 100,000 actions and 300,000 progress updates, plus attendance for past meetings.
"""

import sys
import time
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from meetings.models import Action, ActionUpdate, Attendance, Meeting
from sets.models import LearningSet, Organisation, OrganisationMembership, SetMembership

PEOPLE_PER_SET = 10
PAST_MEETINGS = 10
FUTURE_MEETINGS = 10
ACTIONS_PER_PERSON = 10
UPDATES_PER_ACTION = 3
PASSWORD = "bench-password-2026"
BATCH = 5000


def slug(scale: int) -> str:
    return f"scale-{scale}"


class Progress:
    """A text progress bar on one line of stderr (the summary goes to stdout)."""

    def __init__(self, total: int, enabled: bool = True, stream=None):
        self.total, self.done, self.enabled = total, 0, enabled
        self.stream = stream or sys.stderr
        self.started = time.monotonic()

    def advance(self, rows: int, label: str) -> None:
        self.done += rows
        if not self.enabled:
            return
        width = 30
        filled = int(width * self.done / self.total)
        seconds = time.monotonic() - self.started
        bar = "#" * filled + "." * (width - filled)
        self.stream.write(f"\r[{bar}] {self.done:>9,}/{self.total:,} rows {seconds:6.1f}s  {label:<12}")
        self.stream.flush()

    def finish(self) -> None:
        if self.enabled:
            self.stream.write("\n")


def expected_rows(scale: int) -> int:
    people = scale * PEOPLE_PER_SET
    meetings = scale * (PAST_MEETINGS + FUTURE_MEETINGS)
    actions = people * ACTIONS_PER_PERSON
    return (
        people * 3  # users, email addresses, organisation memberships
        + scale  # sets
        + people  # set memberships
        + meetings
        + scale * PAST_MEETINGS * PEOPLE_PER_SET  # attendance
        + actions
        + actions * UPDATES_PER_ACTION
    )


def seed_scale(scale: int, *, stdout=sys.stdout, progress: bool = True) -> dict:
    """Build the organisation for `scale` unless it exists. Returns the row counts and the seconds it took."""
    started = time.monotonic()
    if Organisation.objects.filter(slug=slug(scale)).exists():
        stdout.write(f"The scale-{scale} organisation is already there; nothing changed.\n")
        return {"created": False}
    bar = Progress(expected_rows(scale), progress)
    with transaction.atomic():
        counts = _build(scale, bar)
    bar.finish()
    counts["seconds"] = round(time.monotonic() - started, 1)
    stdout.write(f"Seeded scale {scale} in {counts['seconds']} s: {counts}\n")
    return counts


def _bulk(model, rows, bar: Progress, label: str):
    created = []
    for start in range(0, len(rows), BATCH):
        chunk = rows[start : start + BATCH]
        created += model.objects.bulk_create(chunk, batch_size=BATCH)
        bar.advance(len(chunk), label)
    return created


def _build(scale: int, bar: Progress) -> dict:
    now = timezone.now()
    password = make_password(PASSWORD)  # one hash for everyone: hashing 10,000 passwords would take minutes
    organisation = Organisation.objects.create(name=f"Scale Org {scale}", slug=slug(scale), timezone="Europe/London")
    admin = User.objects.create(email=f"admin@{slug(scale)}.example.org", full_name="Scale Admin", password=password)
    EmailAddress.objects.create(user=admin, email=admin.email, verified=True, primary=True)
    OrganisationMembership.objects.create(organisation=organisation, user=admin, role="admin")

    people = _bulk(
        User,
        [
            User(
                email=f"p{n}@{slug(scale)}.example.org",
                full_name=f"Person {n}",
                password=password,
                timezone="Europe/London",
            )
            for n in range(scale * PEOPLE_PER_SET)
        ],
        bar,
        "people",
    )
    if people[0].pk is None:  # SQLite before 3.35 gives no ids back: read them
        people = list(
            User.objects.filter(email__endswith=f"@{slug(scale)}.example.org").exclude(pk=admin.pk).order_by("pk")
        )
    _bulk(
        EmailAddress, [EmailAddress(user=p, email=p.email, verified=True, primary=True) for p in people], bar, "emails"
    )
    _bulk(
        OrganisationMembership,
        [OrganisationMembership(organisation=organisation, user=p) for p in people],
        bar,
        "org members",
    )
    sets = _bulk(
        LearningSet,
        [
            LearningSet(
                organisation=organisation,
                name=f"Set {n:04d}",
                purpose="A set of the performance harness.",
                timezone="Europe/London",
                nudge_days_before=0,  # so a reminder pass has exactly one due pair per person
            )
            for n in range(scale)
        ],
        bar,
        "sets",
    )
    memberships = []
    for index, learning_set in enumerate(sets):
        for position in range(PEOPLE_PER_SET):
            memberships.append(
                SetMembership(
                    learning_set=learning_set,
                    user=people[index * PEOPLE_PER_SET + position],
                    role="facilitator" if position == 0 else "member",
                    contract_agreed_version=1,
                    contract_agreed_at=now,
                    joined_at=now - timedelta(weeks=PAST_MEETINGS + 1),  # before the first past meeting
                )
            )
    _bulk(SetMembership, memberships, bar, "set members")
    meetings = []
    for learning_set in sets:
        for week in range(PAST_MEETINGS, 0, -1):
            meetings.append(
                Meeting(
                    learning_set=learning_set, starts_at=now - timedelta(weeks=week), status="ended", place="Room 1"
                )
            )
        for week in range(FUTURE_MEETINGS):
            meetings.append(
                Meeting(learning_set=learning_set, starts_at=now + timedelta(hours=47, weeks=week), place="Room 1")
            )
    meetings = _bulk(Meeting, meetings, bar, "meetings")
    per_set = PAST_MEETINGS + FUTURE_MEETINGS
    attendance, actions = [], []
    for index, learning_set in enumerate(sets):
        past = meetings[index * per_set : index * per_set + PAST_MEETINGS]
        members = people[index * PEOPLE_PER_SET : (index + 1) * PEOPLE_PER_SET]
        for meeting in past:
            attendance += [
                Attendance(meeting=meeting, user=p, rsvp="yes", responded_at=meeting.starts_at) for p in members
            ]
        for person in members:
            for n in range(ACTIONS_PER_PERSON):
                meeting = past[n % PAST_MEETINGS]
                actions.append(
                    Action(
                        owner=person,
                        learning_set=learning_set,
                        meeting=meeting,
                        text=f"Action {n} of {person.full_name}",
                        due_on=(meeting.starts_at + timedelta(weeks=1)).date(),
                        status="done" if n < 6 else "open",
                        created_at=meeting.starts_at,
                    )
                )
    _bulk(Attendance, attendance, bar, "attendance")
    actions = _bulk(Action, actions, bar, "actions")
    updates = [
        ActionUpdate(
            action=action,
            learning_set_id=action.learning_set_id,  # bulk_create skips save(), which copies it
            author_id=action.owner_id,
            note=f"Progress note {k}",
            status_after="in_progress" if k < 2 else ("done" if action.status == "done" else "in_progress"),
            created_at=action.created_at + timedelta(days=k + 1),
        )
        for action in actions
        for k in range(UPDATES_PER_ACTION)
    ]
    _bulk(ActionUpdate, updates, bar, "updates")
    return {
        "members": len(people),
        "sets": len(sets),
        "meetings": len(meetings),
        "actions": len(actions),
        "updates": len(updates),
        "attendance": len(attendance),
    }
