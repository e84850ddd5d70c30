"""The live meeting room: the room itself (the agenda before the meeting, the stage and the current step's
workspace during it), the projector, the polled stage and workspace, the facilitator's controls and agenda, what
people record during the meeting, and the record afterwards. Reads come from meetings/room.py, writes from
meetings/live.py and meetings/term.py."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import versions
from core.errors import ServiceError
from core.form_tokens import DuplicateSubmission
from meetings import fragments, queries, recording, room, term
from meetings import live as live_services
from meetings.live_forms import RECORD_FORMS, AgendaForm, ControlForm
from meetings.live_version import remember_room, restore_version
from meetings.models import Meeting
from sets import permissions
from sets.versions import set_scope

SAVED_KIND = "live_saved_kind"


def _live_context(request, meeting, *, projector: bool = False) -> dict:
    """What the stage (step, presenter, issue, clock) shows; the same for the page and the polled partial."""
    return {
        "meeting": meeting,
        "learning_set": meeting.learning_set,
        "organisation": meeting.learning_set.organisation,
        **room.stage(meeting),
        "can_facilitate": permissions.can_run_meeting(request.user, meeting) and not projector,
        "projector": projector,
    }


def _workspace_context(request, meeting) -> dict:
    """What the current step asks of the person looking: check-in, the presenter's issue, actions, reflection."""
    context = _live_context(request, meeting)
    step, slot = context["step"], context["slot"]
    context["is_presenter"] = bool(slot and slot.presenter_id == request.user.pk)
    context |= room.running(meeting, request.user, context["can_facilitate"])
    if step is None:
        return context
    if step.phase == "checkin":
        context |= room.checkin(meeting, request.user)
        context["sees_reply_notes"] = permissions.can_facilitate(meeting.learning_set)  # as on the meeting page
    elif slot is not None:
        context |= room.presenting(meeting, slot)
        if step.phase == "questioning":
            context |= room.hands(meeting, request.user)
        context["not_here_yet"] = meeting.status == Meeting.Status.LIVE and not room.viewer_present(
            meeting, request.user
        )
    elif step.phase == "reflection":
        context |= room.reflecting(meeting, request.user)
        context["can_decide_term"] = context["closing_review"] and permissions.can_facilitate(meeting.learning_set)
    elif meeting.status == Meeting.Status.ENDED:
        context["reflections_close_at"] = recording.reflections_close_at(meeting)
        context["reflections_open"] = recording.reflections_open(meeting)
        if context["reflections_open"]:
            context |= room.reflecting(meeting, request.user)
    if context["can_facilitate"] and meeting.status == Meeting.Status.LIVE:
        context["to_come"] = room.still_to_come(meeting, context["slots"])
        # Whom the controls can be handed to: check-in has the set's people already.
        context["set_people"] = (
            sorted((m.user for m in context["people"]), key=lambda person: person.full_name)
            if "people" in context
            else room.people_to_hand_to(meeting)
        )
    return context


def _room_context(request, meeting, saved_kind: str = "") -> dict:
    """Everything the room page shows: the stage, the workspace, and the agenda before the meeting."""
    context = _workspace_context(request, meeting)
    context["saved_kind"] = saved_kind
    if meeting.status == Meeting.Status.SCHEDULED:
        context |= room.agenda(meeting, request.user, context["slots"])
    return context


def _cached_part(request, meeting, part: str, context, *parts, hint=None) -> str:
    """The room's `part` (a partial of live.html) for this viewer, from the cache while the meeting's revision and
    its set's version stand (meetings/fragments.py). The viewer (person, language, time zone) and whether they run
    the meeting are in the name: two people never share an entry, so a member never gets a facilitator's
    controls, nor anyone another's drafts, check-in or reflections. A one-minute time bucket bounds anything shown
    relative to now (the reflections' window after the meeting). `hint`: the view's, given to versions.expect
    before its permission check, so the part comes with the check's round trip."""
    name = versions.for_viewer(
        request,
        f"meetings:room-{part}",
        meeting.pk,
        meeting.revision,
        f"runs={permissions.can_run_meeting(request.user, meeting)}",
        versions.time_bucket(60),
        f"end={request.GET.get('end') == 'confirm'}",  # the End dialog shown open (the link without JS)
        *parts,
    )
    return fragments.cached_html(
        request, f"meetings/live.html#{part}", name, [set_scope(meeting.learning_set_id)], context, hint
    )


