"""The meetings app's data: meetings and their series, replies and reminders, the live meeting's agenda, events
and what is recorded in it (questions, reflections, ratings), issues, and actions with their progress."""

import uuid
from datetime import timedelta

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone as django_timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.timezones import timezone_choices
from core.dates import DateRule
from core.encryption import EncryptedCharField, EncryptedTextField


class MeetingSeries(models.Model):
    """A recurring run of meetings (weekly, fortnightly, monthly on the same weekday, or every N weeks).

    The series keeps the local wall-clock start time and the zone, so its meetings stay at that local time across
    daylight-saving changes. Each meeting is its own row and can be moved or cancelled alone.
    """

    class Frequency(models.TextChoices):
        WEEKLY = "weekly", _("Every week")
        FORTNIGHTLY = "fortnightly", _("Every two weeks")
        MONTHLY = "monthly", _("Monthly, on the same weekday (e.g. the second Tuesday)")
        EVERY_N_WEEKS = "every_n_weeks", _("Every N weeks")

    learning_set = models.ForeignKey("sets.LearningSet", models.CASCADE, related_name="meeting_series")
    frequency = models.CharField(max_length=20, choices=Frequency)
    interval_weeks = models.PositiveSmallIntegerField(default=1)
    count = models.PositiveSmallIntegerField(null=True, blank=True)
    until = models.DateField(null=True, blank=True)
    timezone = models.CharField(max_length=64, choices=timezone_choices)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "meeting series"

    def __str__(self) -> str:
        return f"{self.get_frequency_display()} ({self.learning_set})"


# A meeting counts as upcoming until this long after its start (so a meeting running late is still on the list).
STILL_UPCOMING = timedelta(hours=3)


class MeetingQuerySet(models.QuerySet):
    """The rules that say which meetings count, named once."""

    def held(self):
        """Meetings that happen (or happened): every one not cancelled."""
        return self.exclude(status=Meeting.Status.CANCELLED)

    def upcoming(self):
        """Not ended, and starting no earlier than STILL_UPCOMING ago (cancelled ones included)."""
        return self.filter(starts_at__gte=django_timezone.now() - STILL_UPCOMING).exclude(status=Meeting.Status.ENDED)

    def past(self):
        """Started more than STILL_UPCOMING ago, whatever their status."""
        return self.filter(starts_at__lt=django_timezone.now() - STILL_UPCOMING)


