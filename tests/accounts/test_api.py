"""The API's edge: who may call what, in which organisation, and what leaks (nothing)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django_scopes import ScopeError
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory, force_authenticate

from accounts.api import OrganizationAPIView
from accounts.models import Membership, MembershipStatus, Role
from accounts.permissions import ADMINS, CURATORS, EVERYONE
from accounts.tenancy import current_organization
from tests.conftest import Tenant
from tests.factories import MembershipFactory

ALL_ROLES = [Role.ADMIN, Role.MANAGER, Role.EXECUTIVE, Role.EMPLOYEE]

ClientFor = Callable[[Membership], Client]


def call(client: Client, method: str, url: str, body: dict[str, Any] | None = None) -> Any:
    if method == "GET":
        return client.get(url)
    return getattr(client, method.lower())(url, json.dumps(body or {}), content_type="application/json")


# Every operation of the API, with a request that succeeds for a role that may make it.


def no_ids(t: Tenant) -> dict[str, Any]:
    return {}


@dataclass
class Operation:
    name: str
    method: str
    roles: frozenset[str]
    ok: int
    kwargs: Callable[[Tenant], dict[str, Any]] = no_ids
    body: dict[str, Any] = field(default_factory=dict)
    org_scoped: bool = True

    @property
    def id(self) -> str:
        return f"{self.method} {self.name}"

    def url(self, tenant: Tenant, slug: str | None = None, ids_from: Tenant | None = None) -> str:
        kwargs = self.kwargs(ids_from or tenant)
        if self.org_scoped:
            kwargs["org_slug"] = slug or tenant.organization.slug
        return reverse(f"api:{self.name}", kwargs=kwargs)


def employee_id(t: Tenant) -> dict[str, Any]:
    return {"member_id": t.employee.public_id}


def deactivated_id(t: Tenant) -> dict[str, Any]:
    return {"member_id": t.deactivated.public_id}  # type: ignore[attr-defined]


def group_id(t: Tenant) -> dict[str, Any]:
    return {"group_id": t.group.public_id}


def invitation_id(t: Tenant) -> dict[str, Any]:
    return {"invitation_id": t.invitation.public_id}


OPERATIONS = [
    Operation("me", "GET", EVERYONE, 200, org_scoped=False),
    Operation("member_list", "GET", CURATORS, 200),
    Operation("member_me", "GET", EVERYONE, 200),
    Operation("member_detail", "GET", CURATORS, 200, employee_id),
    Operation("member_detail", "PATCH", ADMINS, 200, employee_id, {"department": "Sales"}),
    Operation("member_deactivate", "POST", ADMINS, 200, employee_id),
    Operation("member_reactivate", "POST", ADMINS, 200, deactivated_id),
    Operation("invitation_list", "GET", ADMINS, 200),
    Operation("invitation_list", "POST", ADMINS, 201, body={"email": "new.person@example.com", "role": "employee"}),
    Operation("invitation_revoke", "POST", ADMINS, 204, invitation_id),
    Operation("group_list", "GET", CURATORS, 200),
    Operation("group_list", "POST", ADMINS, 201, body={"name": "Brand ambassadors"}),
    Operation("group_detail", "GET", CURATORS, 200, group_id),
    Operation("group_detail", "PATCH", ADMINS, 200, group_id, {"description": "The loudest voices."}),
    Operation("group_detail", "DELETE", ADMINS, 204, group_id),
    Operation("topic_list", "GET", EVERYONE, 200),
    Operation("topic_list", "POST", ADMINS, 201, body={"name": "Sustainability"}),
]
OBJECT_OPERATIONS = [op for op in OPERATIONS if op.kwargs is not no_ids]


def with_deactivated_member(tenant: Tenant) -> Tenant:
    tenant.deactivated = MembershipFactory(  # type: ignore[attr-defined]
        organization=tenant.organization,
        status=MembershipStatus.DEACTIVATED,
        user__email=f"gone@{tenant.organization.slug}.example",
    )
    return tenant


@pytest.fixture
def acme(tenant_a: Tenant) -> Tenant:
    return with_deactivated_member(tenant_a)


@pytest.fixture
def globex(tenant_b: Tenant) -> Tenant:
    return with_deactivated_member(tenant_b)


# Who may call what ------------------------------------------------------------


@pytest.mark.parametrize("role", ALL_ROLES)
@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: op.id)
def test_each_role_gets_what_its_role_allows(
    acme: Tenant, client_for: ClientFor, operation: Operation, role: str
) -> None:
    client = client_for(acme.member(role))
    response = call(client, operation.method, operation.url(acme), operation.body)
    if role in operation.roles:
        assert response.status_code == operation.ok, response.content
    else:
        assert response.status_code == 403, response.content
        assert response.json() == {"detail": "Your role in this organisation does not allow this."}


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: op.id)
def test_it_requires_a_signed_in_person(acme: Tenant, client: Client, operation: Operation) -> None:
    response = call(client, operation.method, operation.url(acme), operation.body)
    # Session authentication has no WWW-Authenticate challenge, so DRF answers 403, not 401.
    assert response.status_code == 403
    assert response.json() == {"detail": "Authentication credentials were not provided."}


def test_a_write_without_the_csrf_token_is_refused(acme: Tenant) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(acme.admin.user)
    url = reverse("api:topic_list", kwargs={"org_slug": acme.organization.slug})
    response = client.post(url, json.dumps({"name": "Sustainability"}), content_type="application/json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def test_a_method_no_role_may_use_is_refused(acme: Tenant, client_for: ClientFor) -> None:
    url = reverse("api:member_detail", kwargs={"org_slug": "acme", "member_id": acme.employee.public_id})
    response = client_for(acme.admin).put(url, json.dumps({"role": "manager"}), content_type="application/json")
    assert response.status_code == 403
    assert client_for(acme.admin).post(reverse("api:me")).status_code == 405


def test_the_api_reads_json_only(acme: Tenant, client_for: ClientFor) -> None:
    response = client_for(acme.admin).post(reverse("api:topic_list", kwargs={"org_slug": "acme"}), {"name": "AI"})
    assert response.status_code == 415


# Tenancy: nothing of another organisation, and the same 404 for all of it ---------


def assert_nothing_of(tenant: Tenant, response: Any) -> None:
    body = response.content.decode()
    leaks = [
        str(tenant.organization.public_id),
        tenant.organization.name,
        tenant.group.name,
        str(tenant.group.public_id),
        tenant.topic.name,
        tenant.employee.user.email,
        str(tenant.employee.public_id),
        tenant.invitation.email,
        str(tenant.invitation.public_id),
    ]
    assert [leak for leak in leaks if leak in body] == []


@pytest.mark.parametrize("operation", OBJECT_OPERATIONS, ids=lambda op: op.id)
def test_another_organisations_ids_are_not_found(
    acme: Tenant, globex: Tenant, client_for: ClientFor, operation: Operation
) -> None:
    client = client_for(acme.admin)
    response = call(client, operation.method, operation.url(acme, ids_from=globex), operation.body)
    assert response.status_code == 404, response.content
    assert_nothing_of(globex, response)


@pytest.mark.parametrize("operation", [op for op in OPERATIONS if op.org_scoped], ids=lambda op: op.id)
@pytest.mark.parametrize("ids_from", ["own", "theirs"])
def test_a_member_cannot_reach_another_organisation_by_its_slug(
    acme: Tenant, globex: Tenant, client_for: ClientFor, operation: Operation, ids_from: str
) -> None:
    client = client_for(acme.admin)
    url = operation.url(acme, slug=globex.organization.slug, ids_from=acme if ids_from == "own" else globex)
    response = call(client, operation.method, url, operation.body)
    assert response.status_code == 404
    assert response.json() == {"detail": "No such organisation."}
    assert_nothing_of(globex, response)


def test_an_unknown_organisation_and_a_foreign_one_get_the_same_answer(
    acme: Tenant, globex: Tenant, client_for: ClientFor
) -> None:
    client = client_for(acme.admin)
    foreign = client.get(reverse("api:member_list", kwargs={"org_slug": globex.organization.slug}))
    unknown = client.get(reverse("api:member_list", kwargs={"org_slug": "no-such-org"}))
    assert (foreign.status_code, foreign.content) == (unknown.status_code, unknown.content)


def test_a_deactivated_member_is_refused(acme: Tenant, client_for: ClientFor) -> None:
    client = client_for(acme.deactivated)  # type: ignore[attr-defined]
    response = client.get(reverse("api:member_me", kwargs={"org_slug": acme.organization.slug}))
    assert response.status_code == 403
    assert response.json() == {"detail": "Your access to this organisation was deactivated."}


def test_an_invited_person_who_has_not_accepted_is_not_a_member_yet(acme: Tenant, client_for: ClientFor) -> None:
    client = client_for(acme.invitation.membership)
    response = client.get(reverse("api:member_me", kwargs={"org_slug": acme.organization.slug}))
    assert response.status_code == 404


# The tenant scope --------------------------------------------------------------

seen_organizations: list[Any] = []


class ScopeProbeAPI(OrganizationAPIView):
    roles = {"GET": EVERYONE, "POST": EVERYONE}

    def get(self, request: Request, org_slug: str) -> Response:
        seen_organizations.append(current_organization())
        raise RuntimeError("a bug in a view")

    def post(self, request: Request, org_slug: str) -> Response:
        seen_organizations.append(current_organization())
        raise DRFValidationError("refused")


def test_a_view_runs_in_its_organisation_and_a_crash_does_not_leak_the_scope(acme: Tenant) -> None:
    seen_organizations.clear()
    request = APIRequestFactory().get("/probe/")
    force_authenticate(request, user=acme.employee.user)
    with pytest.raises(RuntimeError):
        ScopeProbeAPI.as_view()(request, org_slug=acme.organization.slug)
    assert seen_organizations == [acme.organization]
    assert current_organization() is None
    with pytest.raises(ScopeError):
        list(Membership.objects.all())


def test_a_handled_error_does_not_leak_the_scope_either(acme: Tenant) -> None:
    seen_organizations.clear()
    request = APIRequestFactory().post("/probe/", {}, format="json")
    force_authenticate(request, user=acme.employee.user)
    response = ScopeProbeAPI.as_view()(request, org_slug=acme.organization.slug)
    assert response.status_code == 400
    assert seen_organizations == [acme.organization]
    assert current_organization() is None


def test_the_scope_ends_with_each_request_through_the_full_stack(acme: Tenant, client_for: ClientFor) -> None:
    client = client_for(acme.admin)
    response = client.patch(
        reverse("api:member_detail", kwargs={"org_slug": acme.organization.slug, "member_id": acme.admin.public_id}),
        json.dumps({"role": "employee"}),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert current_organization() is None


def test_tenant_queries_before_the_organisation_is_known_raise(acme: Tenant, globex: Tenant) -> None:
    errors: list[Exception] = []

    class EarlyQueryAPI(OrganizationAPIView):
        roles = {"GET": EVERYONE}

        def perform_authentication(self, request: Request) -> None:
            try:
                Membership.objects.count()
            except ScopeError as error:
                errors.append(error)
            super().perform_authentication(request)

        def get(self, request: Request, org_slug: str) -> Response:
            return Response({"count": Membership.objects.count()})

    request = APIRequestFactory().get("/probe/")
    force_authenticate(request, user=acme.employee.user)
    response = EarlyQueryAPI.as_view()(request, org_slug=acme.organization.slug)
    assert errors, "a tenant query ran before the organisation was resolved"
    assert response.data == {"count": 6}  # acme's own: four roles, the invitee and the deactivated member


# The base class refuses unsafe subclasses ----------------------------------------


@pytest.mark.parametrize("name", ["dispatch", "initial", "check_permissions", "get_permissions", "get_tenant_object"])
def test_a_subclass_cannot_override_what_enforces_tenancy(name: str) -> None:
    with pytest.raises(TypeError, match=name):
        type("Unsafe", (OrganizationAPIView,), {"roles": {"GET": EVERYONE}, name: lambda self, *a, **k: None})


def test_a_handler_without_roles_is_refused_at_import() -> None:
    with pytest.raises(TypeError, match="PATCH"):
        type(
            "Undeclared",
            (OrganizationAPIView,),
            {"roles": {"GET": EVERYONE}, "get": lambda self, r: None, "patch": lambda self, r: None},
        )
