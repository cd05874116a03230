"""Tracked links as plain values: the target with UTM tags, short codes, signed click
ids, bot detection and the daily-salted visitor key that counts unique clicks.

Framework-free: strings, dates and keys in, strings out. The service that stores links
and counts clicks is `advocacy.services.links`.

- **Targets** keep the address exactly as given (scheme and host lower-cased, the other
  query parameters byte for byte, the fragment) and only replace the four UTM tags, so a
  site whose links carry their own parameters keeps working.
- **Click ids** are `<code>.<time>.<nonce>.<signature>`: the link's code, the click time
  in base-36 seconds, six random characters so two clicks in the same second differ, and
  a truncated HMAC-SHA256 of the rest. The destination hands the id back with a
  conversion; the id alone says which link (so which share and employee) earned it and
  when, without the redirect having written anything anywhere. It is not a secret, only
  unforgeable: 96 bits of MAC.
- **Visitor keys** never contain the address: the day's salt is an HMAC of the date
  under the installation's secret, and the key an HMAC of address and user agent under
  that salt. Yesterday's keys cannot be linked to today's, and without the secret no key
  can be tested against a guessed address.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from collections.abc import Mapping
from datetime import UTC, date, datetime
from functools import lru_cache
from urllib.parse import quote, unquote_plus, urlsplit, urlunsplit

CODE_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
CODE_LENGTH = 8  # 62^8 ≈ 2.2e14 (47.6 bits): collisions are rare enough to retry
CODE_PATTERN = re.compile(r"[0-9A-Za-z]{1,16}")  # what a stored code can look like (max_length 16)
UTM_MEDIUM = "employee_advocacy"
UTM_KEYS = ("utm_source", "utm_medium", "utm_campaign", "utm_content")
# The query parameter the redirect appends; a target must not already carry one, or the
# destination would read the stale id.
CLICK_ID_PARAM = "chorus_click"

_MAC_BYTES = 12
_NONCE_CHARS = 6
_MAX_CLICK_ID = 80
_CLICK_ID = re.compile(r"([0-9A-Za-z]{1,16})\.([0-9a-z]{1,10})\.([A-Za-z0-9_-]{6})\.([A-Za-z0-9_-]{16})")
_DROPPED_KEYS = frozenset((*UTM_KEYS, CLICK_ID_PARAM))

# Crawlers, link-preview fetchers (unfurlers) and plain HTTP libraries: a preview fetched
# when a post is rendered is nobody's click. Matched anywhere in the lower-cased user
# agent: a case-sensitive pattern on a lower-cased string is ten times faster than
# re.IGNORECASE, and this runs on every redirect. "bot" alone would catch the CUBOT
# phone brand, which is therefore removed before matching.
_BOT_UA = re.compile(
    r"bot\b|crawl|spider|slurp|preview|facebookexternalhit|facebookcatalog|whatsapp|"
    r"skypeuripreview|cardyb|embedly|pinterest|vkshare|w3c_validator|headlesschrome|phantomjs|"
    r"python-requests|python-urllib|python-httpx|aiohttp|go-http-client|okhttp|java/|libwww|"
    r"curl/|wget/|httpclient|axios/|node-fetch|scrapy"
)
# Mastodon fetches link previews as "http.rb/5.1.1 (Mastodon/4.2.1; +https://example.social/)".
_MASTODON_FETCHER = re.compile(r"mastodon/[^;)]*;\s*\+https?://")
# Browsers announce speculative loads: Chrome sends `Sec-Purpose: prefetch` (and
# `prefetch;prerender`), older ones `Purpose: prefetch`, Firefox `X-Moz: prefetch`.
_PURPOSE_HEADERS = frozenset({"sec-purpose", "purpose", "x-purpose", "x-moz"})


def tracked_target(url: str, *, network: str, campaign: str, content: str) -> str:
    """`url` with `utm_source=<network>`, `utm_medium=employee_advocacy`,
    `utm_campaign=<campaign>` and `utm_content=<content>`, replacing any UTM tags (and any
    click id) it had and keeping every other query parameter and the fragment as written.

    Raises ValueError for anything but an absolute http(s) address with a host, and for
    addresses with credentials (`https://trusted.example@evil.example/` reads as the
    first host and goes to the second)."""
    text = url.strip()
    if not text or any(ord(char) < 33 or ord(char) == 127 for char in text):
        raise ValueError("A link target must be an address without spaces or control characters.")
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    if scheme not in {"http", "https"}:
        raise ValueError("A link target must be an http or https address.")
    if not parts.hostname:
        raise ValueError("A link target must name a host.")
    if "@" in parts.netloc:
        raise ValueError("A link target must not carry a user name or password.")
    kept = [segment for segment in parts.query.split("&") if segment and _query_key(segment) not in _DROPPED_KEYS]
    tags = {"utm_source": network, "utm_medium": UTM_MEDIUM, "utm_campaign": campaign, "utm_content": content}
    kept.extend(f"{key}={quote(value, safe='')}" for key, value in tags.items())
    netloc = parts.netloc.lower()
    return urlunsplit((scheme, netloc, parts.path, "&".join(kept), parts.fragment))


def _query_key(segment: str) -> str:
    return unquote_plus(segment.partition("=")[0]).lower()


def with_click_id(target: str, click_id: str) -> str:
    """`target` with `chorus_click=<click_id>` appended to its query, before the fragment.
    Plain string work: this runs on every redirect, and the stored target is already a
    normalised address without a click id of its own."""
    address, hash_mark, fragment = target.partition("#")
    joiner = "&" if "?" in address else "?"
    if address.endswith(("?", "&")):
        joiner = ""
    return f"{address}{joiner}{CLICK_ID_PARAM}={click_id}{hash_mark}{fragment}"


def new_code() -> str:
    """A fresh short code: CODE_LENGTH base-62 characters from the OS's CSPRNG."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _as_bytes(key: str | bytes) -> bytes:
    return key.encode() if isinstance(key, str) else key


