"""RSS and Atom parsing, and refusing XML that tries to expand or fetch entities."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone

import pytest

from content.lib.feeds import FeedError, discover_feed_urls, fetch_feed, parse_date, parse_feed
from content.lib.fetch import FetchPolicy, FetchRefused
from tests.fakes.website import ATOM_TYPE, RSS_TYPE, FakeWebsite

RSS = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"
     xmlns:content="http://purl.org/rss/1.0/modules/content/"
     xmlns:dc="http://purl.org/dc/elements/1.1/"
     xmlns:atom="http://www.w3.org/2005/Atom">
  <channel>
    <title>Acme Engineering Blog</title>
    <link>https://engineering.acme.example/</link>
    <description>Notes from the people who build Acme.</description>
    <atom:link href="https://engineering.acme.example/feed.xml" rel="self" type="application/rss+xml"/>
    <item>
      <title>How we cut build times by 60%</title>
      <link>https://engineering.acme.example/2025/06/faster-builds</link>
      <guid isPermaLink="false">acme-eng-2025-0042</guid>
      <pubDate>Tue, 10 Jun 2025 09:30:00 GMT</pubDate>
      <dc:creator>Priya Natarajan</dc:creator>
      <category>Engineering</category>
      <category><![CDATA[CI & Tooling]]></category>
      <description><![CDATA[<p>We moved to <strong>remote caching</strong> &amp; parallel tests.</p>
        <p>Here is what&nbsp;changed.</p><script>track()</script><img src="x.png">]]></description>
    </item>
    <item>
      <title>Q&amp;A: &lt;em&gt;on-call&lt;/em&gt; without burnout</title>
      <link>/2025/05/on-call</link>
      <guid>https://engineering.acme.example/2025/05/on-call</guid>
      <pubDate>Fri, 30 May 2025 17:05:00 +0200</pubDate>
      <content:encoded><![CDATA[<p>Full text of the interview.</p>]]></content:encoded>
    </item>
    <item>
      <guid isPermaLink="true">https://engineering.acme.example/2025/05/untitled</guid>
      <pubDate>not a date</pubDate>
    </item>
    <item>
      <title>Only a title</title>
    </item>
    <item>
      <title>A script link</title>
      <link>javascript:alert(1)</link>
      <dc:date>2025-04-01T08:00:00Z</dc:date>
      <dc:subject>Security</dc:subject>
    </item>
  </channel>
</rss>
"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://news.globex.example/">
  <title type="text">Globex Newsroom</title>
  <id>tag:globex.example,2025:newsroom</id>
  <updated>2025-06-12T10:00:00Z</updated>
  <link rel="self" href="https://news.globex.example/atom.xml"/>
  <link rel="alternate" type="text/html" href="https://news.globex.example/"/>
  <entry>
    <title type="html">Globex &lt;b&gt;wins&lt;/b&gt; sustainability award</title>
    <id>tag:globex.example,2025:award</id>
    <link rel="self" href="/api/entries/award.json" type="application/json"/>
    <link rel="enclosure" href="/media/award.mp3" type="audio/mpeg"/>
    <link rel="alternate" type="application/pdf" href="/press/award.pdf"/>
    <link rel="alternate" type="text/html" href="/2025/06/award"/>
    <published>2025-06-11T08:15:30.250+02:00</published>
    <updated>2025-06-12T10:00:00Z</updated>
    <category term="awards" label="Awards"/>
    <category term="sustainability"/>
    <summary type="html">&lt;p&gt;The jury praised our &lt;em&gt;net-zero&lt;/em&gt; plants.&lt;/p&gt;</summary>
  </entry>
  <entry xml:base="/blog/">
    <title>Quarterly results</title>
    <id>tag:globex.example,2025:q2</id>
    <link href="q2-results"/>
    <updated>2025-06-01t12:00:00z</updated>
    <content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>Revenue <b>up</b> 4%.</p><p>Margins
      steady.</p></div></content>
  </entry>
  <entry>
    <title>No links at all</title>
    <id>tag:globex.example,2025:nolink</id>
  </entry>
</feed>
"""

RSS_1 = b"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
         xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="https://old.example/">
    <title>An old-school site</title>
    <link>https://old.example/</link>
  </channel>
  <item rdf:about="https://old.example/posts/1">
    <title>First post</title>
    <link>https://old.example/posts/1</link>
    <description>Hello.</description>
    <dc:date>2024-12-31T23:59:59-05:00</dc:date>
    <dc:subject>Misc</dc:subject>
  </item>
