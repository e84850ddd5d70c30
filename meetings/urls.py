from django.urls import include, path

from meetings import views

app_name = "meetings"

meeting_urls = [
    path("", views.detail, name="detail"),
    path("reply/", views.reply, name="reply"),
    path("edit/", views.edit, name="edit"),
    path("cancel/", views.cancel, name="cancel"),
    path("live/", views.live, name="live"),
    path("live/state/", views.live_state, name="live-state"),
    path("live/projector/", views.projector, name="projector"),
    path("live/control/", views.live_control, name="live-control"),
    path("live/agenda/", views.agenda, name="agenda"),
    path("live/workspace/", views.live_workspace, name="live-workspace"),
    path("live/record/", views.live_record, name="live-record"),
    path("record/", views.record, name="record"),
]

urlpatterns = [
    path("sets/<int:set_id>/meetings/", views.set_meetings, name="set-meetings"),
    path("sets/<int:set_id>/meetings/new/", views.schedule, name="schedule"),
    path("meetings/<int:meeting_id>/", include(meeting_urls)),
    path("meetings/upcoming/", views.my_upcoming, name="my-upcoming"),
    path("actions/", views.my_actions, name="my-actions"),
    path("actions/<int:action_id>/", views.action_detail, name="action"),
    path("actions/<int:action_id>/update/", views.action_update, name="action-update"),
    path("actions/new/", views.action_new, name="action-new"),
    path("actions/<int:action_id>/edit/", views.action_edit, name="action-edit"),
    path("updates/<int:update_id>/encourage/", views.encourage, name="encourage"),
    path("home/actions/", views.home_actions, name="home-actions"),
    path("home/shared/", views.home_shared, name="home-shared"),
    path("issues/", views.my_issues, name="my-issues"),
    path("issues/<int:issue_id>/", views.issue_detail, name="issue"),
    path("issues/<int:issue_id>/edit/", views.issue_edit, name="issue-edit"),
    path("issues/<int:issue_id>/status/", views.issue_status, name="issue-status"),
    path("sets/<int:set_id>/board/", views.board, name="board"),
    path("calendar/<str:token>.ics", views.feed, name="feed"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
