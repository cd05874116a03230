"""Link previews: what a page says about itself in its <head>.

Open Graph first, then the Twitter card, then plain HTML (`<title>`, the description
meta tag, `<link rel=canonical>`). A small linear-time tokenizer (below) reads the
broken markup that real sites serve. It never raises on bad HTML and never fetches
anything.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from html import unescape
from types import MappingProxyType
from typing import NamedTuple
from urllib.parse import urljoin, urlsplit

from content.lib.fetch import HTML, FetchPolicy, fetch

__all__ = [
    "DESCRIPTION_MAX",
    "SITE_NAME_MAX",
    "TITLE_MAX",
    "URL_MAX",
    "LinkPreview",
    "Token",
    "clean_text",
    "extract_preview",
    "fetch_preview",
    "html_to_text",
    "html_tokens",
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
    Reading stops at `<body>` once a title is known: metadata lives in the head.
    """
    head = _read_head(html)
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
        preview = replace(preview, canonical_url=safe_url(result.final_url))
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
    parts: list[str] = []
    for token in html_tokens(html):
        if token.kind == TEXT:
            parts.append(token.text)
        elif token.name in _BLOCKS:
            parts.append(" ")
    text = clean_text("".join(parts))
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


# ----------------------------------------------------------------------- tokenizer

# Not html.parser: in Python before 3.11.13 / 3.12.11 it takes quadratic time on crafted
# input. For example, 200 KB of "<a " took minutes, so one hostile page could hold a
# worker for hours. This tokenizer is linear. Every construct is found with str.find or
# an anchored regex whose alternatives cannot backtrack into each other, and a tag is
# looked for within _TAG_WINDOW characters. It reads what previews and feed summaries
# need (tags and attributes, text, raw script and style), not the whole HTML5 algorithm.

START, END, TEXT, RAW = "start", "end", "text", "raw"


class Token(NamedTuple):
    kind: str  # START, END, TEXT (entities decoded) or RAW (script and style content)
    name: str = ""  # tag name in lower case, for START and END
    attributes: Mapping[str, str] = MappingProxyType({})  # names in lower case; the first one wins
    text: str = ""
    self_closing: bool = False


_TAG = re.compile(r"""<(/?)([a-zA-Z][a-zA-Z0-9:_.-]*)((?:[^<>"']|"[^"]*"|'[^']*')*)>""")
_ATTRIBUTE = re.compile(r"""([^\s"'<>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'<>`]+)))?""")
_TAG_WINDOW = 32 * 1024
_RAW_TEXT = frozenset({"script", "style"})  # content is not markup and not shown
_RCDATA = frozenset({"title", "textarea"})  # content is text (with entities), not markup
_CLOSERS: dict[str, re.Pattern[str]] = {
    name: re.compile(rf"</{name}(?![a-z0-9])[^<>]{{0,256}}>", re.IGNORECASE) for name in _RAW_TEXT | _RCDATA
}


def html_tokens(html: str) -> Iterator[Token]:
    """Tokens of an HTML document or fragment, in order, in linear time. Comments,
    doctypes, processing instructions and `</ …>` are skipped, and a "<" that starts
    no tag is text, as in browsers."""
    length = len(html)
    text_start = 0  # the text before `text_start` has been yielded
    cursor = 0  # where to look for the next "<"
    while (lt := html.find("<", cursor)) != -1:
        following = html[lt + 1 : lt + 2]
        skip_to = None
        if html.startswith("<!--", lt):
            end = html.find("-->", lt + 4)
            skip_to = length if end == -1 else end + 3  # an unclosed comment hides the rest
        elif following in ("!", "?") or (following == "/" and not html[lt + 2 : lt + 3].isalpha()):
            end = html.find(">", lt + 1)  # doctype, <![CDATA[, <?xml …?>, </ …>
            skip_to = length if end == -1 else end + 1
        if skip_to is not None:
            if lt > text_start:
                yield Token(TEXT, text=unescape(html[text_start:lt]))
            text_start = cursor = skip_to
            continue
        match = _TAG.match(html, lt, min(length, lt + _TAG_WINDOW)) if following.isalpha() or following == "/" else None
        if match is None:
            cursor = lt + 1  # a "<" that starts no tag is text
            continue
        if lt > text_start:
            yield Token(TEXT, text=unescape(html[text_start:lt]))
        closing, name, rest = match.group(1), match.group(2).lower(), match.group(3)
        text_start = cursor = match.end()
        if closing:
            yield Token(END, name=name)
            continue
        yield Token(START, name=name, attributes=_attributes(rest), self_closing=rest.endswith("/"))
        if name in _CLOSERS:
            closer = _CLOSERS[name].search(html, cursor)
            content = html[cursor : closer.start() if closer else length]
            text_start = cursor = closer.end() if closer else length
            yield Token(RAW, text=content) if name in _RAW_TEXT else Token(TEXT, text=unescape(content))
            yield Token(END, name=name)
    if text_start < length:
        yield Token(TEXT, text=unescape(html[text_start:]))


def _attributes(text: str) -> dict[str, str]:
    attributes: dict[str, str] = {}
    for match in _ATTRIBUTE.finditer(text):
        name = match.group(1).lower()
        if name not in attributes:
            value = next((group for group in match.groups()[1:] if group is not None), "")
            attributes[name] = unescape(value)
    return attributes


@dataclass
class _Head:
    meta: dict[str, str] = field(default_factory=dict)  # first value per key
    links: dict[str, str] = field(default_factory=dict)  # first href per rel
    base_href: str = ""
    title: str = ""


def _read_head(html: str) -> _Head:
    """Meta tags, link rels, the base href and the document's <title> (not an inline
    <svg>'s). Stops at the start of <body> once a title is known: the metadata is in
    the head, and reading the rest of a 2 MB page would be wasted work."""
    head = _Head()
    svg_depth = 0
    in_title = False
    for token in html_tokens(html):
        if token.kind == START:
            attributes = token.attributes
            if token.name == "meta" and "content" in attributes:
                # Sites mix them up: og:* in name=, twitter:* in property=, itemprop for schema.org.
                for key_attribute in ("property", "name", "itemprop"):
                    key = attributes.get(key_attribute, "").strip().lower()
                    if key:
                        head.meta.setdefault(key, attributes["content"])
            elif token.name == "link" and attributes.get("href", "").strip():
                for rel in attributes.get("rel", "").lower().split():
                    head.links.setdefault(rel, attributes["href"].strip())
            elif token.name == "base" and not head.base_href:
                head.base_href = attributes.get("href", "").strip()
            elif token.name == "svg" and not token.self_closing:
                svg_depth += 1
            elif token.name == "title":
                in_title = not svg_depth and not head.title
            elif token.name == "body" and (head.title or "og:title" in head.meta):
                break
        elif token.kind == END:
            if token.name == "svg" and svg_depth:
                svg_depth -= 1
            in_title = False
        elif token.kind == TEXT and in_title:
            head.title = token.text[:_TITLE_CHARS_MAX]
    return head


_TITLE_CHARS_MAX = 4 * TITLE_MAX
# Elements whose edges separate words ("<p>a</p><p>b</p>" is "a b", not "ab").
_BLOCKS = frozenset(
    {
        "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "figcaption",
        "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "img", "li", "main",
        "nav", "ol", "p", "pre", "section", "table", "td", "th", "tr", "ul",
    }
)  # fmt: skip
