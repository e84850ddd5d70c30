"""Every change to a meeting, its agenda, issues, actions and progress bumps the version of its set's pages
(sets/versions.py, core/versions.py): by signals for each model here, and in `live_version.room_changed` and the
scheduling service for the writes that bypass them (UPDATEs of the room's counters, bulk-created series)."""

from django.db.models.signals import post_delete, post_save

from meetings.models import (
    Action,
    ActionUpdate,
    AirtimeSlot,
    Attendance,
    Encouragement,
    Issue,
    Meeting,
    MeetingSeries,
    ProcessRating,
    Question,
    RaisedHand,
    Reflection,
)
from sets.versions import bump_sets

# How to find the set of a row of each model: a field on the row, or a query through its parent.
_SET_OF = {
    Meeting: lambda row: row.learning_set_id,
    MeetingSeries: lambda row: row.learning_set_id,
    Issue: lambda row: row.learning_set_id,
    Action: lambda row: row.learning_set_id,
    ActionUpdate: lambda row: _value(Action, row.action_id, "learning_set_id"),
    Encouragement: lambda row: _value(ActionUpdate, row.update_id, "action__learning_set_id"),
    AirtimeSlot: lambda row: _value(Meeting, row.meeting_id, "learning_set_id"),
    Attendance: lambda row: _value(Meeting, row.meeting_id, "learning_set_id"),
    Reflection: lambda row: _value(Meeting, row.meeting_id, "learning_set_id"),
    ProcessRating: lambda row: _value(Meeting, row.meeting_id, "learning_set_id"),
    RaisedHand: lambda row: _value(Meeting, row.meeting_id, "learning_set_id"),
    Question: lambda row: _value(AirtimeSlot, row.slot_id, "meeting__learning_set_id"),
}


def _value(model, pk, field):
    # A parent deleted in the same cascade is gone already: its own signal bumped the set.
    return model.objects.filter(pk=pk).values_list(field, flat=True).first()


def _changed(sender, instance, **kwargs) -> None:
    bump_sets(_SET_OF[sender](instance))


def connect() -> None:
    """Called once from MeetingsConfig.ready()."""
    for model in _SET_OF:
        post_save.connect(_changed, sender=model, dispatch_uid=f"versions-save-{model.__name__}")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"versions-delete-{model.__name__}")
