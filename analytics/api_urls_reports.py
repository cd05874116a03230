"""API routes for report data, under /api/v1/o/<org_slug>/ (analytics.api_urls)."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver

organization_patterns: list[URLPattern | URLResolver] = []