def _click_mac(payload: str, key: str | bytes) -> str:
    digest = hmac.new(_as_bytes(key), b"chorus-click-id|" + payload.encode("ascii"), hashlib.sha256).digest()
    return _b64(digest[:_MAC_BYTES])


def _base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    text = ""
    while True:
        number, remainder = divmod(number, 36)
        text = digits[remainder] + text
        if number == 0:
            return text


def click_id_new(code: str, *, at: datetime, key: str | bytes) -> str:
    """A signed click id naming the link `code` and the moment `at` (whole seconds)."""
    if not CODE_PATTERN.fullmatch(code):
        raise ValueError("A click id needs a link code of base-62 characters.")
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("A click time must be an aware datetime.")
    seconds = int(at.timestamp())
    if seconds < 0:
        raise ValueError("A click time cannot be before 1970.")
    nonce = _b64(secrets.token_bytes(8))[:_NONCE_CHARS]
    payload = f"{code}.{_base36(seconds)}.{nonce}"
    return f"{payload}.{_click_mac(payload, key)}"


def click_id_parse(value: str, *, key: str | bytes) -> tuple[str, datetime] | None:
    """(link code, click time in UTC) of a genuine click id; None for anything else:
    a changed character, another key's id, or not a click id at all."""
    if not value or len(value) > _MAX_CLICK_ID:
        return None
    match = _CLICK_ID.fullmatch(value)
    if match is None:
        return None
    code, seconds, _nonce, mac = match.groups()
    payload = value[: -len(mac) - 1]
    if not hmac.compare_digest(mac, _click_mac(payload, key)):
        return None
    try:
        at = datetime.fromtimestamp(int(seconds, 36), tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None
    return code, at


def is_bot(user_agent: str, headers: Mapping[str, str]) -> bool:
    """Whether a request is no person's click: a crawler, a link-preview fetcher, a
    plain HTTP library, no user agent at all, or a browser's speculative prefetch.
    `headers` needs only the request's Purpose-style headers (any letter case)."""
    agent = user_agent.strip()
    if not agent:
        return True
    for name, value in headers.items():
        if name.lower() in _PURPOSE_HEADERS and ("prefetch" in value.lower() or "prerender" in value.lower()):
            return True
    lowered = agent.lower()
    if _MASTODON_FETCHER.search(lowered):
        return True
    return _BOT_UA.search(lowered.replace("cubot", "")) is not None


@lru_cache(maxsize=8)
def _daily_salt(secret: bytes, day: date) -> bytes:
    return hmac.new(secret, b"chorus-visitor-salt|" + day.isoformat().encode("ascii"), hashlib.sha256).digest()


def visitor_key(ip: str, user_agent: str, *, day: date, secret: str | bytes) -> str:
    """A 128-bit hex key for one visitor (address + user agent) on one day. The address
    is never stored: only this key is, and it changes every day."""
    salt = _daily_salt(_as_bytes(secret), day)
    material = f"{ip}\n{user_agent}".encode("utf-8", "surrogatepass")
    return hmac.new(salt, material, hashlib.sha256).hexdigest()[:32]