class Meeting(models.Model):
    """One meeting of a set. Times are stored in UTC; `sequence` is the ICS SEQUENCE, bumped by every change
    that calendar programs must see (time, place, cancellation)."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        LIVE = "live", _("In progress")
        ENDED = "ended", _("Ended")
        CANCELLED = "cancelled", _("Cancelled")

    # A meeting's date, or a series' last date, as a person types it (core/dates.py): within five years. Two days
    # back at most, because the person's zone may be up to a day and more ahead of the set's; the scheduling
    # services refuse a start in the past to the minute. Checked by the scheduling forms (meetings/forms.py).
    DATE = DateRule(
        earliest=relativedelta(days=-2),
        latest=relativedelta(years=5),
        too_early=_("That day is in the past: a meeting must be in the future."),
        too_late=_("That day is too far ahead. Choose a day up to %(latest)s (within five years)."),
    )

    learning_set = models.ForeignKey("sets.LearningSet", models.CASCADE, related_name="meetings")
    series = models.ForeignKey(MeetingSeries, models.SET_NULL, null=True, blank=True, related_name="meetings")
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    starts_at = models.DateTimeField(_("starts at"))
    duration_minutes = models.PositiveSmallIntegerField(_("length (minutes)"), default=150)
    place = models.CharField(_("place"), max_length=200, blank=True)
    video_link = models.URLField(_("video link"), blank=True)
    status = models.CharField(max_length=20, choices=Status, default=Status.SCHEDULED)
    sequence = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # When the set was last emailed this meeting's time (scheduled or changed): a reminder due before then is
    # covered by that email and not sent (meetings/reminders.py).
    announced_at = models.DateTimeField(null=True, blank=True)

    # The live state (meetings/flow.py's State), changed only through live.control_meeting, which bumps
    # `version` so that a stale click is refused (the controls' compare-and-set).
    step_index = models.PositiveSmallIntegerField(null=True, blank=True)
    step_started_at = models.DateTimeField(null=True, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    paused_seconds = models.PositiveIntegerField(default=0)
    extra_minutes = models.PositiveSmallIntegerField(default=0)
    version = models.PositiveIntegerField(default=0)
    # Bumped by every write in the room (controls, agenda, check-in, issue, questions, actions, reflections,
    # ratings, hands, hand-over) through live_version.room_changed: what the room's poll compares (`?v=`).
    revision = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    summary_sent_at = models.DateTimeField(null=True, blank=True)
    # Sets often rotate facilitation: a member can run this one meeting (the set's facilitators still can too).
    facilitator = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("runs it")
    )
    # Who runs the current presenter's slot when that presenter chose someone (AirtimeSlot.run_by): set by
    # live.control_meeting as the meeting enters each step, so the permission check needs no query of its own.
    slot_runner = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    process_notes = EncryptedTextField(_("facilitator's process notes"), blank=True)

    objects = MeetingQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at"]
        indexes = [
            models.Index(fields=["learning_set", "starts_at"], name="meeting_set_start"),
            models.Index(fields=["status", "starts_at"], name="meeting_status_start"),
        ]

    def __str__(self) -> str:
        return f"{self.learning_set} on {self.starts_at:%Y-%m-%d %H:%M} UTC"

    @property
    def ends_at(self):
        return self.starts_at + timedelta(minutes=self.duration_minutes)

    @property
    def is_cancelled(self) -> bool:
        return self.status == self.Status.CANCELLED

    @property
    def has_started(self) -> bool:
        return self.starts_at <= django_timezone.now()


# What members bring is encrypted at rest (core/encryption.py): issue summaries, action texts and
# progress notes, questions, reflections, check-in notes, the words of process ratings, process notes.


class Issue(models.Model):
    """A problem a member brings to the set; it may be presented at several meetings. Confidential to the set."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        RESOLVED = "resolved", _("Resolved")
        SET_ASIDE = "set_aside", _("Set aside")

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="issues")
    learning_set = models.ForeignKey("sets.LearningSet", models.CASCADE, related_name="issues")
    title = models.CharField(_("title"), max_length=200)
    summary = EncryptedTextField(_("summary"), blank=True)
    status = models.CharField(max_length=20, choices=Status, default=Status.OPEN)
    created_at = models.DateTimeField(default=django_timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Issue {self.pk} of {self.owner_id}"


class AirtimeSlot(models.Model):
    """One presenter's turn in a meeting, with its planned minutes per step."""

    meeting = models.ForeignKey(Meeting, models.CASCADE, related_name="slots")
    presenter = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="airtime_slots")
    issue = models.ForeignKey(Issue, models.SET_NULL, null=True, blank=True, related_name="slots")
    order = models.PositiveSmallIntegerField(default=0)
    presentation_minutes = models.PositiveSmallIntegerField(default=10)
    questioning_minutes = models.PositiveSmallIntegerField(default=20)
    commitments_minutes = models.PositiveSmallIntegerField(default=5)
    bid_minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    bid_urgent = models.BooleanField(default=False)
    # When the person who runs the meeting presents, whoever they chose runs their slot.
    run_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("run by")
    )

    class Meta:
        ordering = ["order", "pk"]
        constraints = [models.UniqueConstraint(fields=["meeting", "presenter"], name="unique_slot_presenter")]

    def __str__(self) -> str:
        return f"Slot {self.order} of meeting {self.meeting_id}"


