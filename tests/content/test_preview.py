"""Link previews from realistic pages: Open Graph, then Twitter cards, then plain HTML."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from content.lib.fetch import FetchPolicy, FetchRefused
from content.lib.preview import LinkPreview, extract_preview, fetch_preview, html_to_text, truncate
from tests.fakes.website import FakeWebsite

NEWS_ARTICLE = """<!DOCTYPE html>
<html lang="en-GB" class="no-js">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Acme opens a   new plant in Leeds | Acme Newsroom</title>
  <script>window.dataLayer = [{"title": "<title>not this</title>"}];</script>
  <style>.og\\:title { content: "not this either" }</style>
  <meta name="description" content="The plain description, which Open Graph outranks.">
  <link rel="canonical" href="/news/2025/leeds-plant">
  <meta property="og:type" content="article">
  <meta property="og:site_name" content="Acme Newsroom">
  <meta property="og:title" content="Acme opens a new plant in Leeds">
  <meta property="og:description"
        content="Two hundred jobs &amp; a
                 net-zero   site: what the new plant means for the region.">
  <meta property="og:image" content="/media/leeds-plant.jpg?w=1200&amp;h=630">
  <meta property="og:image" content="/media/second-image.jpg">
  <meta property="og:url" content="https://www.acme.example/news/2025/leeds-plant?utm_source=og">
  <meta name="twitter:card" content="summary_large_image">
  <meta name="twitter:title" content="Twitter title, outranked by Open Graph">
  <meta name="twitter:image" content="https://cdn.acme.example/twitter.jpg">
  <script type="application/ld+json">{"@type": "NewsArticle", "headline": "JSON-LD headline"}</script>
</head>
<body>
  <svg aria-hidden="true"><title>Menu icon</title><path d="M0 0h24v24H0z"/></svg>
  <h1>Acme opens a new plant in Leeds</h1>
  <p>Body text.</p>
</body>
</html>
"""

TWITTER_ONLY = """<html><head>
<TITLE>Fallback title</TITLE>
<META NAME="twitter:title" CONTENT="Launch week, day 3">
<meta name="twitter:description" content="What we shipped today.">
<meta name="twitter:image:src" content="images/day3.png">
<meta name="twitter:site" content="@acme">
</head><body></body></html>"""

PLAIN_PAGE = """<html>
<head>
<title>
    Careers at Globex
    &ndash; Join&nbsp;us