def live(request, meeting_id):
    # The plain meeting (a cheaper query than meetings_for_room's): on a hit nothing else of it is read; on a miss
    # who runs it is loaded when there is someone, and the viewer's attendance in the steps that show it.
    hint = ("meetings:room", request.user.pk, meeting_id)
    versions.expect(hint)
    meeting = permissions.object_in_own_set(request.user, Meeting.objects.all(), meeting_id, cache_as="meeting")
    remember_room(request.session, meeting.pk)
    # What was just saved, for static/js/drafts.js to drop its draft (set by live_record, shown once).
    saved_kind = request.session.pop(SAVED_KIND, "")
    room_html = _cached_part(
        request,
        meeting,
        "room",
        lambda: _room_context(request, meeting, saved_kind),
        f"saved={saved_kind}",
        hint=hint,
    )
    context = {
        "meeting": meeting,
        "learning_set": meeting.learning_set,
        "organisation": meeting.learning_set.organisation,
        "room_html": room_html,
    }
    return render(request, "meetings/live.html", context)


def _answer_in_place(request, meeting_id, *parts: str) -> HttpResponse | None:
    """An htmx control's answer instead of a redirect (None for a plain POST, which is redirected as ever): the
    room's `parts` that changed ("stage", "workspace", "agenda"), read again after the write and rendered as the
    room's GET renders them, then the page's messages. The form says which part it swaps in place and which it
    takes out of band (hx-select, hx-select-oob); the rest of the page (scroll, what is being typed) stays."""
    if not request.htmx:
        return None
    meeting = permissions.object_in_own_set(request.user, room.meetings_for_room(request.user), meeting_id)
    context = _room_context(request, meeting, request.session.pop(SAVED_KIND, "")) | {"answering": True}
    html = "".join(render_to_string(f"meetings/live.html#{part}", context, request) for part in parts)
    return HttpResponse(html + render_to_string("meetings/live.html#room-messages", context, request))


def projector(request, meeting_id):
    """The step, presenter and clock, large, for a screen in the room: no controls, no forms."""
    meeting = permissions.object_in_own_set(request.user, Meeting.objects.all(), meeting_id, cache_as="meeting")
    remember_room(request.session, meeting.pk)
    stage_html = _cached_part(
        request, meeting, "stage", lambda: _live_context(request, meeting, projector=True), "projector=True"
    )
    context = {"meeting": meeting, "learning_set": meeting.learning_set, "stage_html": stage_html}
    return render(request, "meetings/projector.html", context)


def live_state(request, meeting_id):
    """Polled every ~2 s by every participant with the revision it shows (`?v=`). An unchanged state for a session
    already let into the room is answered by meetings.middleware.LiveStatePollMiddleware before it gets here.
    Otherwise the full permission check runs first (from the cache while the viewer's and the set's versions stand:
    sets/permissions.py), and everyone but the set's own people gets a 404, as for a meeting that does not exist.
    The revision is the meeting's own, read with it; it goes back in the cache if the middleware found it missing."""
    projector = bool(request.GET.get("p"))
    hint = ("meetings:stage", request.user.pk, meeting_id, projector)
    versions.expect(hint)
    try:
        # The stage needs neither who runs the meeting nor the viewer's attendance: the plain meeting.
        meeting = permissions.object_in_own_set(request.user, Meeting.objects.all(), meeting_id, cache_as="meeting")
    except PermissionDenied:
        raise Http404 from None
    if not getattr(request, "live_revision_cached", False):
        restore_version(meeting.pk, meeting.revision)
    if request.GET.get("v") == str(meeting.revision):
        return HttpResponse(status=304)
    context = lambda: _live_context(request, meeting, projector=projector)  # noqa: E731
    return HttpResponse(_cached_part(request, meeting, "stage", context, f"projector={projector}", hint=hint))


