"""RSS and Atom feeds: documents in, entries out.

Reads RSS 2.0 (and 0.9x), RSS 1.0 (RDF) and Atom 1.0 with the standard library's
expat. XML bombs are refused by construction. A document type with an internal subset
(where entity declarations live), any entity declaration, and any external entity are
rejected before they can expand or fetch anything. A bare `<!DOCTYPE rss PUBLIC …>`,
which old RSS 0.91 feeds carry, is allowed, because its DTD is never loaded.
"""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from html import unescape
from typing import Any, NoReturn
from urllib.parse import urljoin
from xml.parsers import expat

from content.lib.fetch import FEEDS, FetchPolicy, fetch
from content.lib.preview import (
    DESCRIPTION_MAX,
    START,
    TITLE_MAX,
    clean_text,
    html_to_text,
    html_tokens,
    safe_url,
    truncate,
)

__all__ = [
    "GUID_MAX",
    "Feed",
    "FeedEntry",
    "FeedError",
    "FeedFetch",
    "discover_feed_urls",
    "fetch_feed",
    "parse_date",
    "parse_feed",
]

GUID_MAX = 500

_ATOM = "{http://www.w3.org/2005/Atom}"
_RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"
_RSS1 = "{http://purl.org/rss/1.0/}"
_RSS090 = "{http://my.netscape.com/rdf/simple/0.9/}"
_DC = "{http://purl.org/dc/elements/1.1/}"
_CONTENT = "{http://purl.org/rss/1.0/modules/content/}"
_XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"
_XHTML = "{http://www.w3.org/1999/xhtml}"


class FeedError(ValueError):
    """The document is not a feed Chorus can read. `reason` can be shown to a manager."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class FeedEntry:
    guid: str  # the entry's id/guid; else its link; else a hash of its content. At most GUID_MAX.
    link: str  # absolute http(s) URL, or ""
    title: str  # plain text, at most TITLE_MAX
    summary: str  # plain text (HTML stripped), at most DESCRIPTION_MAX
    published: datetime | None  # timezone-aware; published, else updated
    categories: tuple[str, ...]


@dataclass(frozen=True)
class Feed:
    format: str  # "rss", "rdf" or "atom"
    title: str
    link: str  # the site's home page, or ""
    entries: tuple[FeedEntry, ...]  # in document order (usually newest first)


@dataclass(frozen=True)
class FeedFetch:
    """A conditional feed fetch: `feed` is None when the server said 304 Not Modified.
    Store `etag` and `last_modified` and pass them to the next fetch_feed call."""

    feed: Feed | None
    final_url: str
    etag: str
    last_modified: str


def fetch_feed(url: str, policy: FetchPolicy, *, etag: str = "", last_modified: str = "") -> FeedFetch:
    """Fetch and parse the feed at `url` under `policy`, asking only for changes since
    `etag` / `last_modified`. Raises FetchRefused / FetchFailed from the fetcher and
    FeedError when the document is not a feed. A feed over the byte cap is refused:
    a cut XML document does not parse."""
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    result = fetch(url, policy, accept=FEEDS, headers=headers)
    feed = None if result.not_modified else parse_feed(result.content, base_url=result.final_url)
    return FeedFetch(
        feed=feed,
        final_url=result.final_url,
        etag=result.headers.get("etag", etag),
        last_modified=result.headers.get("last-modified", last_modified),
    )


def parse_feed(document: bytes | str, *, base_url: str = "") -> Feed:
    """Parse an RSS or Atom document. Relative links are resolved against xml:base and
    then `base_url` (the URL the feed was served from). Pass bytes when you have them,
    so the XML declaration's encoding is honoured. Raises FeedError."""
    root = _parse_xml(document)
    base = urljoin(base_url, root.get(_XML_BASE, ""))
    if root.tag == f"{_ATOM}feed":
        return _atom_feed(root, base)
    if root.tag == "rss":
        channel = root.find("channel")
        if channel is None:
            raise FeedError("This RSS document has no channel, so it has no entries to read.")
        return _rss_feed(channel, root.findall("channel/item") or root.findall("item"), base, "", "rss")
    if root.tag == f"{_RDF}RDF":
        for ns in (_RSS1, _RSS090):
            channel = root.find(f"{ns}channel")
            if channel is not None:
                return _rss_feed(channel, root.findall(f"{ns}item"), base, ns, "rdf")
    if root.tag.lower().rpartition("}")[2] == "html":
        raise _web_page()
    raise FeedError("This address returned an XML document that is not an RSS or Atom feed.")