</rdf:RDF>
"""


# --------------------------------------------------------------------------- RSS


def test_rss_entries_are_read_with_their_fields() -> None:
    feed = parse_feed(RSS, base_url="https://engineering.acme.example/feed.xml")

    assert (feed.format, feed.title, feed.link) == ("rss", "Acme Engineering Blog", "https://engineering.acme.example/")
    first = feed.entries[0]
    assert first.guid == "acme-eng-2025-0042"
    assert first.link == "https://engineering.acme.example/2025/06/faster-builds"
    assert first.title == "How we cut build times by 60%"
    assert first.summary == "We moved to remote caching & parallel tests. Here is what changed."
    assert first.published == datetime(2025, 6, 10, 9, 30, tzinfo=UTC)
    assert first.categories == ("Engineering", "CI & Tooling")


def test_rss_titles_are_read_as_html_and_content_encoded_stands_in_for_a_description() -> None:
    entry = parse_feed(RSS, base_url="https://engineering.acme.example/feed.xml").entries[1]

    assert entry.title == "Q&A: on-call without burnout"
    assert entry.link == "https://engineering.acme.example/2025/05/on-call"  # resolved against the feed's URL
    assert entry.summary == "Full text of the interview."
    assert entry.published == datetime(2025, 5, 30, 17, 5, tzinfo=timezone(timedelta(hours=2)))
    assert entry.published.utcoffset() == timedelta(hours=2)


def test_rss_entries_with_missing_fields_still_come_through() -> None:
    entries = parse_feed(RSS).entries

    untitled, title_only, script_link = entries[2], entries[3], entries[4]
    assert untitled.link == "https://engineering.acme.example/2025/05/untitled"  # a permalink guid is a link
    assert (untitled.title, untitled.summary, untitled.published) == ("", "", None)
    assert title_only.link == ""
    assert title_only.guid.startswith("sha256:")
    assert title_only.guid == parse_feed(RSS).entries[3].guid  # stable across fetches
    assert script_link.link == ""
    assert script_link.guid.startswith("sha256:")
    assert script_link.published == datetime(2025, 4, 1, 8, tzinfo=UTC)
    assert script_link.categories == ("Security",)


def test_an_over_long_guid_is_replaced_by_its_hash() -> None:
    document = f"<rss><channel><item><guid>{'x' * 600}</guid></item></channel></rss>".encode()

    guid = parse_feed(document).entries[0].guid

    assert guid.startswith("sha256:")
    assert len(guid) <= 500


def test_an_rss_1_rdf_feed_is_read() -> None:
    feed = parse_feed(RSS_1)

    assert (feed.format, feed.title) == ("rdf", "An old-school site")
    (entry,) = feed.entries
    assert entry.guid == "https://old.example/posts/1"
    assert entry.published == datetime(2025, 1, 1, 4, 59, 59, tzinfo=UTC)
    assert entry.categories == ("Misc",)


def test_a_feed_in_a_legacy_encoding_is_decoded_by_its_declaration() -> None:
    document = '<?xml version="1.0" encoding="ISO-8859-1"?><rss><channel><title>Café Noël</title></channel></rss>'

    assert parse_feed(document.encode("latin-1")).title == "Café Noël"
    assert parse_feed(document).title == "Café Noël"  # already-decoded text works too


def test_an_old_rss_091_doctype_is_allowed_and_its_entities_read_as_html() -> None:
    document = b"""<?xml version="1.0"?>
    <!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN"
      "http://my.netscape.com/publish/formats/rss-0.91.dtd">
    <rss version="0.91"><channel><title>Caf&eacute;&nbsp;news</title>
    <item><title>One</title><link>https://cafe.example/1</link></item></channel></rss>"""

    feed = parse_feed(document)

    assert feed.title == "Café news"
    assert feed.entries[0].link == "https://cafe.example/1"


# -------------------------------------------------------------------------- Atom


def test_atom_entries_pick_the_html_alternate_link_among_many() -> None:
    feed = parse_feed(ATOM, base_url="https://feeds.globex.example/atom.xml")

    assert (feed.format, feed.title, feed.link) == ("atom", "Globex Newsroom", "https://news.globex.example/")
    award = feed.entries[0]
    assert award.guid == "tag:globex.example,2025:award"
    assert award.link == "https://news.globex.example/2025/06/award"
    assert award.title == "Globex wins sustainability award"
    assert award.summary == "The jury praised our net-zero plants."
    assert award.published == datetime(2025, 6, 11, 6, 15, 30, 250000, tzinfo=UTC)
    assert award.categories == ("Awards", "sustainability")


