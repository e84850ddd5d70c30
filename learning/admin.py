from django.contrib import admin

from learning.models import JournalEntry, LibraryItem


@admin.register(JournalEntry)
class JournalEntryAdmin(admin.ModelAdmin):
    """Metadata only: a private journal entry is readable by its author alone, staff included. No content field
    is listed, searched or shown in the form, and nothing can be added or changed here."""

    list_display = ("pk", "author", "learning_set", "shared", "created_at", "updated_at")
    list_filter = ("shared",)
    fields = ("author", "learning_set", "shared", "shared_at", "created_at", "updated_at")
    readonly_fields = fields
    list_select_related = ("author", "learning_set")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(LibraryItem)
class LibraryItemAdmin(admin.ModelAdmin):
    """Published learnings: staff may remove one (e.g. on request); the author of an anonymous one is not shown."""

    list_display = ("pk", "organisation", "title", "anonymous", "published_at")
    fields = ("organisation", "title", "text", "by_line", "anonymous", "published_at")
    readonly_fields = fields
    list_select_related = ("organisation",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
