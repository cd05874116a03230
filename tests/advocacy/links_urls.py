"""The site's URLs plus the tracked-link redirect, for tests/advocacy/test_links.py."""

from django.urls import include, path

from config.urls import urlpatterns as site_urlpatterns

urlpatterns = [path("", include("advocacy.urls_public")), *site_urlpatterns]
