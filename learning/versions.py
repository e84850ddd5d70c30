"""Journal entries and library items bump the versions of the pages that show them (sets/versions.py): a shared
entry shows in its set, the library in its organisation. The departure service's bulk writes bump by hand."""

from django.db.models.signals import post_delete, post_save, pre_save

from learning.models import JournalEntry, LibraryItem
from sets.versions import bump_sets


def _entry_moving(sender, instance, **kwargs) -> None:
    """An entry moved to another set (learning.services.update_entry) leaves the old one: bump it too."""
    if instance.pk:
        old = JournalEntry.objects.filter(pk=instance.pk).values_list("learning_set_id", flat=True).first()
        if old and old != instance.learning_set_id:
            bump_sets(old)


def _entry_changed(sender, instance, **kwargs) -> None:
    bump_sets(instance.learning_set_id)


def _library_item_changed(sender, instance, **kwargs) -> None:
    bump_sets(organisation_ids=[instance.organisation_id])


def connect() -> None:
    """Called once from LearningConfig.ready()."""
    pre_save.connect(_entry_moving, sender=JournalEntry, dispatch_uid="versions-moving-JournalEntry")
    for model, receiver in ((JournalEntry, _entry_changed), (LibraryItem, _library_item_changed)):
        post_save.connect(receiver, sender=model, dispatch_uid=f"versions-save-{model.__name__}")
        post_delete.connect(receiver, sender=model, dispatch_uid=f"versions-delete-{model.__name__}")
