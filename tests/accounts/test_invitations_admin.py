"""Inviting one person, the invitation list, resending and withdrawing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts import services
from accounts.models import Invitation, InvitationState, Membership, MembershipStatus, Role
from accounts.tenancy import organization_scope
from tests.accounts.admin_support import NON_ADMIN_ROLES, messages_of, row_counts, url
from tests.factories import InvitationFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def invite_data(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "email": "New.Person@Acme.example",
        "full_name": "New Person",
        "role": "manager",
        "department": "Sales",
        "location": "Berlin",
        "job_title": "Account Executive",
    }
    data.update(changes)
    return data


def invitation_url(name: str, invitation: Invitation) -> str:
    return url(name, invitation.organization.slug, invitation_id=invitation.public_id)


def reload(invitation: Invitation) -> Invitation:
    with organization_scope(invitation.organization):
        return Invitation.objects.get(pk=invitation.pk)


# Invite one person -------------------------------------------------------------------


def test_admin_sees_the_invite_form_with_the_organizations_groups(tenant_a, tenant_b, client_for):
    response = client_for(tenant_a.admin).get(url("invite", "acme"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Acme Champions" in body
    assert "Globex" not in body


@pytest.mark.parametrize("role", NON_ADMIN_ROLES)
def test_other_roles_cannot_invite(tenant_a, client_for, role):
    before = row_counts()
    client = client_for(tenant_a.member(role))
    assert client.get(url("invite", "acme")).status_code == 403
    assert client.post(url("invite", "acme"), invite_data()).status_code == 403
    assert row_counts() == before


def test_admin_invites_a_person_with_a_role_attributes_and_groups(
    tenant_a, client_for, django_capture_on_commit_callbacks
):
    client = client_for(tenant_a.admin)
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(url("invite", "acme"), invite_data(groups=[str(tenant_a.group.public_id)]))
    assert response.status_code == 302
    assert response.url == url("invitation_list", "acme")
    assert len(callbacks) == 1  # the invitation email is queued once the transaction commits
    with organization_scope(tenant_a.organization):
        membership = Membership.objects.select_related("user").get(user__email="new.person@acme.example")
        invitation = Invitation.objects.get(membership=membership)
        assert list(membership.groups.all()) == [tenant_a.group]
    assert membership.status == MembershipStatus.INVITED
    assert membership.role == Role.MANAGER
    assert (membership.department, membership.location, membership.job_title) == (
        "Sales",
        "Berlin",
        "Account Executive",
    )
    assert membership.user.full_name == "New Person"
    assert invitation.invited_by == tenant_a.admin.user
    assert invitation.state == InvitationState.PENDING
    assert "Invitation sent to new.person@acme.example." in messages_of(client.get(response.url))


def test_inviting_someone_who_is_already_a_member_says_so_and_changes_nothing(tenant_a, client_for):
    before = row_counts()
    response = client_for(tenant_a.admin).post(url("invite", "acme"), invite_data(email="EMPLOYEE@acme.example"))
    assert response.status_code == 400
    assert "employee@acme.example is already a member of Acme." in response.context["form"].errors["email"]
    assert row_counts() == before


def test_an_invalid_email_is_refused(tenant_a, client_for):
    before = row_counts()
    response = client_for(tenant_a.admin).post(url("invite", "acme"), invite_data(email="not an email"))
    assert response.status_code == 400
    assert "email" in response.context["form"].errors
    assert 'aria-invalid="true"' in response.content.decode()
    assert row_counts() == before


def test_inviting_a_deactivated_member_says_to_reactivate_them_instead(tenant_a, client_for):
    with organization_scope(tenant_a.organization):
        services.membership_deactivate(membership=tenant_a.employee)
    before = row_counts()
    response = client_for(tenant_a.admin).post(url("invite", "acme"), invite_data(email="employee@acme.example"))
    assert response.status_code == 400
    assert "reactivate them" in response.context["form"].errors["email"][0]
    assert row_counts() == before


def test_a_person_of_another_organization_can_be_invited_without_seeing_their_other_membership(
    tenant_a, tenant_b, client_for
):
    response = client_for(tenant_a.admin).post(url("invite", "acme"), invite_data(email="employee@globex.example"))
    assert response.status_code == 302
    with organization_scope(tenant_b.organization):
        assert Membership.objects.get(pk=tenant_b.employee.pk).role == Role.EMPLOYEE


def test_a_group_of_another_organization_cannot_be_chosen(tenant_a, tenant_b, client_for):
    before = row_counts()
    response = client_for(tenant_a.admin).post(
        url("invite", "acme"), invite_data(groups=[str(tenant_b.group.public_id)])
    )
    assert response.status_code == 400
    assert "groups" in response.context["form"].errors
    assert row_counts() == before


def test_inviting_again_someone_still_invited_replaces_their_invitation(tenant_a, client_for):
    response = client_for(tenant_a.admin).post(url("invite", "acme"), invite_data(email="invitee@acme.example"))
    assert response.status_code == 302
    assert reload(tenant_a.invitation).state == InvitationState.REVOKED


# The list ----------------------------------------------------------------------------


def test_admin_sees_invitations_with_their_states(tenant_a, client_for):
    org = tenant_a.organization
    InvitationFactory(organization=org, membership__user__email="accepted@acme.example", accepted_at=timezone.now())
    InvitationFactory(
        organization=org, membership__user__email="expired@acme.example", expires_at=timezone.now() - timedelta(days=1)
    )
    InvitationFactory(organization=org, membership__user__email="revoked@acme.example", revoked_at=timezone.now())
    response = client_for(tenant_a.admin).get(url("invitation_list", "acme"))
    assert response.status_code == 200
    body = response.content.decode()
    for email, state in [
        ("invitee", "pending"),
        ("accepted", "accepted"),
        ("expired", "expired"),
        ("revoked", "revoked"),
    ]:
        assert f"{email}@acme.example" in body
        assert f"status-{state}" in body


@pytest.mark.parametrize("state", ["pending", "accepted", "expired", "revoked"])
def test_the_state_filter_shows_only_invitations_in_that_state(tenant_a, client_for, state):
    org = tenant_a.organization
    InvitationFactory(organization=org, membership__user__email="accepted@acme.example", accepted_at=timezone.now())
    InvitationFactory(
        organization=org, membership__user__email="expired@acme.example", expires_at=timezone.now() - timedelta(days=1)
    )
    InvitationFactory(organization=org, membership__user__email="revoked@acme.example", revoked_at=timezone.now())
    response = client_for(tenant_a.admin).get(url("invitation_list", "acme"), {"state": state})
    assert [invitation.state for invitation in response.context["page_obj"]] == [state]


def test_the_invitation_list_shows_no_other_organization_invitations(tenant_a, tenant_b, client_for):
    response = client_for(tenant_a.admin).get(url("invitation_list", "acme"))
    assert b"globex" not in response.content.lower()


def test_the_invitation_list_paginates(tenant_a, client_for):
    for n in range(26):
        InvitationFactory(organization=tenant_a.organization, membership__user__email=f"p{n}@acme.example")
    response = client_for(tenant_a.admin).get(url("invitation_list", "acme"), {"state": "pending", "page": "2"})
    assert response.context["page_obj"].number == 2
    assert len(response.context["page_obj"].object_list) == 2


def test_no_invitations_shows_an_empty_state(tenant_a, client_for):
    response = client_for(tenant_a.admin).get(url("invitation_list", "acme"), {"q": "nobody"})
    assert "No invitations match your filters" in response.content.decode()


@pytest.mark.parametrize("role", NON_ADMIN_ROLES)
def test_other_roles_cannot_open_the_invitation_list(tenant_a, client_for, role):
    assert client_for(tenant_a.member(role)).get(url("invitation_list", "acme")).status_code == 403


# Resend and withdraw -----------------------------------------------------------------


def test_admin_resends_an_invitation(tenant_a, client_for, django_capture_on_commit_callbacks):
    client = client_for(tenant_a.admin)
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(invitation_url("invitation_resend", tenant_a.invitation))
    assert response.status_code == 302
    assert response.url == url("invitation_list", "acme")
    assert len(callbacks) == 1
    assert reload(tenant_a.invitation).state == InvitationState.REVOKED
    with organization_scope(tenant_a.organization):
        fresh = Invitation.objects.filter(membership=tenant_a.invitation.membership).latest("created_at")
    assert fresh.pk != tenant_a.invitation.pk and fresh.state == InvitationState.PENDING
    assert any("A new invitation was sent" in m for m in messages_of(client.get(response.url)))


def test_resending_an_expired_invitation_sends_a_fresh_one(tenant_a, client_for):
    with organization_scope(tenant_a.organization):
        Invitation.objects.filter(pk=tenant_a.invitation.pk).update(expires_at=timezone.now() - timedelta(days=1))
    client_for(tenant_a.admin).post(invitation_url("invitation_resend", tenant_a.invitation))
    with organization_scope(tenant_a.organization):
        states = [i.state for i in Invitation.objects.filter(membership=tenant_a.invitation.membership)]
    assert sorted(states) == ["pending", "revoked"]  # the stale link is withdrawn as well


def test_an_accepted_invitation_cannot_be_resent(tenant_a, client_for):
    invitation = InvitationFactory(organization=tenant_a.organization, accepted_at=timezone.now())
    before = row_counts()
    response = client_for(tenant_a.admin).post(invitation_url("invitation_resend", invitation), follow=True)
    assert "This invitation was already accepted." in messages_of(response)
    assert row_counts() == before


def test_resend_returns_to_the_member_page_it_was_sent_from(tenant_a, client_for):
    back = url("member_detail", "acme", member_id=tenant_a.invitation.membership.public_id)
    response = client_for(tenant_a.admin).post(invitation_url("invitation_resend", tenant_a.invitation), {"next": back})
    assert response.url == back


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/o/acme/", "/o/globex/members/"])
def test_resend_never_redirects_outside_the_organization(tenant_a, client_for, next_url):
    response = client_for(tenant_a.admin).post(
        invitation_url("invitation_resend", tenant_a.invitation), {"next": next_url}
    )
    assert response.url == url("invitation_list", "acme")


def test_admin_withdraws_a_pending_invitation(tenant_a, client_for):
    invited = tenant_a.invitation.membership
    response = client_for(tenant_a.admin).post(invitation_url("invitation_revoke", tenant_a.invitation), follow=True)
    assert any("was withdrawn" in m for m in messages_of(response))
    with organization_scope(tenant_a.organization):
        # Nobody is left waiting: the person is kept, deactivated, with the withdrawn invitation.
        invited.refresh_from_db()
        assert invited.status == "deactivated"
        tenant_a.invitation.refresh_from_db()
        assert tenant_a.invitation.revoked_at is not None
    assert (
        client_for(tenant_a.admin)
        .get(url("member_list", "acme"), {"status": "invited"})
        .context["page_obj"]
        .paginator.count
        == 0
    )


def test_withdrawing_an_older_invitation_keeps_the_member_who_joined(tenant_a, client_for):
    old = InvitationFactory(organization=tenant_a.organization, membership=tenant_a.employee)
    with organization_scope(tenant_a.organization):
        Invitation.objects.filter(pk=old.pk).update(accepted_at=None)
    client_for(tenant_a.admin).post(invitation_url("invitation_revoke", old))
    assert reload(old).state == InvitationState.REVOKED
    with organization_scope(tenant_a.organization):
        assert Membership.objects.get(pk=tenant_a.employee.pk).status == MembershipStatus.ACTIVE


def test_an_accepted_invitation_cannot_be_withdrawn(tenant_a, client_for):
    invitation = InvitationFactory(organization=tenant_a.organization, accepted_at=timezone.now())
    response = client_for(tenant_a.admin).post(invitation_url("invitation_revoke", invitation), follow=True)
    assert any("already accepted" in m for m in messages_of(response))
    assert reload(invitation).revoked_at is None


@pytest.mark.parametrize("name", ["invitation_resend", "invitation_revoke"])
@pytest.mark.parametrize("role", NON_ADMIN_ROLES)
def test_other_roles_cannot_resend_or_withdraw(tenant_a, client_for, name, role):
    before = row_counts()
    response = client_for(tenant_a.member(role)).post(invitation_url(name, tenant_a.invitation))
    assert response.status_code == 403
    assert row_counts() == before
    assert reload(tenant_a.invitation).state == InvitationState.PENDING


@pytest.mark.parametrize("name", ["invitation_resend", "invitation_revoke"])
def test_an_invitation_of_another_organization_is_not_found_under_this_one(tenant_a, tenant_b, client_for, name):
    before = row_counts()
    response = client_for(tenant_a.admin).post(url(name, "acme", invitation_id=tenant_b.invitation.public_id))
    assert response.status_code == 404
    assert b"globex" not in response.content.lower()
    assert row_counts() == before
    assert reload(tenant_b.invitation).state == InvitationState.PENDING


@pytest.mark.parametrize("name", ["invitation_resend", "invitation_revoke"])
def test_resend_and_withdraw_only_accept_post(tenant_a, client_for, name):
    assert client_for(tenant_a.admin).get(invitation_url(name, tenant_a.invitation)).status_code == 405
    assert reload(tenant_a.invitation).state == InvitationState.PENDING


def test_an_invited_member_gets_no_access_to_admin_pages(tenant_a, client_for):
    invited_admin = MembershipFactory(
        organization=tenant_a.organization, role=Role.ADMIN, status=MembershipStatus.INVITED, joined_at=None
    )
    assert client_for(invited_admin).get(url("invitation_list", "acme")).status_code == 404
