from django.urls import include, path

from learning import views

app_name = "learning"

entry_urls = [
    path("", views.entry_detail, name="entry"),
    path("edit/", views.entry_edit, name="entry-edit"),
    path("share/", views.entry_share, name="entry-share"),
    path("unshare/", views.entry_unshare, name="entry-unshare"),
    path("delete/", views.entry_delete, name="entry-delete"),
    path("publish/", views.entry_publish, name="entry-publish"),
]

urlpatterns = [
    path("journal/", views.journal, name="journal"),
    path("journal/new/", views.entry_new, name="entry-new"),
    path("journal/<int:entry_id>/", include(entry_urls)),
    path("reflections/<int:reflection_id>/publish/", views.reflection_publish, name="reflection-publish"),
    path("sets/<int:set_id>/journal/", views.set_shared, name="set-shared"),
    path("orgs/<slug:org_slug>/library/", views.library, name="library"),
    path("library/<int:item_id>/", views.library_item, name="library-item"),
    path("library/<int:item_id>/withdraw/", views.library_withdraw, name="library-withdraw"),
    path("orgs/<slug:org_slug>/leave/", views.leave_organisation, name="leave-organisation"),
    path("profile/delete/", views.delete_account, name="delete-account"),
    path("my-data/", views.my_data, name="my-data"),
    path("my-data/export.json", views.export_json, name="export-json"),
    path("my-data/export.md", views.export_markdown, name="export-markdown"),
]
