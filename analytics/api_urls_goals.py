"""API routes for KPIs, KPI values and conversions, under /api/v1/o/<org_slug>/ (analytics.api_urls)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from analytics import api_goals

organization_patterns: list[URLPattern | URLResolver] = [
    path("goals/", api_goals.GoalListAPI.as_view(), name="goal_list"),
    path("goals/<uuid:goal_id>/", api_goals.GoalDetailAPI.as_view(), name="goal_detail"),
    path("kpis/", api_goals.KpiListAPI.as_view(), name="kpi_list"),
    path("kpis/<uuid:kpi_id>/", api_goals.KpiDetailAPI.as_view(), name="kpi_detail"),
    path("kpis/<uuid:kpi_id>/progress/", api_goals.KpiProgressAPI.as_view(), name="kpi_progress"),
    path("kpis/<uuid:kpi_id>/values/", api_goals.KpiValueListAPI.as_view(), name="kpi_value_list"),
    path(
        "kpis/<uuid:kpi_id>/values/<uuid:kpi_value_id>/",
        api_goals.KpiValueDetailAPI.as_view(),
        name="kpi_value_detail",
    ),
    path("conversions/", api_goals.ConversionListAPI.as_view(), name="conversion_list"),
    path("conversions/<uuid:conversion_id>/", api_goals.ConversionDetailAPI.as_view(), name="conversion_detail"),
]
