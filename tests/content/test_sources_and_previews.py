"""Link previews and RSS/Atom sources, fetched from a real loopback site."""

from __future__ import annotations

import pytest

from accounts.tenancy import organization_scope
from content import services
from content.models import ContentItem, ContentKind, ContentState, PreviewStatus
from content.services import ItemInput
from tests.factories import FeedSourceFactory, TopicFactory
from tests.fakes.website import RSS_TYPE, FakeWebsite

pytestmark = pytest.mark.django_db

ARTICLE = """<html><head>
<title>Fallback title</title>
<meta property="og:title" content="Acme opens a lab in Lyon">
<meta property="og:description" content="Two hundred new jobs by 2027.">
<meta property="og:image" content="/img/lab.jpg">
<link rel="canonical" href="/news/lab">
</head><body>…</body></html>"""

RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Industry news</title><link>{base}</link>
<item><guid>entry-1</guid><title>Robots in retail</title><link>{base}/robots</link>
  <description><![CDATA[<p>Why <b>stores</b> automate.</p>]]></description>
  <pubDate>Mon, 23 Nov 2026 08:00:00 GMT</pubDate><category>Cloud</category></item>
<item><guid>entry-2</guid><title>Green logistics</title><link>{base}/green</link>
  <pubDate>Sun, 22 Nov 2026 08:00:00 GMT</pubDate></item>
</channel></rss>"""


@pytest.fixture
def site(settings):  # type: ignore[no-untyped-def]
    with FakeWebsite() as website:
        settings.CONTENT_FETCH_ALLOW_HOSTS = [website.host]
        yield website


def test_saving_a_link_fetches_its_preview(tenant_a, site) -> None:  # type: ignore[no-untyped-def]
    url = site.page("/news/lab", ARTICLE)
    with organization_scope(tenant_a.organization):
        item = services.content_item_create(
            organization=tenant_a.organization, author=tenant_a.manager, data=ItemInput(title="Lab", url=url)
        )
        assert item.preview_status == PreviewStatus.PENDING
        services.content_item_refresh_preview(item=item)  # what the worker's task runs
    assert item.preview_status == PreviewStatus.READY
    assert item.preview_title == "Acme opens a lab in Lyon"
    assert item.preview_image_url == site.url("/img/lab.jpg")


def test_a_link_to_a_private_address_gets_a_clear_failure(tenant_a, settings) -> None:  # type: ignore[no-untyped-def]
    settings.CONTENT_FETCH_ALLOW_HOSTS = []
    with organization_scope(tenant_a.organization):
        item = services.content_item_create(
            organization=tenant_a.organization,
            author=tenant_a.manager,
            data=ItemInput(title="Metadata", url="http://169.254.169.254/latest/meta-data/"),
        )
        services.content_item_refresh_preview(item=item)
    assert item.preview_status == PreviewStatus.FAILED
    assert "private" in item.preview_error or "not public" in item.preview_error


def test_new_feed_entries_become_drafts_once(tenant_a, site) -> None:  # type: ignore[no-untyped-def]
    url = site.page("/feed.xml", RSS.format(base=site.url("")).encode(), content_type=RSS_TYPE)
    with organization_scope(tenant_a.organization):
        cloud = TopicFactory(organization=tenant_a.organization, name="Cloud")
        source = FeedSourceFactory(organization=tenant_a.organization, url=url, kind=ContentKind.INDUSTRY)
        assert services.feed_source_fetch(source=source) == 2
        assert services.feed_source_fetch(source=source) == 0  # same entries: nothing new
        drafts = ContentItem.objects.filter(source=source).order_by("title")
        assert [(d.title, d.state, d.kind) for d in drafts] == [
            ("Green logistics", ContentState.DRAFT, ContentKind.INDUSTRY),
            ("Robots in retail", ContentState.DRAFT, ContentKind.INDUSTRY),
        ]
        robots = drafts.get(title="Robots in retail")
        assert robots.body == "Why stores automate."
        assert list(robots.topics.all()) == [cloud]
        source.refresh_from_db()
    assert source.last_error == "" and source.last_fetched_at is not None


def test_a_broken_source_records_the_error_for_managers(tenant_a, site) -> None:  # type: ignore[no-untyped-def]
    url = site.page("/not-a-feed", "<html><body>Hello</body></html>")
    with organization_scope(tenant_a.organization):
        source = FeedSourceFactory(organization=tenant_a.organization, url=url)
        assert services.feed_source_fetch(source=source) == 0
        source.refresh_from_db()
    assert source.last_error


def test_a_slow_site_is_retried_before_the_preview_is_marked_failed(tenant_a, site) -> None:  # type: ignore[no-untyped-def]
    from content.lib.fetch import FetchFailed

    url = site.page("/busy", "Try later", status=503, headers={"Retry-After": "120"})
    with organization_scope(tenant_a.organization):
        item = services.content_item_create(
            organization=tenant_a.organization, author=tenant_a.manager, data=ItemInput(title="Busy", url=url)
        )
        with pytest.raises(FetchFailed) as raised:
            services.content_item_refresh_preview(item=item, retry_transient=True)
        assert raised.value.retry_after == 120
        item.refresh_from_db()
        assert item.preview_status == PreviewStatus.PENDING  # nothing stored: the task retries
        services.content_item_refresh_preview(item=item)  # the last attempt stores the failure
    assert item.preview_status == PreviewStatus.FAILED