def test_atom_xhtml_content_xml_base_and_updated_dates() -> None:
    results = parse_feed(ATOM).entries[1]

    assert results.link == "https://news.globex.example/blog/q2-results"
    assert results.summary == "Revenue up 4%. Margins steady."
    assert results.published == datetime(2025, 6, 1, 12, tzinfo=UTC)


def test_an_atom_entry_without_links_keeps_its_id() -> None:
    entry = parse_feed(ATOM).entries[2]

    assert (entry.guid, entry.link, entry.summary, entry.published) == ("tag:globex.example,2025:nolink", "", "", None)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Tue, 10 Jun 2025 09:30:00 GMT", datetime(2025, 6, 10, 9, 30, tzinfo=UTC)),
        ("Tue, 10 Jun 2025 09:30:00 +0000", datetime(2025, 6, 10, 9, 30, tzinfo=UTC)),
        ("10 Jun 2025 04:30:00 EST", datetime(2025, 6, 10, 9, 30, tzinfo=UTC)),
        ("Tue, 10 Jun 25 09:30:00 GMT", datetime(2025, 6, 10, 9, 30, tzinfo=UTC)),
        ("Tue, 10 Jun 2025 09:30:00", datetime(2025, 6, 10, 9, 30, tzinfo=UTC)),  # no zone: UTC
        ("2025-06-10T09:30:00Z", datetime(2025, 6, 10, 9, 30, tzinfo=UTC)),
        ("2025-06-10T11:30:00+02:00", datetime(2025, 6, 10, 9, 30, tzinfo=UTC)),
        ("2025-06-10t09:30:00.5z", datetime(2025, 6, 10, 9, 30, 0, 500000, tzinfo=UTC)),
        ("2025-06-10", datetime(2025, 6, 10, tzinfo=UTC)),
        ("  2025-06-10T09:30:00Z\n", datetime(2025, 6, 10, 9, 30, tzinfo=UTC)),
        ("yesterday", None),
        ("", None),
        (None, None),
        ("Tue, 99 Foo 2025 99:99:99 GMT", None),
    ],
)
def test_dates_in_rfc_822_and_rfc_3339_are_read_as_aware_datetimes(text: str | None, expected: datetime | None) -> None:
    parsed = parse_date(text)

    assert parsed == expected
    if parsed is not None:
        assert parsed.tzinfo is not None


