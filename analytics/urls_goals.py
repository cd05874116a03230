"""Goals, KPIs, conversions and analytics settings pages, mounted under /o/<org_slug>/ by analytics.urls."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from analytics.views import goals

urlpatterns: list[URLPattern | URLResolver] = [
    path("program/analytics-settings/", goals.AnalyticsSettingsView.as_view(), name="analytics_settings"),
    path(
        "program/analytics-settings/webhook-secret/",
        goals.WebhookSecretRotateView.as_view(),
        name="analytics_webhook_secret",
    ),
    path("program/analytics-settings/snippet/", goals.SnippetKeyView.as_view(), name="analytics_snippet_key"),
    path("goals/", goals.GoalListView.as_view(), name="goal_list"),
    path("goals/<uuid:goal_id>/edit/", goals.GoalEditView.as_view(), name="goal_edit"),
    path("goals/<uuid:goal_id>/archive/", goals.GoalArchiveView.as_view(), name="goal_archive"),
    path("goals/<uuid:goal_id>/kpis/new/", goals.KpiCreateView.as_view(), name="kpi_create"),
    path("goals/kpis/import/", goals.KpiValuesImportView.as_view(), name="kpi_values_import"),
    path("goals/kpis/<uuid:kpi_id>/", goals.KpiDetailView.as_view(), name="kpi_detail"),
    path("goals/kpis/<uuid:kpi_id>/edit/", goals.KpiEditView.as_view(), name="kpi_edit"),
    path(
        "goals/kpis/<uuid:kpi_id>/values/<uuid:kpi_value_id>/delete/",
        goals.KpiValueDeleteView.as_view(),
        name="kpi_value_delete",
    ),
    path("conversions/", goals.ConversionListView.as_view(), name="conversion_list"),
    path("conversions/new/", goals.ConversionCreateView.as_view(), name="conversion_create"),
    path("conversions/import/", goals.ConversionImportView.as_view(), name="conversion_import"),
    path("conversions/<uuid:conversion_id>/delete/", goals.ConversionDeleteView.as_view(), name="conversion_delete"),
]
