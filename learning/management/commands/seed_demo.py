"""A demo organisation that looks used: `python manage.py seed_demo`. Safe to run twice.

Northwind Health has three sets with months of history, made the way people make it: through the app's own
services, with the clock moved back (time-machine) so each service's rules hold as they would have at the time.
Meetings are scheduled as series (meetings/scheduling.py), people reply, the facilitator adds presenters, starts
the meeting, marks who is there and steps through check-in, presentation, questioning, commitments and reflection
(meetings/live.py), questions are captured and actions committed; between meetings people log progress, finish or
drop actions and leave words of support (meetings/actions.py), write journal entries and publish to the library
(learning/services.py). One meeting was cancelled, one was run by a member, one member joined late.

Every email that history would have sent (calendar invitations, meeting summaries, the pending invitation) is an
outbox row like any other; at the end they are all closed as "demo data" in the same transaction, so the worker
that `make run` starts sends none of them to the demo addresses. Emails due from now on (reminders for the
meetings to come) are written and sent as usual.

It lives in `learning` (the top of the layers it writes to: sets, meetings, learning). `--scale N` builds a large
organisation for the performance harness instead, with bulk inserts (bench/seed.py).
"""

import random
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

import time_machine
from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from bench.seed import seed_scale
from core import outbox
from core.models import OutboxMessage
from learning import services as learning
from meetings import actions, issues, live, recording, recurrence, scheduling
from meetings.models import Action, Attendance, Issue, Meeting, Reflection
from sets import invitations
from sets import services as sets
from sets.models import LearningSet, Organisation, OrganisationMembership, SetMembership

PASSWORD = "demo-password-2026"
SLUG = "northwind"
DEMO_REASON = "demo data"  # why the history's emails were not sent (core.outbox: a skipped row's reason)
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


@dataclass(frozen=True)
class SetPlan:
    """One set's history: its series (the first meeting `first_weeks_ago` weeks back, plus `day` days), who is
    in it, and the odd things real sets have (a cancelled meeting, one run by a member, a late joiner)."""

    name: str
    purpose: str
    timezone: str
    facilitator: int
    members: tuple[int, ...]
    repeat: recurrence.Rule
    first_weeks_ago: int
    day: int
    place: str = ""
    video_link: str = ""
    cancelled: int | None = None  # the index of the meeting that was cancelled
    handed_over: int | None = None  # the index of the meeting a member ran
    late_joiner: int | None = None  # a member who joined after the second meeting
    issues: dict[int, list[tuple[str, str]]] = field(default_factory=dict)


SETS = [
    SetPlan(
        name="New managers",
        purpose="Managers in their first year work on real problems with their teams: delegation, difficult "
        "conversations, running a team through change.",
        timezone="Europe/London",
        facilitator=0,
        members=(0, 1, 2, 3, 4),
        repeat=recurrence.Rule(recurrence.EVERY_N_WEEKS, interval_weeks=4, count=9),
        first_weeks_ago=22,
        day=0,
        place="Room 4, Riverside House",
        handed_over=4,
    ),
    SetPlan(
        name="Clinical leads",
        purpose="Clinical leads bring service-change problems that cut across teams and have no obvious owner.",
        timezone="Europe/London",
        facilitator=1,
        members=(5, 6, 7, 8),
        repeat=recurrence.Rule(recurrence.MONTHLY_WEEKDAY, count=9),
        first_weeks_ago=24,
        day=2,
        place="Seminar room B, Education Centre",
        cancelled=2,
    ),
    SetPlan(
        name="Digital transformation",
        purpose="People leading digital projects work on the human side of the change.",
        timezone="Europe/Berlin",
        facilitator=0,
        members=(9, 10, 11, 0, 1),
        repeat=recurrence.Rule(recurrence.FORTNIGHTLY, count=10),
        first_weeks_ago=10,
        day=2,
        video_link="https://meet.example.org/northwind",
        late_joiner=10,
    ),
]

