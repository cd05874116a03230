"""Organisation-scoped pages of accounts, mounted under /o/<org_slug>/."""

from django.urls import path

from accounts.views import core

app_name = "accounts"

urlpatterns = [
    path("", core.DashboardView.as_view(), name="dashboard"),
    path("profile/", core.ProfileView.as_view(), name="profile"),
]
