import zoneinfo

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from accounts import services as account_services
from accounts.models import User
from core.errors import ServiceError
from core.form_tokens import DuplicateSubmission
from meetings import emails, ics, queries, scheduling, term
from meetings.forms import SCOPE_REST, CancelForm, ReplyForm, RescheduleForm, ScheduleForm
from meetings.live_version import remember_room, restore_version
from meetings.models import Attendance, Issue, Meeting, Reminder
from sets import permissions
from sets.models import SetMembership, current_membership


def schedule(request, set_id):
    learning_set = permissions.set_for_facilitator(request.user, set_id)
    initial = {
        "duration_minutes": learning_set.meeting_duration_minutes,
        "place": learning_set.meeting_place,
        "video_link": learning_set.meeting_video_link,
        "time": "09:30",
    }
    form = ScheduleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            meetings = scheduling.schedule_meetings(
                learning_set=learning_set,
                by=request.user,
                details=form.details(),
                repeat=form.rule(),
                form_token=request.POST.get("form_token", ""),
            )
        except DuplicateSubmission as duplicate:
            messages.info(request, str(duplicate))
            return redirect("meetings:set-meetings", set_id=learning_set.pk)
        except ServiceError as error:
            form.add_error(None, str(error))
        else:
            count = len(meetings)
            messages.success(
                request,
                _("%(count)d meetings scheduled; everyone in the set gets a calendar invitation.") % {"count": count}
                if count > 1
                else _("Meeting scheduled; everyone in the set gets a calendar invitation."),
            )
            return redirect("meetings:set-meetings", set_id=learning_set.pk)
    return render(
        request,
        "meetings/schedule.html",
        {"learning_set": learning_set, "organisation": learning_set.organisation, "form": form},
    )


def set_meetings(request, set_id):
    """A set's meetings: upcoming and recent. Its people reply from here."""
    learning_set = permissions.set_for_viewer(request.user, set_id)
    upcoming = list(queries.upcoming_for_set(learning_set, request.user, limit=52))
    past = list(
        learning_set.meetings.filter(starts_at__lt=timezone.now() - timezone.timedelta(hours=3)).order_by("-starts_at")[
            :12
        ]
    )
    template = "meetings/set_meetings.html#upcoming" if request.htmx else "meetings/set_meetings.html"
    return render(
        request,
        template,
        {
            "learning_set": learning_set,
            "organisation": learning_set.organisation,
            "upcoming": upcoming,
            "past": past,
            "can_facilitate": permissions.can_facilitate(learning_set),
            "in_set": learning_set.viewer_role is not None,
            "set_tz": zoneinfo.ZoneInfo(learning_set.timezone),
            "compact": bool(request.htmx),
        },
    )


def my_upcoming(request):
    """The home page's "next meetings" panel (loaded with htmx): the next meeting of each of my sets."""
    return render(request, "meetings/my_upcoming.html", {"meetings": queries.next_meeting_per_set(request.user)})


def detail(request, meeting_id):
    meeting = permissions.object_in_visible_set(request.user, Meeting.objects.all(), meeting_id)
    learning_set = meeting.learning_set
    people = list(
        SetMembership.objects.current()
        .filter(learning_set=learning_set)
        .select_related("user")
        .order_by("role", "user__full_name")
    )
    replies = {a.user_id: a for a in meeting.attendances.all()}
    for membership in people:
        membership.reply = replies.get(membership.user_id)
    mine = replies.get(request.user.pk)
    context = {
        "meeting": meeting,
        "learning_set": learning_set,
        "organisation": learning_set.organisation,
        "people": people,
        "my_reply": mine,
        "in_set": learning_set.viewer_role is not None,
        "can_facilitate": permissions.can_facilitate(learning_set),
        "set_tz": zoneinfo.ZoneInfo(learning_set.timezone),
        "open_for_replies": meeting.status == Meeting.Status.SCHEDULED and not meeting.has_started,
        "reply_form": ReplyForm(initial={"rsvp": mine.rsvp if mine else None, "note": mine.note if mine else ""}),
        "counts": {
            "yes": sum(1 for a in replies.values() if a.rsvp == Attendance.Rsvp.YES),
            "apologies": sum(1 for a in replies.values() if a.rsvp == Attendance.Rsvp.APOLOGIES),
        },
    }
    if context["can_facilitate"]:
        context["reminders"] = meeting.reminders.select_related("user").order_by("-due_at", "user__full_name")[:200]
    return render(request, "meetings/meeting_detail.html", context)


