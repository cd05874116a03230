"""The members screens: list, detail and edit, role changes, deactivation."""

from __future__ import annotations

import re

import pytest
from django.http import Http404
from django.utils import timezone

from accounts import services
from accounts.models import Membership, MembershipStatus, Role
from accounts.selectors import get_for_organization
from accounts.tenancy import organization_scope
from tests.accounts.admin_support import NON_ADMIN_ROLES, messages_of, row_counts, url
from tests.factories import GroupMembershipFactory, InvitationFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def member_url(name: str, member: Membership) -> str:
    return url(name, member.organization.slug, member_id=member.public_id)


def reload(member: Membership) -> Membership:
    with organization_scope(member.organization):
        return Membership.objects.select_related("user").get(pk=member.pk)


def edit_data(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "department": "Marketing",
        "location": "Paris",
        "job_title": "Writer",
        "timezone": "Europe/Paris",
        "work_days": ["1", "2", "3"],
        "work_start": "08:30",
        "work_end": "16:30",
        "quiet_hours_start": "20:00",
        "quiet_hours_end": "07:00",
        "is_hourly": "on",
    }
    data.update(changes)
    return data


# The list ----------------------------------------------------------------------


def test_admin_sees_every_member_with_counts(tenant_a, client_for):
    response = client_for(tenant_a.admin).get(url("member_list", "acme"))
    assert response.status_code == 200
    body = response.content.decode()
    for role in Role:
        assert f"{role}@acme.example" in body
    assert "invitee@acme.example" in body
    assert response.context["counts"]["active"] == 4
    assert response.context["counts"]["invited"] == 1
    assert member_url("member_detail", tenant_a.employee) in body


@pytest.mark.parametrize("role", NON_ADMIN_ROLES)
def test_other_roles_cannot_open_the_member_list(tenant_a, client_for, role):
    response = client_for(tenant_a.member(role)).get(url("member_list", "acme"))
    assert response.status_code == 403


def test_a_member_of_another_organization_gets_not_found_for_the_member_list(tenant_a, tenant_b, client_for):
    response = client_for(tenant_b.admin).get(url("member_list", "acme"))
    assert response.status_code == 404
    assert b"acme.example" not in response.content


def test_the_member_list_shows_no_other_organization_members(tenant_a, tenant_b, client_for):
    response = client_for(tenant_a.admin).get(url("member_list", "acme"))
    assert b"globex" not in response.content.lower()


@pytest.mark.parametrize("term", ["ada", "ADA.L", "Ninja", "Research", "Lisbon"])
def test_search_finds_a_member_by_name_email_title_department_or_location(tenant_a, client_for, term):
    MembershipFactory(
        organization=tenant_a.organization,
        user__full_name="Ada Lovelace",
        user__email="ada.l@acme.example",
        job_title="Ninja",
        department="Research",
        location="Lisbon",
    )
    response = client_for(tenant_a.admin).get(url("member_list", "acme"), {"q": term})
    members = list(response.context["page_obj"])
    assert [m.user.email for m in members] == ["ada.l@acme.example"]
    assert "1 member match your filters" in " ".join(response.content.decode().split())


def test_filters_narrow_the_list_by_role_status_department_and_group(tenant_a, client_for):
    MembershipFactory(organization=tenant_a.organization, department="Sales", user__email="sales@acme.example")
    client = client_for(tenant_a.admin)

    def emails(**query: str) -> set[str]:
        response = client.get(url("member_list", "acme"), query)
        assert response.status_code == 200
        return {m.user.email for m in response.context["page_obj"]}

    assert emails(role="manager") == {"manager@acme.example"}
    assert emails(status="invited") == {"invitee@acme.example"}
    assert emails(department="Sales") == {"sales@acme.example"}
    assert emails(group=str(tenant_a.group.public_id)) == {"employee@acme.example"}
    assert emails(role="employee", department="Sales") == {"sales@acme.example"}


def test_a_filter_value_that_does_not_exist_filters_nothing_instead_of_failing(tenant_a, tenant_b, client_for):
    client = client_for(tenant_a.admin)
    for query in ({"role": "owner"}, {"group": "not-a-uuid"}, {"group": str(tenant_b.group.public_id)}):
        response = client.get(url("member_list", "acme"), query)
        assert response.status_code == 200
        assert len(response.context["page_obj"].object_list) == 5


