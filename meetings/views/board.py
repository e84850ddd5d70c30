"""The set board: what the facilitator prepares the next check-in from."""

from django.shortcuts import render
from django.utils import timezone

from core import fragments, versions
from meetings import queries
from sets import permissions
from sets.versions import set_scope


def board(request, set_id):
    """Every person's actions since the last meeting with their latest update, and who has not updated yet:
    what the facilitator prepares the next check-in from. The set's own people only.

    The content is cached for this viewer on the set's version (every action, update, word of support, meeting and
    membership of the set bumps it), per minute (it says "3 hours ago", overdue, and "since the last meeting")."""
    hint = ("board", request.user.pk, set_id)
    versions.expect(hint)  # the content comes with the permission check's round trip
    learning_set = permissions.set_for_member(request.user, set_id)
    today = timezone.localdate()

    def build_context() -> dict:
        found = queries.board(learning_set)
        for membership in found["people"]:
            for action in membership.board_actions:
                action.learning_set = learning_set  # carries the viewer's roles
                action.can_encourage = permissions.can_encourage(request.user, action)
        return {
            "learning_set": learning_set,
            "can_facilitate": permissions.can_facilitate(learning_set),
            "today": today,
            **found,
        }

    name = versions.for_viewer(
        request,
        "board",
        learning_set.pk,
        learning_set.viewer_role,
        learning_set.is_closed,
        today,
        versions.time_bucket(60),
    )
    content = fragments.render(
        request,
        "meetings/board_content.html",
        build_context,
        name=name,
        scopes=[set_scope(learning_set.pk)],
        hint=hint,
    )
    context = {"learning_set": learning_set, "organisation": learning_set.organisation, "content": content}
    return render(request, "meetings/board.html", context)