class MeetingEvent(models.Model):
    """Every transition of a live meeting: who did what, at which step, when (gives the real durations)."""

    meeting = models.ForeignKey(Meeting, models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20)
    step = models.CharField(max_length=40)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField(default=django_timezone.now)

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["meeting", "at"], name="meeting_event_time")]

    def __str__(self) -> str:
        return f"{self.kind} at {self.step} ({self.meeting_id})"


class Attendance(models.Model):
    """A person's reply for one meeting (and, from the live meeting on, whether they were there)."""

    class Rsvp(models.TextChoices):
        NONE = "none", _("No reply yet")
        YES = "yes", _("I'll be there")
        APOLOGIES = "apologies", _("Apologies")

    meeting = models.ForeignKey(Meeting, models.CASCADE, related_name="attendances")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="attendances")
    rsvp = models.CharField(max_length=20, choices=Rsvp, default=Rsvp.NONE)
    note = models.CharField(_("note"), max_length=500, blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    present = models.BooleanField(default=False)
    checked_in_at = models.DateTimeField(null=True, blank=True)
    checkin_note = EncryptedCharField(_("check-in note"), max_length=500, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["meeting", "user"], name="unique_attendance")]

    def __str__(self) -> str:
        return f"{self.user} for {self.meeting}: {self.rsvp}"


class Action(models.Model):
    """A commitment a member makes (in a meeting, or between meetings) and reports on at the next one."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")
        DROPPED = "dropped", _("Dropped")

    # A due date a person gives (core/dates.py): today or later in their zone, and within five years. Checked by
    # every service that takes one (meetings/actions.py, meetings/live.py's commit_action).
    DUE_DATE = DateRule(
        earliest=relativedelta(),
        latest=relativedelta(years=5),
        too_early=_("The due date is in the past. Choose today or a later day."),
        too_late=_("The due date is too far ahead. Choose a day up to %(latest)s (within five years)."),
    )

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="actions")
    learning_set = models.ForeignKey("sets.LearningSet", models.CASCADE, related_name="actions")
    meeting = models.ForeignKey(Meeting, models.SET_NULL, null=True, blank=True, related_name="actions")
    # The issue the action came from, when it was committed in a slot about an issue.
    issue = models.ForeignKey(Issue, models.SET_NULL, null=True, blank=True, related_name="actions")
    text = EncryptedTextField(_("action"))
    due_on = models.DateField(_("due"), null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status, default=Status.OPEN)
    created_at = models.DateTimeField(default=django_timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "created_at"]
        indexes = [models.Index(fields=["owner", "status"], name="action_owner_status")]

    def __str__(self) -> str:
        return f"Action {self.pk} of {self.owner_id}"


class ActionUpdate(models.Model):
    """Progress logged on an action between meetings."""

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", _("Not started")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        DROPPED = "dropped", _("Dropped")

    action = models.ForeignKey(Action, models.CASCADE, related_name="updates")
    # The action's set, copied when the update is saved (an action never changes set): the participation report
    # reads each (set, person)'s progress times from one index, without joining 100,000s of updates to their
    # actions (docs/reports.md). bulk_create must set it (bench/seed.py does).
    learning_set = models.ForeignKey(
        "sets.LearningSet", models.CASCADE, related_name="+", editable=False, db_index=False
    )  # indexed by action_update_set_author_time, which starts with it
    author = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="action_updates")
    note = EncryptedTextField(_("note"), blank=True)
    status_after = models.CharField(max_length=20, choices=Status, default=Status.IN_PROGRESS)
    created_at = models.DateTimeField(default=django_timezone.now)

    class Meta:
        ordering = ["created_at"]
        indexes = [
            models.Index(fields=["action", "created_at"], name="action_update_action_time"),
            models.Index(fields=["learning_set", "author", "created_at"], name="action_update_set_author_time"),
        ]

    def __str__(self) -> str:
        return f"Update {self.pk} on action {self.action_id}"

    def save(self, *args, **kwargs):
        if self.learning_set_id is None:
            self.learning_set_id = self.action.learning_set_id
        super().save(*args, **kwargs)


class Encouragement(models.Model):
    """A short word of support a set-mate leaves on someone's progress update. Confidential to the set."""

    MAX_LENGTH = 280

    update = models.ForeignKey(ActionUpdate, models.CASCADE, related_name="encouragements")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    text = EncryptedCharField(_("word of support"), max_length=MAX_LENGTH)
    created_at = models.DateTimeField(default=django_timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["update", "created_at"], name="encouragement_update_time")]

    def __str__(self) -> str:
        return f"Encouragement {self.pk} on update {self.update_id}"


