"""The one tenant primitive: every tenant-owned model subclasses `TenantModel`.

Its default manager is fail-closed (django-scopes): a query outside an active
organisation scope raises `ScopeError` instead of returning every tenant's rows.
The scope is entered only at the edges: `accounts.middleware` for web requests,
`accounts.api.OrganizationAPIView` for the API, `accounts.tasking` for Celery,
and `--organization` on management commands.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, ClassVar

from django.db import models
from django_scopes import ScopedManager, scope, scopes_disabled
from django_scopes.state import get_scope, state

if TYPE_CHECKING:
    from accounts.models import Organization

__all__ = [
    "TenantModel",
    "activate_organization",
    "current_organization",
    "organization_scope",
    "scope",
    "scopes_disabled",
]


class TenantModel(models.Model):
    """Abstract base of every tenant-owned table (Citus-ready: distributed by organization_id)."""

    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="+", db_index=True)

    objects: ClassVar[models.Manager[Any]] = ScopedManager(organization="organization")

    class Meta:
        abstract = True


@contextmanager
def organization_scope(organization: Organization) -> Iterator[None]:
    """Run the block with tenant queries filtered to `organization`."""
    if organization is None or organization.pk is None:
        # scope(organization=None) would disable filtering: refuse it.
        raise ValueError("organization_scope needs a saved organisation.")
    with scope(organization=organization):
        yield


def activate_organization(organization: Organization) -> None:
    """Set the organisation on the scope that is already open (used by the API base class,
    whose authentication runs inside DRF's dispatch; the enclosing `scope()` restores it)."""
    if organization is None or organization.pk is None:
        raise ValueError("activate_organization needs a saved organisation.")
    state.set({**get_scope(), "_enabled": True, "organization": organization})


def current_organization() -> Organization | None:
    return get_scope().get("organization")