def test_the_list_has_25_members_a_page_and_the_next_page_keeps_the_filters(tenant_a, client_for):
    for n in range(30):
        MembershipFactory(organization=tenant_a.organization, department="Support", user__email=f"s{n:02}@acme.example")
    client = client_for(tenant_a.admin)
    first = client.get(url("member_list", "acme"), {"department": "Support"})
    assert len(first.context["page_obj"].object_list) == 25
    assert first.context["page_obj"].paginator.count == 30
    body = first.content.decode()
    next_link = re.search(r'href="\?([^"]*page=2[^"]*)"', body)
    assert next_link is not None and "department=Support" in next_link.group(1)
    second = client.get(url("member_list", "acme") + "?" + next_link.group(1).replace("&amp;", "&"))
    assert len(second.context["page_obj"].object_list) == 5
    assert all(m.department == "Support" for m in second.context["page_obj"])


def test_a_page_number_out_of_range_shows_the_last_page(tenant_a, client_for):
    response = client_for(tenant_a.admin).get(url("member_list", "acme"), {"page": "99"})
    assert response.status_code == 200
    assert response.context["page_obj"].number == 1


def test_a_search_without_results_shows_an_empty_state(tenant_a, client_for):
    response = client_for(tenant_a.admin).get(url("member_list", "acme"), {"q": "nobody-by-this-name"})
    assert response.status_code == 200
    assert "No members match your filters" in response.content.decode()


# Detail and edit -------------------------------------------------------------------


def test_admin_opens_a_member_and_sees_their_invitation_history(tenant_a, client_for):
    invited = tenant_a.invitation.membership
    response = client_for(tenant_a.admin).get(member_url("member_detail", invited))
    assert response.status_code == 200
    body = response.content.decode()
    assert "invitee@acme.example" in body
    assert "Pending" in body
    assert url("invitation_resend", "acme", invitation_id=tenant_a.invitation.public_id) in body


@pytest.mark.parametrize("role", NON_ADMIN_ROLES)
def test_other_roles_cannot_open_or_edit_a_member(tenant_a, client_for, role):
    client = client_for(tenant_a.member(role))
    assert client.get(member_url("member_detail", tenant_a.employee)).status_code == 403
    assert client.post(member_url("member_detail", tenant_a.employee), edit_data()).status_code == 403
    assert reload(tenant_a.employee).department == "Engineering"


def test_admin_edits_a_members_attributes_interests_focus_and_groups(tenant_a, client_for):
    member = tenant_a.manager
    data = edit_data(
        interests=[str(tenant_a.topic.public_id)],
        focus_topic=str(tenant_a.topic.public_id),
        groups=[str(tenant_a.group.public_id)],
    )
    response = client_for(tenant_a.admin).post(member_url("member_detail", member), data)
    assert response.status_code == 302
    member = reload(member)
    assert (member.department, member.location, member.job_title) == ("Marketing", "Paris", "Writer")
    assert member.timezone == "Europe/Paris"
    assert member.work_days == "123"
    assert member.is_hourly is True
    assert member.quiet_hours_start.hour == 20
    with organization_scope(tenant_a.organization):
        assert list(member.interests.all()) == [tenant_a.topic]
        assert list(member.groups.all()) == [tenant_a.group]
        assert member.focus_topic == tenant_a.topic
    follow = client_for(tenant_a.admin).get(response.url)
    assert "was saved" in " ".join(messages_of(follow))


def test_admin_clears_a_members_groups_by_unticking_them(tenant_a, client_for):
    member = tenant_a.employee
    response = client_for(tenant_a.admin).post(member_url("member_detail", member), edit_data())
    assert response.status_code == 302
    with organization_scope(tenant_a.organization):
        assert list(member.groups.all()) == []


def test_a_group_or_topic_of_another_organization_cannot_be_assigned(tenant_a, tenant_b, client_for):
    member = tenant_a.manager
    data = edit_data(groups=[str(tenant_b.group.public_id)], focus_topic=str(tenant_b.topic.public_id))
    response = client_for(tenant_a.admin).post(member_url("member_detail", member), data)
    assert response.status_code == 400
    assert response.context["form"].errors.keys() >= {"groups", "focus_topic"}
    assert b"Globex" not in response.content
    member = reload(member)
    assert member.department == "Engineering"
    with organization_scope(tenant_a.organization):
        assert list(member.groups.all()) == []


