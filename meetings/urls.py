"""The meetings app's URLs; each view lives in the module of its area (meetings/views/)."""

from django.urls import include, path

from meetings.views import actions, board, guide, issues, live, scheduling

app_name = "meetings"

meeting_urls = [
    path("", scheduling.detail, name="detail"),
    path("reply/", scheduling.reply, name="reply"),
    path("edit/", scheduling.edit, name="edit"),
    path("cancel/", scheduling.cancel, name="cancel"),
    path("live/", live.live, name="live"),
    path("live/state/", live.live_state, name="live-state"),
    path("live/projector/", live.projector, name="projector"),
    path("live/control/", live.live_control, name="live-control"),
    path("live/agenda/", live.agenda, name="agenda"),
    path("live/workspace/", live.live_workspace, name="live-workspace"),
    path("live/record/", live.live_record, name="live-record"),
    path("record/", live.record, name="record"),
]

urlpatterns = [
    path("sets/<int:set_id>/meetings/", scheduling.set_meetings, name="set-meetings"),
    path("sets/<int:set_id>/meetings/new/", scheduling.schedule, name="schedule"),
    path("meetings/<int:meeting_id>/", include(meeting_urls)),
    path("meetings/upcoming/", scheduling.my_upcoming, name="my-upcoming"),
    path("actions/", actions.my_actions, name="my-actions"),
    path("actions/<int:action_id>/", actions.action_detail, name="action"),
    path("actions/<int:action_id>/update/", actions.action_update, name="action-update"),
    path("actions/new/", actions.action_new, name="action-new"),
    path("actions/<int:action_id>/edit/", actions.action_edit, name="action-edit"),
    path("updates/<int:update_id>/encourage/", actions.encourage, name="encourage"),
    path("home/actions/", actions.home_actions, name="home-actions"),
    path("home/shared/", actions.home_shared, name="home-shared"),
    path("issues/", issues.my_issues, name="my-issues"),
    path("issues/<int:issue_id>/", issues.issue_detail, name="issue"),
    path("issues/<int:issue_id>/edit/", issues.issue_edit, name="issue-edit"),
    path("issues/<int:issue_id>/status/", issues.issue_status, name="issue-status"),
    path("sets/<int:set_id>/board/", board.board, name="board"),
    path("calendar/<str:token>.ics", scheduling.feed, name="feed"),
    path("unsubscribe/<str:token>/", scheduling.unsubscribe, name="unsubscribe"),
    path("guide/", guide.members, name="guide"),
    path("guide/facilitating/", guide.facilitating, name="guide-facilitating"),
]
