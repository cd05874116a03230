"""Joining through an invitation link: single use, expiring, and never for the wrong person."""

from __future__ import annotations

from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.test import Client
from django.utils import timezone

from accounts import services
from accounts.models import Invitation, Membership, MembershipStatus, Role
from accounts.tenancy import organization_scope
from tests.factories import PASSWORD, MembershipFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-long-and-unusual-passphrase"


def link_path(invitation: Invitation) -> str:
    return f"/invitations/{services.invitation_token(invitation)}/"


def test_a_new_person_sets_a_password_and_lands_on_the_dashboard(client: Client, tenant_a) -> None:  # type: ignore[no-untyped-def]
    invitation = tenant_a.invitation
    page = client.get(link_path(invitation))
    assert page.status_code == 200
    assert "Join Acme" in page.content.decode()

    response = client.post(
        link_path(invitation),
        {"full_name": "Nia Newcomer", "password": NEW_PASSWORD, "password_again": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert response["Location"] == "/o/acme/"
    assert client.get("/o/acme/").status_code == 200

    with organization_scope(tenant_a.organization):
        membership = Membership.objects.get(pk=invitation.membership.pk)
        invitation.refresh_from_db()
    assert membership.status == MembershipStatus.ACTIVE
    assert membership.user.full_name == "Nia Newcomer"
    assert membership.user.check_password(NEW_PASSWORD)
    assert invitation.accepted_at is not None
    assert EmailAddress.objects.get(user=membership.user).verified


def test_a_used_invitation_cannot_be_used_again(client: Client, tenant_a) -> None:  # type: ignore[no-untyped-def]
    path = link_path(tenant_a.invitation)
    client.post(path, {"full_name": "Nia", "password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
    other = Client()
    response = other.post(path, {"full_name": "Mallory", "password": "x" * 20, "password_again": "x" * 20})
    assert response.status_code == 410
    assert "already been used" in response.content.decode()
    user = tenant_a.invitation.membership.user
    user.refresh_from_db()
    assert user.full_name == "Nia"


def test_an_expired_invitation_is_refused_and_changes_nothing(client: Client, tenant_a) -> None:  # type: ignore[no-untyped-def]
    invitation = tenant_a.invitation
    with organization_scope(tenant_a.organization):
        Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    response = client.post(
        link_path(invitation), {"full_name": "Late", "password": NEW_PASSWORD, "password_again": NEW_PASSWORD}
    )
    assert response.status_code == 410
    assert "expired" in response.content.decode()
    invitation.membership.user.refresh_from_db()
    assert not invitation.membership.user.has_usable_password()


def test_a_revoked_invitation_is_refused(client: Client, tenant_a) -> None:  # type: ignore[no-untyped-def]
    with organization_scope(tenant_a.organization):
        services.invitation_revoke(invitation=tenant_a.invitation)
    response = client.get(link_path(tenant_a.invitation))
    assert response.status_code == 410
    assert "withdrawn" in response.content.decode() or "no longer exists" in response.content.decode()


def test_a_tampered_link_is_refused(client: Client, tenant_a) -> None:  # type: ignore[no-untyped-def]
    response = client.get(link_path(tenant_a.invitation)[:-5] + "xxxx/")
    assert response.status_code == 410
    assert "not valid" in response.content.decode()


def test_mismatched_passwords_are_a_form_error(client: Client, tenant_a) -> None:  # type: ignore[no-untyped-def]
    response = client.post(
        link_path(tenant_a.invitation), {"full_name": "N", "password": NEW_PASSWORD, "password_again": "other-one-x"}
    )
    assert response.status_code == 400
    assert "The two passwords differ" in response.content.decode()
    assert tenant_a.invitation.membership.user.has_usable_password() is False


def test_a_weak_password_is_a_form_error(client: Client, tenant_a) -> None:  # type: ignore[no-untyped-def]
    response = client.post(
        link_path(tenant_a.invitation), {"full_name": "N", "password": "123", "password_again": "123"}
    )
    assert response.status_code == 400
    assert "too short" in response.content.decode()


def test_an_existing_user_signs_in_then_accepts(client: Client, tenant_a, tenant_b) -> None:  # type: ignore[no-untyped-def]
    person = tenant_b.employee.user  # already has an account through Globex
    with organization_scope(tenant_a.organization):
        invitation = services.invitation_create(
            organization=tenant_a.organization, email=person.email, role=Role.MANAGER, invited_by=None, send=False
        )
    path = link_path(invitation)
    assert client.get(path)["Location"].startswith("/accounts/login/")

    client.force_login(person)
    assert client.post(path)["Location"] == "/o/acme/"
    with organization_scope(tenant_a.organization):
        assert Membership.objects.get(user=person).role == Role.MANAGER
    assert person.check_password(PASSWORD)  # their password is untouched


def test_someone_signed_in_as_another_person_cannot_take_the_invitation(client_for, tenant_a, tenant_b) -> None:  # type: ignore[no-untyped-def]
    person = tenant_b.employee.user
    with organization_scope(tenant_a.organization):
        invitation = services.invitation_create(
            organization=tenant_a.organization, email=person.email, role=Role.ADMIN, invited_by=None, send=False
        )
    intruder = client_for(tenant_b.admin)
    response = intruder.post(link_path(invitation))
    assert response.status_code == 410
    assert f"This invitation is for {person.email}" in response.content.decode()
    with organization_scope(tenant_a.organization):
        assert not Membership.objects.filter(user=tenant_b.admin.user).exists()
        invitation.refresh_from_db()
    assert invitation.accepted_at is None


def test_inviting_again_revokes_the_earlier_link(tenant_a) -> None:  # type: ignore[no-untyped-def]
    first = tenant_a.invitation
    with organization_scope(tenant_a.organization):
        second = services.invitation_resend(invitation=first, invited_by=tenant_a.admin.user)
        first.refresh_from_db()
    assert first.revoked_at is not None
    assert second.state == "pending"


def test_a_deactivated_person_cannot_be_invited_again(tenant_a) -> None:  # type: ignore[no-untyped-def]
    from django.core.exceptions import ValidationError

    member = MembershipFactory(organization=tenant_a.organization, status=MembershipStatus.DEACTIVATED)
    with organization_scope(tenant_a.organization), pytest.raises(ValidationError, match="reactivate"):
        services.invitation_create(
            organization=tenant_a.organization, email=member.user.email, role=Role.EMPLOYEE, invited_by=None
        )


def test_deactivating_an_invited_person_kills_their_link(client: Client, tenant_a) -> None:  # type: ignore[no-untyped-def]
    with organization_scope(tenant_a.organization):
        services.membership_deactivate(membership=tenant_a.invitation.membership)
    response = client.get(link_path(tenant_a.invitation))
    assert response.status_code == 410
    assert "withdrawn" in response.content.decode()


def test_a_form_error_is_announced_with_its_field(client: Client, tenant_a) -> None:  # type: ignore[no-untyped-def]
    response = client.post(
        link_path(tenant_a.invitation), {"full_name": "N", "password": NEW_PASSWORD, "password_again": "other-one-x"}
    )
    html = response.content.decode()
    assert 'aria-describedby="id_password_again_error"' in html
    assert 'id="id_password_again_error"' in html