class ReminderKind(models.TextChoices):
    """The two emails before a meeting, each an outbox kind (core/outbox.py, meetings/reminders.py) and an email
    preference a person can turn off with one click."""

    REMINDER = "reminder", _("Reminder")
    NUDGE = "nudge", _("Progress nudge")


# A kind inside a sentence ("You will get no more reminder emails."), worded by each language.
REMINDER_KIND_IN_A_SENTENCE = {
    ReminderKind.REMINDER: pgettext_lazy("a kind of email, in “no more reminder emails”", "reminder"),
    ReminderKind.NUDGE: pgettext_lazy("a kind of email, in “no more progress nudge emails”", "progress nudge"),
}


class Question(models.Model):
    """A question asked of a presenter during questioning, captured for them. Confidential to the set."""

    slot = models.ForeignKey(AirtimeSlot, models.CASCADE, related_name="questions")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, related_name="+")
    text = EncryptedTextField(_("question"))
    created_at = models.DateTimeField(default=django_timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"Question {self.pk} for slot {self.slot_id}"


class Reflection(models.Model):
    """What a member learned in a meeting: about the situation, about themselves, about how they think, act and
    relate to others. Private to its author unless shared with the set."""

    meeting = models.ForeignKey(Meeting, models.CASCADE, related_name="reflections")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="reflections")
    about_situation = EncryptedTextField(_("about the situation"), blank=True)
    about_self = EncryptedTextField(_("about myself"), blank=True)
    about_relating = EncryptedTextField(_("about how I think, act and relate to others"), blank=True)
    shared = models.BooleanField(_("share with the set"), default=False)
    # Written at the closing review of a set's last meeting: what one learned over the set's whole life.
    closing = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=django_timezone.now)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"Reflection {self.pk} by {self.author_id}"


class ProcessRating(models.Model):
    """ "How did we work as a set?" 1-10, with words that stay in the set (the number feeds reports)."""

    meeting = models.ForeignKey(Meeting, models.CASCADE, related_name="ratings")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    rating = models.PositiveSmallIntegerField()
    went_well = EncryptedTextField(_("what went well"), blank=True)
    do_better = EncryptedTextField(_("what to do better"), blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["meeting", "author"], name="unique_process_rating"),
            models.CheckConstraint(condition=Q(rating__gte=1, rating__lte=10), name="process_rating_1_to_10"),
        ]

    def __str__(self) -> str:
        return f"Rating {self.rating} for meeting {self.meeting_id}"


class RaisedHand(models.Model):
    """A member's raised hand during questioning: they would like to ask next. The queue is the open ones in the
    order raised; a hand is cleared by its owner, by the person running the meeting, or when the step moves on."""

    meeting = models.ForeignKey(Meeting, models.CASCADE, related_name="raised_hands")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="+")
    raised_at = models.DateTimeField(default=django_timezone.now)
    cleared_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["raised_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "user"], condition=Q(cleared_at=None), name="one_raised_hand_per_person"
            )
        ]
        indexes = [models.Index(fields=["meeting", "raised_at"], name="raised_hand_queue")]

    def __str__(self) -> str:
        return f"Hand of {self.user_id} in meeting {self.meeting_id}"