# ------------------------------------------------------------------ bad documents


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss version="2.0"><channel><title>&lol9;</title></channel></rss>
"""


@pytest.mark.parametrize(
    "document",
    [
        BILLION_LAUGHS,
        b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        b"<rss><channel><title>&xxe;</title></channel></rss>",
        b'<!DOCTYPE rss [<!ENTITY % remote SYSTEM "http://127.0.0.1:9/evil.dtd"> %remote;]><rss/>',
        b'<!DOCTYPE rss [<!ENTITY logo SYSTEM "logo.gif" NDATA gif>]><rss/>',
        b"<!DOCTYPE rss [<!ELEMENT rss ANY>]><rss/>",
    ],
    ids=["billion-laughs", "external-entity", "parameter-entity", "unparsed-entity", "internal-subset"],
)
def test_documents_that_declare_entities_are_refused(document: bytes) -> None:
    with pytest.raises(FeedError) as error:
        parse_feed(document)

    assert error.value.reason == (
        "This document declares XML entities or a document type, which Chorus refuses for safety."
    )


def test_an_external_dtd_is_never_fetched() -> None:
    with FakeWebsite() as site:
        site.page("/evil.dtd", '<!ENTITY secret "leaked">', content_type="application/xml-dtd")
        document = (
            f'<!DOCTYPE rss SYSTEM "{site.url("/evil.dtd")}"><rss><channel><title>&secret;</title></channel></rss>'
        )

        feed = parse_feed(document.encode())

    assert site.requests == []
    assert feed.title == "&secret;"  # left as it stands: unknown, never expanded


@pytest.mark.parametrize(
    ("document", "reason"),
    [
        (b"<!DOCTYPE html><html><head><title>Acme</title></head></html>", "is a web page, not a feed"),
        (b"<html><body>hi</body></html>", "is a web page, not a feed"),
        (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>', "not an RSS or Atom feed"),
        (b"<rss version='2.0'></rss>", "has no channel"),
        (b"<rss><channel><title>cut off", "the XML is malformed"),
        (b"", "the XML is malformed"),
        (b'{"version": "https://jsonfeed.org/version/1.1"}', "the XML is malformed"),
    ],
)
def test_documents_that_are_not_feeds_fail_with_a_clear_reason(document: bytes, reason: str) -> None:
    with pytest.raises(FeedError) as error:
        parse_feed(document)

    assert reason in error.value.reason


# ------------------------------------------------------------------------ fetching


@pytest.fixture
def site() -> Iterator[FakeWebsite]:
    with FakeWebsite() as website:
        yield website


def test_fetch_feed_asks_for_changes_only(site: FakeWebsite) -> None:
    url = site.page("/feed.xml", RSS, content_type=RSS_TYPE, etag='"rev-7"', headers={"Last-Modified": "Tue, 10 Jun"})
    policy = FetchPolicy(allow_hosts=frozenset({site.host}))

    first = fetch_feed(url, policy)
    second = fetch_feed(url, policy, etag=first.etag, last_modified=first.last_modified)

    assert first.feed is not None
    assert len(first.feed.entries) == 5
    assert first.etag == '"rev-7"'
    assert first.last_modified == "Tue, 10 Jun"
    assert second.feed is None
    assert second.etag == '"rev-7"'
    assert site.requests[1].headers["if-none-match"] == '"rev-7"'
    assert site.requests[1].headers["if-modified-since"] == "Tue, 10 Jun"
    assert site.requests[0].headers["accept"].startswith("application/rss+xml")


def test_fetch_feed_resolves_relative_links_against_where_the_feed_landed(site: FakeWebsite) -> None:
    atom = b"<feed xmlns='http://www.w3.org/2005/Atom'><entry><id>1</id><link href='p/1'/></entry></feed>"
    site.page("/feeds/atom", atom, content_type=ATOM_TYPE)
    site.redirect("/atom.xml", "/feeds/atom")

    result = fetch_feed(site.url("/atom.xml"), FetchPolicy(allow_hosts=frozenset({site.host})))

    assert result.final_url == site.url("/feeds/atom")
    assert result.feed is not None
    assert result.feed.entries[0].link == site.url("/feeds/p/1")


def test_fetch_feed_refuses_a_feed_over_the_size_cap(site: FakeWebsite) -> None:
    url = site.page("/huge.xml", b"<rss>" + b" " * 3 * 1024 * 1024 + b"</rss>", content_type=RSS_TYPE)

    with pytest.raises(FetchRefused) as refused:
        fetch_feed(url, FetchPolicy(allow_hosts=frozenset({site.host})))

    assert refused.value.code == "too_large"


def test_fetch_feed_refuses_an_image(site: FakeWebsite) -> None:
    url = site.page("/feed.png", b"\x89PNG", content_type="image/png")

    with pytest.raises(FetchRefused) as refused:
        fetch_feed(url, FetchPolicy(allow_hosts=frozenset({site.host})))

    assert refused.value.reason == "This link leads to image/png content, not an RSS or Atom feed."


def test_a_web_page_served_as_a_feed_says_so(site: FakeWebsite) -> None:
    url = site.page("/blog", "<!doctype html><html><head><title>Blog</title></head></html>")

    with pytest.raises(FeedError) as error:
        fetch_feed(url, FetchPolicy(allow_hosts=frozenset({site.host})))

    assert error.value.reason == "This address is a web page, not a feed. Look for the site's RSS or Atom link."


def test_a_web_page_can_name_its_feeds() -> None:
    html = """<html><head>
    <link rel="alternate" type="application/rss+xml" title="Posts" href="/feed.xml">
    <link rel="alternate" type="application/atom+xml" href="https://blog.acme.example/atom.xml">
    <link rel="alternate" type="text/html" hreflang="fr" href="/fr/">
    <link rel="alternate" type="application/rss+xml" href="javascript:alert(1)">
    <link rel="stylesheet" type="application/rss+xml" href="/not-a-feed.xml">
    <LINK REL="Alternate" TYPE="application/RSS+xml" HREF="/feed.xml">
    </head><body><link rel="alternate" type="application/rss+xml" href="/in-body.xml"></body></html>"""

    assert discover_feed_urls(html, "https://blog.acme.example/posts/") == [
        "https://blog.acme.example/feed.xml",
        "https://blog.acme.example/atom.xml",
    ]


def test_deeply_nested_content_does_not_exhaust_the_stack() -> None:
    depth = 50_000
    xhtml = "<div xmlns='http://www.w3.org/1999/xhtml'>" * depth + "bottom" + "</div>" * depth
    document = (
        "<feed xmlns='http://www.w3.org/2005/Atom'><entry><id>deep</id>"
        f"<title><b>nested</b></title><content type='xhtml'>{xhtml}</content></entry></feed>"
    )

    entry = parse_feed(document.encode()).entries[0]

    assert entry.summary == "bottom"
    assert entry.title == "nested"