def parse_date(value: str | None) -> datetime | None:
    """A timezone-aware datetime from RFC 822 (RSS) or RFC 3339 / ISO 8601 (Atom,
    Dublin Core) text, whichever the feed used; None when it is neither. A time
    without a zone is taken as UTC."""
    value = (value or "").strip()
    if not value:
        return None
    parsed: datetime | None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        parsed = None
    if parsed is None:
        try:
            parsed = datetime.fromisoformat(value.upper())  # RFC 3339 allows "t" and "z"
        except ValueError:
            return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def discover_feed_urls(html: str, base_url: str) -> list[str]:
    """The feeds a web page advertises with `<link rel="alternate" type="application/rss+xml" href>`
    (or Atom), as absolute http(s) URLs in page order, for when a manager pastes a
    site's address instead of its feed's."""
    urls: list[str] = []
    for token in html_tokens(html):
        if token.kind == START and token.name == "link":
            rels = token.attributes.get("rel", "").lower().split()
            media_type = token.attributes.get("type", "").strip().lower()
            if "alternate" in rels and media_type in _FEED_LINK_TYPES:
                url = _link(base_url, token.attributes.get("href"))
                if url and url not in urls:
                    urls.append(url)
        elif token.kind == START and token.name == "body":
            break
    return urls


_FEED_LINK_TYPES = frozenset({"application/rss+xml", "application/atom+xml", "application/rdf+xml"})


# --------------------------------------------------------------------- XML, safely


class _Forbidden(Exception):
    pass


def _parse_xml(document: bytes | str) -> ET.Element:
    """Build an ElementTree with our own expat parser, whose handlers refuse DTD
    features. (ElementTree's own parser does not expose expat's handlers.)"""
    if isinstance(document, str):
        document = document.encode("utf-8")  # expat then reads the declaration's encoding as utf-8
        document = _drop_encoding_declaration(document)
    head = document[:512].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html")):
        raise _web_page()
    builder = ET.TreeBuilder()
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.buffer_text = True

    def start_doctype(name: str, system_id: str | None, public_id: str | None, has_internal_subset: int) -> None:
        if has_internal_subset:
            raise _Forbidden

    def forbid(*args: Any) -> NoReturn:
        raise _Forbidden

    parser.StartDoctypeDeclHandler = start_doctype
    parser.EntityDeclHandler = forbid
    parser.UnparsedEntityDeclHandler = forbid
    parser.ExternalEntityRefHandler = forbid
    parser.StartElementHandler = lambda name, attributes: builder.start(
        _clark(name), {_clark(key): value for key, value in attributes.items()}
    )
    parser.EndElementHandler = lambda name: builder.end(_clark(name))
    parser.CharacterDataHandler = builder.data
    # Under a bare RSS 0.91 DOCTYPE, undeclared entities (&nbsp;) are skipped, not
    # errors; give them their HTML meaning rather than dropping the character.
    parser.SkippedEntityHandler = lambda name, is_parameter_entity: builder.data(unescape(f"&{name};"))
    try:
        parser.Parse(document, True)
        return builder.close()
    except _Forbidden:
        raise FeedError(
            "This document declares XML entities or a document type, which Chorus refuses for safety."
        ) from None
    except (expat.ExpatError, AssertionError) as error:
        raise FeedError(f"This address did not return a readable feed (the XML is malformed: {error}).") from None


def _drop_encoding_declaration(document: bytes) -> bytes:
    # Text handed in as str is already decoded; re-encoded as UTF-8, a declaration
    # that says otherwise ("ISO-8859-1") would make expat misread it.
    if document.startswith(b"<?xml"):
        end = document.find(b"?>")
        if end != -1:
            return b'<?xml version="1.0" encoding="utf-8"?>' + document[end + 2 :]
    return document


def _clark(name: str) -> str:
    """expat's "uri local" as ElementTree's "{uri}local"."""
    uri, space, local = name.rpartition(" ")
    return f"{{{uri}}}{local}" if space else name


def _web_page() -> FeedError:
    return FeedError("This address is a web page, not a feed. Look for the site's RSS or Atom link.")


# ---------------------------------------------------------------------------- RSS


def _rss_feed(channel: ET.Element, items: list[ET.Element], base: str, ns: str, kind: str) -> Feed:
    base = urljoin(base, channel.get(_XML_BASE, ""))
    return Feed(
        format=kind,
        title=truncate(html_to_text(channel.findtext(f"{ns}title") or ""), TITLE_MAX),
        link=_link(base, channel.findtext(f"{ns}link")),
        entries=tuple(_rss_entry(item, base, ns) for item in items),
    )


def _rss_entry(item: ET.Element, base: str, ns: str) -> FeedEntry:
    base = urljoin(base, item.get(_XML_BASE, ""))
    guid_element = item.find("guid")
    guid = clean_text(guid_element.text if guid_element is not None else item.get(f"{_RDF}about"))
    link = _link(base, item.findtext(f"{ns}link"))
    if not link:
        atom_link = _atom_alternate(item, base)
        permalink = guid_element is not None and guid_element.get("isPermaLink", "true").lower() != "false"
        link = atom_link or (_link(base, guid) if permalink else "")
    # Titles are often escaped HTML ("Q&amp;A <em>live</em>"): read them as HTML, like feed readers do.
    title = html_to_text(item.findtext(f"{ns}title") or "", TITLE_MAX)
    summary_html = item.findtext(f"{ns}description") or item.findtext(f"{_CONTENT}encoded") or ""
    published = parse_date(item.findtext("pubDate")) or parse_date(item.findtext(f"{_DC}date"))
    categories = [clean_text(element.text) for element in item.findall("category") + item.findall(f"{_DC}subject")]
    return _entry(
        guid=guid,
        link=link,
        title=title,
        summary=html_to_text(summary_html, DESCRIPTION_MAX),
        published=published or parse_date(item.findtext(f"{_ATOM}updated")),
        categories=categories,
    )


