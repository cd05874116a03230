"""API routes for report data, under /api/v1/o/<org_slug>/ (analytics.api_urls)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from analytics import api_reports

organization_patterns: list[URLPattern | URLResolver] = [
    path("reports/dashboard/", api_reports.DashboardAPI.as_view(), name="reports_dashboard"),
    path("reports/kpis/<uuid:kpi_id>/drilldown/", api_reports.KpiDrilldownAPI.as_view(), name="reports_kpi_drilldown"),
]
