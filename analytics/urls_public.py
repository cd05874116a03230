"""Public analytics routes outside any organisation's pages: the conversion snippet and
its event endpoint, and the signed conversion webhook. Each authenticates its own way."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
