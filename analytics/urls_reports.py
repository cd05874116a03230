"""Reports (the executive dashboard, the scorecard, people, my impact), under /o/<org_slug>/."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
