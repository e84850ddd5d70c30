"""The set board: what the facilitator prepares the next check-in from."""

from django.shortcuts import render
from django.utils import timezone

from meetings import queries
from sets import permissions


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
