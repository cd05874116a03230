"""Reports (the executive dashboard, its KPI drill-down and their exports), under /o/<org_slug>/."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from analytics.views import reports

urlpatterns: list[URLPattern | URLResolver] = [
    path("reports/", reports.DashboardView.as_view(), name="reports_dashboard"),
    path("reports/dashboard.pdf", reports.DashboardPdfView.as_view(), name="reports_dashboard_pdf"),
    path("reports/export/<slug:table>.csv", reports.DashboardExportView.as_view(), name="reports_export"),
    path("reports/kpis/<uuid:kpi_id>/", reports.KpiDrilldownView.as_view(), name="reports_kpi"),
    path(
        "reports/kpis/<uuid:kpi_id>/export/<slug:table>.csv",
        reports.KpiDrilldownExportView.as_view(),
        name="reports_kpi_export",
    ),
]