def test_a_working_day_with_a_start_but_no_end_is_refused(tenant_a, client_for):
    response = client_for(tenant_a.admin).post(member_url("member_detail", tenant_a.manager), edit_data(work_end=""))
    assert response.status_code == 400
    assert "Give both the start and the end" in response.content.decode()
    assert 'aria-invalid="true"' in response.content.decode()
    assert reload(tenant_a.manager).department == "Engineering"


def test_an_unknown_time_zone_is_refused(tenant_a, client_for):
    response = client_for(tenant_a.admin).post(
        member_url("member_detail", tenant_a.manager), edit_data(timezone="Mars/Olympus")
    )
    assert response.status_code == 400
    assert "timezone" in response.context["form"].errors


# Other organisations' members ------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("member_detail", "get"),
        ("member_detail", "post"),
        ("member_role", "post"),
        ("member_deactivate", "post"),
        ("member_reactivate", "post"),
    ],
)
def test_a_member_of_another_organization_is_not_found_under_this_one(tenant_a, tenant_b, client_for, name, method):
    outsider = tenant_b.employee
    target = url(name, "acme", member_id=outsider.public_id)
    data = {**edit_data(), "role": "admin"}
    response = getattr(client_for(tenant_a.admin), method)(target, data if method == "post" else None)
    assert response.status_code == 404
    assert b"globex" not in response.content.lower()
    outsider = reload(outsider)
    assert (outsider.role, outsider.status, outsider.department) == (
        Role.EMPLOYEE,
        MembershipStatus.ACTIVE,
        "Engineering",
    )


@pytest.mark.parametrize("public_id", ["not-a-uuid", "00000000-0000-0000-0000-000000000000", None])
def test_the_access_helper_answers_not_found_alike_for_malformed_unknown_and_foreign_ids(tenant_a, tenant_b, public_id):
    with organization_scope(tenant_a.organization):
        with pytest.raises(Http404):
            get_for_organization(Membership, tenant_a.organization, public_id or tenant_b.employee.public_id)
        assert get_for_organization(Membership, tenant_a.organization, tenant_a.employee.public_id) == tenant_a.employee


def test_an_unknown_member_id_is_not_found(tenant_a, client_for):
    response = client_for(tenant_a.admin).get(
        url("member_detail", "acme", member_id="00000000-0000-0000-0000-000000000000")
    )
    assert response.status_code == 404


# Role ----------------------------------------------------------------------------


def test_admin_changes_a_members_role(tenant_a, client_for):
    client = client_for(tenant_a.admin)
    response = client.post(member_url("member_role", tenant_a.employee), {"role": "manager"})
    assert response.status_code == 302
    assert reload(tenant_a.employee).role == Role.MANAGER
    assert "is now manager" in " ".join(messages_of(client.get(response.url)))


def test_changing_an_invited_members_role_updates_their_pending_invitation(tenant_a, client_for):
    invited = tenant_a.invitation.membership
    client_for(tenant_a.admin).post(member_url("member_role", invited), {"role": "executive"})
    with organization_scope(tenant_a.organization):
        tenant_a.invitation.refresh_from_db()
    assert tenant_a.invitation.role == Role.EXECUTIVE


@pytest.mark.parametrize("role", NON_ADMIN_ROLES)
def test_other_roles_cannot_change_a_role(tenant_a, client_for, role):
    response = client_for(tenant_a.member(role)).post(member_url("member_role", tenant_a.employee), {"role": "admin"})
    assert response.status_code == 403
    assert reload(tenant_a.employee).role == Role.EMPLOYEE


def test_a_role_that_does_not_exist_is_refused(tenant_a, client_for):
    client = client_for(tenant_a.admin)
    response = client.post(member_url("member_role", tenant_a.employee), {"role": "owner"})
    assert response.status_code == 302
    assert "Choose one of the roles." in messages_of(client.get(response.url))
    assert reload(tenant_a.employee).role == Role.EMPLOYEE


def test_the_last_admin_cannot_demote_themselves(tenant_a, client_for):
    client = client_for(tenant_a.admin)
    response = client.post(member_url("member_role", tenant_a.admin), {"role": "employee"}, follow=True)
    assert response.status_code == 200
    assert any("last active admin" in message for message in messages_of(response))
    assert reload(tenant_a.admin).role == Role.ADMIN


