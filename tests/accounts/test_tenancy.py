"""The Citus-readiness rule and the fail-closed manager, checked for every model."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import models
from django_scopes import ScopeError

from accounts.models import Organization
from accounts.tenancy import TenantModel, organization_scope

TENANT_APPS = {"accounts", "content", "advocacy", "analytics"}
# Global tables: the tenant itself, people (who may belong to several tenants) and
# the beat-job leases (and Django's operator permissions on people), and the circuit
# breakers of the social-network apps, which every organisation shares. Everything else
# in a tenant app belongs to one organisation.
GLOBAL_MODELS = {
    "accounts.Organization",
    "accounts.User",
    "accounts.User_groups",
    "accounts.User_user_permissions",
    "accounts.PeriodicJobLock",
    "advocacy.ProviderPause",
    "analytics.RollupWatermark",
}


def tenant_app_models() -> list[type[models.Model]]:
    return [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.app_label in TENANT_APPS and model._meta.label not in GLOBAL_MODELS
    ]


def test_every_tenant_app_model_is_a_tenant_model() -> None:
    offenders = [m._meta.label for m in tenant_app_models() if not issubclass(m, TenantModel)]
    assert offenders == [], (
        f"{offenders} must subclass accounts.tenancy.TenantModel (auto-created many-to-many tables "
        "are not allowed: declare an explicit `through` model that carries the organisation)."
    )


@pytest.mark.parametrize("model", tenant_app_models(), ids=lambda m: m._meta.label)
def test_tenant_model_has_a_non_null_indexed_organization(model: type[models.Model]) -> None:
    field = model._meta.get_field("organization")
    assert isinstance(field, models.ForeignKey)
    assert field.related_model is Organization
    assert not field.null
    assert field.db_index


@pytest.mark.parametrize("model", tenant_app_models(), ids=lambda m: m._meta.label)
def test_every_unique_constraint_includes_organization(model: type[models.Model]) -> None:
    for field in model._meta.local_fields:
        assert not (field.unique and not field.primary_key), (
            f"{model._meta.label}.{field.name} is unique on its own; use a UniqueConstraint with organization."
        )
    for together in model._meta.unique_together:
        assert "organization" in together, f"{model._meta.label} unique_together {together} lacks organization"
    for constraint in model._meta.constraints:
        if isinstance(constraint, models.UniqueConstraint):
            assert "organization" in constraint.fields, (
                f"{model._meta.label} constraint {constraint.name} must include organization"
            )


UNSCOPED_CALLS = {
    "iterate": lambda manager: list(manager.all()),
    "exists": lambda manager: manager.exists(),
    "exclude": lambda manager: manager.exclude(pk=0),
    "count": lambda manager: manager.count(),
    "in_bulk": lambda manager: manager.in_bulk([1]),
    "select_related": lambda manager: manager.select_related(),
    "values": lambda manager: manager.values("pk"),
    "get": lambda manager: manager.get(pk=1),
    "first": lambda manager: manager.first(),
    "update": lambda manager: manager.update(),
    "delete": lambda manager: manager.all().delete(),
    "aggregate": lambda manager: manager.aggregate(),
    "get_or_create": lambda manager: manager.get_or_create(pk=1),
    "bool": lambda manager: bool(manager.all()),
    "len": lambda manager: len(manager.all()),
}


@pytest.mark.django_db
@pytest.mark.parametrize("call", UNSCOPED_CALLS, ids=str)
@pytest.mark.parametrize("model", tenant_app_models(), ids=lambda m: m._meta.label)
def test_an_unscoped_query_raises(model: type[models.Model], call: str) -> None:
    with pytest.raises(ScopeError):
        UNSCOPED_CALLS[call](model._default_manager)


@pytest.mark.django_db
def test_an_empty_scope_fails_closed_too(tenant_a) -> None:  # type: ignore[no-untyped-def]
    from accounts.models import Membership
    from accounts.tenancy import scope

    with scope(), pytest.raises(ScopeError):
        Membership.objects.exists()


@pytest.mark.django_db
def test_related_managers_are_scoped(tenant_a, tenant_b) -> None:  # type: ignore[no-untyped-def]
    user = tenant_a.employee.user
    with pytest.raises(ScopeError):
        user.memberships.exists()
    with organization_scope(tenant_b.organization):
        assert not user.memberships.exists()
    with organization_scope(tenant_a.organization):
        assert user.memberships.get() == tenant_a.employee


@pytest.mark.django_db
def test_a_scoped_query_sees_only_its_own_organization(tenant_a, tenant_b) -> None:  # type: ignore[no-untyped-def]
    from accounts.models import Membership

    with organization_scope(tenant_a.organization):
        emails = set(Membership.objects.values_list("user__email", flat=True))
    assert emails and all(email.endswith("@acme.example") for email in emails)


def test_a_scope_without_an_organization_is_refused() -> None:
    with pytest.raises(ValueError), organization_scope(None):  # type: ignore[arg-type]
        pass