@require_POST
def reply(request, meeting_id):
    meeting = permissions.object_in_own_set(request.user, Meeting.objects.all(), meeting_id)
    form = ReplyForm(request.POST)
    error = ""
    if not form.is_valid():
        error = _("Choose “I'll be there” or “Apologies”.")
    else:
        try:
            scheduling.reply(
                meeting=meeting, user=request.user, rsvp=form.cleaned_data["rsvp"], note=form.cleaned_data["note"]
            )
        except ServiceError as problem:
            error = str(problem)
    if request.htmx:  # from the home page's "next meetings": swap that meeting's row
        meeting.my_attendance = list(Attendance.objects.filter(meeting=meeting, user=request.user))
        context = {"meeting": meeting, "error": error, "saved": not error}
        return render(request, "meetings/my_upcoming.html#meeting-row", context)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("Thank you: your reply is saved."))
    return redirect("meetings:detail", meeting_id=meeting.pk)


def edit(request, meeting_id):
    meeting = permissions.object_in_facilitated_set(request.user, Meeting.objects.all(), meeting_id)
    tz = zoneinfo.ZoneInfo(meeting.learning_set.timezone)
    local = timezone.localtime(meeting.starts_at, tz)
    initial = {
        "date": local.date(),
        "time": local.time().replace(second=0, microsecond=0),
        "duration_minutes": meeting.duration_minutes,
        "place": meeting.place,
        "video_link": meeting.video_link,
    }
    form = RescheduleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            changed = scheduling.reschedule_meeting(
                meeting=meeting,
                by=request.user,
                details=form.details(),
                rest_of_series=form.cleaned_data["scope"] == SCOPE_REST,
            )
        except ServiceError as error:
            form.add_error(None, str(error))
        else:
            if changed:
                messages.success(request, _("Saved; everyone in the set gets the updated invitation."))
            else:
                messages.info(request, _("Nothing changed."))
            return redirect("meetings:detail", meeting_id=meeting.pk)
    return render(
        request,
        "meetings/meeting_edit.html",
        {
            "meeting": meeting,
            "learning_set": meeting.learning_set,
            "organisation": meeting.learning_set.organisation,
            "form": form,
        },
    )


def cancel(request, meeting_id):
    meeting = permissions.object_in_facilitated_set(request.user, Meeting.objects.all(), meeting_id)
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            cancelled = scheduling.cancel_meeting(
                meeting=meeting, by=request.user, rest_of_series=form.cleaned_data["scope"] == SCOPE_REST
            )
        except ServiceError as error:
            messages.error(request, str(error))
            return redirect("meetings:detail", meeting_id=meeting.pk)
        messages.success(
            request,
            _("%(count)d meetings cancelled; everyone in the set is told.") % {"count": len(cancelled)}
            if len(cancelled) > 1
            else _("Meeting cancelled; everyone in the set is told."),
        )
        return redirect("meetings:set-meetings", set_id=meeting.learning_set_id)
    return render(
        request,
        "meetings/meeting_cancel.html",
        {
            "meeting": meeting,
            "learning_set": meeting.learning_set,
            "organisation": meeting.learning_set.organisation,
            "form": form,
        },
    )


@login_not_required
def feed(request, token):
    """A person's private calendar feed. Only a current token answers; anything else is a 404."""
    user = User.objects.filter(calendar_token=token, is_active=True).first() if token else None
    if user is None:
        raise Http404
    body = ics.calendar(queries.feed_meetings(user), method=ics.PUBLISH, name="actionlearning")
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="actionlearning.ics"'
    response["Cache-Control"] = "private, max-age=300"
    return response


