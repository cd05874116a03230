"""Invitations through the API."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.models import Invitation, Membership, MembershipStatus, Role
from accounts.tenancy import organization_scope
from tests.conftest import Tenant
from tests.factories import InvitationFactory

ClientFor = Callable[[Membership], Client]


def invitations_url(tenant: Tenant, query: str = "") -> str:
    return reverse("api:invitation_list", kwargs={"org_slug": tenant.organization.slug}) + query


def revoke_url(tenant: Tenant, invitation: Invitation) -> str:
    return reverse(
        "api:invitation_revoke", kwargs={"org_slug": tenant.organization.slug, "invitation_id": invitation.public_id}
    )


def invite(client: Client, tenant: Tenant, body: dict[str, Any]) -> Any:
    return client.post(invitations_url(tenant), json.dumps(body), content_type="application/json")


def test_an_admin_invites_a_person_with_a_role_and_attributes(tenant_a: Tenant, client_for: ClientFor) -> None:
    response = invite(
        client_for(tenant_a.admin),
        tenant_a,
        {
            "email": " Dana@Example.com ",
            "role": "manager",
            "full_name": "Dana Scully",
            "department": "Comms",
            "timezone": "America/New_York",
            "groups": [str(tenant_a.group.public_id)],
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["email"], body["role"], body["state"], body["invited_by"]) == (
        "dana@example.com",
        "manager",
        "pending",
        "admin@acme.example",
    )
    with organization_scope(tenant_a.organization):
        member = Membership.objects.select_related("user").get(public_id=body["member_id"])
        assert (member.status, member.role, member.department, member.user.full_name) == (
            MembershipStatus.INVITED,
            Role.MANAGER,
            "Comms",
            "Dana Scully",
        )
        assert list(member.groups.all()) == [tenant_a.group]


def test_the_email_is_queued_once_the_transaction_commits(
    tenant_a: Tenant, client_for: ClientFor, django_capture_on_commit_callbacks, broker
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = invite(client_for(tenant_a.admin), tenant_a, {"email": "fox@example.com", "role": "employee"})
    assert response.status_code == 201
    with organization_scope(tenant_a.organization):
        invitation = Invitation.objects.get(public_id=response.json()["id"])
    assert broker.drain() == [
        (
            "accounts.tasks.invitation_send",
            {"organization_id": tenant_a.organization.pk, "invitation_id": invitation.pk},
        )
    ]


def test_role_defaults_to_employee(tenant_a: Tenant, client_for: ClientFor) -> None:
    response = invite(client_for(tenant_a.admin), tenant_a, {"email": "walter@example.com"})
    assert response.status_code == 201
    assert response.json()["role"] == "employee"


def test_bad_invitations_are_a_400_that_says_why(tenant_a: Tenant, client_for: ClientFor) -> None:
    client = client_for(tenant_a.admin)
    assert invite(client, tenant_a, {"email": "not-an-email"}).json() == {
        "email": ["“not-an-email” is not a valid email address."]
    }
    assert invite(client, tenant_a, {"email": "employee@acme.example"}).json() == {
        "email": ["employee@acme.example is already a member of Acme."]
    }
    response = invite(client, tenant_a, {"email": "x@example.com", "role": "owner", "timezone": "Nowhere/Land"})
    assert response.status_code == 400
    assert set(response.json()) == {"role", "timezone"}
    assert invite(client, tenant_a, {}).json() == {"email": ["This field is required."]}


def test_a_member_of_another_organisation_can_be_invited_without_learning_anything(
    tenant_a: Tenant, tenant_b: Tenant, client_for: ClientFor
) -> None:
    response = invite(client_for(tenant_a.admin), tenant_a, {"email": "employee@globex.example", "role": "employee"})
    assert response.status_code == 201
    assert "Globex" not in response.content.decode()


def test_the_invitation_list_is_filtered_by_state_and_search(
    tenant_a: Tenant, tenant_b: Tenant, client_for: ClientFor
) -> None:
    InvitationFactory(
        organization=tenant_a.organization,
        membership__user__email="late@acme.example",
        expires_at=timezone.now() - timedelta(days=1),
    )
    client = client_for(tenant_a.admin)
    everything = client.get(invitations_url(tenant_a)).json()
    assert sorted(i["email"] for i in everything["results"]) == ["invitee@acme.example", "late@acme.example"]
    expired = client.get(invitations_url(tenant_a, "?state=expired")).json()
    assert [i["email"] for i in expired["results"]] == ["late@acme.example"]
    found = client.get(invitations_url(tenant_a, "?search=invitee")).json()
    assert [i["email"] for i in found["results"]] == ["invitee@acme.example"]
    assert client.get(invitations_url(tenant_a, "?state=lost")).status_code == 400


def test_revoking_an_invitation_stops_it(tenant_a: Tenant, client_for: ClientFor) -> None:
    client = client_for(tenant_a.admin)
    first = invite(client, tenant_a, {"email": "gillian@example.com"}).json()
    second = invite(client, tenant_a, {"email": "gillian@example.com"}).json()  # replaces the first
    with organization_scope(tenant_a.organization):
        invitation = Invitation.objects.get(public_id=second["id"])
    assert client.post(revoke_url(tenant_a, invitation)).status_code == 204
    # Nobody is left waiting: the person is kept, deactivated, with the invitation history.
    with organization_scope(tenant_a.organization):
        member = Membership.objects.get(public_id=first["member_id"])
        assert member.status == MembershipStatus.DEACTIVATED
        assert Invitation.objects.filter(membership=member, revoked_at__isnull=False).count() == 2
    again = client.post(revoke_url(tenant_a, invitation))
    assert again.status_code == 400
    assert "already withdrawn" in again.json()["detail"]
    # Inviting them again revives the same membership.
    assert invite(client, tenant_a, {"email": "gillian@example.com"}).json()["member_id"] == first["member_id"]


def test_an_accepted_invitation_cannot_be_revoked(tenant_a: Tenant, client_for: ClientFor) -> None:
    invitation = tenant_a.invitation
    with organization_scope(tenant_a.organization):
        services.invitation_accept(
            invitation=invitation, user=invitation.membership.user, password="a-long-passphrase-1"
        )
    response = client_for(tenant_a.admin).post(revoke_url(tenant_a, invitation))
    assert response.status_code == 400
    assert response.json() == {"detail": "This invitation was already accepted; deactivate the member instead."}
