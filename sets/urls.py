from django.urls import include, path

from sets import views

app_name = "sets"

organisation_urls = [
    path("", views.organisation_detail, name="organisation"),
    path("people/", views.people, name="people"),
    path("people/<int:membership_id>/role/", views.organisation_role, name="organisation-role"),
    path("people/<int:membership_id>/remove/", views.organisation_member_remove, name="organisation-member-remove"),
    path("security/two-factor/", views.two_factor_policy, name="two-factor-policy"),
    path("security/departures/", views.departure_policy, name="departure-policy"),
    path("audit/", views.audit_log, name="audit-log"),
    path("invite/", views.invite, name="invite"),
    path("invitations/<int:invitation_id>/resend/", views.invitation_resend, name="invitation-resend"),
    path("invitations/<int:invitation_id>/revoke/", views.invitation_revoke, name="invitation-revoke"),
    path("sets/new/", views.set_create, name="create"),
]

set_urls = [
    path("", views.set_detail, name="detail"),
    path("edit/", views.set_edit, name="edit"),
    path("contract/", views.contract_edit, name="contract"),
    path("contract/agree/", views.contract_agree, name="contract-agree"),
    path("close/", views.set_close, name="close"),
    path("people/add/", views.set_add_member, name="add-member"),
    path("people/facilitate/", views.set_make_me_facilitator, name="make-me-facilitator"),
    path("people/<int:membership_id>/role/", views.set_member_role, name="member-role"),
    path("people/<int:membership_id>/remove/", views.set_member_remove, name="member-remove"),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("orgs/new/", views.organisation_create, name="organisation-create"),
    path("orgs/<slug:org_slug>/", include(organisation_urls)),
    path("sets/<int:set_id>/", include(set_urls)),
    path("invitations/<str:token>/", views.invitation, name="invitation"),
]