@login_not_required
@csrf_exempt  # the signed token is the credential; mail programs' one-click unsubscribe POSTs without a form
def unsubscribe(request, token):
    found = emails.read_unsubscribe_token(token)
    if found is None:
        raise Http404
    user_id, kind = found
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        raise Http404
    label = Reminder.Kind(kind).label
    if request.method == "POST":
        account_services.set_email_preference(user=user, kind=kind, enabled=False)
        return render(request, "meetings/unsubscribed.html", {"kind_label": label, "done": True})
    return render(request, "meetings/unsubscribed.html", {"kind_label": label, "token": token, "done": False})


# The live meeting


def _live_context(request, meeting, *, projector: bool = False) -> dict:
    """What the stage (step, presenter, issue, clock) shows; the same for the page and the polled partial."""
    from meetings import flow, live

    slots = list(meeting.slots.select_related("presenter", "issue"))
    plan = live.plan_for(meeting, slots)
    state = live.state_of(meeting)
    step = flow.current(state, plan) if state else None
    now = timezone.now()
    context = {
        "meeting": meeting,
        "learning_set": meeting.learning_set,
        "organisation": meeting.learning_set.organisation,
        "slots": slots,
        "steps": plan.steps(),
        "state": state,
        "step": step,
        "slot": slots[step.slot] if step and step.slot is not None else None,
        "can_facilitate": permissions.can_run_meeting(request.user, meeting) and not projector,
        "projector": projector,
        "now": now,
    }
    if state:
        context |= {
            "deadline": flow.deadline(state, plan),
            "seconds_left": flow.time_left(state, plan, now),
            "overrun": flow.overrun(state, plan, now),
            "planned_minutes": plan.minutes(step) + state.extra_minutes,
        }
    return context


def live(request, meeting_id):
    meeting = permissions.object_in_own_set(request.user, Meeting.objects.all(), meeting_id)
    remember_room(request.session, meeting.pk)
    context = _workspace_context(request, meeting)
    if meeting.status == Meeting.Status.SCHEDULED:
        from meetings import live as live_services

        people = [
            m.user
            for m in SetMembership.objects.current()
            .filter(learning_set=meeting.learning_set)
            .select_related("user")
            .order_by("user__full_name")
        ]
        presenting = {slot.presenter_id for slot in context["slots"]}
        context |= {
            "candidates": [person for person in people if person.pk not in presenting],
            "set_people": people,
            "set_facilitates": permissions.can_facilitate(meeting.learning_set),
            "bidding": meeting.learning_set.airtime_mode == "bidding",
            "available_minutes": live_services.available_minutes(meeting),
            "asked_minutes": sum(slot.bid_minutes or 0 for slot in context["slots"]),
            "my_slot": next((slot for slot in context["slots"] if slot.presenter_id == request.user.pk), None),
            # Issues already brought to the set, offered as titles so an issue keeps its story across meetings.
            "open_issues": list(
                Issue.objects.filter(learning_set=meeting.learning_set, status=Issue.Status.OPEN)
                .only("owner_id", "title")
                .order_by("title")[:200]
            ),
        }
    return render(request, "meetings/live.html", context)


def projector(request, meeting_id):
    """The step, presenter and clock, large, for a screen in the room: no controls, no forms."""
    meeting = permissions.object_in_own_set(request.user, Meeting.objects.all(), meeting_id)
    remember_room(request.session, meeting.pk)
    return render(request, "meetings/projector.html", _live_context(request, meeting, projector=True))


def live_state(request, meeting_id):
    """Polled every ~2 s by every participant. An unchanged state for a session already let into the room is
    answered by meetings.middleware.LiveStatePollMiddleware before it gets here; otherwise one query checks
    membership and version (and puts the version back in the cache if it fell out). A changed state is rendered
    only after the full permission check."""

    row = (
        Meeting.objects.filter(current_membership("learning_set__memberships", user=request.user), pk=meeting_id)
        .values("version")
        .first()
    )
    if row is None:
        raise Http404
    restore_version(meeting_id, row["version"])
    if request.GET.get("v") == str(row["version"]):
        return HttpResponse(status=304)
    meeting = permissions.object_in_own_set(request.user, Meeting.objects.all(), meeting_id)
    return render(
        request, "meetings/live.html#stage", _live_context(request, meeting, projector=bool(request.GET.get("p")))
    )


