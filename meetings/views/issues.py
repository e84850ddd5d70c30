"""Issues across meetings: my issues, an issue's whole story, editing it and setting its status. Writes go
through meetings/issues.py."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import fragments as core_fragments
from core import versions
from core.errors import ServiceError
from meetings import fragments, queries
from meetings import issues as issue_services
from meetings.forms import IssueForm
from meetings.models import Issue
from sets import permissions
from sets.queries import my_set_scopes
from sets.versions import set_scope


def my_issues(request):
    """The viewer's issues in the sets they are still in; the list is cached for them on those sets' versions (a
    presentation, an action or a change to an issue bumps its set; joining or leaving changes the list of sets)."""
    status = request.GET.get("status", "")
    if status not in {"", *Issue.Status.values}:
        status = ""

    def build_context() -> dict:
        issues = list(queries.my_issues(request.user, status=status))
        groups = [
            (value, label, [issue for issue in issues if issue.status == value])
            for value, label in Issue.Status.choices
        ]
        return {"groups": [g for g in groups if g[2]], "status": status}

    name = versions.for_viewer(request, "my-issues", status)
    content = core_fragments.render(
        request, "meetings/my_issues.html#list", build_context, name=name, scopes=my_set_scopes(request)
    )
    context = {"content": content, "status": status, "status_choices": Issue.Status.choices}
    return render(request, "meetings/my_issues.html", context)


def issue_detail(request, issue_id):
    """An issue's whole story, for the set's own people (confidential: an admin outside the set gets 403), with the
    journal entries linked to it that the viewer may read (the learning app provides them). All of it is cached per
    viewer on the set's version (meetings/fragments.py): an entry can be linked only to an issue of its own set
    (learning/services.py), and every change to an entry bumps its set, and its old set when it moves
    (learning/versions.py)."""
    hint = ("meetings:issue", request.user.pk, issue_id)
    versions.expect(hint)  # the story comes with the permission check's round trip
    issue = permissions.object_in_own_set(
        request.user, Issue.objects.select_related("owner"), issue_id, cache_as="issue-with-owner"
    )
    can_edit = permissions.can_edit_issue(request.user, issue)

    def story() -> dict:
        return {
            "issue": issue,
            "learning_set": issue.learning_set,
            "can_edit": can_edit,
            "status_choices": issue.Status.choices,
            "linked_learning": queries.linked_learning(issue, request.user),
            **queries.issue_story(issue),
        }

    name = versions.for_viewer(request, "meetings:issue", issue.pk, f"edit={can_edit}")
    context = {
        "issue": issue,
        "learning_set": issue.learning_set,
        "organisation": issue.learning_set.organisation,
        "story_html": fragments.cached_html(
            request, "meetings/issue_detail.html#story", name, [set_scope(issue.learning_set_id)], story, hint
        ),
    }
    return render(request, "meetings/issue_detail.html", context)


def issue_edit(request, issue_id):
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
    issue = permissions.issue_for_owner(request.user, Issue.objects.all(), issue_id)
    try:
        issue_services.set_issue_status(issue=issue, by=request.user, status=request.POST.get("status", ""))
    except ServiceError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The issue is now “%(status)s”.") % {"status": issue.get_status_display()})
    return redirect("meetings:issue", issue_id=issue.pk)
