"""Organisation-scoped pages of advocacy, mounted under /o/<org_slug>/."""

from django.urls import URLPattern, URLResolver, path

from advocacy.views import connections, shares

app_name = "advocacy"

urlpatterns: list[URLPattern | URLResolver] = [
    path("connections/", connections.ConnectionListView.as_view(), name="connection_list"),
    path("connections/health/", connections.ConnectionHealthView.as_view(), name="connection_health"),
    path("connections/connect/<str:network>/", connections.ConnectView.as_view(), name="connect"),
    path(
        "connections/<uuid:account_id>/disconnect/",
        connections.DisconnectView.as_view(),
        name="disconnect",
    ),
    path("feed/<uuid:item_id>/share/", shares.ComposeView.as_view(), name="compose"),
    path("share/", shares.ComposeView.as_view(), name="compose_personal"),
    path("share/check/", shares.ComposeCheckView.as_view(), name="compose_check"),
    path("shares/", shares.ShareListView.as_view(), name="share_list"),
    path("shares/<uuid:share_id>/cancel/", shares.ShareActionView.as_view(action="cancel"), name="share_cancel"),
    path("shares/<uuid:share_id>/retry/", shares.ShareActionView.as_view(action="retry"), name="share_retry"),
    path("sharing/settings/", shares.AdvocacySettingsView.as_view(), name="settings"),
]
