"""Listening pages, mounted under /o/<org_slug>/ (config.urls: `path("", include("analytics.urls"))`)."""

from django.urls import URLPattern, URLResolver, include, path

from analytics import views

app_name = "analytics"

urlpatterns: list[URLPattern | URLResolver] = [
    # Members: the dashboard's prompt, the survey and the pulse
    path("listening/prompt/", views.ListeningPromptView.as_view(), name="listening_prompt"),
    path("listening/stopping/", views.StoppingSurveyView.as_view(), name="listening_stopping"),
    path("listening/stopping/dismiss/", views.StoppingDismissView.as_view(), name="listening_stopping_dismiss"),
    path("listening/pulse/", views.PulseView.as_view(), name="listening_pulse"),
    path("listening/pulse/dismiss/", views.PulseDismissView.as_view(), name="listening_pulse_dismiss"),
    # Report readers
    path("reports/listening/", views.ListeningResultsView.as_view(), name="listening_results"),
    path("reports/listening/export.csv", views.ListeningResultsExportView.as_view(), name="listening_results_export"),
    # Curators: the brand promises
    path("program/promises/", views.PromiseListView.as_view(), name="promise_list"),
    path("program/promises/<uuid:promise_id>/", views.PromiseEditView.as_view(), name="promise_edit"),
    path("program/promises/<uuid:promise_id>/move/", views.PromiseMoveView.as_view(), name="promise_move"),
    path("program/promises/<uuid:promise_id>/active/", views.PromiseActiveView.as_view(), name="promise_active"),
    # Goals, KPIs, conversions, settings; and the reports
    path("", include("analytics.urls_goals")),
    path("", include("analytics.urls_reports")),
    path("", include("analytics.urls_people")),
]
