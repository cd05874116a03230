"""The employee feed: what each member sees, in what order, and why."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts import services as accounts_services
from accounts.models import MembershipStatus
from accounts.tenancy import organization_scope
from content import selectors, services
from content.models import ContentState, Visibility
from content.services import Audience, ItemInput
from tests.factories import MembershipFactory, TopicFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme(tenant_a):  # type: ignore[no-untyped-def]
    """Acme without the shared fixture's content, so each test sees only its own."""
    with organization_scope(tenant_a.organization):
        tenant_a.item.delete()
        tenant_a.suggestion.delete()
        yield tenant_a


def publish(tenant, title: str, *, topics=(), audience=None, published_ago=timedelta(0), expires_in=None, **extra):  # type: ignore[no-untyped-def]
    now = timezone.now()
    item = services.content_item_create(
        organization=tenant.organization,
        author=tenant.manager,
        data=ItemInput(
            title=title,
            topics=list(topics),
            audience=audience or Audience(),
            expires_at=now + expires_in if expires_in else None,
            **extra,
        ),
    )
    item.state = ContentState.PUBLISHED
    item.published_at = now - published_ago
    item.save(update_fields=["state", "published_at"])
    services.feed_cache_invalidate(organization=tenant.organization)  # as publishing through the workflow does
    return item


def titles(page) -> list[str]:  # type: ignore[no-untyped-def]
    return [entry.item.title for entry in page.entries]


def test_only_published_unexpired_items_in_the_members_audience_appear(acme) -> None:  # type: ignore[no-untyped-def]
    member = MembershipFactory(organization=acme.organization, department="Sales", location="Paris")
    publish(acme, "For everyone")
    publish(acme, "For Paris sales", audience=Audience(departments=["Sales"], locations=["Paris"]))
    publish(acme, "For Berlin sales", audience=Audience(departments=["Sales"], locations=["Berlin"]))
    publish(acme, "Expired", expires_in=timedelta(seconds=-1))
    draft = services.content_item_create(
        organization=acme.organization, author=acme.manager, data=ItemInput(title="Draft")
    )
    assert draft.state == ContentState.DRAFT
    assert sorted(titles(selectors.feed_for_member(membership=member))) == ["For Paris sales", "For everyone"]


def test_interests_and_focus_topic_rank_items_up_with_a_reason(acme) -> None:  # type: ignore[no-untyped-def]
    cloud = TopicFactory(organization=acme.organization, name="Cloud")
    careers = TopicFactory(organization=acme.organization, name="Careers")
    member = MembershipFactory(organization=acme.organization)
    accounts_services.membership_update(membership=member, attributes={}, interests=[cloud], focus_topic=careers)
    publish(acme, "Generic", published_ago=timedelta(hours=1))
    publish(acme, "Cloud launch", topics=[cloud], published_ago=timedelta(days=2))
    publish(acme, "We are hiring", topics=[careers], published_ago=timedelta(days=2))
    page = selectors.feed_for_member(membership=member)
    assert titles(page) == ["We are hiring", "Cloud launch", "Generic"]
    assert page.entries[0].reasons[0] == "Fits what you want to be known for: Careers"
    assert page.entries[1].reasons[0] == "Because you follow Cloud"


def test_a_dismissed_item_leaves_the_feed_and_weighs_on_similar_ones(acme) -> None:  # type: ignore[no-untyped-def]
    golf = TopicFactory(organization=acme.organization, name="Golf")
    member = MembershipFactory(organization=acme.organization)
    boring = publish(acme, "Golf day", topics=[golf])
    publish(acme, "Golf again", topics=[golf])
    publish(acme, "Something else", published_ago=timedelta(days=2))
    services.feed_item_dismiss(membership=member, item=boring)
    assert titles(selectors.feed_for_member(membership=member)) == ["Something else", "Golf again"]


def test_the_feed_can_be_filtered_by_topic(acme) -> None:  # type: ignore[no-untyped-def]
    cloud = TopicFactory(organization=acme.organization, name="Cloud")
    member = MembershipFactory(organization=acme.organization)
    publish(acme, "Cloud launch", topics=[cloud])
    publish(acme, "Other")
    assert titles(selectors.feed_for_member(membership=member, topic=cloud)) == ["Cloud launch"]


def test_internal_items_show_in_the_feed_as_read_only(acme) -> None:  # type: ignore[no-untyped-def]
    member = MembershipFactory(organization=acme.organization)
    publish(acme, "Office closed on Friday", visibility=Visibility.INTERNAL)
    [entry] = selectors.feed_for_member(membership=member).entries
    assert not entry.item.is_shareable


def test_the_number_of_queries_does_not_grow_with_the_feed(acme) -> None:  # type: ignore[no-untyped-def]
    topic = TopicFactory(organization=acme.organization)
    member = MembershipFactory(organization=acme.organization, status=MembershipStatus.ACTIVE)
    publish(acme, "One", topics=[topic])
    with CaptureQueriesContext(connection) as few:
        selectors.feed_for_member(membership=member)
    for n in range(30):
        publish(acme, f"Item {n}", topics=[topic], audience=Audience(departments=["Engineering"]))
    with CaptureQueriesContext(connection) as many:
        page = selectors.feed_for_member(membership=member)
    assert len(page.entries) == selectors.FEED_PAGE_SIZE and page.has_next
    assert len(many.captured_queries) == len(few.captured_queries)


def test_another_organisations_items_never_appear(acme, tenant_b) -> None:  # type: ignore[no-untyped-def]
    with organization_scope(tenant_b.organization):
        publish(tenant_b, "Globex secret")
    member = MembershipFactory(organization=acme.organization)
    assert "Globex secret" not in titles(selectors.feed_for_member(membership=member))


def test_publishing_and_dismissing_show_at_once_despite_the_cache(acme, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    member = MembershipFactory(organization=acme.organization)
    first = publish(acme, "First")
    assert titles(selectors.feed_for_member(membership=member)) == ["First"]  # now cached
    item = services.content_item_create(
        organization=acme.organization, author=acme.manager, data=ItemInput(title="Second")
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.content_item_transition(item=item, action="submit", actor=acme.manager)
        services.content_item_transition(item=item, action="approve", actor=acme.admin)
    assert sorted(titles(selectors.feed_for_member(membership=member))) == ["First", "Second"]
    with django_capture_on_commit_callbacks(execute=True):
        services.feed_item_dismiss(membership=member, item=first)
    assert titles(selectors.feed_for_member(membership=member)) == ["Second"]