# What people bring: (title, summary) per person, first issue then the next when the first is resolved.
ISSUES = {
    0: [
        (
            "Handovers between shifts keep dropping things",
            "Twice this month a patient's follow-up was missed at "
            "the evening handover. The team says the form is the problem; I am not sure it is.",
        ),
        ("Saying no to my old team", "My former colleagues still bring me everything, and I say yes."),
    ],
    1: [
        (
            "My team does not tell me about problems early",
            "I hear about problems when they are already "
            "complaints. People say I am approachable, so why does nobody come?",
        ),
    ],
    2: [
        (
            "Leading a restructure I did not choose",
            "Two roles go in March. I have to explain a decision I argued against, to people I like.",
        ),
        ("Getting my evenings back", "Since the restructure I answer messages until ten every night."),
    ],
    3: [("A new rota nobody likes", "The rota is fairer on paper and everyone hates it. I designed it.")],
    4: [("Delegating the budget report", "I keep the budget report because it is quicker to do it myself.")],
    5: [
        (
            "Discharge delays on the ward",
            "Patients wait a day for pharmacy sign-off; three teams each think another one owns it.",
        )
    ],
    6: [("Two consultants who will not talk", "They disagree about the new pathway and use me as the messenger.")],
    7: [
        (
            "Clinic letters three weeks late",
            "Letters wait for typing, typing waits for sign-off, nobody owns the queue.",
        ),
        ("Bringing nurses into the pathway review", ""),
    ],
    8: [
        ("Being the only manager who is also a clinician", "I am on the rota and in every meeting; I do neither well.")
    ],
    9: [("A go-live date nobody believes", "The board has announced a date the team knows we will miss.")],
    10: [("Users who route around the new system", "The ward keeps a paper list beside the new screens.")],
    11: [("Managing a supplier I cannot replace", "They miss every deadline and know we are stuck with them.")],
}
QUESTIONS = [
    "What have you already tried, and what happened?",
    "Who else sees this problem, and how would they describe it?",
    "What would be different if this were solved?",
    "What do you want from the people involved?",
    "What makes this hard for you in particular?",
    "If you had to act tomorrow, what would you do first?",
    "What are you not saying about this?",
    "What would your team say you are avoiding?",
    "What is in your control here, and what is not?",
    "How will you know it has changed?",
]
ACTIONS = [
    "Ask two people on the team how they see it, and listen without answering",
    "Write down what I would delegate, and hand over one piece this week",
    "Talk to my manager about what she needs from me",
    "Map who is affected before the next meeting",
    "Try a ten-minute huddle at handover for two weeks",
    "Ask the other team's lead for half an hour, and bring one question only",
    "Keep a note of every time I say yes when I mean no",
    "Share the draft with the people it affects before it is final",
]
OWN_ACTIONS = [
    "Notice when I start solving someone's problem for them, and ask a question instead",
    "Block an hour a week for thinking, and keep it",
    "Ask for feedback on how I ran the team meeting",
]
PROGRESS = [
    "Made a start: had the first conversation on Tuesday.",
    "Harder than I thought; I put it off twice, then did half of it.",
    "Spoke to two of them. One surprised me by agreeing.",
    "Booked the time in the diary; that was the real step.",
]
DONE = [
    "Done. It went better than I feared, and I learned what they actually wanted.",
    "Done: the huddle is now a habit, and two problems came up early.",
    "Done, and it changed how I see the problem.",
]
DROPPED = [
    "Dropped: the reorganisation made it moot. Bringing the new problem instead.",
    "Dropped: when I looked closer, this was not mine to do.",
]
SUPPORT = [
    "Good to see you start on this.",
    "That took courage. Well done.",
    "Curious to hear how the second conversation goes.",
    "Thanks for being so honest about putting it off.",
]
CHECKINS = [
    "Tired after a long week, glad to be here.",
    "Did my action; want to say what came of it.",
    "Distracted by a ward inspection tomorrow, will try to be present.",
    "Good week. Something shifted with my team.",
]
REFLECTIONS = [
    (
        "The problem was less about the form and more about who owns the evening.",
        "I jump to solutions before I understand the problem. The questions slowed me down.",
        "I notice I listen to defend, not to understand.",
    ),
    (
        "Three teams each think someone else owns it; that is the problem.",
        "I was relieved not to be given advice.",
        "I ask for permission when nobody has to give it.",
    ),
    (
        "",
        "I was surprised how much I had not said out loud before.",
        "I keep people informed instead of involving them.",
    ),
]
RATINGS_WORDS = [
    ("Questions stayed open; good time keeping.", "Less storytelling at check-in."),
    ("Everybody presented or asked; the room felt safe.", "Start on time."),
    ("Good silence after hard questions.", "Fewer questions that were advice in disguise."),
]
JOURNAL = [
    (
        "After the meeting",
        "I went in wanting advice and came out with better questions.",
        "The handover problem is about time, not paper.",
        "I wait too long before asking for help.",
        "",
    ),
    (
        "A conversation I had avoided",
        "Finally spoke to the team about the rota.",
        "",
        "I was less defensive than I expected.",
        "I relate to the team as if I still had to prove myself.",
    ),
    ("What the set gives me", "", "", "Two hours a month where nobody expects an answer from me.", ""),
]


