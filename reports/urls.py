from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("orgs/<slug:org_slug>/dashboard/", views.dashboard, name="dashboard"),
    path("orgs/<slug:org_slug>/report/", views.report, name="report"),
    path("orgs/<slug:org_slug>/report/print/", views.report_print, name="report-print"),
    path("orgs/<slug:org_slug>/report.csv", views.report_csv, name="report-csv"),
]
