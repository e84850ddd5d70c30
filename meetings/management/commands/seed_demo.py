"""A realistic demo organisation to click through: `python manage.py seed_demo`. Safe to run twice.

It lives in `meetings` (not `sets`) because it seeds meetings and actions too, and `sets` never imports
`meetings`.
"""

from datetime import datetime, time, timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from bench.seed import seed_scale
from meetings import recurrence
from meetings.models import (
    Action,
    ActionUpdate,
    AirtimeSlot,
    Attendance,
    Encouragement,
    Issue,
    Meeting,
    Question,
    Reflection,
)
from sets import services
from sets.models import Invitation, Organisation, OrganisationMembership, SetMembership, hash_token, new_token

PASSWORD = "demo-password-2026"
SLUG = "northwind"
ADMIN = ("admin@example.org", "Alex Morgan")
FACILITATORS = [("fran@example.org", "Fran Okafor"), ("gus@example.org", "Gus Lindqvist")]
MEMBERS = [
    ("maya@example.org", "Maya Patel"),
    ("tom@example.org", "Tom Brennan"),
    ("ines@example.org", "Inès Laurent"),
    ("kofi@example.org", "Kofi Mensah"),
    ("lena@example.org", "Lena Novak"),
    ("sam@example.org", "Sam Whitaker"),
    ("yui@example.org", "Yui Tanaka"),
    ("omar@example.org", "Omar Haddad"),
    ("bea@example.org", "Bea Castillo"),
    ("raj@example.org", "Raj Iyer"),
    ("nell@example.org", "Nell Fraser"),
    ("dan@example.org", "Dan Kowalski"),
]
SETS = [
    (
        "New managers",
        "Managers in their first year work on real problems with their teams: delegation, difficult "
        "conversations, running a team through change.",
        "Europe/London",
        0,
        MEMBERS[0:5],
    ),
    (
        "Clinical leads",
        "Clinical leads bring service-change problems that cut across teams and have no obvious owner.",
        "Europe/London",
        1,
        MEMBERS[5:9],
    ),
    (
        "Digital transformation",
        "People leading digital projects work on the human side of the change.",
        "Europe/Berlin",
        0,
        MEMBERS[9:12] + MEMBERS[0:2],
    ),
]
ACTIONS = [
    "Talk to my team about how we hand over work between shifts",
    "Ask my manager what she needs from me in the restructure",
    "Try delegating the weekly report and notice how I feel about it",
    "Map who is affected by the new rota before the next meeting",
]
ISSUES = [
    "Handovers between shifts keep dropping things",
    "My team does not tell me about problems early",
    "Leading a restructure I did not choose",
    "A new rota nobody likes",
]
QUESTIONS = [
    "What have you already tried, and what happened?",
    "Who else sees this problem, and how would they describe it?",
    "What would be different if this were solved?",
]