</title>
<meta name=description content='We are hiring engineers, designers and   writers.'>
<link rel="shortcut icon" href="/favicon.ico">
<link rel="canonical" href="careers?ref=canonical">
<link rel="image_src" href="//static.globex.example/careers.png">
</head>
<body><p>Open roles</p>
"""  # never closed, as some pages are


def test_open_graph_wins_over_twitter_and_plain_html() -> None:
    preview = extract_preview(NEWS_ARTICLE, "https://www.acme.example/news/2025/leeds-plant")

    assert preview == LinkPreview(
        title="Acme opens a new plant in Leeds",
        description="Two hundred jobs & a net-zero site: what the new plant means for the region.",
        image_url="https://www.acme.example/media/leeds-plant.jpg?w=1200&h=630",
        canonical_url="https://www.acme.example/news/2025/leeds-plant?utm_source=og",
        site_name="Acme Newsroom",
    )


def test_a_twitter_card_is_used_when_there_is_no_open_graph() -> None:
    preview = extract_preview(TWITTER_ONLY, "https://blog.acme.example/2025/launch-week/day-3")

    assert preview.title == "Launch week, day 3"
    assert preview.description == "What we shipped today."
    assert preview.image_url == "https://blog.acme.example/2025/launch-week/images/day3.png"
    assert preview.canonical_url == ""
    assert preview.site_name == "blog.acme.example"  # a Twitter @handle is not a site name


def test_plain_html_is_the_last_resort() -> None:
    preview = extract_preview(PLAIN_PAGE, "https://www.globex.example/jobs/")

    assert preview.title == "Careers at Globex – Join us"
    assert preview.description == "We are hiring engineers, designers and writers."
    assert preview.canonical_url == "https://www.globex.example/jobs/careers?ref=canonical"
    assert preview.image_url == "https://static.globex.example/careers.png"
    assert preview.site_name == "globex.example"


def test_relative_urls_follow_the_base_element() -> None:
    html = """<head><base href="https://cdn.acme.example/site/">
    <meta property="og:image" content="img/cover.jpg"><link rel="canonical" href="page"></head>"""

    preview = extract_preview(html, "https://acme.example/a/b")

    assert preview.image_url == "https://cdn.acme.example/site/img/cover.jpg"
    assert preview.canonical_url == "https://cdn.acme.example/site/page"


def test_a_base_element_with_a_script_url_is_ignored() -> None:
    html = """<base href="javascript:alert(1)//"><meta property="og:image" content="cover.jpg">"""

    assert extract_preview(html, "https://acme.example/a/b").image_url == "https://acme.example/a/cover.jpg"


@pytest.mark.parametrize(
    "bad",
    [
        "javascript:alert(document.cookie)",
        "data:image/png;base64,iVBORw0KGgo=",
        "ftp://files.acme.example/cover.jpg",
        "http://",
        "https://acme.example:notaport/x.jpg",
        "https://acme.example/" + "x" * 2000 + ".jpg",
        "   ",
    ],
)
def test_image_and_canonical_urls_must_be_http_or_https(bad: str) -> None:
    html = f"""<meta property="og:image" content="{bad}"><meta name="twitter:image" content="/safe.jpg">
    <meta property="og:url" content="{bad}"><link rel="canonical" href="/canonical">"""

    preview = extract_preview(html, "https://acme.example/post")

    assert preview.image_url == "https://acme.example/safe.jpg"
    assert preview.canonical_url == "https://acme.example/canonical"


def test_long_titles_and_descriptions_are_cut_at_a_word() -> None:
    html = f"""<meta property="og:title" content="{"word " * 100}">
    <meta property="og:description" content="{"lorem ipsum " * 200}">"""

    preview = extract_preview(html, "https://acme.example/")

    assert len(preview.title) <= 300
    assert preview.title.endswith("word…")
    assert len(preview.description) <= 1000
    assert preview.description.endswith("…")
    assert not preview.description.endswith(" …")


def test_empty_values_fall_through_to_the_next_source() -> None:
    html = """<meta property="og:title" content="  "><meta name="twitter:title" content="">
    <title>Real title</title><meta property="og:description">"""

    assert extract_preview(html, "https://acme.example/").title == "Real title"


def test_a_page_with_nothing_to_say_gives_an_empty_preview() -> None:
    assert extract_preview("", "https://www.example.org/x") == LinkPreview(site_name="example.org")
    assert extract_preview("<<<>>> not html at all &&&", "https://example.org/") == LinkPreview(site_name="example.org")


def test_broken_markup_does_not_stop_extraction() -> None:
    html = """<head><title>Broken <b>page</title><meta property="og:description" content=unquoted>
    <![if !IE]><meta property='og:image' content='/i.png'><![endif]><!-- <meta property="og:title" content="x"> -->
    <meta property="og:site_name" content="Site" <p>"""

    preview = extract_preview(html, "https://acme.example/")

    assert preview.title == "Broken <b>page"  # a title holds text, not tags: browsers show it so too
    assert preview.description == "unquoted"
    assert preview.image_url == "https://acme.example/i.png"


def test_html_to_text_keeps_only_the_visible_words() -> None:
    html = """<p>Hello&nbsp;<b>world</b>.</p><p>Second<br>line</p><script>alert("x")</script>
    <style>p { color: red }</style><ul><li>one</li><li>two</li></ul>"""

    assert html_to_text(html) == "Hello world. Second line one two"
    assert html_to_text("a " * 50, limit=20) == "a a a a a a a a a…"


def test_truncate_leaves_short_text_alone() -> None:
    assert truncate("short", 10) == "short"
    assert truncate("averyveryverylongword", 10) == "averyvery…"


# ------------------------------------------------------------ through the network


@pytest.fixture
def site() -> Iterator[FakeWebsite]:
    with FakeWebsite() as website:
        yield website


def test_fetch_preview_resolves_urls_against_the_page_it_landed_on(site: FakeWebsite) -> None:
    site.page("/news/2025/leeds-plant", NEWS_ARTICLE.replace('<meta property="og:url"', '<meta property="og:nope"'))
    site.redirect("/s/abc", "/news/2025/leeds-plant")

    preview = fetch_preview(site.url("/s/abc"), FetchPolicy(allow_hosts=frozenset({site.host})))

    assert preview.title == "Acme opens a new plant in Leeds"
    assert preview.image_url == site.url("/media/leeds-plant.jpg?w=1200&h=630")
    assert preview.canonical_url == site.url("/news/2025/leeds-plant")


def test_fetch_preview_uses_the_final_url_when_the_page_names_no_canonical(site: FakeWebsite) -> None:
    site.page("/post", "<title>Post</title>")
    site.redirect("/p", "/post#top")

    preview = fetch_preview(site.url("/p"), FetchPolicy(allow_hosts=frozenset({site.host})))

    assert preview.canonical_url == site.url("/post")
    assert preview.site_name == "127.0.0.1"


def test_fetch_preview_reads_the_top_of_a_page_over_the_size_cap(site: FakeWebsite) -> None:
    url = site.large("/huge", 3 * 1024 * 1024)

    preview = fetch_preview(url, FetchPolicy(allow_hosts=frozenset({site.host})))

    assert preview.title == "Big page"


def test_fetch_preview_refuses_a_pdf(site: FakeWebsite) -> None:
    url = site.page("/report.pdf", b"%PDF-1.7", content_type="application/pdf")

    with pytest.raises(FetchRefused) as refused:
        fetch_preview(url, FetchPolicy(allow_hosts=frozenset({site.host})))

    assert refused.value.reason == "This link leads to application/pdf content, not a web page."


def test_fetch_preview_decodes_a_page_in_its_declared_charset(site: FakeWebsite) -> None:
    html = '<meta charset="windows-1252"><meta property="og:title" content="Café “Noël”">'
    url = site.page("/fr", html.encode("cp1252"), content_type="text/html")

    preview = fetch_preview(url, FetchPolicy(allow_hosts=frozenset({site.host})))

    assert preview.title == "Café “Noël”"


@pytest.mark.parametrize("unit", ["<a ", "</", "<?", '<a b="x>', "<!--", "<svg>", "<b", "<a b='>' c=\""])
def test_hostile_markup_is_read_in_linear_time(unit: str) -> None:
    """html.parser needed minutes for 200 KB of "<a " (quadratic before Python 3.11.13)."""
    html = "<title>T</title>" + unit * (300_000 // len(unit))
    started = time.monotonic()

    extract_preview(html, "https://acme.example/")
    html_to_text(html)

    assert time.monotonic() - started < 5.0
