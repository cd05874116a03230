"""Groups: the list with member counts, creating, editing, members, deleting."""

from __future__ import annotations

import pytest

from accounts import services
from accounts.models import Group, GroupMembership, Membership, MembershipStatus
from accounts.tenancy import organization_scope
from tests.accounts.admin_support import NON_ADMIN_ROLES, messages_of, row_counts, url
from tests.factories import GroupFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def group_url(name: str, group: Group) -> str:
    return url(name, group.organization.slug, group_id=group.public_id)


def members_of(group: Group) -> set[str]:
    with organization_scope(group.organization):
        return set(Membership.objects.filter(groups=group).values_list("user__email", flat=True))


def group_names(tenant) -> set[str]:  # type: ignore[no-untyped-def]
    with organization_scope(tenant.organization):
        return set(Group.objects.values_list("name", flat=True))


# The list ----------------------------------------------------------------------------


def test_admin_sees_the_groups_with_their_active_member_counts(tenant_a, client_for):
    with organization_scope(tenant_a.organization):
        services.group_set_members(group=tenant_a.group, memberships=[tenant_a.employee, tenant_a.manager])
    GroupFactory(organization=tenant_a.organization, name="Empty group")
    response = client_for(tenant_a.admin).get(url("group_list", "acme"))
    assert response.status_code == 200
    counts = {group.name: group.member_count for group in response.context["page_obj"]}
    assert counts == {"Acme Champions": 2, "Empty group": 0}
    assert group_url("group_detail", tenant_a.group) in response.content.decode()
    assert b"Globex" not in response.content


def test_no_groups_shows_an_empty_state_with_a_way_to_create_one(tenant_a, client_for):
    with organization_scope(tenant_a.organization):
        services.group_delete(group=tenant_a.group)
    body = client_for(tenant_a.admin).get(url("group_list", "acme")).content.decode()
    assert "No groups yet" in body
    assert url("group_create", "acme") in body


@pytest.mark.parametrize("role", NON_ADMIN_ROLES)
def test_other_roles_cannot_open_or_change_groups(tenant_a, client_for, role):
    client = client_for(tenant_a.member(role))
    before = row_counts()
    assert client.get(url("group_list", "acme")).status_code == 403
    assert client.get(url("group_create", "acme")).status_code == 403
    assert client.post(url("group_create", "acme"), {"name": "Sneaky"}).status_code == 403
    assert client.get(group_url("group_detail", tenant_a.group)).status_code == 403
    assert client.post(group_url("group_detail", tenant_a.group), {"name": "Renamed"}).status_code == 403
    assert client.post(group_url("group_members", tenant_a.group), {"members": []}).status_code == 403
    assert client.post(group_url("group_delete", tenant_a.group)).status_code == 403
    assert group_names(tenant_a) == {"Acme Champions"}
    assert row_counts() == before


# Create ------------------------------------------------------------------------------


def test_admin_creates_a_group_and_lands_on_it(tenant_a, client_for):
    client = client_for(tenant_a.admin)
    assert client.get(url("group_create", "acme")).status_code == 200
    response = client.post(url("group_create", "acme"), {"name": "  Sales champions ", "description": "EMEA"})
    assert response.status_code == 302
    with organization_scope(tenant_a.organization):
        group = Group.objects.get(name="Sales champions")
    assert group.description == "EMEA" and group.slug == "sales-champions"
    assert response.url == group_url("group_detail", group)
    assert any("was created" in m for m in messages_of(client.get(response.url)))


def test_a_group_name_already_in_use_is_a_form_error(tenant_a, client_for):
    response = client_for(tenant_a.admin).post(url("group_create", "acme"), {"name": "acme CHAMPIONS"})
    assert response.status_code == 400
    assert response.context["form"].errors["name"] == ["A group named “acme CHAMPIONS” already exists."]
    assert group_names(tenant_a) == {"Acme Champions"}


