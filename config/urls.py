from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView

from accounts.views import core

organization_patterns = [
    path("", include("accounts.urls")),
]

urlpatterns = [
    path("", core.home, name="home"),
    path("healthz", core.healthz, name="healthz"),
    path("invitations/<str:token>/", core.invitation_accept, name="invitation_accept"),
    path("accounts/", include("allauth.urls")),
    path("o/<slug:org_slug>/", include(organization_patterns)),
    path("api/v1/", include(("accounts.api_urls", "api"), namespace="api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path("api/docs/", SpectacularRedocView.as_view(url_name="api_schema"), name="api_docs"),
    path("django-admin/", admin.site.urls),
]
