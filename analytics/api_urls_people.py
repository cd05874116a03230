"""API routes for people reports (tiers, champions, my impact), under /api/v1/o/<org_slug>/."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver

organization_patterns: list[URLPattern | URLResolver] = []
