"""Global pages of accounts reached from emails, outside /o/<slug>/: the link itself
is the credential (a signed token), so no organisation is in the address."""

from django.urls import URLPattern, path

from accounts.views import notifications

urlpatterns: list[URLPattern] = [
    path("unsubscribe/<str:token>/", notifications.unsubscribe, name="unsubscribe"),
]
