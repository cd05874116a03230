"""Public single sign-on entry point, mounted at /sso/ by config.urls. allauth's own
endpoints (/accounts/oidc/<provider_id>/…, /accounts/saml/<provider_id>/…) come with
allauth.urls."""

from django.urls import path

from accounts.views import sso

urlpatterns = [
    path("", sso.SsoStartView.as_view(), name="sso_start"),
]
