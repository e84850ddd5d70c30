"""Issues between meetings: the owner edits an issue and marks it resolved, set aside, or open again."""

from django.db import transaction
from django.utils.translation import gettext as _

from core.errors import ServiceError
from meetings.models import Issue


@transaction.atomic
def edit_issue(*, issue: Issue, by, title: str, summary: str) -> Issue:
    """Change the issue's title and summary (confidential to the set). Side effects: none."""
    title = title.strip()
    if not title:
        raise ServiceError(_("Give the issue a title."))
    if len(title) > 200:
        raise ServiceError(_("Keep the title under 200 characters."))
    issue.title, issue.summary = title, summary.strip()
    issue.save(update_fields=["title", "summary", "updated_at"])
    return issue


@transaction.atomic
def set_issue_status(*, issue: Issue, by, status: str) -> Issue:
    """Mark the issue resolved or set aside, or open it again. Setting the status it already has is harmless."""
    if status not in Issue.Status.values:
        raise ServiceError(_("Choose open, resolved or set aside."))
    if issue.status != status:
        issue.status = status
        issue.save(update_fields=["status", "updated_at"])
    return issue
