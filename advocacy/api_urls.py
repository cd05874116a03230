"""Advocacy routes of the API, included in the `api` namespace by config/urls.py."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, include, path

from advocacy.api import (
    ComposerCheckAPI,
    ConnectionDetailAPI,
    ConnectionHealthAPI,
    ConnectionListAPI,
    MemberStatsAPI,
    ShareCancelAPI,
    ShareDetailAPI,
    ShareListAPI,
    ShareRetryAPI,
)

organization_patterns: list[URLPattern] = [
    path("connections/", ConnectionListAPI.as_view(), name="connection_list"),
    path("connections/health/", ConnectionHealthAPI.as_view(), name="connection_health"),
    path("connections/<uuid:account_id>/", ConnectionDetailAPI.as_view(), name="connection_detail"),
    path("shares/", ShareListAPI.as_view(), name="share_list"),
    path("shares/<uuid:share_id>/", ShareDetailAPI.as_view(), name="share_detail"),
    path("shares/<uuid:share_id>/cancel/", ShareCancelAPI.as_view(), name="share_cancel"),
    path("shares/<uuid:share_id>/retry/", ShareRetryAPI.as_view(), name="share_retry"),
    path("composer/check/", ComposerCheckAPI.as_view(), name="composer_check"),
    path("me/stats/", MemberStatsAPI.as_view(), name="me_stats"),
]

urlpatterns: list[URLPattern | URLResolver] = [
    path("o/<slug:org_slug>/", include(organization_patterns)),
]
