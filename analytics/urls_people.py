"""People pages (participation tiers, champions, leaders, recognition, my impact, the
program manager's scorecard), under /o/<org_slug>/ by analytics.urls."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
