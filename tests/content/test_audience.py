"""Audiences: any value within a dimension, every dimension the item constrains."""

from __future__ import annotations

import pytest

from accounts import services as accounts_services
from accounts.models import Role
from accounts.tenancy import organization_scope
from content import selectors, services
from content.services import Audience, ItemInput
from tests.factories import GroupFactory, GroupMembershipFactory, MembershipFactory, TopicFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(tenant_a):  # type: ignore[no-untyped-def]
    org = tenant_a.organization
    cloud = TopicFactory(organization=org, name="Cloud", slug="cloud")
    pilots = GroupFactory(organization=org, name="Pilots", slug="pilots")
    ana = MembershipFactory(organization=org, department="Sales", location="Paris")
    ben = MembershipFactory(organization=org, department="Sales", location="Berlin")
    cat = MembershipFactory(organization=org, department="Engineering", location="Paris", role=Role.MANAGER)
    GroupMembershipFactory(organization=org, group=pilots, membership=ben)
    with organization_scope(org):
        accounts_services.membership_update(membership=cat, attributes={}, interests=[cloud])
        yield {"org": org, "cloud": cloud, "pilots": pilots, "ana": ana, "ben": ben, "cat": cat, "tenant": tenant_a}


def count(people, **audience) -> int:  # type: ignore[no-untyped-def]
    return selectors.audience_member_count(organization=people["org"], audience=Audience(**audience))


def test_everyone_means_every_active_member(people) -> None:  # type: ignore[no-untyped-def]
    assert count(people) == 4 + 3  # the tenant's four roles and three new people


def test_values_within_a_dimension_widen_and_dimensions_narrow(people) -> None:  # type: ignore[no-untyped-def]
    assert count(people, departments=["Sales"]) == 2
    assert count(people, departments=["Sales", "Engineering"], locations=["Paris"]) == 2  # ana and cat
    assert count(people, departments=["Sales"], locations=["Paris"]) == 1
    assert count(people, groups=[people["pilots"]]) == 1
    assert count(people, topics=[people["cloud"]]) == 1
    assert count(people, roles=[Role.MANAGER], locations=["Paris"]) == 1


def test_an_item_remembers_its_audience(people) -> None:  # type: ignore[no-untyped-def]
    item = services.content_item_create(
        organization=people["org"],
        author=people["tenant"].manager,
        data=ItemInput(title="For Paris sales", audience=Audience(departments=["Sales"], locations=["Paris"])),
    )
    assert item.audience_dimensions == 2
    audience = selectors.item_audience(item=item)
    assert (audience.departments, audience.locations) == (["Sales"], ["Paris"])


def test_a_group_of_another_organisation_cannot_be_targeted(people, tenant_b) -> None:  # type: ignore[no-untyped-def]
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="another organisation"):
        services.content_item_create(
            organization=people["org"],
            author=people["tenant"].manager,
            data=ItemInput(title="Sneaky", audience=Audience(groups=[tenant_b.group])),
        )
