"""Link previews: what a page says about itself in its <head>.

Open Graph first, then the Twitter card, then plain HTML (`<title>`, the description
meta tag, `<link rel=canonical>`). The standard library's `html.parser` copes with the
broken markup real sites serve. It never raises on bad HTML and never fetches anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from content.lib.fetch import HTML, FetchPolicy, fetch

__all__ = [
    "DESCRIPTION_MAX",
    "SITE_NAME_MAX",
    "TITLE_MAX",
    "URL_MAX",
    "LinkPreview",
    "clean_text",
    "extract_preview",
    "fetch_preview",
    "html_to_text",
    "safe_url",
    "truncate",
]

TITLE_MAX = 300
DESCRIPTION_MAX = 1000
SITE_NAME_MAX = 200
URL_MAX = 2000


@dataclass(frozen=True)
class LinkPreview:
    """Every field is plain text, "" when the page does not say. The URLs are absolute
    http(s) URLs of at most URL_MAX characters."""

    title: str = ""
    description: str = ""
    image_url: str = ""
    canonical_url: str = ""
    site_name: str = ""


def extract_preview(html: str, base_url: str) -> LinkPreview:
    """The preview of a page, given its HTML and the URL it was finally served from.

    Relative URLs are resolved against `<base href>` when the page has one, otherwise
    against `base_url`. `site_name` falls back to the host name (without "www.").
    """
    head = _HeadParser()
    head.parse(html)
    base = base_url
    if head.base_href:
        base = safe_url(urljoin(base_url, head.base_href)) or base_url
    meta = head.meta

    title = _first_text(meta.get("og:title"), meta.get("twitter:title"), head.title)
    description = _first_text(meta.get("og:description"), meta.get("twitter:description"), meta.get("description"))
    image_url = _first_url(
        base,
        meta.get("og:image"),
        meta.get("og:image:url"),
        meta.get("og:image:secure_url"),
        meta.get("twitter:image"),
        meta.get("twitter:image:src"),
        head.links.get("image_src"),
    )
    canonical_url = _first_url(base, meta.get("og:url"), meta.get("twitter:url"), head.links.get("canonical"))
    site_name = _first_text(meta.get("og:site_name"), meta.get("application-name"))
    if not site_name:
        host = urlsplit(canonical_url or base_url).hostname or ""
        site_name = host.removeprefix("www.")
    return LinkPreview(
        title=truncate(title, TITLE_MAX),
        description=truncate(description, DESCRIPTION_MAX),
        image_url=image_url,
        canonical_url=canonical_url,
        site_name=truncate(site_name, SITE_NAME_MAX),
    )


def fetch_preview(url: str, policy: FetchPolicy) -> LinkPreview:
    """Fetch `url` as a web page under `policy` and extract its preview.

    The body is cut at the policy's byte cap rather than refused, because the metadata
    is at the top. When the page names no canonical URL, the URL it was finally served
    from (after redirects) is used. Raises FetchRefused / FetchFailed from the fetcher.
    """
    result = fetch(url, policy, accept=HTML, truncate=True)
    preview = extract_preview(result.text, result.final_url)
    if not preview.canonical_url:
        canonical = safe_url(result.final_url)
        preview = LinkPreview(
            title=preview.title,
            description=preview.description,
            image_url=preview.image_url,
            canonical_url=canonical,
            site_name=preview.site_name,
        )
    return preview


# -------------------------------------------------------------------- text helpers


def clean_text(text: str | None) -> str:
    """Collapse every run of white space into one space and strip the ends."""
    return " ".join(text.split()) if text else ""


def truncate(text: str, limit: int) -> str:
    """`text` if it fits in `limit` characters, else cut at a word boundary with "…"."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip() + "…"


def safe_url(url: str | None) -> str:
    """`url` if it is an absolute http(s) URL with a host and at most URL_MAX characters, else ""."""
    if not url:
        return ""
    url = url.strip()
    if len(url) > URL_MAX or any(ord(char) < 0x20 for char in url):
        return ""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises ValueError for a port that is not a number)
    except ValueError:
        return ""
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return ""
    return url


def html_to_text(html: str, limit: int | None = None) -> str:
    """Visible text of an HTML fragment: tags, scripts and styles dropped, entities
    decoded, blocks separated by a space, white space collapsed, capped at `limit`."""
    parser = _TextParser()
    try:
        parser.feed(html)
        parser.close()
    except (AssertionError, ValueError):  # html.parser's rare complaints about markup
        pass
    text = clean_text("".join(parser.parts))
    return truncate(text, limit) if limit else text


def _first_text(*candidates: str | None) -> str:
    for candidate in candidates:
        text = clean_text(candidate)
        if text:
            return text
    return ""


def _first_url(base: str, *candidates: str | None) -> str:
    for candidate in candidates:
        if candidate and candidate.strip():
            url = safe_url(urljoin(base, candidate.strip()))
            if url:
                return url
    return ""


# ------------------------------------------------------------------------- parsers

_TITLE_CHARS_MAX = 4 * TITLE_MAX  # a page that never closes <title> must not fill memory


class _HeadParser(HTMLParser):
    """Collects meta tags (first value per key), link rels (first href per rel), the
    base href and the document's <title> (not one inside an inline <svg>)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, str] = {}
        self.links: dict[str, str] = {}
        self.base_href: str | None = None
        self.title: str | None = None
        self._title_parts: list[str] | None = None
        self._title_length = 0
        self._svg_depth = 0

    def parse(self, html: str) -> None:
        try:
            self.feed(html)
            self.close()
        except (AssertionError, ValueError):  # keep what was read before the bad markup
            pass
        self._end_title()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name.lower(): value or "" for name, value in attrs}
        if tag == "meta":
            content = attributes.get("content")
            if content is None:
                return
            # Sites mix them up: og:* in name=, twitter:* in property=, itemprop for schema.org.
            for key_attribute in ("property", "name", "itemprop"):
                key = attributes.get(key_attribute, "").strip().lower()
                if key:
                    self.meta.setdefault(key, content)
        elif tag == "link":
            href = attributes.get("href", "").strip()
            if href:
                for rel in attributes.get("rel", "").lower().split():
                    self.links.setdefault(rel, href)
        elif tag == "base":
            if self.base_href is None and attributes.get("href", "").strip():
                self.base_href = attributes["href"].strip()
        elif tag == "svg":
            self._svg_depth += 1
        elif tag == "title" and self.title is None and self._title_parts is None and not self._svg_depth:
            self._title_parts = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "svg" and self._svg_depth:
            self._svg_depth -= 1
        elif tag == "title":
            self._end_title()

    def handle_data(self, data: str) -> None:
        if self._title_parts is not None and self._title_length < _TITLE_CHARS_MAX:
            self._title_parts.append(data)
            self._title_length += len(data)

    def _end_title(self) -> None:
        if self._title_parts is not None:
            self.title = "".join(self._title_parts)[:_TITLE_CHARS_MAX]
            self._title_parts = None


_SKIPPED = frozenset({"script", "style", "template"})
# Elements whose edges separate words ("<p>a</p><p>b</p>" is "a b", not "ab").
_BLOCKS = frozenset(
    {
        "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "figcaption",
        "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "img", "li", "main",
        "nav", "ol", "p", "pre", "section", "table", "td", "th", "tr", "ul",
    }
)  # fmt: skip


class _TextParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED:
            self._skipping.append(tag)
        elif tag in _BLOCKS:
            self.parts.append(" ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCKS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if self._skipping and tag == self._skipping[-1]:
            self._skipping.pop()
        elif tag in _BLOCKS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)
