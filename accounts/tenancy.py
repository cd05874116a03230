"""The one tenant primitive: every tenant-owned model subclasses `TenantModel`.

Its default manager is fail-closed: a query outside an active organisation scope
raises `ScopeError` instead of returning every tenant's rows. The scope state and
its context managers come from django-scopes; the manager is our own, because
django-scopes' disabled queryset blocks a list of methods and lets the rest
(`exists()`, `exclude()`, `in_bulk()`, `contains()` …) run unscoped. Ours blocks
every public queryset method except creating rows, and treats a scope whose
organisation is None as no scope at all (django-scopes would not filter).
The scope is entered only at the edges: `accounts.middleware` for web requests,
`accounts.api.OrganizationAPIView` for the API, `accounts.tasking` for Celery,
and `--organization` on management commands.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, ClassVar

from django.db import models
from django_scopes import ScopeError, scope, scopes_disabled
from django_scopes.state import get_scope, state

if TYPE_CHECKING:
    from accounts.models import Organization

__all__ = [
    "ScopeError",
    "TenantManager",
    "TenantModel",
    "activate_organization",
    "current_organization",
    "organization_scope",
    "scope",
    "scopes_disabled",
]


# Public QuerySet methods that may run without a scope: they only insert rows whose
# organisation the caller sets explicitly, return an empty queryset, or return a lazy
# copy that still fails when read (`all()`, which form fields call on their queryset).
_ALLOWED_WITHOUT_SCOPE = frozenset({"create", "acreate", "bulk_create", "abulk_create", "none", "using", "all"})
_QUERYSET_METHODS = frozenset(
    name for name, value in vars(models.QuerySet).items() if callable(value) and not name.startswith("_")
)
_BLOCKED = _QUERYSET_METHODS - _ALLOWED_WITHOUT_SCOPE


class UnscopedQuerySet(models.QuerySet):  # type: ignore[type-arg]
    """What a tenant model's manager returns outside a scope: every read, update or
    delete raises ScopeError."""

    def __getattribute__(self, name: str) -> Any:
        if name in _BLOCKED:
            model = object.__getattribute__(self, "model")
            raise ScopeError(
                f"{model.__name__}.objects.{name}() ran outside an organisation scope. Enter one "
                "(organization_scope) or, where crossing tenants is intended, scopes_disabled() with a comment."
            )
        return super().__getattribute__(name)

    def none(self) -> Any:
        # Always empty, so safe to read anywhere (form fields declared at import time use it).
        return models.QuerySet(self.model, using=self._db).none()

    def _refuse(self, *args: object, **kwargs: object) -> Any:
        raise ScopeError(f"{self.model.__name__} rows were read outside an organisation scope.")

    __iter__ = __len__ = __bool__ = __getitem__ = __contains__ = __aiter__ = _refuse

    def __repr__(self) -> str:
        return f"<UnscopedQuerySet of {self.model.__name__}: no organisation scope>"


class TenantManager(models.Manager):  # type: ignore[type-arg]
    """Filters every query to the organisation in scope; fails closed without one."""

    def get_queryset(self) -> models.QuerySet[Any]:
        current = get_scope()
        if not current.get("_enabled", True):
            return super().get_queryset()  # scopes_disabled(): explicit and commented at the call site
        organization = current.get("organization")
        if organization is None:
            return UnscopedQuerySet(self.model, using=self._db)
        return super().get_queryset().filter(organization=organization)


class TenantModel(models.Model):
    """Abstract base of every tenant-owned table (Citus-ready: distributed by organization_id)."""

    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="+", db_index=True)

    objects: ClassVar[models.Manager[Any]] = TenantManager()

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