@require_POST
def live_control(request, meeting_id):
    from meetings import live as live_services

    meeting = permissions.meeting_for_runner(request.user, Meeting.objects.all(), meeting_id)
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = -1
    try:
        live_services.control_meeting(
            meeting_id=meeting.pk, by=request.user, control=request.POST.get("control", ""), version=version
        )
    except ServiceError as error:
        messages.error(request, str(error))
    return redirect("meetings:live", meeting_id=meeting.pk)


@require_POST
def agenda(request, meeting_id):
    """Before the meeting: add a presenter, remove one, or move one up or down the running order."""
    from meetings import live as live_services
    from meetings.models import AirtimeSlot

    meeting = permissions.meeting_for_runner(request.user, Meeting.objects.all(), meeting_id)
    action = request.POST.get("action")
    try:
        if action == "hand-over":
            if not permissions.can_facilitate(meeting.learning_set):
                raise PermissionDenied
            person = User.objects.filter(pk=_number(request.POST, "facilitator")).first()
            live_services.hand_over(meeting=meeting, to=person, by=request.user)
        elif action == "add":
            presenter = User.objects.filter(pk=_number(request.POST, "presenter")).first()
            if presenter is None:
                raise ServiceError(_("Choose who presents."))
            live_services.add_slot(
                meeting=meeting, presenter=presenter, by=request.user, issue_title=request.POST.get("issue_title", "")
            )
        else:
            slot = AirtimeSlot.objects.filter(meeting=meeting, pk=_number(request.POST, "slot")).first()
            if slot is None:
                raise Http404
            slot.meeting = meeting
            if action == "remove":
                live_services.remove_slot(slot=slot, by=request.user)
            elif action in ("up", "down"):
                live_services.move_slot(slot=slot, by=request.user, earlier=action == "up")
    except ServiceError as error:
        messages.error(request, str(error))
    return redirect("meetings:live", meeting_id=meeting.pk)


def _workspace_context(request, meeting) -> dict:
    """What the current step asks of the person looking: check-in, the presenter's issue, actions, reflection."""
    from meetings.models import Action, Attendance, ProcessRating, Reflection

    context = _live_context(request, meeting)
    step, slot = context["step"], context["slot"]
    context["is_presenter"] = bool(slot and slot.presenter_id == request.user.pk)
    if step is None:
        return context
    if context["can_facilitate"] and meeting.status == Meeting.Status.LIVE:
        from meetings import live as live_services

        start = live_services._first_movable(meeting, context["slots"])
        context["to_come"] = context["slots"][start:]
    if step.phase == "checkin":
        people = list(
            SetMembership.objects.current()
            .filter(learning_set=meeting.learning_set)
            .select_related("user")
            .order_by("role", "user__full_name")
        )
        attendance = {a.user_id: a for a in Attendance.objects.filter(meeting=meeting)}
        open_actions: dict[int, list] = {}
        for action in (
            Action.objects.filter(learning_set=meeting.learning_set, status=Action.Status.OPEN)
            .exclude(meeting=meeting)
            .prefetch_related("updates")
            .order_by("owner_id", "created_at")[:300]
        ):
            updates = list(action.updates.all())  # prefetched, in time order
            action.latest_update = updates[-1] if updates else None
            open_actions.setdefault(action.owner_id, []).append(action)
        for membership in people:
            membership.attendance = attendance.get(membership.user_id)
            membership.open_actions = open_actions.get(membership.user_id, [])
        context["people"] = people
        context["my_attendance"] = attendance.get(request.user.pk)
    elif slot is not None:
        context["slot_actions"] = list(Action.objects.filter(meeting=meeting, owner_id=slot.presenter_id))
        context["questions"] = list(slot.questions.all())
    elif step.phase == "reflection":
        from meetings import live as live_services

        context["closing_review"] = term.is_last_of_term(meeting)
        context["can_decide_term"] = context["closing_review"] and permissions.can_facilitate(meeting.learning_set)
        context["my_reflections"] = list(Reflection.objects.filter(meeting=meeting, author=request.user))
        context["my_rating"] = ProcessRating.objects.filter(meeting=meeting, author=request.user).first()
    return context


