"""Journal entries and library items bump the versions of the pages that show them (sets/versions.py): a shared
entry shows in its set, the library in its organisation. The departure service's bulk writes bump by hand."""

from django.db.models.signals import post_delete, post_save

from learning.models import JournalEntry, LibraryItem
from sets.versions import bump_sets


def _entry_changed(sender, instance, **kwargs) -> None:
    bump_sets(instance.learning_set_id)


def _library_item_changed(sender, instance, **kwargs) -> None:
    bump_sets(organisation_ids=[instance.organisation_id])


def connect() -> None:
    """Called once from LearningConfig.ready()."""
    for model, receiver in ((JournalEntry, _entry_changed), (LibraryItem, _library_item_changed)):
        post_save.connect(receiver, sender=model, dispatch_uid=f"versions-save-{model.__name__}")
        post_delete.connect(receiver, sender=model, dispatch_uid=f"versions-delete-{model.__name__}")
