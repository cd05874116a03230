"""Listening routes of the API, included in the `api` namespace by config/urls.py."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, include, path

from analytics import api_urls_goals, api_urls_people, api_urls_reports
from analytics.api import (
    ListeningResultsAPI,
    PromiseDetailAPI,
    PromiseListAPI,
    PromiseOrderAPI,
    PulseAPI,
    StoppingDismissAPI,
    StoppingSurveyAPI,
)

organization_patterns: list[URLPattern | URLResolver] = [
    path("listening/results/", ListeningResultsAPI.as_view(), name="listening_results"),
    path("listening/stopping/", StoppingSurveyAPI.as_view(), name="listening_stopping"),
    path("listening/stopping/dismiss/", StoppingDismissAPI.as_view(), name="listening_stopping_dismiss"),
    path("listening/pulse/", PulseAPI.as_view(), name="listening_pulse"),
    path("listening/promises/", PromiseListAPI.as_view(), name="listening_promise_list"),
    path("listening/promises/order/", PromiseOrderAPI.as_view(), name="listening_promise_order"),
    path("listening/promises/<uuid:promise_id>/", PromiseDetailAPI.as_view(), name="listening_promise_detail"),
]

organization_patterns += (
    api_urls_goals.organization_patterns
    + api_urls_reports.organization_patterns
    + api_urls_people.organization_patterns
)

urlpatterns: list[URLPattern | URLResolver] = [
    path("o/<slug:org_slug>/", include(organization_patterns)),
]
