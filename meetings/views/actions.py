"""Actions between meetings: my actions, an action's page and its progress, adding and editing one, words of
support, and the home page's "my open actions" and "from my sets" panels. Writes go through meetings/actions.py."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import fragments, versions
from core.errors import ServiceError
from core.form_tokens import DuplicateSubmission
from meetings import actions as action_services
from meetings import queries
from meetings.forms import ActionForm, whole_number
from meetings.models import Action, ActionUpdate, Issue
from sets import permissions
from sets.queries import my_set_scopes

HOME_ACTIONS = 8


def my_actions(request):
    """The viewer's own actions, cached for them on the versions of their sets (overdue and "2 days ago": per
    minute, and the date)."""
    status = request.GET.get("status", "open")
    if status not in {"", *Action.Status.values}:
        status = "open"
    set_id = whole_number(request.GET.get("set")) or None
    today = timezone.localdate()

    def build_context() -> dict:
        return {
            "actions": list(queries.my_actions(request.user, status=status, set_id=set_id)),
            "status": status,
            "set_id": set_id,
            "status_choices": Action.Status.choices,
            "sets": queries.active_sets(request.user),
            "update_choices": _update_choices(),
            "today": today,
        }

    name = versions.for_viewer(request, "my-actions", status, set_id, today, versions.time_bucket(60))
    content = fragments.render(
        request, "meetings/my_actions_content.html", build_context, name=name, scopes=my_set_scopes(request)
    )
    return render(request, "meetings/my_actions.html", {"content": content})


def _update_choices():
    return ActionUpdate.Status.choices


def action_detail(request, action_id):
    """An action: where it was committed, and the timeline of its progress with set-mates' words of support."""
    action = permissions.object_in_own_set(
        request.user, Action.objects.select_related("owner", "meeting", "issue"), action_id
    )
    context = {
        "action": action,
        "learning_set": action.learning_set,
        "organisation": action.learning_set.organisation,
        "updates": queries.action_timeline(action),
        "can_edit": permissions.can_edit_action(request.user, action),
        "can_encourage": permissions.can_encourage(request.user, action),
        "update_choices": _update_choices(),
    }
    return render(request, "meetings/action_detail.html", context)


@require_POST
def action_update(request, action_id):
    """Log progress on an action; from the list this is an htmx request that swaps the action's row."""
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
        action.last_update_at = queries.last_update_at(action)
        context = {"action": action, "update_choices": _update_choices(), "error": error, "saved": not error}
        return render(request, "meetings/my_actions_content.html#action-row", context)
    if error:
        messages.error(request, error)
    elif duplicate:
        messages.info(request, str(DuplicateSubmission()))
    else:
        messages.success(request, _("Progress saved."))
    return redirect("meetings:action", action_id=action.pk)


def home_actions(request):
    """The home page's "my open actions" panel (loaded with htmx): overdue first, progress logged in place. Cached
    for the viewer on the versions of their sets, per minute and date (overdue, "2 days ago")."""
    today = timezone.localdate()

    def build_context() -> dict:
        return {
            "actions": list(queries.my_actions(request.user, status="open")[:HOME_ACTIONS]),
            "update_choices": _update_choices(),
            "today": today,
            "limit": HOME_ACTIONS,
        }

    name = versions.for_viewer(request, "home-actions", today, versions.time_bucket(60))
    content = fragments.render(
        request, "meetings/home_actions.html", build_context, name=name, scopes=my_set_scopes(request)
    )
    return HttpResponse(content)


def home_shared(request):
    """The home page's "from my sets since the last meeting" panel (loaded with htmx). Cached for the viewer on
    the versions of their sets, per minute ("2 hours ago", and a meeting starting moves "since the last meeting")."""
    name = versions.for_viewer(request, "home-shared", versions.time_bucket(60))
    content = fragments.render(
        request,
        "meetings/home_shared.html",
        lambda: {"items": queries.shared_since_last_meeting(request.user)},
        name=name,
        scopes=my_set_scopes(request),
    )
    return HttpResponse(content)


def action_new(request):
    """A member adds an action of their own between meetings, in one of their own sets."""
    sets = list(queries.active_sets(request.user))
    issue_id = whole_number(request.POST.get("issue")) or whole_number(request.GET.get("issue"))
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
            "encouragements": queries.encouragements_of(update),
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
