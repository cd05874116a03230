"""Goals, KPIs, conversions and analytics settings pages, mounted under /o/<org_slug>/ by analytics.urls."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
