"""The report pages: the participation report (page, print version, CSV) and the organisation's dashboard."""

from django.core.paginator import Paginator
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from core import audit
from core.models import AuditEvent
from reports import charts, export
from reports.attendance import pair_rows
from reports.figures import dashboard as dashboard_figures
from reports.figures import report as report_figures
from reports.forms import ReportForm
from reports.people import person_table
from reports.scope import Scope, default_range
from reports.sets_at_risk import per_set
from reports.totals import action_medians, action_rows, action_totals, attendance_totals, meeting_totals
from sets import permissions

SETS_PER_PAGE = 50
CHART_SETS = 20  # the per-set comparison chart shows this many sets, lowest attendance first


def _scope(request, org_slug):
    """The report's scope from the query string, checked by sets/permissions.py, and the form to change it."""
    organisation, sets = permissions.report_scope_for(request.user, org_slug)
    start, end = default_range(organisation)
    data = {"start": start.isoformat(), "end": end.isoformat(), **request.GET.dict()}
    form = ReportForm(data)
    if not form.is_valid():
        return organisation, sets, form, None
    learning_set = person = None
    scoped = sets
    if form.cleaned_data.get("set"):
        learning_set = permissions.report_set_for(sets, form.cleaned_data["set"])
        scoped = sets.filter(pk=learning_set.pk)
    if form.cleaned_data.get("person"):
        person = permissions.report_person_for(organisation, sets, form.cleaned_data["person"])
        scoped = scoped.filter(memberships__user=person)  # their sets only (one membership row per set)
    scope = Scope(
        organisation=organisation,
        sets=scoped,
        start=form.cleaned_data["start"],
        end=form.cleaned_data["end"],
        learning_set=learning_set,
        person=person,
    )
    return organisation, sets, form, scope


def _charts(figures: dict) -> dict:
    labels = [date_format(row["month"], "M Y") for row in figures["months"]]
    trend = charts.line_chart(
        chart_id="chart-trend",
        title=_("Attendance, progress and action completion by month"),
        desc=_("Per cent for each month; the table below gives the same numbers."),
        labels=labels,
        series=[
            (_("Attendance"), [row["attendance_rate"] for row in figures["months"]]),
            (_("Progress before meetings"), [row["engagement_rate"] for row in figures["months"]]),
            (_("Actions done"), [row["completion_rate"] for row in figures["months"]]),
        ],
    )
    lowest = sorted(
        (row for row in figures["sets"] if row["expected"]), key=lambda row: (row["attendance_rate"], row["name"])
    )[:CHART_SETS]
    comparison = charts.bar_chart(
        chart_id="chart-sets",
        title=_("Attendance rate by set (lowest first)"),
        desc=_("Per cent of expected attendances that were present; the table of sets gives every set's figures."),
        rows=[(row["name"], row["attendance_rate"]) for row in lowest],
    )
    return {"trend_chart": trend, "sets_chart": comparison, "charted_sets": len(lowest)}


def report(request, org_slug, *, printing: bool = False):
    """The participation report: counts, rates, dates and statuses only, never what anyone said."""
    organisation, sets, form, scope = _scope(request, org_slug)
    context = {
        "organisation": organisation,
        "form": form,
        "scope": scope,
        "set_choices": list(sets.order_by("name").values_list("pk", "name")),
        "selected_set": scope.learning_set.pk if scope and scope.learning_set else None,
        "printing": printing,
        "csv_columns": export.CSV_COLUMNS,
        "query": request.GET.urlencode(),
    }
    if scope:
        figures = report_figures(scope)
        context |= {"figures": figures, **_charts(figures)}
        if scope.learning_set or scope.person:
            context["people"] = person_table(scope)
        context["rated_sets"] = [row for row in figures["sets"] if row["rating"] is not None]
        # The table of sets, 50 at a time (all of them in the print version and the CSV).
        others = request.GET.copy()
        others.pop("sets_page", None)
        per_page = max(len(figures["sets"]), 1) if printing else SETS_PER_PAGE
        context["sets_page"] = Paginator(figures["sets"], per_page).get_page(request.GET.get("sets_page"))
        context["sets_page_query"] = others.urlencode()
    return render(request, "reports/report.html", context, status=200 if scope else 400)


def report_print(request, org_slug):
    return report(request, org_slug, printing=True)


def report_csv(request, org_slug):
    """The report as CSV, one row per person per set, streamed from a database cursor (never all in memory)."""
    organisation, _sets, form, scope = _scope(request, org_slug)
    if not scope:
        return render(request, "reports/report.html", {"organisation": organisation, "form": form}, status=400)
    # The one write of the reports app: exports go in the organisation's audit log (who, when, which kind).
    audit.record(
        AuditEvent.Verb.EXPORTED,
        actor=request.user,
        organisation=organisation,
        kind="participation_report",
        format="csv",
    )
    response = StreamingHttpResponse(export.csv_lines(scope), content_type="text/csv; charset=utf-8")
    name = f"participation-{organisation.slug}-{scope.start:%Y%m%d}-{scope.end:%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def dashboard(request, org_slug):
    """The organisation dashboard for its admins: sets, people, meetings this month, invitations, and the
    headline figures of the last 90 days."""
    organisation = permissions.report_dashboard_for(request.user, org_slug)
    start, end = default_range(organisation)
    scope = Scope(organisation=organisation, sets=organisation.learning_sets.all(), start=start, end=end)
    pairs, actions, medians = pair_rows(scope), action_rows(scope), action_medians(scope)
    sets = per_set(scope, pairs, actions, medians)
    context = {
        "organisation": organisation,
        "overview": dashboard_figures(organisation),
        "scope": scope,
        "meetings": meeting_totals(scope),
        "attendance": attendance_totals(scope, pairs),
        "actions": action_totals(scope, actions, medians),
        "at_risk": [row for row in sets if row["at_risk"]],
    }
    return render(request, "reports/dashboard.html", context)
