"""Content routes of the API, included in the `api` namespace by config/urls.py."""

from django.urls import URLPattern, URLResolver, path  # noqa: F401

urlpatterns: list[URLPattern | URLResolver] = []