def test_an_admin_who_demotes_themselves_goes_to_their_dashboard(tenant_a, client_for):
    MembershipFactory(organization=tenant_a.organization, role=Role.ADMIN)
    response = client_for(tenant_a.admin).post(member_url("member_role", tenant_a.admin), {"role": "manager"})
    assert response.status_code == 302
    assert response.url == url("dashboard", "acme")
    assert reload(tenant_a.admin).role == Role.MANAGER


# Deactivate and reactivate --------------------------------------------------------


def test_admin_deactivates_a_member_who_then_loses_access(tenant_a, client_for):
    response = client_for(tenant_a.admin).post(member_url("member_deactivate", tenant_a.employee))
    assert response.status_code == 302
    member = reload(tenant_a.employee)
    assert member.status == MembershipStatus.DEACTIVATED
    assert member.deactivated_at is not None
    assert client_for(tenant_a.employee).get(url("dashboard", "acme")).status_code == 403


def test_admin_reactivates_a_deactivated_member(tenant_a, client_for):
    with organization_scope(tenant_a.organization):
        services.membership_deactivate(membership=tenant_a.employee)
    response = client_for(tenant_a.admin).post(member_url("member_reactivate", tenant_a.employee), follow=True)
    assert reload(tenant_a.employee).status == MembershipStatus.ACTIVE
    assert any("reactivated" in message for message in messages_of(response))


def test_reactivating_an_active_member_says_why_nothing_happened(tenant_a, client_for):
    response = client_for(tenant_a.admin).post(member_url("member_reactivate", tenant_a.employee), follow=True)
    assert "Only a deactivated member can be reactivated." in messages_of(response)


def test_the_last_admin_cannot_deactivate_themselves(tenant_a, client_for):
    client = client_for(tenant_a.admin)
    response = client.post(member_url("member_deactivate", tenant_a.admin), follow=True)
    assert response.status_code == 200
    assert any("last active admin" in message for message in messages_of(response))
    assert reload(tenant_a.admin).status == MembershipStatus.ACTIVE


@pytest.mark.parametrize("role", NON_ADMIN_ROLES)
def test_other_roles_cannot_deactivate_anyone(tenant_a, client_for, role):
    response = client_for(tenant_a.member(role)).post(member_url("member_deactivate", tenant_a.admin))
    assert response.status_code == 403
    assert reload(tenant_a.admin).status == MembershipStatus.ACTIVE


@pytest.mark.parametrize("name", ["member_role", "member_deactivate", "member_reactivate"])
def test_the_action_addresses_only_accept_post(tenant_a, client_for, name):
    before = row_counts()
    response = client_for(tenant_a.admin).get(member_url(name, tenant_a.employee))
    assert response.status_code == 405
    assert row_counts() == before
    assert reload(tenant_a.employee).status == MembershipStatus.ACTIVE


# Pages as a whole ------------------------------------------------------------------


def test_a_member_with_many_groups_and_invitations_renders_in_a_few_queries(
    tenant_a, client_for, django_assert_max_num_queries
):
    member = tenant_a.invitation.membership
    for _ in range(5):
        GroupMembershipFactory(organization=tenant_a.organization, membership=member)
        InvitationFactory(organization=tenant_a.organization, membership=member, revoked_at=timezone.now())
    client = client_for(tenant_a.admin)
    with django_assert_max_num_queries(30):
        response = client.get(member_url("member_detail", member))
    assert response.status_code == 200


@pytest.mark.parametrize(
    "name",
    [
        "member_list",
        "invite",
        "member_import",
        "invitation_list",
        "group_list",
        "group_create",
        "topic_list",
        "organization_settings",
    ],
)
def test_admin_pages_have_no_inline_script_style_or_handlers(tenant_a, client_for, name):
    body = client_for(tenant_a.admin).get(url(name, "acme")).content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", body)
    assert " style=" not in body
    assert not re.search(r"\son[a-z]+=", body)


def test_detail_pages_have_no_inline_script_style_or_handlers(tenant_a, client_for):
    client = client_for(tenant_a.admin)
    for target in (
        member_url("member_detail", tenant_a.invitation.membership),
        url("group_detail", "acme", group_id=tenant_a.group.public_id),
    ):
        body = client.get(target).content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", body)
        assert " style=" not in body
        assert not re.search(r"\son[a-z]+=", body)
