"""Chorus's HTTP API (Django REST framework), mounted at /api/v1/ by accounts.api_urls.

`OrganizationAPIView` is the base of every tenant endpoint, in every app; docs/api.md
describes authentication, errors and pagination for API clients.
"""

from accounts.api.base import ChorusAPIView, OrganizationAPIView, TenantObjectField, exception_handler, with_errors

__all__ = ["ChorusAPIView", "OrganizationAPIView", "TenantObjectField", "exception_handler", "with_errors"]