def live_workspace(request, meeting_id):
    """The forms of the current step, polled like the stage but keyed on the step, so typing survives a pause
    or an added minute and is replaced only when the step changes."""
    meeting = permissions.object_in_own_set(request.user, Meeting.objects.all(), meeting_id)
    if request.GET.get("s") == str(meeting.step_index) and meeting.status == Meeting.Status.LIVE:
        return HttpResponse(status=304)
    return render(request, "meetings/live.html#workspace", _workspace_context(request, meeting))


def _number(data, name: str) -> int:
    """A whole number from a form, or 0 (which every service here refuses with its own message). Numbers beyond
    what the database holds are 0 too, so an id of 10**30 is "not found", never an overflow."""
    try:
        number = int(data.get(name, ""))
    except ValueError:
        return 0
    return number if -(2**63) < number < 2**63 else 0


@require_POST
def live_record(request, meeting_id):
    """Everything written during the meeting goes through here, one `kind` at a time."""
    from datetime import date

    from meetings import live as live_services
    from meetings.models import AirtimeSlot

    meeting = permissions.object_in_own_set(request.user, Meeting.objects.all(), meeting_id)
    facilitating = permissions.can_run_meeting(request.user, meeting)
    data, kind = request.POST, request.POST.get("kind")
    once = {"form_token": data.get("form_token", "")}  # for the services that create a record
    try:
        if kind == "bid":
            live_services.bid_for_time(
                meeting=meeting,
                by=request.user,
                minutes=_number(data, "minutes"),
                urgent=data.get("urgent") == "on",
                issue_title=data.get("issue_title", ""),
                **once,
            )
        elif kind == "term":
            if not permissions.can_facilitate(meeting.learning_set) or not term.is_last_of_term(meeting):
                raise PermissionDenied
            term.decide_term(meeting=meeting, by=request.user, decision=data.get("decision", ""))
        elif kind == "process_notes":
            if not facilitating:
                raise PermissionDenied
            live_services.write_process_notes(meeting=meeting, by=request.user, notes=data.get("notes", ""))
        elif kind == "present":
            if not facilitating:
                raise PermissionDenied
            person = get_object_or_404(
                User, pk=_number(data, "user"), set_memberships__learning_set=meeting.learning_set
            )
            live_services.mark_present(
                meeting=meeting, user=person, present=data.get("present") == "1", by=request.user
            )
        elif kind == "checkin":
            live_services.write_checkin_note(meeting=meeting, user=request.user, note=data.get("note", ""))
        elif kind in ("issue", "action", "question"):
            slot = get_object_or_404(AirtimeSlot, meeting=meeting, pk=_number(data, "slot"))
            slot.meeting = meeting
            if kind == "question":
                live_services.capture_question(slot=slot, by=request.user, text=data.get("text", ""), **once)
            elif kind == "issue":
                live_services.update_issue(
                    slot=slot,
                    by=request.user,
                    facilitating=facilitating,
                    title=data.get("title", ""),
                    summary=data.get("summary", ""),
                )
            else:
                try:
                    due = date.fromisoformat(data["due_on"]) if data.get("due_on") else None
                except ValueError:
                    raise ServiceError(_("Enter the due date as a date.")) from None
                live_services.commit_action(
                    slot=slot,
                    by=request.user,
                    facilitating=facilitating,
                    text=data.get("text", ""),
                    due_on=due,
                    **once,
                )
        elif kind == "reflection":
            live_services.write_reflection(
                meeting=meeting,
                by=request.user,
                situation=data.get("about_situation", ""),
                myself=data.get("about_self", ""),
                relating=data.get("about_relating", ""),
                shared=data.get("shared") == "on",
                closing=data.get("closing") == "1",
                **once,
            )
        elif kind == "rating":
            live_services.rate_process(
                meeting=meeting,
                by=request.user,
                rating=_number(data, "rating"),
                went_well=data.get("went_well", ""),
                do_better=data.get("do_better", ""),
            )
        else:
            raise ServiceError(_("Nothing to record."))
        messages.success(request, _("Saved."))
    except DuplicateSubmission as duplicate:
        messages.info(request, str(duplicate))
    except ServiceError as error:
        messages.error(request, str(error))
    return redirect("meetings:live", meeting_id=meeting.pk)


