"""Scheduling pages: schedule, a set's meetings, a meeting's page, replies, moving and cancelling a meeting, the
home's next meetings, a person's calendar feed and the one-click unsubscribe from reminder emails."""

import zoneinfo

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from accounts import services as account_services
from core import versions
from core.errors import ServiceError
from core.form_tokens import DuplicateSubmission
from meetings import emails, fragments, ics, queries, scheduling
from meetings.forms import SCOPE_REST, CancelForm, ReplyForm, RescheduleForm, ScheduleForm
from meetings.models import REMINDER_KIND_IN_A_SENTENCE, Attendance, Meeting
from sets import permissions
from sets.queries import ids_of, my_ids
from sets.versions import set_scope


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
    """A set's meetings: upcoming and recent. Its people reply from here. The list is cached per viewer on the
    set's version and a one-minute time bucket ("in 3 days", what is upcoming and what is past)."""
    compact = bool(request.htmx)
    hint = ("meetings:set-meetings", request.user.pk, set_id, compact)
    versions.expect(hint)  # the list comes with the permission check's round trip
    learning_set = permissions.set_for_viewer(request.user, set_id)
    can_facilitate = permissions.can_facilitate(learning_set)
    in_set = learning_set.viewer_role is not None

    def meetings() -> dict:
        return {
            "learning_set": learning_set,
            "organisation": learning_set.organisation,
            "upcoming": list(queries.upcoming_for_set(learning_set, request.user, limit=52)),
            "past": queries.past_for_set(learning_set),
            "can_facilitate": can_facilitate,
            "in_set": in_set,
            "compact": compact,
        }

    part = "upcoming" if compact else "meetings"
    name = versions.for_viewer(
        request,
        f"meetings:set-meetings-{part}",
        learning_set.pk,
        f"facilitates={can_facilitate}",
        f"in_set={in_set}",
        versions.time_bucket(60),
    )
    html = fragments.cached_html(
        request, f"meetings/set_meetings.html#{part}", name, [set_scope(learning_set.pk)], meetings, hint
    )
    if compact:
        return HttpResponse(html)
    context = {"learning_set": learning_set, "organisation": learning_set.organisation, "meetings_html": html}
    return render(request, "meetings/set_meetings.html", context)


def my_upcoming(request):
    """The home page's "next meetings" panel (loaded with htmx): the next meeting of each of my sets. Cached per
    viewer on the versions of the sets they are in (which sets is part of the name: joining one is a new entry)
    and a one-minute time bucket (the countdowns, "starting now")."""
    set_ids, _ = my_ids(request)
    name = versions.for_viewer(request, "meetings:my-upcoming", f"sets={set_ids}", versions.time_bucket(60))
    scopes = [set_scope(pk) for pk in set_ids]
    html = fragments.cached_html(
        request,
        "meetings/my_upcoming.html",
        name,
        scopes,
        lambda: {"meetings": queries.next_meeting_per_set(request.user, set_ids)},
    )
    return HttpResponse(html)


def detail(request, meeting_id):
    """A meeting's page. What everyone in the set sees of it (when, where, replies, the viewer's own reply) is
    cached per viewer on the set's version and a one-minute time bucket ("in 3 days", replies open until it
    starts); the facilitators' log of emails sent is read on each request (the outbox is not in the set's
    version)."""
    hint = ("meetings:meeting", request.user.pk, meeting_id)
    versions.expect(hint)  # the details come with the permission check's round trip
    meeting = permissions.object_in_visible_set(request.user, Meeting.objects.all(), meeting_id, cache_as="meeting")
    learning_set = meeting.learning_set
    can_facilitate = permissions.can_facilitate(learning_set)
    in_set = learning_set.viewer_role is not None

    def details() -> dict:
        people, replies = queries.meeting_people(meeting)
        mine = replies.get(request.user.pk)
        return {
            "meeting": meeting,
            "learning_set": learning_set,
            "people": people,
            "my_reply": mine,
            "in_set": in_set,
            "can_facilitate": can_facilitate,
            "open_for_replies": meeting.status == Meeting.Status.SCHEDULED and not meeting.has_started,
            "reply_form": ReplyForm(initial={"rsvp": mine.rsvp if mine else None, "note": mine.note if mine else ""}),
            "counts": {
                "yes": sum(1 for a in replies.values() if a.rsvp == Attendance.Rsvp.YES),
                "apologies": sum(1 for a in replies.values() if a.rsvp == Attendance.Rsvp.APOLOGIES),
            },
        }

    name = versions.for_viewer(
        request,
        "meetings:meeting",
        meeting.pk,
        f"facilitates={can_facilitate}",
        f"in_set={in_set}",
        versions.time_bucket(60),
    )
    context = {
        "meeting": meeting,
        "learning_set": learning_set,
        "organisation": learning_set.organisation,
        "can_facilitate": can_facilitate,
        "details_html": fragments.cached_html(
            request, "meetings/meeting_detail.html#details", name, [set_scope(learning_set.pk)], details, hint
        ),
    }
    if can_facilitate:
        context["emails"] = queries.meeting_emails(meeting)
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
        meeting.my_attendance = queries.my_reply(meeting, request.user)
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
    """A person's private calendar feed. Only a current token answers; anything else is a 404. The calendar is
    cached on the versions of the person's sets (which sets is part of the name), their language and a
    five-minute time bucket (the feed's window of 60 days back moves with time; calendar programs are told to
    keep it five minutes too); its owner and their sets' ids are kept on the owner's version."""
    owner = queries.feed_owner(request, token)
    if owner is None:
        raise Http404
    pk, language = owner
    set_ids, _ = ids_of(request, pk)

    def calendar() -> bytes:
        user = queries.person(pk)
        with translation.override(language):  # the owner's words, not the calendar app's
            return ics.calendar(queries.feed_meetings(user), method=ics.PUBLISH, name="actionlearning")

    name = f"meetings:feed|user={pk}|{language}|sets={set_ids}|{versions.time_bucket(300)}"
    body = versions.cached(name, [set_scope(set_pk) for set_pk in set_ids], calendar)
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
    user = queries.person(user_id)
    if user is None:
        raise Http404
    label = REMINDER_KIND_IN_A_SENTENCE[kind]
    if request.method == "POST":
        account_services.set_email_preference(user=user, kind=kind, enabled=False)
        return render(request, "meetings/unsubscribed.html", {"kind_label": label, "done": True})
    return render(request, "meetings/unsubscribed.html", {"kind_label": label, "token": token, "done": False})
