"""SCIM 2.0 endpoints. Mounted by config/urls.py:

    path("scim/v2/", include("accounts.scim.urls")),

No namespace: the route names carry the `scim_` prefix instead, so the cross-tenant
walk can exempt them by name (they authenticate by bearer token, not session; see
tests/accounts/test_scim.py for their cross-tenant test). A trailing slash is
optional, as identity providers differ.
"""

from django.urls import re_path

from accounts.scim import views

urlpatterns = [
    re_path(
        r"^ServiceProviderConfig/?$", views.ServiceProviderConfigView.as_view(), name="scim_service_provider_config"
    ),
    re_path(r"^ResourceTypes/?$", views.ResourceTypeListView.as_view(), name="scim_resource_types"),
    re_path(r"^ResourceTypes/(?P<resource_type>[^/]+)/?$", views.ResourceTypeView.as_view(), name="scim_resource_type"),
    re_path(r"^Schemas/?$", views.SchemaListView.as_view(), name="scim_schemas"),
    re_path(r"^Schemas/(?P<schema_id>[^/]+)/?$", views.SchemaView.as_view(), name="scim_schema"),
    re_path(r"^Users/?$", views.UserListView.as_view(), name="scim_users"),
    re_path(r"^Users/(?P<resource_id>[^/]+)/?$", views.UserView.as_view(), name="scim_user"),
    re_path(r"^Groups/?$", views.GroupListView.as_view(), name="scim_groups"),
    re_path(r"^Groups/(?P<resource_id>[^/]+)/?$", views.GroupView.as_view(), name="scim_group"),
    re_path(r"^(?P<rest>.*)$", views.UnknownEndpointView.as_view(), name="scim_unknown"),
]