class Command(BaseCommand):
    help = "Create a demo organisation with months of history (an admin, 2 facilitators, 12 members, 3 sets)."

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
            with transaction.atomic():
                organisation = History(now=timezone.now()).build()
                closed = close_demo_emails(organisation)
            held = Meeting.objects.filter(learning_set__organisation=organisation, status=Meeting.Status.ENDED)
            self.stdout.write(
                self.style.SUCCESS(
                    f"Created the demo organisation Northwind Health: {held.count()} meetings held over six months."
                )
            )
            self.stdout.write(f"{closed} emails of the demo's history were not sent (outbox: “{DEMO_REASON}”).")
        self._print_logins()

    def _print_logins(self):
        self.stdout.write(
            f"\nLog in at {settings.SITE_URL}/ with any of these (password for all: "
            f"{PASSWORD}):\n"
            f"  organisation admin: {ADMIN[0]}\n"
            f"  facilitator:        {FACILITATORS[0][0]} (New managers, Digital transformation)\n"
            f"  member:             {MEMBERS[0][0]} (New managers, Digital transformation)\n"
        )


def close_demo_emails(organisation: Organisation) -> int:
    """Close every email the history wrote (still pending) as "demo data": nobody is emailed about the past."""
    return OutboxMessage.objects.filter(organisation_id=organisation.pk, status=outbox.PENDING).update(
        status=outbox.SKIPPED, reason=DEMO_REASON
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


class History:
    """Builds the organisation by living through its months: each set's days in order, the clock moved to each."""

    def __init__(self, *, now: datetime):
        self.now = now
        self.random = random.Random(2026)  # the same demo every time
        self.journal_written: set[int] = set()

    def build(self) -> Organisation:
        with time_machine.travel(self.now - timedelta(weeks=30), tick=False) as self.clock:
            self.admin = _user(*ADMIN)
            self.facilitators = [_user(*each) for each in FACILITATORS]
            self.members = [_user(*each) for each in MEMBERS]
            self.organisation = sets.create_organisation(
                name="Northwind Health", by=self.admin, timezone_name="Europe/London"
            )
            Organisation.objects.filter(pk=self.organisation.pk).update(slug=SLUG)
            self.organisation.slug = SLUG
            for person in [*self.facilitators, *self.members]:
                OrganisationMembership.objects.get_or_create(organisation=self.organisation, user=person)
            for plan in SETS:
                self._live_through(plan)
            self._publish_to_library()
        invitations.invite(
            organisation=self.organisation,
            learning_set=self.organisation.learning_sets.get(name=SETS[0].name),
            request=invitations.InvitationRequest(email="new.person@example.org", full_name="Nia Newcomer"),
            by=self.admin,
        )
        return self.organisation

    # The clock

    def _at(self, when: datetime) -> None:
        self.clock.move_to(min(when, self.now))

    def _first_start(self, plan: SetPlan) -> datetime:
        day = (self.now - timedelta(weeks=plan.first_weeks_ago) + timedelta(days=plan.day)).date()
        if day.weekday() >= 5:  # sets meet on working days
            day += timedelta(days=7 - day.weekday())
        return recurrence.to_aware(datetime.combine(day, time(9, 30)), plan.timezone)

    # A set's life

    def _live_through(self, plan: SetPlan) -> None:
        first = self._first_start(plan)
        self._at(first - timedelta(weeks=3))
        learning_set = sets.create_learning_set(
            organisation=self.organisation, by=self.admin, name=plan.name, purpose=plan.purpose, timezone=plan.timezone
        )
        facilitator = self.facilitators[plan.facilitator]
        sets.add_to_set(learning_set=learning_set, user=facilitator, role=SetMembership.Role.FACILITATOR, by=self.admin)
        sets.agree_contract(membership=learning_set.memberships.get(user=facilitator))
        people = [self.members[index] for index in plan.members if index != plan.late_joiner]
        for person in people:
            self._join(learning_set, person)
        self._at(first - timedelta(weeks=2))
        local_first = timezone.localtime(first, recurrence.zoneinfo.ZoneInfo(plan.timezone)).replace(tzinfo=None)
        meetings = scheduling.schedule_meetings(
            learning_set=learning_set,
            by=facilitator,
            details=scheduling.MeetingDetails(
                local_start=local_first,
                duration_minutes=learning_set.meeting_duration_minutes,
                place=plan.place,
                video_link=plan.video_link,
            ),
            repeat=plan.repeat,
        )
        open_actions: list[Action] = []
        for index, meeting in enumerate(meetings):
            if meeting.starts_at > self.now:
                self._between(
                    learning_set, open_actions, until=self.now - timedelta(hours=2), next_meeting=meeting.starts_at
                )
                self._replies(meeting, people, index, until=self.now)
                break
            if index == plan.cancelled:
                self._at(meeting.starts_at - timedelta(days=6))
                scheduling.cancel_meeting(meeting=meeting, by=facilitator)
                continue
            self._between(learning_set, open_actions, until=meeting.starts_at - timedelta(hours=2))
            if index == 2 and plan.late_joiner is not None:
                self._at(meeting.starts_at - timedelta(days=8))
                newcomer = self.members[plan.late_joiner]
                self._join(learning_set, newcomer)
                people.append(newcomer)
            open_actions = self._hold(meeting, facilitator, people, index, plan, open_actions)

    def _join(self, learning_set: LearningSet, person: User) -> None:
        membership = sets.add_to_set(
            learning_set=learning_set, user=person, role=SetMembership.Role.MEMBER, by=self.admin
        )
        self.clock.shift(timedelta(hours=self.random.randint(2, 30)))
        sets.agree_contract(membership=membership)

    def _replies(self, meeting: Meeting, people: list[User], index: int, until: datetime) -> set[int]:
        """Most say they will be there a week before; one sends apologies; one never replies. Returns who sent
        apologies."""
        apologies = {people[(index * 2 + 1) % len(people)].pk} if index % 3 != 1 else set()
        silent = people[(index + 3) % len(people)].pk if index % 2 == 0 else None
        for position, person in enumerate(people):
            when = meeting.starts_at - timedelta(days=7) + timedelta(hours=5 * position)
            if person.pk == silent or when >= until:
                continue
            self._at(when)
            if person.pk in apologies:
                scheduling.reply(
                    meeting=meeting, user=person, rsvp=Attendance.Rsvp.APOLOGIES, note="On leave that week."
                )
            else:
                scheduling.reply(meeting=meeting, user=person, rsvp=Attendance.Rsvp.YES)
        return apologies

    def _issue_for(self, person: User, learning_set: LearningSet) -> str:
        """The issue a presenter brings: their open one again (it has a story), or their next."""
        owned = list(Issue.objects.filter(owner=person, learning_set=learning_set).order_by("created_at"))
        if owned and owned[-1].status == Issue.Status.OPEN:
            return owned[-1].title
        choices = ISSUES[self.members.index(person)]
        return choices[min(len(owned), len(choices) - 1)][0]

    def _hold(
        self, meeting: Meeting, facilitator: User, people: list[User], index: int, plan: SetPlan, open_actions
    ) -> list[Action]:
        """One meeting, run in the meeting room as a facilitator runs it. Returns the actions committed in it."""
        start = meeting.starts_at
        apologies = self._replies(meeting, people, index, until=start)
        here = [person for person in people if person.pk not in apologies]
        missing = here[-1] if index % 4 == 3 else None  # said nothing, did not come
        here = [person for person in here if person != missing]
        # The agenda, the day before: two or three presenters, taking turns.
        self._at(start - timedelta(days=1))
        count = 3 if len(here) >= 5 else 2
        offset = index * 2
        presenters = [here[(offset + n) % len(here)] for n in range(count)]
        presenters = list(dict.fromkeys(presenters))
        for person in presenters:
            live.add_slot(
                meeting=meeting,
                presenter=person,
                by=facilitator,
                issue_title=self._issue_for(person, meeting.learning_set),
            )
        runner = facilitator
        if index == plan.handed_over:
            runner = here[0]
            live.hand_over(meeting=meeting, to=runner, by=facilitator)
        # The meeting.
        self._at(start + timedelta(minutes=2))
        meeting = live.control_meeting(meeting_id=meeting.pk, by=runner, control=live.START, version=meeting.version)
        for position, person in enumerate([facilitator, *here]):
            if position == 2 and index % 2 == 1:
                continue  # arrives late, below
            recording.mark_present(meeting=meeting, user=person, present=True, by=runner)
        for position, person in enumerate(here[:3]):
            recording.write_checkin_note(
                meeting=meeting, user=person, note=CHECKINS[(index + position) % len(CHECKINS)]
            )
        if index % 2 == 1 and len(here) > 1:
            self._at(start + timedelta(minutes=12))
            recording.mark_present(meeting=meeting, user=here[1], present=True, by=runner)
        clock = start + timedelta(minutes=17)

        def control(name: str, **extra) -> Meeting:
            self._at(clock)
            return live.control_meeting(
                meeting_id=meeting.pk, by=runner, control=name, version=meeting.version, **extra
            )

        meeting = control("next")  # to the first presentation
        committed = []
        for slot_index, slot in enumerate(meeting.slots.select_related("issue", "presenter")):
            presenter = slot.presenter
            summaries = dict(ISSUES[self.members.index(presenter)])
            slot.meeting = meeting
            recording.update_issue(
                slot=slot,
                by=presenter,
                facilitating=False,
                title=slot.issue.title,
                summary=slot.issue.summary or summaries.get(slot.issue.title, ""),
            )
            clock += timedelta(minutes=11)
            meeting = control("next")  # questioning
            askers = [person for person in [facilitator, *here] if person != presenter]
            slot.meeting = meeting  # as it is now, in questioning
            for number in range(3):
                clock += timedelta(minutes=5)
                self._at(clock)
                recording.capture_question(
                    slot=slot,
                    by=askers[(index + number) % len(askers)],
                    text=QUESTIONS[(index * 3 + slot_index + number) % len(QUESTIONS)],
                )
            if (index + slot_index) % 4 == 0:
                meeting = control("extend", minutes=5)
                clock += timedelta(minutes=5)
            clock += timedelta(minutes=6)
            meeting = control("next")  # commitments
            clock += timedelta(minutes=3)
            self._at(clock)
            slot.meeting = meeting
            committed.append(
                recording.commit_action(
                    slot=slot,
                    by=presenter,
                    facilitating=False,
                    text=ACTIONS[(index * 3 + slot_index + self.members.index(presenter)) % len(ACTIONS)],
                )
            )
            clock += timedelta(minutes=3)
            meeting = control("next")  # the next presenter, or reflection
        if index % 3 == 2:
            meeting = control("pause")
            clock += timedelta(minutes=4)
            meeting = control("resume")
        # Reflection: a few write, some share; everyone rates the process.
        for position, person in enumerate(here):
            clock += timedelta(minutes=1)
            self._at(clock)
            if position < 3:
                situation, myself, relating = REFLECTIONS[(index + position) % len(REFLECTIONS)]
                recording.write_reflection(
                    meeting=meeting,
                    by=person,
                    situation=situation,
                    myself=myself,
                    relating=relating,
                    shared=position != 1,
                )
            went_well, do_better = RATINGS_WORDS[(index + position) % len(RATINGS_WORDS)] if position < 2 else ("", "")
            recording.rate_process(
                meeting=meeting,
                by=person,
                rating=self.random.choice((6, 7, 7, 8, 8, 8, 9, 9, 10)),
                went_well=went_well,
                do_better=do_better,
            )
        live.write_process_notes(
            meeting=meeting, by=facilitator, notes="Watch for advice dressed as questions; it crept in again."
        )
        clock += timedelta(minutes=8)
        meeting = control("next")  # ended
        self._journal(meeting, here)
        # Two days later, some who did not present commit to an action of their own.
        for position, person in enumerate(p for p in here if p not in presenters):
            if (index + position) % 2 == 0:
                self._at(start + timedelta(days=2, hours=position + 8))
                committed.append(
                    actions.add_own_action(
                        owner=person,
                        learning_set=meeting.learning_set,
                        text=OWN_ACTIONS[(index + position) % len(OWN_ACTIONS)],
                    )
                )
        return committed

    def _between(
        self, learning_set: LearningSet, committed: list[Action], until: datetime, next_meeting: datetime | None = None
    ) -> None:
        """What happens to last meeting's actions before `until`: progress, most done, a few dropped, some still
        open; words of support from set-mates; an issue resolved now and then."""
        events = []
        # Before an earlier meeting nearly every action was finished or dropped; before today's date many are
        # still under way.
        finished = 0.66 if next_meeting else 0.86
        for action in committed:
            roll = self.random.random()
            made = action.created_at
            gap = (next_meeting or until) - made  # until the next meeting (what comes after today is skipped)
            first = made + gap * self.random.uniform(0.15, 0.45)
            if roll < 0.92:
                events.append((first, action, "in_progress", PROGRESS[action.pk % len(PROGRESS)]))
            last = made + gap * self.random.uniform(0.55, 0.95)
            if roll < finished:
                events.append((last, action, "done", DONE[action.pk % len(DONE)]))
            elif roll < finished + 0.1:
                events.append((last, action, "dropped", DROPPED[action.pk % len(DROPPED)]))
        mates = [
            m.user for m in SetMembership.objects.current().filter(learning_set=learning_set).select_related("user")
        ]
        for when, action, status, note in sorted(events, key=lambda event: event[0]):
            if when >= until:
                continue
            self._at(when)
            update = actions.log_progress(action=action, by=action.owner, status=status, note=note)
            if update.pk % 2 == 0 and when + timedelta(hours=20) < until:
                others = [person for person in mates if person.pk != action.owner_id]
                self._at(when + timedelta(hours=20))
                actions.encourage(update=update, by=self.random.choice(others), text=SUPPORT[update.pk % len(SUPPORT)])
            if status == "done" and action.issue_id and action.pk % 3 == 0:
                issues.set_issue_status(issue=action.issue, by=action.owner, status=Issue.Status.RESOLVED)

    def _journal(self, meeting: Meeting, here: list[User]) -> None:
        """The day after, one or two people write in their journal; the first time, they share it with the set."""
        for position, person in enumerate(here[:2]):
            self._at(meeting.starts_at + timedelta(days=1, hours=position * 3 + 9))
            title, body, situation, myself, relating = JOURNAL[(meeting.pk + position) % len(JOURNAL)]
            entry = learning.write_entry(
                author=person,
                content=learning.EntryContent(
                    title=title,
                    body=body,
                    about_situation=situation,
                    about_self=myself,
                    about_relating=relating,
                    meeting=meeting,
                ),
            )
            if person.pk not in self.journal_written:
                learning.share_entry(entry=entry, by=person)
            self.journal_written.add(person.pk)

    def _publish_to_library(self) -> None:
        """Two learnings in the organisation's library: one named, from a journal entry; one anonymous, from a
        shared reflection. Through the preview, as a member publishes."""
        self._at(self.now - timedelta(days=9))
        sources = []
        entry = self.members[0].journal_entries.order_by("created_at").first()
        if entry is not None:
            sources.append((self.members[0], entry, "Ask before you fix", False))
        reflection = (
            Reflection.objects.filter(meeting__learning_set__name=SETS[1].name, shared=True)
            .select_related("author")
            .order_by("created_at")
            .first()
        )
        if reflection is not None:
            sources.append((reflection.author, reflection, "Nobody owned the problem, so I did", True))
        for author, source, title, anonymous in sources:
            draft = learning.make_draft(
                author=author,
                source=source,
                organisation=self.organisation,
                title=title,
                text=learning.compose_text(source),
                anonymous=anonymous,
            )
            learning.publish_previewed(author=author, token=learning.preview_token(draft))
