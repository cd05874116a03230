"""Groups and topics through the API."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.test import Client
from django.urls import reverse

from accounts.models import Group, GroupMembership, Membership
from accounts.tenancy import organization_scope
from tests.conftest import Tenant
from tests.factories import MembershipFactory

ClientFor = Callable[[Membership], Client]


def groups_url(tenant: Tenant) -> str:
    return reverse("api:group_list", kwargs={"org_slug": tenant.organization.slug})


def group_url(tenant: Tenant, group: Group) -> str:
    return reverse("api:group_detail", kwargs={"org_slug": tenant.organization.slug, "group_id": group.public_id})


def topics_url(tenant: Tenant) -> str:
    return reverse("api:topic_list", kwargs={"org_slug": tenant.organization.slug})


def send(client: Client, method: str, url: str, body: dict[str, Any]) -> Any:
    return getattr(client, method)(url, json.dumps(body), content_type="application/json")


def test_groups_are_listed_by_name_with_their_active_member_count(
    tenant_a: Tenant, tenant_b: Tenant, client_for: ClientFor
) -> None:
    client = client_for(tenant_a.manager)
    send(client_for(tenant_a.admin), "post", groups_url(tenant_a), {"name": "Alpha testers"})
    body = client.get(groups_url(tenant_a)).json()
    assert [(g["name"], g["member_count"]) for g in body["results"]] == [("Acme Champions", 1), ("Alpha testers", 0)]


def test_an_admin_creates_renames_and_deletes_a_group(tenant_a: Tenant, client_for: ClientFor) -> None:
    client = client_for(tenant_a.admin)
    created = send(client, "post", groups_url(tenant_a), {"name": "  Speakers  ", "description": "On stage"})
    assert created.status_code == 201
    assert (created.json()["name"], created.json()["slug"], created.json()["member_count"]) == (
        "Speakers",
        "speakers",
        0,
    )
    with organization_scope(tenant_a.organization):
        group = Group.objects.get(public_id=created.json()["id"])

    renamed = send(client, "patch", group_url(tenant_a, group), {"name": "Keynote speakers"})
    assert renamed.status_code == 200
    assert (renamed.json()["name"], renamed.json()["description"]) == ("Keynote speakers", "On stage")

    assert client.delete(group_url(tenant_a, group)).status_code == 204
    assert client.get(group_url(tenant_a, group)).status_code == 404


def test_deleting_a_group_keeps_its_members(tenant_a: Tenant, client_for: ClientFor) -> None:
    response = client_for(tenant_a.admin).delete(group_url(tenant_a, tenant_a.group))
    assert response.status_code == 204
    with organization_scope(tenant_a.organization):
        assert not GroupMembership.objects.filter(organization=tenant_a.organization).exists()
    assert client_for(tenant_a.employee).get(reverse("api:member_me", kwargs={"org_slug": "acme"})).status_code == 200


def test_group_names_are_unique_in_an_organisation_only(
    tenant_a: Tenant, tenant_b: Tenant, client_for: ClientFor
) -> None:
    client = client_for(tenant_a.admin)
    clash = send(client, "post", groups_url(tenant_a), {"name": "acme champions"})
    assert clash.status_code == 400
    assert clash.json() == {"name": ["A group named “acme champions” already exists."]}
    # Globex has a group of that name too; Acme may use it, and learns nothing of it.
    same_as_globex = send(client, "post", groups_url(tenant_a), {"name": "Globex Champions"})
    assert same_as_globex.status_code == 201
    assert same_as_globex.json()["slug"] == "globex-champions"


def test_a_group_needs_a_name(tenant_a: Tenant, client_for: ClientFor) -> None:
    client = client_for(tenant_a.admin)
    assert send(client, "post", groups_url(tenant_a), {}).json() == {"name": ["This field is required."]}
    assert send(client, "patch", group_url(tenant_a, tenant_a.group), {"name": ""}).json() == {
        "name": ["This field may not be blank."]
    }


def test_every_member_reads_topics_and_an_admin_adds_them(tenant_a: Tenant, client_for: ClientFor) -> None:
    MembershipFactory(organization=tenant_a.organization)
    admin = client_for(tenant_a.admin)
    created = send(admin, "post", topics_url(tenant_a), {"name": "Climate"})
    assert created.status_code == 201
    again = send(admin, "post", topics_url(tenant_a), {"name": "climate"})
    assert again.json()["id"] == created.json()["id"]

    listed = client_for(tenant_a.employee).get(topics_url(tenant_a)).json()
    assert [t["name"] for t in listed["results"]] == ["Acme Topic", "Climate"]