@require_POST
def live_control(request, meeting_id):
    meeting = permissions.meeting_for_runner(request.user, room.meetings_for_room(request.user), meeting_id)
    data = ControlForm(request.POST).checked()
    try:
        live_services.control_meeting(
            meeting_id=meeting.pk, by=request.user, control=data["control"], version=data["version"]
        )
    except ServiceError as error:
        messages.error(request, str(error))
    return _answer_in_place(request, meeting.pk, "stage") or redirect("meetings:live", meeting_id=meeting.pk)


@require_POST
def agenda(request, meeting_id):
    """Add a presenter, remove one, or move one up or down the running order (during the meeting, those still to
    come); hand the meeting to someone, or choose who runs a presenter's slot (before it or during it)."""
    meeting = permissions.meeting_for_runner(request.user, room.meetings_for_room(request.user), meeting_id)
    try:
        data = AgendaForm(request.POST).checked()
        action = data["action"]
        if action == "hand-over":  # whoever runs the meeting hands it on, before it or during it
            person = queries.person(data["facilitator"])
            live_services.hand_over(meeting=meeting, to=person, by=request.user)
        elif action == "add":
            presenter = queries.person(data["presenter"])
            if presenter is None:
                raise ServiceError(_("Choose who presents."))
            live_services.add_slot(
                meeting=meeting, presenter=presenter, by=request.user, issue_title=data["issue_title"]
            )
        else:
            slot = room.slot_of(meeting, data["slot"])
            if slot is None:
                raise Http404
            if action == "slot-runner":
                person = queries.person(data["facilitator"])
                live_services.choose_slot_runner(slot=slot, to=person, by=request.user)
            elif action == "remove":
                live_services.remove_slot(slot=slot, by=request.user)
            elif action in ("up", "down"):
                live_services.move_slot(slot=slot, by=request.user, earlier=action == "up")
    except ServiceError as error:
        messages.error(request, str(error))
    # Before the meeting the agenda section changed; during it, the running order in the workspace.
    part = "agenda" if meeting.status == Meeting.Status.SCHEDULED else "workspace"
    return _answer_in_place(request, meeting.pk, part, "stage") or redirect("meetings:live", meeting_id=meeting.pk)


def live_workspace(request, meeting_id):
    """The current step's workspace, polled like the stage with the revision it shows (`?v=`): a question
    captured, an issue saved, an action committed or a hand raised reaches every screen within the step. What
    someone is typing is kept by static/js/drafts.js across the swap."""
    meeting = permissions.object_in_own_set(request.user, Meeting.objects.all(), meeting_id, cache_as="meeting")
    if request.GET.get("v") == str(meeting.revision):
        return HttpResponse(status=304)
    return HttpResponse(_cached_part(request, meeting, "workspace", lambda: _workspace_context(request, meeting)))


# What is recorded during the meeting: one handler per `kind`, each given the kind's form (meetings/live_forms.py)
# once it has read the POST. A handler raises PermissionDenied or Http404 where the person or the slot is not
# theirs, and ServiceError (the form's own error included) for the page's message.


def _slot(meeting, form):
    """The form's slot, which must be one of this meeting's: otherwise a 404."""
    slot = room.slot_of(meeting, form.cleaned_data["slot"])
    if slot is None:
        raise Http404
    return slot


def _record_bid(request, meeting, form, facilitating):
    data = form.checked()
    live_services.bid_for_time(
        meeting=meeting,
        by=request.user,
        minutes=data["minutes"],
        urgent=data["urgent"],
        issue_title=data["issue_title"],
        form_token=data["form_token"],
    )


def _record_term(request, meeting, form, facilitating):
    if not permissions.can_facilitate(meeting.learning_set) or not term.is_last_of_term(meeting):
        raise PermissionDenied
    term.decide_term(meeting=meeting, by=request.user, decision=form.checked()["decision"])


def _record_process_notes(request, meeting, form, facilitating):
    if not facilitating:
        raise PermissionDenied
    live_services.write_process_notes(meeting=meeting, by=request.user, notes=form.checked()["notes"])


def _record_present(request, meeting, form, facilitating):
    if not facilitating:
        raise PermissionDenied
    data = form.checked()
    person = room.person_in_set(meeting, data["user"])
    if person is None:
        raise Http404
    recording.mark_present(meeting=meeting, user=person, present=data["present"], by=request.user)


def _record_here(request, meeting, form, facilitating):
    form.checked()
    recording.check_in_myself(meeting=meeting, by=request.user)  # only ever the person asking


