"""The executive dashboard, its KPI drill-down and their exports (CSV per table, the
dashboard as a PDF), for report readers. Period and segment come from the query
string; a bad one is a form error on the page and a 400 with the same sentence on an
export."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views import View

from accounts.permissions import CURATORS, REPORT_READERS, OrganizationViewMixin
from accounts.selectors import get_for_organization
from analytics import report_exports
from analytics.forms_reports import ReportFilterForm, report_filter, segment_code
from analytics.lib.periods import PERIOD_CHOICES
from analytics.models import Kpi
from analytics.selectors.conversions import organization_currency
from analytics.selectors.reports import (
    EXPORT_ROWS,
    Dashboard,
    KpiDrilldown,
    dashboard,
    emv_statement,
    kpi_drilldown,
    organization_today,
    top_content,
    top_people,
)

READERS = {"GET": REPORT_READERS}


def _number(value: int | Decimal | None) -> float | None:
    return None if value is None else float(value)


def dashboard_chart_data(d: Dashboard) -> dict[str, Any]:
    """The trend for the page's charts (json_script); unknown stays null (a gap)."""
    trend = d.trend
    return {
        "grain": d.grain,
        "labels": [point.start.isoformat() for point in trend],
        "conversions_attributed": [point.conversions_attributed for point in trend],
        "conversions_unattributed": [point.conversions_unattributed for point in trend],
        "impressions": [point.impressions for point in trend],
        "engagement": [point.engagement for point in trend],
        "clicks": [point.clicks for point in trend],
        "unique_clicks": [point.unique_clicks for point in trend],
        "shares_posted": [point.shares_posted for point in trend],
        "participation": {
            "labels": ["This period", "Previous period"],
            "sharers": [d.participation.active_sharers, d.participation.previous_active_sharers],
            "others": [
                max(d.participation.certified_members - d.participation.active_sharers, 0),
                max(d.participation.certified_members - d.participation.previous_active_sharers, 0),
            ],
        },
    }


def drilldown_chart_data(d: KpiDrilldown) -> dict[str, Any]:
    """The KPI's series and, for a summed KPI, its running total against the target."""
    progress = d.progress
    running: list[float] = []
    total = Decimal(0)
    for _day, value in progress.series:
        total += value
        running.append(float(total))
    return {
        "grain": progress.series_grain,
        "labels": [day.isoformat() for day, _value in progress.series],
        "values": [float(value) for _day, value in progress.series],
        "running": running,
        "summed": progress.kpi.aggregation == "sum",
        "target": _number(progress.target),
        "unit": progress.kpi.unit,
        "name": progress.kpi.name,
    }


class ReportView(OrganizationViewMixin, View):
    roles = READERS

    def report_filter(self, request: HttpRequest) -> ReportFilterForm:
        return report_filter(request.GET, organization=self.organization)

    def base_context(self, request: HttpRequest, form: ReportFilterForm) -> dict[str, Any]:
        query = request.GET.copy()
        query.pop("page", None)
        return {
            "form": form,
            "segment_choices": form.segment_choices(),
            "selected_segment": form.data.get("segment", ""),
            "period_choices": PERIOD_CHOICES,
            "export_query": query.urlencode(),
            "may_curate": self.membership.role in CURATORS,
        }

    def bad_request(self, form: ReportFilterForm) -> HttpResponse:
        return HttpResponse(form.error_text(), status=400, content_type="text/plain; charset=utf-8")


def _attachment(body: str | bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


class DashboardView(ReportView):
    template_name = "analytics/reports/dashboard.html"

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        form = self.report_filter(request)
        context = self.base_context(request, form)
        if not form.is_valid() or form.report_period is None:
            return render(request, self.template_name, context, status=400)
        report = dashboard(organization=self.organization, period=form.report_period, segment=form.report_segment)
        context.update(
            {
                "dashboard": report,
                "chart": dashboard_chart_data(report),
                "emv_statement": emv_statement(report.emv),
                "tables": report_exports.DASHBOARD_TABLES,
            }
        )
        return render(request, self.template_name, context)


class KpiDrilldownView(ReportView):
    template_name = "analytics/reports/kpi_drilldown.html"

    def get(self, request: HttpRequest, org_slug: str, kpi_id: str) -> HttpResponse:
        kpi = get_for_organization(Kpi, self.organization, kpi_id)
        form = self.report_filter(request)
        context = self.base_context(request, form) | {"kpi": kpi}
        if not form.is_valid() or form.report_period is None:
            return render(request, self.template_name, context, status=400)
        drilldown = kpi_drilldown(
            organization=self.organization, kpi=kpi, period=form.report_period, segment=form.report_segment
        )
        context.update({"drilldown": drilldown, "chart": drilldown_chart_data(drilldown)})
        return render(request, self.template_name, context)


class DashboardExportView(ReportView):
    """One table of the dashboard as CSV; the top tables hold up to EXPORT_ROWS rows."""

    def get(self, request: HttpRequest, org_slug: str, table: str) -> HttpResponse:
        if table not in report_exports.DASHBOARD_TABLES:
            raise Http404("No such table.")
        form = self.report_filter(request)
        if not form.is_valid() or form.report_period is None:
            return self.bad_request(form)
        period, segment = form.report_period, form.report_segment
        if table in report_exports.FULL_EXPORT_TABLES:
            currency = organization_currency(organization=self.organization)
            arguments = {
                "organization": self.organization,
                "segment": segment,
                "period": period,
                "currency": currency,
                "limit": EXPORT_ROWS,
            }
            if table == "top_content":
                text = report_exports.csv_text(
                    report_exports.CONTENT_HEADER, report_exports.content_rows(top_content(**arguments))
                )
            else:
                text = report_exports.csv_text(
                    report_exports.PEOPLE_HEADER, report_exports.people_rows(top_people(**arguments))
                )
        else:
            report = dashboard(organization=self.organization, period=period, segment=segment)
            text = report_exports.dashboard_csv(report, table)
        name = report_exports.export_filename(org_slug, table.replace("_", "-"), period, segment_code(segment))
        return _attachment(text, f"{name}.csv", "text/csv; charset=utf-8")


class KpiDrilldownExportView(ReportView):
    def get(self, request: HttpRequest, org_slug: str, kpi_id: str, table: str) -> HttpResponse:
        kpi = get_for_organization(Kpi, self.organization, kpi_id)
        if table not in report_exports.DRILLDOWN_TABLES:
            raise Http404("No such table.")
        form = self.report_filter(request)
        if not form.is_valid() or form.report_period is None:
            return self.bad_request(form)
        drilldown = kpi_drilldown(
            organization=self.organization, kpi=kpi, period=form.report_period, segment=form.report_segment
        )
        text = report_exports.drilldown_csv(drilldown, table)
        name = report_exports.export_filename(
            org_slug, f"kpi-{table}", form.report_period, segment_code(form.report_segment)
        )
        return _attachment(text, f"{name}.csv", "text/csv; charset=utf-8")


class DashboardPdfView(ReportView):
    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        form = self.report_filter(request)
        if not form.is_valid() or form.report_period is None:
            return self.bad_request(form)
        report = dashboard(organization=self.organization, period=form.report_period, segment=form.report_segment)
        pdf = report_exports.dashboard_pdf(report, generated_on=organization_today(self.organization))
        name = report_exports.export_filename(org_slug, "report", form.report_period, segment_code(form.report_segment))
        return _attachment(pdf, f"{name}.pdf", "application/pdf")