def test_another_organizations_group_name_is_free_to_use(tenant_a, tenant_b, client_for):
    response = client_for(tenant_a.admin).post(url("group_create", "acme"), {"name": "Globex Champions"})
    assert response.status_code == 302
    assert group_names(tenant_b) == {"Globex Champions"}


def test_a_group_needs_a_name(tenant_a, client_for):
    response = client_for(tenant_a.admin).post(url("group_create", "acme"), {"name": "   "})
    assert response.status_code == 400
    assert "name" in response.context["form"].errors


# Detail: edit and members -------------------------------------------------------------


def test_admin_sees_a_group_with_its_members_ticked(tenant_a, client_for):
    response = client_for(tenant_a.admin).get(group_url("group_detail", tenant_a.group))
    assert response.status_code == 200
    field = response.context["members_form"]["members"]
    ticked = {choice.data["value"] for choice in field if choice.data["selected"]}
    assert {str(value) for value in ticked} == {str(tenant_a.employee.public_id)}
    body = response.content.decode()
    assert "manager@acme.example" in body  # every active member can be ticked
    assert "globex" not in body.lower()


def test_admin_renames_a_group(tenant_a, client_for):
    response = client_for(tenant_a.admin).post(
        group_url("group_detail", tenant_a.group), {"name": "Champions", "description": "Our best"}
    )
    assert response.status_code == 302
    assert group_names(tenant_a) == {"Champions"}


def test_renaming_a_group_to_a_name_in_use_is_a_form_error_and_keeps_the_name(tenant_a, client_for):
    GroupFactory(organization=tenant_a.organization, name="Leaders")
    response = client_for(tenant_a.admin).post(group_url("group_detail", tenant_a.group), {"name": "leaders"})
    assert response.status_code == 400
    assert "already exists" in response.context["form"].errors["name"][0]
    assert group_names(tenant_a) == {"Acme Champions", "Leaders"}
    assert '<h1 class="h3 mb-0">Acme Champions</h1>' in response.content.decode()


def test_admin_sets_a_groups_members(tenant_a, client_for):
    client = client_for(tenant_a.admin)
    ticked = [str(tenant_a.manager.public_id), str(tenant_a.executive.public_id)]
    response = client.post(group_url("group_members", tenant_a.group), {"members": ticked})
    assert response.status_code == 302
    assert members_of(tenant_a.group) == {"manager@acme.example", "executive@acme.example"}
    assert "“Acme Champions” now has 2 members." in messages_of(client.get(response.url))


def test_unticking_everyone_empties_the_group(tenant_a, client_for):
    response = client_for(tenant_a.admin).post(group_url("group_members", tenant_a.group), {})
    assert response.status_code == 302
    assert members_of(tenant_a.group) == set()


def test_a_member_of_another_organization_cannot_be_added(tenant_a, tenant_b, client_for):
    before = row_counts()
    response = client_for(tenant_a.admin).post(
        group_url("group_members", tenant_a.group),
        {"members": [str(tenant_a.manager.public_id), str(tenant_b.employee.public_id)]},
    )
    assert response.status_code == 400
    assert "members" in response.context["members_form"].errors
    assert "globex" not in response.content.decode().lower()
    assert members_of(tenant_a.group) == {"employee@acme.example"}
    assert row_counts() == before


def test_a_deactivated_member_stays_in_the_group_when_others_are_added(tenant_a, client_for):
    with organization_scope(tenant_a.organization):
        services.membership_deactivate(membership=tenant_a.employee)
    page = client_for(tenant_a.admin).get(group_url("group_detail", tenant_a.group)).content.decode()
    assert "employee@acme.example" in page and "(deactivated)" in page
    client_for(tenant_a.admin).post(
        group_url("group_members", tenant_a.group),
        {"members": [str(tenant_a.employee.public_id), str(tenant_a.manager.public_id)]},
    )
    assert members_of(tenant_a.group) == {"employee@acme.example", "manager@acme.example"}