def _record_present_expected(request, meeting, form, facilitating):
    if not facilitating:
        raise PermissionDenied
    form.checked()
    recording.mark_expected_present(meeting=meeting, by=request.user)


def _record_hand(request, meeting, form, facilitating):
    if form.checked()["raised"]:
        recording.raise_hand(meeting=meeting, by=request.user)
    else:
        recording.clear_hands(meeting=meeting, by=request.user, user=request.user)


def _record_clear_hands(request, meeting, form, facilitating):
    if not facilitating:
        raise PermissionDenied
    user_id = form.checked()["user"]
    person = room.person_in_set(meeting, user_id) if user_id else None
    if user_id and person is None:
        raise Http404
    recording.clear_hands(meeting=meeting, by=request.user, user=person)


def _record_checkin(request, meeting, form, facilitating):
    recording.write_checkin_note(meeting=meeting, user=request.user, note=form.checked()["note"])


def _record_issue(request, meeting, form, facilitating):
    slot = _slot(meeting, form)
    data = form.checked()
    recording.update_issue(
        slot=slot, by=request.user, facilitating=facilitating, title=data["title"], summary=data["summary"]
    )


def _record_action(request, meeting, form, facilitating):
    slot = _slot(meeting, form)
    data = form.checked()  # a due date that is not a date stops here, before the service
    recording.commit_action(
        slot=slot,
        by=request.user,
        facilitating=facilitating,
        text=data["text"],
        due_on=data["due_on"],
        form_token=data["form_token"],
    )


def _record_question(request, meeting, form, facilitating):
    slot = _slot(meeting, form)
    data = form.checked()
    recording.capture_question(slot=slot, by=request.user, text=data["text"], form_token=data["form_token"])


def _record_reflection(request, meeting, form, facilitating):
    data = form.checked()
    recording.write_reflection(
        meeting=meeting,
        by=request.user,
        situation=data["about_situation"],
        myself=data["about_self"],
        relating=data["about_relating"],
        shared=data["shared"],
        closing=data["closing"],
        form_token=data["form_token"],
    )


def _record_rating(request, meeting, form, facilitating):
    data = form.checked()
    recording.rate_process(
        meeting=meeting,
        by=request.user,
        rating=data["rating"],
        went_well=data["went_well"],
        do_better=data["do_better"],
    )


RECORDERS = {
    "bid": _record_bid,
    "term": _record_term,
    "process_notes": _record_process_notes,
    "present": _record_present,
    "here": _record_here,
    "present_expected": _record_present_expected,
    "checkin": _record_checkin,
    "hand": _record_hand,
    "clear_hands": _record_clear_hands,
    "issue": _record_issue,
    "action": _record_action,
    "question": _record_question,
    "reflection": _record_reflection,
    "rating": _record_rating,
}


@require_POST
def live_record(request, meeting_id):
    """Everything written during the meeting goes through here, one `kind` at a time."""
    meeting = permissions.object_in_own_set(request.user, room.meetings_for_room(request.user), meeting_id)
    facilitating = permissions.can_run_meeting(request.user, meeting)
    kind = request.POST.get("kind")
    try:
        if kind not in RECORDERS:
            raise ServiceError(_("Nothing to record."))
        form = RECORD_FORMS[kind](request.POST)
        form.is_valid()
        RECORDERS[kind](request, meeting, form, facilitating)
        messages.success(request, _("Saved."))
        request.session[SAVED_KIND] = kind
    except DuplicateSubmission as duplicate:
        messages.info(request, str(duplicate))
        request.session[SAVED_KIND] = kind
    except ServiceError as error:
        messages.error(request, str(error))
    return _answer_in_place(request, meeting.pk, "workspace") or redirect("meetings:live", meeting_id=meeting.pk)


def record(request, meeting_id):
    """After the meeting: who came, who presented what, the actions, shared reflections and the real minutes."""
    meeting = permissions.object_in_own_set(request.user, room.meetings_for_room(request.user), meeting_id)
    context = _live_context(request, meeting)
    context |= room.record(meeting, request.user, context["slots"])
    context["show_process_notes"] = permissions.can_run_meeting(request.user, meeting)
    return render(request, "meetings/record.html", context)