def record(request, meeting_id):
    """After the meeting: who came, who presented what, the actions, shared reflections and the real minutes."""
    from django.db.models import Avg, Q

    from meetings import live as live_services
    from meetings.models import Action, Attendance, Question, Reflection

    meeting = permissions.object_in_own_set(request.user, Meeting.objects.all(), meeting_id)
    context = _live_context(request, meeting)
    plan = live_services.plan_for(meeting, context["slots"])
    actual = live_services.actual_minutes(meeting)
    context |= {
        "attendance": Attendance.objects.filter(meeting=meeting, present=True).select_related("user"),
        "actions": Action.objects.filter(meeting=meeting).select_related("owner").order_by("owner__full_name"),
        "questions": Question.objects.filter(slot__meeting=meeting).select_related("slot__presenter"),
        "reflections": Reflection.objects.filter(meeting=meeting)
        .filter(Q(shared=True) | Q(author=request.user))
        .select_related("author"),
        "rating": meeting.ratings.aggregate(average=Avg("rating"))["average"],
        "show_process_notes": permissions.can_run_meeting(request.user, meeting),
        "minutes": [(step, plan.minutes(step), actual.get(step.key)) for step in plan.steps() if step.phase != "ended"],
    }
    return render(request, "meetings/record.html", context)


# Actions between meetings


def my_actions(request):
    from meetings.models import Action

    status = request.GET.get("status", "open")
    if status not in {"", *Action.Status.values}:
        status = "open"
    set_id = _number(request.GET, "set") or None
    context = {
        "actions": list(queries.my_actions(request.user, status=status, set_id=set_id)),
        "status": status,
        "set_id": set_id,
        "status_choices": Action.Status.choices,
        "sets": permissions.my_sets(request.user).filter(status="active").order_by("name"),
        "update_choices": _update_choices(),
        "today": timezone.localdate(),
    }
    return render(request, "meetings/my_actions.html", context)


def _update_choices():
    from meetings.models import ActionUpdate

    return ActionUpdate.Status.choices


def action_detail(request, action_id):
    """An action: where it was committed, and the timeline of its progress with set-mates' words of support."""
    from django.db.models import Prefetch

    from meetings.models import Action, Encouragement

    action = permissions.object_in_own_set(
        request.user, Action.objects.select_related("owner", "meeting", "issue"), action_id
    )
    updates = action.updates.select_related("author").prefetch_related(
        Prefetch("encouragements", queryset=Encouragement.objects.select_related("author"))
    )
    context = {
        "action": action,
        "learning_set": action.learning_set,
        "organisation": action.learning_set.organisation,
        "updates": updates.order_by("created_at", "pk")[:300],
        "can_edit": permissions.can_edit_action(request.user, action),
        "can_encourage": permissions.can_encourage(request.user, action),
        "update_choices": _update_choices(),
    }
    return render(request, "meetings/action_detail.html", context)


