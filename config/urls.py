from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView

from accounts import api_urls as accounts_api
from accounts.views import core
from advocacy import api_urls as advocacy_api
from advocacy.views.connections import oauth_callback
from analytics import api_urls as analytics_api
from content import api_urls as content_api

organization_patterns = [
    path("", include("accounts.urls")),
    path("", include("content.urls")),
    path("", include("advocacy.urls")),
    path("", include("analytics.urls")),
]
api_patterns = accounts_api.urlpatterns + content_api.urlpatterns + advocacy_api.urlpatterns + analytics_api.urlpatterns

urlpatterns = [
    # First: the tracked-link redirect is the busiest route, resolved before any other.
    path("", include("advocacy.urls_public")),
    path("", core.home, name="home"),
    path("healthz", core.healthz, name="healthz"),
    path("invitations/<str:token>/", core.invitation_accept, name="invitation_accept"),
    path("", include("accounts.urls_public")),
    path("", include("analytics.urls_public")),
    path("accounts/", include("allauth.urls")),
    path("sso/", include("accounts.sso_urls")),
    path("o/<slug:org_slug>/", include(organization_patterns)),
    path("api/v1/", include((api_patterns, "api"), namespace="api")),
    path("scim/v2/", include("accounts.scim.urls")),
    path("sandbox/", include("sandbox.urls")),
    path("connections/callback/<str:network>/", oauth_callback, name="advocacy_oauth_callback"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path("api/docs/", SpectacularRedocView.as_view(url_name="api_schema"), name="api_docs"),
    path("django-admin/", admin.site.urls),
]
