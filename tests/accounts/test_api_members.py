"""Members through the API: the signed-in person, listing, reading and changing members."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.test import Client
from django.urls import reverse

from accounts import services
from accounts.models import Membership, MembershipStatus, Role
from accounts.tenancy import organization_scope
from tests.conftest import Tenant
from tests.factories import GroupFactory, MembershipFactory, TopicFactory

ClientFor = Callable[[Membership], Client]


def members_url(tenant: Tenant, **query: str) -> str:
    url = reverse("api:member_list", kwargs={"org_slug": tenant.organization.slug})
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def member_url(tenant: Tenant, member: Membership, action: str = "") -> str:
    name = f"api:member_{action}" if action else "api:member_detail"
    return reverse(name, kwargs={"org_slug": tenant.organization.slug, "member_id": member.public_id})


def patch(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.patch(url, json.dumps(body), content_type="application/json")


def reload(member: Membership) -> Membership:
    with organization_scope(member.organization):
        return Membership.objects.select_related("user", "focus_topic").get(pk=member.pk)


# /me/ ----------------------------------------------------------------------------


def test_me_lists_the_persons_active_organisations_with_their_role(
    tenant_a: Tenant, tenant_b: Tenant, client_for: ClientFor
) -> None:
    user = tenant_a.manager.user
    in_b = MembershipFactory(organization=tenant_b.organization, user=user, role=Role.EMPLOYEE)
    other = MembershipFactory(user=user, status=MembershipStatus.DEACTIVATED)
    response = client_for(tenant_a.manager).get(reverse("api:me"))
    assert response.status_code == 200
    body = response.json()
    assert body["email"] == user.email
    assert body["id"] == str(user.public_id)
    assert [(o["slug"], o["role"], o["member_id"]) for o in body["organizations"]] == [
        ("acme", "manager", str(tenant_a.manager.public_id)),
        ("globex", "employee", str(in_b.public_id)),
    ]
    assert other.organization.slug not in response.content.decode()


# Listing --------------------------------------------------------------------------


def emails(response: Any) -> list[str]:
    return [member["email"] for member in response.json()["results"]]


def test_the_member_list_is_paginated_and_filtered(tenant_a: Tenant, tenant_b: Tenant, client_for: ClientFor) -> None:
    MembershipFactory(
        organization=tenant_a.organization,
        user__email="sam@acme.example",
        user__full_name="Sam Seller",
        department="Sales",
    )
    client = client_for(tenant_a.manager)

    everyone = client.get(members_url(tenant_a)).json()
    assert everyone["count"] == 6  # four roles, the invitee and Sam; nobody of Globex
    assert all(not member["email"].endswith("globex.example") for member in everyone["results"])

    assert emails(client.get(members_url(tenant_a, search="seller"))) == ["sam@acme.example"]
    assert emails(client.get(members_url(tenant_a, department="Sales"))) == ["sam@acme.example"]
    assert emails(client.get(members_url(tenant_a, role="executive"))) == ["executive@acme.example"]
    assert emails(client.get(members_url(tenant_a, status="invited"))) == ["invitee@acme.example"]

    page = client.get(members_url(tenant_a, page_size="2", page="2")).json()
    assert page["count"] == 6
    assert len(page["results"]) == 2
    assert page["previous"] and page["next"]


def test_a_bad_filter_is_a_400_that_names_it(tenant_a: Tenant, client_for: ClientFor) -> None:
    response = client_for(tenant_a.admin).get(members_url(tenant_a, role="boss"))
    assert response.status_code == 400
    assert response.json() == {"role": ['"boss" is not a valid choice.']}


def test_a_page_past_the_end_is_not_found(tenant_a: Tenant, client_for: ClientFor) -> None:
    response = client_for(tenant_a.admin).get(members_url(tenant_a, page="99"))
    assert response.status_code == 404


# Reading -----------------------------------------------------------------------------


def test_a_member_reads_with_groups_interests_and_focus(tenant_a: Tenant, client_for: ClientFor) -> None:
    employee = tenant_a.employee
    with organization_scope(tenant_a.organization):
        services.membership_update(
            membership=employee, attributes={}, interests=[tenant_a.topic], focus_topic=tenant_a.topic
        )
    response = client_for(tenant_a.manager).get(member_url(tenant_a, employee))
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == str(employee.public_id)
    assert body["groups"] == [{"id": str(tenant_a.group.public_id), "name": "Acme Champions"}]
    assert body["interests"] == [{"id": str(tenant_a.topic.public_id), "name": "Acme Topic"}]
    assert body["focus_topic"] == {"id": str(tenant_a.topic.public_id), "name": "Acme Topic"}
    assert "pk" not in body and str(employee.pk) != body["id"]


def test_an_employee_reads_their_own_membership_at_me(tenant_a: Tenant, client_for: ClientFor) -> None:
    client = client_for(tenant_a.employee)
    mine = client.get(reverse("api:member_me", kwargs={"org_slug": "acme"}))
    assert mine.status_code == 200
    assert mine.json()["email"] == "employee@acme.example"
    # …but not through the admin address, not even their own id.
    assert client.get(member_url(tenant_a, tenant_a.employee)).status_code == 403


# Changing ---------------------------------------------------------------------------


def test_an_admin_changes_role_attributes_groups_interests_and_focus(tenant_a: Tenant, client_for: ClientFor) -> None:
    group = GroupFactory(organization=tenant_a.organization, name="Speakers")
    topic = TopicFactory(organization=tenant_a.organization, name="Climate")
    response = patch(
        client_for(tenant_a.admin),
        member_url(tenant_a, tenant_a.employee),
        {
            "role": "manager",
            "department": "Sales",
            "timezone": "Europe/Paris",
            "work_start": "09:00",
            "is_hourly": True,
            "groups": [str(group.public_id)],
            "interests": [str(topic.public_id), str(tenant_a.topic.public_id)],
            "focus_topic": str(topic.public_id),
        },
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["role"] == "manager"
    assert body["department"] == "Sales"
    assert body["work_start"] == "09:00:00"
    assert [g["name"] for g in body["groups"]] == ["Speakers"]  # replaced, not added
    assert sorted(t["name"] for t in body["interests"]) == ["Acme Topic", "Climate"]
    member = reload(tenant_a.employee)
    assert (member.role, member.timezone, member.is_hourly, member.focus_topic) == (
        Role.MANAGER,
        "Europe/Paris",
        True,
        topic,
    )


def test_only_the_fields_sent_change(tenant_a: Tenant, client_for: ClientFor) -> None:
    response = patch(client_for(tenant_a.admin), member_url(tenant_a, tenant_a.employee), {"location": "Leeds"})
    assert response.status_code == 200
    member = reload(tenant_a.employee)
    assert (member.location, member.department, member.role) == ("Leeds", "Engineering", Role.EMPLOYEE)
    assert response.json()["groups"] == [{"id": str(tenant_a.group.public_id), "name": "Acme Champions"}]


def test_focus_topic_can_be_cleared(tenant_a: Tenant, client_for: ClientFor) -> None:
    with organization_scope(tenant_a.organization):
        services.membership_update(membership=tenant_a.employee, attributes={}, focus_topic=tenant_a.topic)
    response = patch(client_for(tenant_a.admin), member_url(tenant_a, tenant_a.employee), {"focus_topic": None})
    assert response.status_code == 200
    assert reload(tenant_a.employee).focus_topic is None


def test_the_same_group_twice_is_one_membership(tenant_a: Tenant, client_for: ClientFor) -> None:
    group_id = str(tenant_a.group.public_id)
    response = patch(
        client_for(tenant_a.admin), member_url(tenant_a, tenant_a.manager), {"groups": [group_id, group_id]}
    )
    assert response.status_code == 200
    assert response.json()["groups"] == [{"id": group_id, "name": "Acme Champions"}]


def test_bad_attributes_are_a_400_per_field(tenant_a: Tenant, client_for: ClientFor) -> None:
    client = client_for(tenant_a.admin)
    response = patch(
        client, member_url(tenant_a, tenant_a.employee), {"role": "boss", "timezone": "Mars/Olympus", "work_days": "89"}
    )
    assert response.status_code == 400
    body = response.json()
    assert body["role"] == ['"boss" is not a valid choice.']
    assert "Mars/Olympus" in body["timezone"][0]
    assert "ISO weekday digits" in body["work_days"][0]
    assert reload(tenant_a.employee).timezone == ""


def test_a_field_that_cannot_be_changed_is_refused_not_ignored(tenant_a: Tenant, client_for: ClientFor) -> None:
    response = patch(
        client_for(tenant_a.admin), member_url(tenant_a, tenant_a.employee), {"status": "deactivated", "rol": "admin"}
    )
    assert response.status_code == 400
    assert response.json() == {
        "rol": ["This field does not exist or cannot be changed here."],
        "status": ["This field does not exist or cannot be changed here."],
    }
    assert reload(tenant_a.employee).status == MembershipStatus.ACTIVE


def test_another_organisations_group_or_topic_is_refused_without_telling_what_it_is(
    tenant_a: Tenant, tenant_b: Tenant, client_for: ClientFor
) -> None:
    client = client_for(tenant_a.admin)
    url = member_url(tenant_a, tenant_a.employee)
    foreign_group = str(tenant_b.group.public_id)
    response = patch(client, url, {"groups": [foreign_group], "focus_topic": str(tenant_b.topic.public_id)})
    assert response.status_code == 400
    assert response.json() == {
        "groups": [f"There is no group with id {foreign_group}."],
        "focus_topic": [f"There is no topic with id {tenant_b.topic.public_id}."],
    }
    assert "Globex" not in response.content.decode()
    bad = patch(client, url, {"interests": ["not-a-uuid"]})
    assert bad.status_code == 400
    assert bad.json() == {"interests": ["“not-a-uuid” is not a valid id."]}


def test_demoting_the_last_admin_is_a_400_with_the_reason_and_changes_nothing(
    tenant_a: Tenant, client_for: ClientFor
) -> None:
    admin = tenant_a.admin
    response = patch(client_for(admin), member_url(tenant_a, admin), {"role": "employee", "department": "Elsewhere"})
    assert response.status_code == 400
    assert response.json() == {
        "detail": "Acme Admin is the last active admin of Acme. Make someone else an admin first."
    }
    member = reload(admin)
    assert (member.role, member.department) == (Role.ADMIN, "Engineering")


def test_an_admin_can_step_down_once_there_is_another(tenant_a: Tenant, client_for: ClientFor) -> None:
    client = client_for(tenant_a.admin)
    assert patch(client, member_url(tenant_a, tenant_a.manager), {"role": "admin"}).status_code == 200
    assert patch(client, member_url(tenant_a, tenant_a.admin), {"role": "manager"}).status_code == 200
    assert reload(tenant_a.admin).role == Role.MANAGER


def test_an_employee_cannot_make_themselves_admin(tenant_a: Tenant, client_for: ClientFor) -> None:
    employee = tenant_a.employee
    client = client_for(employee)
    for url in (member_url(tenant_a, employee), reverse("api:member_me", kwargs={"org_slug": "acme"})):
        response = patch(client, url, {"role": "admin", "department": "Board"})
        assert response.status_code == 403
    member = reload(employee)
    assert (member.role, member.department) == (Role.EMPLOYEE, "Engineering")


def test_a_manager_cannot_change_anyones_role(tenant_a: Tenant, client_for: ClientFor) -> None:
    client = client_for(tenant_a.manager)
    for member in (tenant_a.employee, tenant_a.manager):
        assert patch(client, member_url(tenant_a, member), {"role": "admin"}).status_code == 403
    assert reload(tenant_a.employee).role == Role.EMPLOYEE
    assert reload(tenant_a.manager).role == Role.MANAGER


# Deactivating and reactivating ------------------------------------------------------------


def test_deactivate_and_reactivate_a_member(tenant_a: Tenant, client_for: ClientFor) -> None:
    client = client_for(tenant_a.admin)
    response = client.post(member_url(tenant_a, tenant_a.employee, "deactivate"))
    assert response.status_code == 200
    assert response.json()["status"] == "deactivated"
    assert response.json()["deactivated_at"]

    # The deactivated person loses access at once.
    gone = Client()
    gone.force_login(tenant_a.employee.user)
    assert gone.get(reverse("api:member_me", kwargs={"org_slug": "acme"})).status_code == 403

    response = client.post(member_url(tenant_a, tenant_a.employee, "reactivate"))
    assert response.status_code == 200
    assert response.json()["status"] == "active"
    assert gone.get(reverse("api:member_me", kwargs={"org_slug": "acme"})).status_code == 200


def test_reactivating_an_active_member_is_a_400(tenant_a: Tenant, client_for: ClientFor) -> None:
    response = client_for(tenant_a.admin).post(member_url(tenant_a, tenant_a.employee, "reactivate"))
    assert response.status_code == 400
    assert response.json() == {"detail": "Only a deactivated member can be reactivated."}


def test_the_last_admin_cannot_be_deactivated(tenant_a: Tenant, client_for: ClientFor) -> None:
    response = client_for(tenant_a.admin).post(member_url(tenant_a, tenant_a.admin, "deactivate"))
    assert response.status_code == 400
    assert "last active admin" in response.json()["detail"]
    assert reload(tenant_a.admin).status == MembershipStatus.ACTIVE