@require_POST
def action_update(request, action_id):
    """Log progress on an action; from the list this is an htmx request that swaps the action's row."""
    from meetings import actions as action_services
    from meetings.models import Action

    action = permissions.action_for_editor(request.user, Action.objects.select_related("meeting"), action_id)
    error, duplicate = "", False
    try:
        action_services.log_progress(
            action=action,
            by=request.user,
            status=request.POST.get("status", ""),
            note=request.POST.get("note", ""),
            form_token=request.POST.get("form_token", ""),
        )
    except DuplicateSubmission:
        duplicate = True  # the first submission saved it: the row shows it saved
    except ServiceError as problem:
        error = str(problem)
    if request.htmx:
        action.last_update_at = action.updates.order_by("-created_at").values_list("created_at", flat=True).first()
        context = {"action": action, "update_choices": _update_choices(), "error": error, "saved": not error}
        return render(request, "meetings/my_actions.html#action-row", context)
    if error:
        messages.error(request, error)
    elif duplicate:
        messages.info(request, str(DuplicateSubmission()))
    else:
        messages.success(request, _("Progress saved."))
    return redirect("meetings:action", action_id=action.pk)


def home_actions(request):
    """The home page's "my open actions" panel (loaded with htmx): overdue first, progress logged in place."""
    return render(
        request,
        "meetings/home_actions.html",
        {
            "actions": list(queries.my_actions(request.user, status="open")[:HOME_ACTIONS]),
            "update_choices": _update_choices(),
            "today": timezone.localdate(),
            "limit": HOME_ACTIONS,
        },
    )


HOME_ACTIONS = 8


def home_shared(request):
    """The home page's "from my sets since the last meeting" panel (loaded with htmx)."""
    return render(request, "meetings/home_shared.html", {"items": queries.shared_since_last_meeting(request.user)})


def action_new(request):
    """A member adds an action of their own between meetings, in one of their own sets."""
    from meetings import actions as action_services
    from meetings.forms import ActionForm

    sets = list(permissions.my_sets(request.user).filter(status="active").order_by("name"))
    issue_id = _number(request.POST, "issue") or _number(request.GET, "issue")
    issue = None
    if issue_id:  # an action on one of my issues (from the issue's page)
        issue = permissions.issue_for_owner(request.user, Issue.objects.all(), issue_id)
    initial = {"learning_set": issue.learning_set_id if issue else request.GET.get("set") or ""}
    if not initial["learning_set"] and len(sets) == 1:
        initial["learning_set"] = sets[0].pk
    form = ActionForm(request.POST or None, sets=sets, initial=initial)
    if request.method == "POST" and form.is_valid():
        learning_set = permissions.own_set_for_new_action(request.user, form.cleaned_data["learning_set"])
        if learning_set is None:
            form.add_error("learning_set", _("Choose one of your sets."))
        else:
            try:
                action = action_services.add_own_action(
                    owner=request.user,
                    learning_set=learning_set,
                    text=form.cleaned_data["text"],
                    due_on=form.cleaned_data["due_on"],
                    issue=issue,
                    form_token=request.POST.get("form_token", ""),
                )
            except DuplicateSubmission as duplicate:
                messages.info(request, str(duplicate))
                return redirect("meetings:my-actions")
            except ServiceError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("Action added. Log progress on it here or from your home page."))
                return redirect("meetings:action", action_id=action.pk)
    return render(request, "meetings/action_form.html", {"form": form, "has_sets": bool(sets), "issue": issue})


def action_edit(request, action_id):
    """The owner (or a facilitator of the set) rewords or re-dates an action."""
    from meetings import actions as action_services
    from meetings.forms import ActionForm
    from meetings.models import Action

    action = permissions.action_for_editor(request.user, Action.objects.select_related("owner"), action_id)
    form = ActionForm(request.POST or None, initial={"text": action.text, "due_on": action.due_on})
    if request.method == "POST" and form.is_valid():
        try:
            action_services.edit_action(
                action=action, by=request.user, text=form.cleaned_data["text"], due_on=form.cleaned_data["due_on"]
            )
        except ServiceError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Action saved."))
            return redirect("meetings:action", action_id=action.pk)
    return render(
        request,
        "meetings/action_form.html",
        {"form": form, "action": action, "learning_set": action.learning_set, "has_sets": True},
    )