# --------------------------------------------------------------------------- Atom


def _atom_feed(root: ET.Element, base: str) -> Feed:
    return Feed(
        format="atom",
        title=truncate(_atom_text(root.find(f"{_ATOM}title")), TITLE_MAX),
        link=_atom_alternate(root, base),
        entries=tuple(_atom_entry(entry, base) for entry in root.findall(f"{_ATOM}entry")),
    )


def _atom_entry(entry: ET.Element, base: str) -> FeedEntry:
    base = urljoin(base, entry.get(_XML_BASE, ""))
    summary = entry.find(f"{_ATOM}summary")
    if summary is None:
        summary = entry.find(f"{_ATOM}content")
    categories = [
        clean_text(category.get("label") or category.get("term")) for category in entry.findall(f"{_ATOM}category")
    ]
    return _entry(
        guid=clean_text(entry.findtext(f"{_ATOM}id")),
        link=_atom_alternate(entry, base),
        title=truncate(_atom_text(entry.find(f"{_ATOM}title")), TITLE_MAX),
        summary=truncate(_atom_text(summary), DESCRIPTION_MAX),
        published=parse_date(entry.findtext(f"{_ATOM}published")) or parse_date(entry.findtext(f"{_ATOM}updated")),
        categories=categories,
    )


_ALTERNATE = ("alternate", "http://www.iana.org/assignments/relation/alternate")


def _atom_alternate(element: ET.Element, base: str) -> str:
    """The element's link to its web page: rel="alternate" (the default), preferring
    an HTML one; never rel="self", "enclosure", "related" or "replies"."""
    candidates: list[tuple[int, str]] = []
    for link in element.findall(f"{_ATOM}link"):
        if link.get("rel", "alternate").strip().lower() not in _ALTERNATE:
            continue
        url = _link(urljoin(base, link.get(_XML_BASE, "")), link.get("href"))
        if url:
            media_type = link.get("type", "text/html").lower()
            candidates.append((0 if media_type in ("text/html", "application/xhtml+xml") else 1, url))
    return min(candidates, key=lambda candidate: candidate[0])[1] if candidates else ""


def _atom_text(element: ET.Element | None) -> str:
    """An Atom text construct as plain text, by its type: text, html or xhtml."""
    if element is None:
        return ""
    kind = element.get("type", "text").lower()
    if kind in ("html", "text/html"):
        return html_to_text(element.text or "")
    return _element_text(element, blocks=kind in ("xhtml", "application/xhtml+xml"))


_XHTML_BLOCKS = frozenset({"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "tr"})


def _element_text(root: ET.Element, *, blocks: bool) -> str:
    """The text inside `root`, with a space at the edges of XHTML block elements.
    Iterative, not recursive: a hostile feed can nest elements deeper than Python's
    recursion limit (ElementTree's own itertext recurses)."""
    parts: list[str] = []
    stack: list[tuple[ET.Element, bool]] = [(root, False)]
    while stack:
        element, leaving = stack.pop()
        local = element.tag.removeprefix(_XHTML) if isinstance(element.tag, str) else ""
        edge = " " if blocks and local in _XHTML_BLOCKS and element is not root else ""
        tail = element.tail or "" if element is not root else ""
        if leaving:
            parts.append(edge + tail)
        elif local in ("script", "style"):
            parts.append(tail)
        else:
            parts.append(edge + (element.text or ""))
            stack.append((element, True))
            stack.extend((child, False) for child in reversed(element))
    return clean_text("".join(parts))


# ---------------------------------------------------------------------- shared


def _link(base: str, href: str | None) -> str:
    href = (href or "").strip()
    return safe_url(urljoin(base, href)) if href else ""


def _entry(
    *, guid: str, link: str, title: str, summary: str, published: datetime | None, categories: list[str]
) -> FeedEntry:
    guid = guid or link
    if not guid:
        # No id and no link: the content itself is the only stable identity there is.
        seed = "\n".join([title, published.isoformat() if published else "", summary])
        guid = "sha256:" + hashlib.sha256(seed.encode()).hexdigest()
    elif len(guid) > GUID_MAX:
        guid = "sha256:" + hashlib.sha256(guid.encode()).hexdigest()
    return FeedEntry(
        guid=guid,
        link=link,
        title=title,
        summary=summary,
        published=published,
        categories=tuple(dict.fromkeys(category for category in categories if category)),
    )