def test_a_deactivated_member_outside_the_group_is_not_offered(tenant_a, client_for):
    MembershipFactory(
        organization=tenant_a.organization, status=MembershipStatus.DEACTIVATED, user__email="gone@acme.example"
    )
    page = client_for(tenant_a.admin).get(group_url("group_detail", tenant_a.group)).content.decode()
    assert "gone@acme.example" not in page


def test_a_group_of_200_members_renders_in_a_few_queries_with_a_filterable_list(
    tenant_a, client_for, django_assert_max_num_queries
):
    people = [MembershipFactory(organization=tenant_a.organization) for _ in range(200)]
    with organization_scope(tenant_a.organization):
        services.group_set_members(group=tenant_a.group, memberships=people[:150])
    client = client_for(tenant_a.admin)
    with django_assert_max_num_queries(25):
        response = client.get(group_url("group_detail", tenant_a.group))
    body = response.content.decode()
    assert body.count("data-member-option") == 205  # 200 + the fixture's active and invited members
    assert "data-member-filter" in body and "js/member_picker.js" in body
    assert response.context["member_count"] == 150


def test_the_members_address_only_accepts_post(tenant_a, client_for):
    response = client_for(tenant_a.admin).get(group_url("group_members", tenant_a.group))
    assert response.status_code == 405


# Delete ------------------------------------------------------------------------------


def test_admin_deletes_a_group_and_its_members_stay(tenant_a, client_for):
    before = row_counts()
    client = client_for(tenant_a.admin)
    response = client.post(group_url("group_delete", tenant_a.group))
    assert response.status_code == 302
    assert response.url == url("group_list", "acme")
    assert group_names(tenant_a) == set()
    after = row_counts()
    assert after["memberships"] == before["memberships"]
    assert after["group_memberships"] == before["group_memberships"] - 1
    assert any("was deleted" in m for m in messages_of(client.get(response.url)))


def test_deleting_needs_a_post(tenant_a, client_for):
    assert client_for(tenant_a.admin).get(group_url("group_delete", tenant_a.group)).status_code == 405
    assert group_names(tenant_a) == {"Acme Champions"}


def test_the_delete_button_asks_for_confirmation(tenant_a, client_for):
    body = client_for(tenant_a.admin).get(group_url("group_detail", tenant_a.group)).content.decode()
    assert 'data-confirm="Delete the group “Acme Champions”?' in body


# Other organisations' groups ------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "method"),
    [("group_detail", "get"), ("group_detail", "post"), ("group_members", "post"), ("group_delete", "post")],
)
def test_a_group_of_another_organization_is_not_found_under_this_one(tenant_a, tenant_b, client_for, name, method):
    before = row_counts()
    target = url(name, "acme", group_id=tenant_b.group.public_id)
    client = client_for(tenant_a.admin)
    data = {"name": "Hijacked", "members": [str(tenant_a.admin.public_id)]}
    response = client.get(target) if method == "get" else client.post(target, data)
    assert response.status_code == 404
    assert b"globex" not in response.content.lower()
    assert group_names(tenant_b) == {"Globex Champions"}
    assert members_of(tenant_b.group) == {"employee@globex.example"}
    assert row_counts() == before


def test_group_memberships_stay_in_their_organization(tenant_a, tenant_b, client_for):
    client_for(tenant_a.admin).post(
        group_url("group_members", tenant_a.group), {"members": [str(tenant_a.manager.public_id)]}
    )
    with organization_scope(tenant_b.organization):
        assert GroupMembership.objects.count() == 1


def test_a_member_listed_twice_is_added_once(tenant_a):
    with organization_scope(tenant_a.organization):
        services.group_set_members(group=tenant_a.group, memberships=[tenant_a.manager, tenant_a.manager])
        assert GroupMembership.objects.filter(group=tenant_a.group).count() == 1


def test_a_member_of_another_organisation_cannot_join_a_group(tenant_a, tenant_b):
    from django.core.exceptions import ValidationError

    with organization_scope(tenant_a.organization), pytest.raises(ValidationError, match="another organisation"):
        services.group_set_members(group=tenant_a.group, memberships=[tenant_b.employee])