class Command(BaseCommand):
    help = "Create a demo organisation (an admin, 2 facilitators, 12 members, 3 sets, meetings, actions)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale",
            type=int,
            default=1,
            help="1: the small demo. N>1: a large organisation for the performance harness (bench/), N sets.",
        )

    def handle(self, *args, scale: int = 1, **options):
        if scale < 1:
            self.stderr.write("--scale must be 1 or more.")
            raise SystemExit(2)
        if scale > 1:
            seed_scale(scale, stdout=self.stdout)
            return
        if Organisation.objects.filter(slug=SLUG).exists():
            self.stdout.write("The demo organisation is already there; nothing changed.")
        else:
            self._create()
            self.stdout.write(self.style.SUCCESS("Created the demo organisation Northwind Health."))
        self._print_logins()

    @transaction.atomic
    def _create(self):
        admin = _user(*ADMIN)
        organisation = services.create_organisation(name="Northwind Health", by=admin, timezone_name="Europe/London")
        organisation.slug = SLUG
        organisation.save(update_fields=["slug"])
        facilitators = [_user(*f) for f in FACILITATORS]
        members = {email: _user(email, name) for email, name in MEMBERS}
        for person in [*facilitators, *members.values()]:
            OrganisationMembership.objects.get_or_create(organisation=organisation, user=person)
        now = timezone.now()
        for index, (name, purpose, tz_name, facilitator_index, people) in enumerate(SETS):
            learning_set = services.create_learning_set(
                organisation=organisation, by=admin, name=name, purpose=purpose, timezone=tz_name
            )
            facilitator = facilitators[facilitator_index]
            services.add_to_set(learning_set=learning_set, user=facilitator, role=SetMembership.Role.FACILITATOR)
            services.agree_contract(membership=learning_set.memberships.get(user=facilitator))
            for position, (email, _name) in enumerate(people):
                membership = services.add_to_set(
                    learning_set=learning_set, user=members[email], role=SetMembership.Role.MEMBER
                )
                if position % 3 != 2:  # some have not agreed yet
                    services.agree_contract(membership=membership)
            # Everyone has been in the set since before its first meeting (reports expect people from the day
            # they joined).
            learning_set.memberships.update(joined_at=now - timedelta(weeks=8))
            self._meetings(learning_set, facilitator, [members[e] for e, _n in people], index, now)
        Invitation.objects.create(
            organisation=organisation,
            learning_set=organisation.learning_sets.first(),
            email="new.person@example.org",
            full_name="Nia Newcomer",
            set_role=SetMembership.Role.MEMBER,
            token_hash=hash_token(new_token()),
            invited_by=admin,
        )

    def _meetings(self, learning_set, facilitator, members, index, now):
        """Every four weeks: two in the past (ended, with attendance and actions), four to come."""
        tz_name = learning_set.timezone
        first_local = datetime.combine((now - timedelta(weeks=7) + timedelta(days=index)).date(), time(9, 30))
        starts = recurrence.occurrences(
            first_local, tz_name, recurrence.Rule(recurrence.EVERY_N_WEEKS, interval_weeks=4, count=6)
        )
        for start in starts:
            meeting = Meeting.objects.create(
                learning_set=learning_set,
                starts_at=start,
                duration_minutes=learning_set.meeting_duration_minutes,
                place="Room 4, Riverside House" if index != 2 else "",
                video_link="https://meet.example.org/northwind" if index == 2 else "",
                status=Meeting.Status.ENDED if start < now else Meeting.Status.SCHEDULED,
                created_by=facilitator,
            )
            if start < now:
                for position, person in enumerate(members):
                    Attendance.objects.create(
                        meeting=meeting,
                        user=person,
                        rsvp=Attendance.Rsvp.APOLOGIES if position == 3 else Attendance.Rsvp.YES,
                        responded_at=start - timedelta(days=2),
                    )
                for position, person in enumerate(members[:3]):
                    # The same issue comes back at each meeting: it has a story (slots, questions, actions).
                    issue, _ = Issue.objects.get_or_create(
                        owner=person,
                        learning_set=learning_set,
                        title=ISSUES[(position + index) % len(ISSUES)],
                        defaults={"created_at": start},
                    )
                    slot = AirtimeSlot.objects.create(meeting=meeting, presenter=person, issue=issue, order=position)
                    Question.objects.create(
                        slot=slot, author=facilitator, text=QUESTIONS[position % len(QUESTIONS)], created_at=start
                    )
                    action = Action.objects.create(
                        owner=person,
                        learning_set=learning_set,
                        meeting=meeting,
                        issue=issue,
                        text=ACTIONS[(position + index) % len(ACTIONS)],
                        due_on=(start + timedelta(days=28)).date(),
                        created_at=start + timedelta(hours=2),
                    )
                    if position != 2:
                        update = ActionUpdate.objects.create(
                            action=action,
                            author=person,
                            note="Made a start; more to say at the check-in.",
                            created_at=start + timedelta(days=10),
                        )
                        Encouragement.objects.create(
                            update=update,
                            author=facilitator,
                            text="Good to see you start on this.",
                            created_at=start + timedelta(days=11),
                        )
                Reflection.objects.create(
                    meeting=meeting,
                    author=members[1],
                    about_self="I jump to solutions before I understand the problem. The questions slowed me down.",
                    shared=True,
                    created_at=start + timedelta(hours=2),
                )

    def _print_logins(self):
        self.stdout.write(
            f"\nLog in at {settings.SITE_URL}/ with any of these (password for all: "
            f"{PASSWORD}):\n"
            f"  organisation admin: {ADMIN[0]}\n"
            f"  facilitator:        {FACILITATORS[0][0]} (New managers, Digital transformation)\n"
            f"  member:             {MEMBERS[0][0]} (New managers, Digital transformation)\n"
        )


def _user(email: str, full_name: str) -> User:
    user, created = User.objects.get_or_create(
        email=email, defaults={"full_name": full_name, "timezone": "Europe/London"}
    )
    if created:
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
        EmailAddress.objects.create(user=user, email=email, primary=True, verified=True)
    return user
