"""Public analytics routes outside any organisation's pages: the conversion snippet and
its event endpoint, and the signed conversion webhook. Each authenticates its own way."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from analytics.views import public

urlpatterns: list[URLPattern | URLResolver] = [
    path("t/<str:snippet_key>/chorus.js", public.snippet_script, name="analytics_snippet"),
    path("t/<str:snippet_key>/conversions", public.snippet_conversions, name="analytics_snippet_conversions"),
    path("hooks/conversions/<str:organization_id>/", public.conversion_webhook, name="analytics_conversion_webhook"),
]
