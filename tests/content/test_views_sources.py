"""Feed sources: the list, adding, removing and "fetch now"."""

from __future__ import annotations

import pytest
from django.utils import timezone

from accounts.tenancy import scopes_disabled
from content.models import FeedSource
from tests.content.views_support import CURATOR_ROLES, OTHER_ROLES, messages_of, row_counts, url

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent_tasks(broker):  # type: ignore[no-untyped-def]
    """Reads what was really sent to the broker; call it after the request."""
    return broker.drain


@pytest.mark.parametrize("role", CURATOR_ROLES)
def test_admins_and_managers_see_the_sources_with_their_last_fetch_and_error(tenant_a, tenant_b, client_for, role):
    with scopes_disabled():
        FeedSource.objects.filter(pk=tenant_a.source.pk).update(
            last_fetched_at=timezone.now(), last_error="The feed answered 404."
        )
    body = client_for(tenant_a.member(role)).get(url("source_list")).content.decode()
    assert tenant_a.source.name in body and "The feed answered 404." in body
    assert tenant_b.source.name not in body


@pytest.mark.parametrize("role", OTHER_ROLES)
def test_executives_and_employees_get_forbidden(tenant_a, client_for, role):
    client = client_for(tenant_a.member(role))
    before = row_counts()
    assert client.get(url("source_list")).status_code == 403
    assert (
        client.post(url("source_list"), {"name": "X", "url": "https://x.example/feed", "kind": "industry"}).status_code
        == 403
    )
    assert client.post(url("source_delete", source_id=tenant_a.source.public_id)).status_code == 403
    assert client.post(url("source_fetch", source_id=tenant_a.source.public_id)).status_code == 403
    assert row_counts() == before


def test_a_manager_adds_a_source_with_topics_and_its_first_fetch_is_queued(
    tenant_a, client_for, sent_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(tenant_a.manager).post(
            url("source_list"),
            {
                "name": "Industry weekly",
                "url": "https://weekly.example/rss",
                "kind": "industry",
                "topics": [str(tenant_a.topic.public_id)],
            },
        )
    assert response.status_code == 302
    with scopes_disabled():
        source = FeedSource.objects.get(organization=tenant_a.organization, name="Industry weekly")
        assert list(source.topics.all()) == [tenant_a.topic]
    assert source.created_by == tenant_a.manager
    assert sent_tasks() == [
        ("content.tasks.feed_source_fetch", {"organization_id": tenant_a.organization.pk, "source_id": source.pk})
    ]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"url": "not a feed"}, "Enter a valid URL"),
        ({"url": "https://news.example/feed-dup.xml"}, "already a source"),
        ({"name": ""}, "This field is required"),
    ],
)
def test_bad_source_input_shows_a_message_and_saves_nothing(tenant_a, client_for, sent_tasks, changes, message):
    with scopes_disabled():
        FeedSource.objects.filter(pk=tenant_a.source.pk).update(url="https://news.example/feed-dup.xml")
    before = row_counts()
    data = {"name": "New feed", "url": "https://new.example/feed", "kind": "industry", **changes}
    response = client_for(tenant_a.manager).post(url("source_list"), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert row_counts() == before and sent_tasks() == []


def test_the_same_feed_may_be_a_source_in_two_organizations(tenant_a, tenant_b, client_for, sent_tasks):
    response = client_for(tenant_a.manager).post(
        url("source_list"), {"name": "Shared", "url": tenant_b.source.url, "kind": "industry"}
    )
    assert response.status_code == 302


def test_fetch_now_queues_the_fetch_by_task_name(tenant_a, client_for, sent_tasks, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(tenant_a.manager).post(
            url("source_fetch", source_id=tenant_a.source.public_id), follow=True
        )
    assert sent_tasks() == [
        (
            "content.tasks.feed_source_fetch",
            {"organization_id": tenant_a.organization.pk, "source_id": tenant_a.source.pk},
        )
    ]
    assert any("Fetching" in message for message in messages_of(response))


def test_a_source_is_removed(tenant_a, client_for):
    response = client_for(tenant_a.manager).post(url("source_delete", source_id=tenant_a.source.public_id), follow=True)
    with scopes_disabled():
        assert not FeedSource.objects.filter(pk=tenant_a.source.pk).exists()
    assert any("was removed" in message for message in messages_of(response))


def test_another_organizations_source_is_not_found(tenant_a, tenant_b, client_for, sent_tasks):
    client = client_for(tenant_a.admin)
    before = row_counts()
    assert client.post(url("source_delete", source_id=tenant_b.source.public_id)).status_code == 404
    assert client.post(url("source_fetch", source_id=tenant_b.source.public_id)).status_code == 404
    assert row_counts() == before and sent_tasks() == []


def test_an_empty_source_list_says_how_to_start(tenant_a, client_for):
    with scopes_disabled():
        FeedSource.objects.filter(organization=tenant_a.organization).delete()
    assert "No feed sources yet" in client_for(tenant_a.manager).get(url("source_list")).content.decode()
