"""The employee feed pages: the cards with their reasons, the topic filter, "Load
more", "Not relevant", the dashboard's top three, and one item's own page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import MembershipTopic, Role
from accounts.tenancy import organization_scope
from content import services
from content.models import ContentState, FeedDismissal, PreviewStatus, Visibility
from content.selectors import FEED_PAGE_SIZE
from content.services import Audience, ItemInput
from tests.conftest import Tenant
from tests.factories import CaptionFactory, MembershipFactory, TopicFactory

pytestmark = pytest.mark.django_db


def feed_url(tenant: Tenant, **query: str) -> str:
    url = reverse("content:feed", kwargs={"org_slug": tenant.organization.slug})
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def item_url(tenant: Tenant, item) -> str:  # type: ignore[no-untyped-def]
    return reverse("content:feed_item", kwargs={"org_slug": tenant.organization.slug, "item_id": item.public_id})


def dismiss_url(tenant: Tenant, item) -> str:  # type: ignore[no-untyped-def]
    return reverse("content:feed_dismiss", kwargs={"org_slug": tenant.organization.slug, "item_id": item.public_id})


def publish(tenant: Tenant, title: str, *, topics=(), audience=None, state=ContentState.PUBLISHED, **extra):  # type: ignore[no-untyped-def]
    with organization_scope(tenant.organization):
        item = services.content_item_create(
            organization=tenant.organization,
            author=tenant.manager,
            data=ItemInput(title=title, topics=list(topics), audience=audience or Audience(), **extra),
        )
        item.state = state
        item.published_at = timezone.now()
        item.save(update_fields=["state", "published_at"])
    return item


def card_titles(body: str) -> list[str]:
    return re.findall(r'<h2 class="h5 card-title[^>]*><a [^>]*>([^<]+)</a>', body)


def test_every_role_sees_the_published_item_with_its_reason(tenant_a, tenant_b, client_for) -> None:  # type: ignore[no-untyped-def]
    for role in Role.values:
        response = client_for(tenant_a.member(role)).get(feed_url(tenant_a))
        assert response.status_code == 200
        body = response.content.decode()
        assert "Acme launches a rocket" in body
        assert "New today" in body  # the reason: it was published just now
        assert "Globex" not in body


def test_the_reason_names_the_topic_the_employee_follows(tenant_a, client_for) -> None:  # type: ignore[no-untyped-def]
    cloud = TopicFactory(organization=tenant_a.organization, name="Cloud", slug="cloud")
    with organization_scope(tenant_a.organization):
        MembershipTopic.objects.create(organization=tenant_a.organization, membership=tenant_a.employee, topic=cloud)
    publish(tenant_a, "Our cloud is greener", topics=[cloud])
    body = client_for(tenant_a.employee).get(feed_url(tenant_a)).content.decode()
    assert card_titles(body)[0] == "Our cloud is greener"
    assert "Because you follow Cloud" in body


def test_a_shareable_item_has_a_share_button_and_an_internal_one_a_badge_instead(tenant_a, client_for) -> None:  # type: ignore[no-untyped-def]
    internal = publish(tenant_a, "Canteen closes early", visibility=Visibility.INTERNAL)
    body = client_for(tenant_a.employee).get(feed_url(tenant_a)).content.decode()
    cards = {
        title: card
        for card in body.split('<article class="card')[1:]
        for title in card_titles('<article class="card' + card)
    }
    assert ">Share</a>" in cards["Acme launches a rocket"]
    assert f'href="/o/acme/feed/{tenant_a.item.public_id}/share/"' in cards["Acme launches a rocket"]
    assert "Internal</span>" not in cards["Acme launches a rocket"]
    assert "Internal</span>" in cards[internal.title]
    assert ">Share</a>" not in cards[internal.title]


def test_a_ready_preview_shows_its_title_and_site(tenant_a, client_for) -> None:  # type: ignore[no-untyped-def]
    with organization_scope(tenant_a.organization):
        item = tenant_a.item
        item.url = "https://news.example/rocket"
        item.preview_status = PreviewStatus.READY
        item.preview_title = "Rocket reaches orbit"
        item.preview_site_name = "Space News"
        item.save()
    body = client_for(tenant_a.employee).get(feed_url(tenant_a)).content.decode()
    assert "Rocket reaches orbit" in body and "Space News" in body


def test_a_pending_preview_is_not_shown(tenant_a, client_for) -> None:  # type: ignore[no-untyped-def]
    with organization_scope(tenant_a.organization):
        tenant_a.item.preview_status = PreviewStatus.PENDING
        tenant_a.item.preview_title = "Half-fetched title"
        tenant_a.item.save()
    assert "Half-fetched title" not in client_for(tenant_a.employee).get(feed_url(tenant_a)).content.decode()


def test_the_topic_filter_shows_only_items_on_that_topic(tenant_a, client_for) -> None:  # type: ignore[no-untyped-def]
    publish(tenant_a, "On topic", topics=[tenant_a.topic])
    response = client_for(tenant_a.employee).get(feed_url(tenant_a, topic=str(tenant_a.topic.public_id)))
    assert card_titles(response.content.decode()) == ["On topic"]
    assert response.context["topic"] == tenant_a.topic


@pytest.mark.parametrize("bad", ["not-a-uuid", "00000000-0000-0000-0000-000000000000"])
def test_an_unknown_topic_is_not_found(tenant_a, client_for, bad: str) -> None:  # type: ignore[no-untyped-def]
    assert client_for(tenant_a.employee).get(feed_url(tenant_a, topic=bad)).status_code == 404


def test_another_organisations_topic_is_not_found(tenant_a, tenant_b, client_for) -> None:  # type: ignore[no-untyped-def]
    response = client_for(tenant_a.employee).get(feed_url(tenant_a, topic=str(tenant_b.topic.public_id)))
    assert response.status_code == 404
    assert b"Globex" not in response.content


def test_a_topic_without_items_says_so_and_offers_everything(tenant_a, client_for) -> None:  # type: ignore[no-untyped-def]
    body = client_for(tenant_a.employee).get(feed_url(tenant_a, topic=str(tenant_a.topic.public_id))).content.decode()
    assert "Nothing on Acme Topic right now" in body and "Show everything" in body


def test_an_empty_feed_explains_itself_and_suggests_suggesting(tenant_a, client_for) -> None:  # type: ignore[no-untyped-def]
    with organization_scope(tenant_a.organization):
        tenant_a.item.delete()
    body = client_for(tenant_a.employee).get(feed_url(tenant_a)).content.decode()
    assert "Nothing to share yet" in body
    assert reverse("content:suggest", kwargs={"org_slug": "acme"}) in body


@pytest.mark.parametrize("page", ["0", "-3", "abc", ""])
def test_a_malformed_page_shows_the_first_page(tenant_a, client_for, page: str) -> None:  # type: ignore[no-untyped-def]
    response = client_for(tenant_a.employee).get(feed_url(tenant_a, page=page))
    assert response.status_code == 200
    assert "Acme launches a rocket" in response.content.decode()


def test_load_more_brings_the_next_cards_only(tenant_a, client_for) -> None:  # type: ignore[no-untyped-def]
    for n in range(FEED_PAGE_SIZE):
        publish(tenant_a, f"Extra news {n:02d}")
    client = client_for(tenant_a.employee)
    first = client.get(feed_url(tenant_a)).content.decode()
    assert len(card_titles(first)) == FEED_PAGE_SIZE
    assert "Load more" in first and 'hx-get="?page=2"' in first

    more = client.get(feed_url(tenant_a, page="2"), headers={"HX-Request": "true"})
    body = more.content.decode()
    assert len(card_titles(body)) == 1
    assert "<html" not in body and "Load more" not in body
    assert set(card_titles(first)).isdisjoint(card_titles(body))


def test_not_relevant_removes_the_card_with_a_confirmation(tenant_a, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for(tenant_a.employee)
    response = client.post(dismiss_url(tenant_a, tenant_a.item), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "Hidden from your feed" in response.content.decode()
    assert "<article" not in response.content.decode()
    assert "Acme launches a rocket" not in client.get(feed_url(tenant_a)).content.decode()
    with organization_scope(tenant_a.organization):
        assert FeedDismissal.objects.filter(membership=tenant_a.employee, item=tenant_a.item).count() == 1


def test_not_relevant_works_without_javascript(tenant_a, client_for) -> None:  # type: ignore[no-untyped-def]
    response = client_for(tenant_a.employee).post(dismiss_url(tenant_a, tenant_a.item), follow=True)
    assert response.redirect_chain[-1][0] == feed_url(tenant_a)
    assert "Hidden from your feed" in response.content.decode()
    assert "Acme launches a rocket" not in card_titles(response.content.decode())


def test_dismissing_twice_changes_nothing(tenant_a, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for(tenant_a.employee)
    client.post(dismiss_url(tenant_a, tenant_a.item))
    assert client.post(dismiss_url(tenant_a, tenant_a.item)).status_code == 302
    with organization_scope(tenant_a.organization):
        assert FeedDismissal.objects.filter(membership=tenant_a.employee).count() == 1


def test_opening_the_dismiss_address_is_not_allowed(tenant_a, client_for) -> None:  # type: ignore[no-untyped-def]
    assert client_for(tenant_a.employee).get(dismiss_url(tenant_a, tenant_a.item)).status_code == 405


def test_an_item_outside_the_audience_cannot_be_dismissed(tenant_a, client_for) -> None:  # type: ignore[no-untyped-def]
    secret = publish(tenant_a, "For the board", audience=Audience(roles=[Role.EXECUTIVE]))
    assert client_for(tenant_a.employee).post(dismiss_url(tenant_a, secret)).status_code == 404
    with organization_scope(tenant_a.organization):
        assert not FeedDismissal.objects.exists()


# The item page ---------------------------------------------------------------------


def test_the_item_page_shows_the_captions_per_network(tenant_a, client_for) -> None:  # type: ignore[no-untyped-def]
    CaptionFactory(organization=tenant_a.organization, item=tenant_a.item, network="x", text="Short and sweet")
    response = client_for(tenant_a.employee).get(item_url(tenant_a, tenant_a.item))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Acme caption: we did it" in body and "Short and sweet" in body
    assert body.index("LinkedIn") < body.index("Acme caption") < body.index("Short and sweet")
    assert ">Share</a>" in body
    assert "<textarea" not in body  # read only


def test_an_internal_item_page_has_no_share_button(tenant_a, client_for) -> None:  # type: ignore[no-untyped-def]
    internal = publish(tenant_a, "Canteen closes early", visibility=Visibility.INTERNAL)
    body = client_for(tenant_a.employee).get(item_url(tenant_a, internal)).content.decode()
    assert "Internal</span>" in body and ">Share</a>" not in body


@pytest.mark.parametrize(
    "state", [ContentState.DRAFT, ContentState.IN_REVIEW, ContentState.APPROVED, ContentState.ARCHIVED]
)
def test_an_unpublished_item_is_not_found(tenant_a, client_for, state: str) -> None:  # type: ignore[no-untyped-def]
    item = publish(tenant_a, "Not yet", state=state)
    response = client_for(tenant_a.employee).get(item_url(tenant_a, item))
    assert response.status_code == 404
    assert b"Not yet" not in response.content


def test_an_expired_item_is_not_found(tenant_a, client_for) -> None:  # type: ignore[no-untyped-def]
    item = publish(tenant_a, "Old news")
    with organization_scope(tenant_a.organization):
        item.expires_at = timezone.now() - timedelta(minutes=1)
        item.save(update_fields=["expires_at"])
    assert client_for(tenant_a.employee).get(item_url(tenant_a, item)).status_code == 404


def test_an_item_for_another_audience_is_not_found(tenant_a, client_for) -> None:  # type: ignore[no-untyped-def]
    paris = MembershipFactory(organization=tenant_a.organization, location="Paris")
    item = publish(tenant_a, "Paris office party", audience=Audience(locations=["Paris"]))
    assert client_for(tenant_a.employee).get(item_url(tenant_a, item)).status_code == 404
    assert "Paris office party" not in client_for(tenant_a.employee).get(feed_url(tenant_a)).content.decode()
    assert client_for(paris).get(item_url(tenant_a, item)).status_code == 200


def test_a_dismissed_item_stays_readable_by_its_address(tenant_a, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for(tenant_a.employee)
    client.post(dismiss_url(tenant_a, tenant_a.item))
    assert client.get(item_url(tenant_a, tenant_a.item)).status_code == 200


def test_another_organisations_item_is_not_found(tenant_a, tenant_b, client_for) -> None:  # type: ignore[no-untyped-def]
    response = client_for(tenant_a.employee).get(item_url(tenant_a, tenant_b.item))
    assert response.status_code == 404
    assert b"Globex" not in response.content


# Navigation and the dashboard -------------------------------------------------------


def test_the_navigation_offers_the_feed_to_everyone(tenant_a, client_for) -> None:  # type: ignore[no-untyped-def]
    for role in Role.values:
        body = client_for(tenant_a.member(role)).get(feed_url(tenant_a)).content.decode()
        assert f'href="{feed_url(tenant_a)}" aria-current="page"' in body


def test_the_employee_dashboard_loads_the_top_of_the_feed(tenant_a, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for(tenant_a.employee)
    dashboard = client.get(reverse("accounts:dashboard", kwargs={"org_slug": "acme"})).content.decode()
    preview_url = reverse("content:feed_preview", kwargs={"org_slug": "acme"})
    assert f'hx-get="{preview_url}"' in dashboard
    for n in range(4):
        publish(tenant_a, f"Extra news {n}")
    preview = client.get(preview_url, headers={"HX-Request": "true"}).content.decode()
    assert len(card_titles(preview)) == 3
    assert "See all" in preview and "<html" not in preview


def test_the_dashboard_preview_of_an_empty_feed_says_nothing_to_share(tenant_a, client_for) -> None:  # type: ignore[no-untyped-def]
    with organization_scope(tenant_a.organization):
        tenant_a.item.delete()
    preview = client_for(tenant_a.employee).get(reverse("content:feed_preview", kwargs={"org_slug": "acme"}))
    assert "Nothing to share yet" in preview.content.decode()


def test_card_links_are_the_routes_reverse_gives(tenant_a, client_for) -> None:  # type: ignore[no-untyped-def]
    from django.urls import reverse

    item = tenant_a.item
    html = client_for(tenant_a.employee).get(reverse("content:feed", kwargs={"org_slug": "acme"})).content.decode()
    for name in ("content:feed_item", "content:feed_dismiss", "advocacy:compose"):
        assert f'"{reverse(name, kwargs={"org_slug": "acme", "item_id": item.public_id})}"' in html, name