@require_POST
def encourage(request, update_id):
    """A set-mate leaves a word of support on a progress update; with htmx the update's support list is swapped."""
    from meetings import actions as action_services
    from meetings.models import ActionUpdate

    update = permissions.update_for_encourager(
        request.user, ActionUpdate.objects.select_related("action", "author"), update_id
    )
    error = ""
    try:
        action_services.encourage(
            update=update,
            by=request.user,
            text=request.POST.get("text", ""),
            form_token=request.POST.get("form_token", ""),
        )
    except DuplicateSubmission:
        pass  # already there: show the list as it is
    except ServiceError as problem:
        error = str(problem)
    if request.htmx:
        context = {
            "update": update,
            "encouragements": update.encouragements.select_related("author"),
            "can_encourage": True,
            "error": error,
            "saved": not error,
            "typed": request.POST.get("text", "") if error else "",
        }
        return render(request, "meetings/encouragements.html", context)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("Your word of support is there for them to see."))
    return redirect("meetings:action", action_id=update.action_id)


# Issues across meetings


def my_issues(request):
    from meetings.models import Issue

    status = request.GET.get("status", "")
    if status not in {"", *Issue.Status.values}:
        status = ""
    issues = list(queries.my_issues(request.user, status=status))
    groups = [
        (value, label, [issue for issue in issues if issue.status == value]) for value, label in Issue.Status.choices
    ]
    context = {"groups": [g for g in groups if g[2]], "status": status, "status_choices": Issue.Status.choices}
    return render(request, "meetings/my_issues.html", context)


def issue_detail(request, issue_id):
    """An issue's whole story, for the set's own people (confidential: an admin outside the set gets 403)."""
    from meetings.models import Issue

    issue = permissions.object_in_own_set(request.user, Issue.objects.select_related("owner"), issue_id)
    context = {
        "issue": issue,
        "learning_set": issue.learning_set,
        "organisation": issue.learning_set.organisation,
        "can_edit": permissions.can_edit_issue(request.user, issue),
        "status_choices": issue.Status.choices,
        # Journal entries linked to this issue that the viewer may read (the learning app provides them).
        "linked_learning": queries.linked_learning(issue, request.user),
        **queries.issue_story(issue),
    }
    return render(request, "meetings/issue_detail.html", context)


def issue_edit(request, issue_id):
    from meetings import issues as issue_services
    from meetings.forms import IssueForm
    from meetings.models import Issue

    issue = permissions.issue_for_owner(request.user, Issue.objects.all(), issue_id)
    form = IssueForm(request.POST or None, initial={"title": issue.title, "summary": issue.summary})
    if request.method == "POST" and form.is_valid():
        try:
            issue_services.edit_issue(
                issue=issue, by=request.user, title=form.cleaned_data["title"], summary=form.cleaned_data["summary"]
            )
        except ServiceError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Issue saved."))
            return redirect("meetings:issue", issue_id=issue.pk)
    return render(
        request,
        "meetings/issue_form.html",
        {
            "form": form,
            "issue": issue,
            "learning_set": issue.learning_set,
            "organisation": issue.learning_set.organisation,
        },
    )


@require_POST
def issue_status(request, issue_id):
    from meetings import issues as issue_services
    from meetings.models import Issue

    issue = permissions.issue_for_owner(request.user, Issue.objects.all(), issue_id)
    try:
        issue_services.set_issue_status(issue=issue, by=request.user, status=request.POST.get("status", ""))
    except ServiceError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The issue is now “%(status)s”.") % {"status": issue.get_status_display()})
    return redirect("meetings:issue", issue_id=issue.pk)


# The set board


def board(request, set_id):
    """Every person's actions since the last meeting with their latest update, and who has not updated yet:
    what the facilitator prepares the next check-in from. The set's own people only."""
    learning_set = permissions.set_for_member(request.user, set_id)
    found = queries.board(learning_set)
    for membership in found["people"]:
        for action in membership.board_actions:
            action.learning_set = learning_set  # carries the viewer's roles
            action.can_encourage = permissions.can_encourage(request.user, action)
    context = {
        "learning_set": learning_set,
        "organisation": learning_set.organisation,
        "can_facilitate": permissions.can_facilitate(learning_set),
        "today": timezone.localdate(),
        **found,
    }
    return render(request, "meetings/board.html", context)
