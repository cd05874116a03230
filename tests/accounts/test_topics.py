"""Topics: the organisation's shared vocabulary."""

from __future__ import annotations

import pytest

from accounts import services
from accounts.models import Membership, Topic
from accounts.tenancy import organization_scope
from tests.accounts.admin_support import NON_ADMIN_ROLES, messages_of, url

pytestmark = pytest.mark.django_db


def topic_names(tenant) -> set[str]:  # type: ignore[no-untyped-def]
    with organization_scope(tenant.organization):
        return set(Topic.objects.values_list("name", flat=True))


def test_admin_sees_the_topics_with_how_many_members_are_interested(tenant_a, client_for):
    with organization_scope(tenant_a.organization):
        services.membership_update(membership=tenant_a.employee, attributes={}, interests=[tenant_a.topic])
    response = client_for(tenant_a.admin).get(url("topic_list", "acme"))
    assert response.status_code == 200
    assert [(t.name, t.interested_count) for t in response.context["topics"]] == [("Acme Topic", 1)]
    assert b"Globex" not in response.content


def test_no_topics_shows_an_empty_state(tenant_a, client_for):
    with organization_scope(tenant_a.organization):
        services.topic_delete(topic=tenant_a.topic)
    assert "No topics yet" in client_for(tenant_a.admin).get(url("topic_list", "acme")).content.decode()


@pytest.mark.parametrize("role", NON_ADMIN_ROLES)
def test_other_roles_cannot_see_add_or_delete_topics(tenant_a, client_for, role):
    client = client_for(tenant_a.member(role))
    assert client.get(url("topic_list", "acme")).status_code == 403
    assert client.post(url("topic_list", "acme"), {"name": "Sneaky"}).status_code == 403
    assert client.post(url("topic_delete", "acme", topic_id=tenant_a.topic.public_id)).status_code == 403
    assert topic_names(tenant_a) == {"Acme Topic"}


def test_admin_adds_a_topic(tenant_a, client_for):
    client = client_for(tenant_a.admin)
    response = client.post(url("topic_list", "acme"), {"name": " Sustainability "})
    assert response.status_code == 302
    assert topic_names(tenant_a) == {"Acme Topic", "Sustainability"}
    assert "Topic “Sustainability” was added." in messages_of(client.get(response.url))


def test_a_topic_that_already_exists_is_a_form_error(tenant_a, client_for):
    response = client_for(tenant_a.admin).post(url("topic_list", "acme"), {"name": "acme topic"})
    assert response.status_code == 400
    assert response.context["form"].errors["name"] == ["There is already a topic named “acme topic”."]
    assert topic_names(tenant_a) == {"Acme Topic"}


def test_a_topic_needs_a_name(tenant_a, client_for):
    response = client_for(tenant_a.admin).post(url("topic_list", "acme"), {"name": ""})
    assert response.status_code == 400
    assert topic_names(tenant_a) == {"Acme Topic"}


def test_admin_deletes_a_topic_and_it_leaves_everyones_interests(tenant_a, client_for):
    with organization_scope(tenant_a.organization):
        services.membership_update(
            membership=tenant_a.employee, attributes={}, interests=[tenant_a.topic], focus_topic=tenant_a.topic
        )
    client = client_for(tenant_a.admin)
    response = client.post(url("topic_delete", "acme", topic_id=tenant_a.topic.public_id))
    assert response.status_code == 302
    assert topic_names(tenant_a) == set()
    with organization_scope(tenant_a.organization):
        employee = Membership.objects.get(pk=tenant_a.employee.pk)
        assert list(employee.interests.all()) == []
        assert employee.focus_topic is None
    assert "Topic “Acme Topic” was deleted." in messages_of(client.get(response.url))


def test_deleting_a_topic_needs_a_post(tenant_a, client_for):
    response = client_for(tenant_a.admin).get(url("topic_delete", "acme", topic_id=tenant_a.topic.public_id))
    assert response.status_code == 405
    assert topic_names(tenant_a) == {"Acme Topic"}


def test_a_topic_of_another_organization_is_not_found_under_this_one(tenant_a, tenant_b, client_for):
    response = client_for(tenant_a.admin).post(url("topic_delete", "acme", topic_id=tenant_b.topic.public_id))
    assert response.status_code == 404
    assert b"globex" not in response.content.lower()
    assert topic_names(tenant_b) == {"Globex Topic"}
