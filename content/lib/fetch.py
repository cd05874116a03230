"""An SSRF-safe HTTP fetcher for link previews and feeds.

Whoever pastes a link decides where our worker connects. So every request is checked
at the point where the check matters, which is the connection:

1. Only http(s) on the standard ports. No credentials in the URL. A length cap.
2. The host is resolved here, once. The request is refused when ANY of its addresses
   is not public: loopback, private, link-local (which includes cloud metadata at
   169.254.169.254), CGNAT, multicast, reserved, unspecified, or IPv4 hidden inside
   IPv6.
3. The connection goes to the checked address itself. The name is never resolved
   again, so a DNS answer that changes between the check and the connect (DNS
   rebinding) cannot move it. The Host header, TLS SNI and the certificate check
   still use the name.
4. Redirects are followed here, one hop at a time, and each hop is checked like the
   first.
5. Connects and reads have timeouts, the whole fetch has a deadline, and the body has
   a size cap.

This module is the application's half of the defence. Workers that fetch should also
run without a route to internal networks (reliability-performance.md §1.4).
"""

from __future__ import annotations

import codecs
import ipaddress
import re
import socket
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from functools import cached_property
from typing import Any
from urllib.parse import urldefrag, urljoin, urlsplit

import requests
import urllib3.exceptions
from requests.adapters import HTTPAdapter

__all__ = [
    "FEEDS",
    "HTML",
    "ContentTypes",
    "FetchError",
    "FetchFailed",
    "FetchPolicy",
    "FetchRefused",
    "FetchResult",
    "Resolver",
    "Target",
    "decode_text",
    "fetch",
    "is_public_address",
    "parse_content_type",
    "system_resolve",
    "vet_url",
]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str], Sequence[str]]
"""Takes a host name and returns its addresses as text, in the order to try them."""


def system_resolve(host: str) -> list[str]:
    """The host's addresses from the operating system's resolver, in its order of preference."""
    addresses: list[str] = []
    for *_, sockaddr in socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP):
        address = str(sockaddr[0])
        if address not in addresses:
            addresses.append(address)
    return addresses


# ---------------------------------------------------------------------------- errors


class FetchError(Exception):
    """A fetch that did not produce a page. `reason` can be shown to a manager as it is;
    `code` is for programs (logs, retry decisions, tests)."""

    def __init__(self, reason: str, *, code: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code


class FetchRefused(FetchError):
    """Policy refused the fetch. Trying again will not help.

    Codes: invalid_url, url_too_long, scheme, credentials, port, private_address,
    too_many_redirects, redirect_loop, too_large, content_type."""


class FetchFailed(FetchError):
    """The network or the site failed. `retryable` says whether a later attempt may work:
    timeouts, refused connections, 408/425/429 and 5xx are retryable; a host name that
    does not exist, a bad certificate or a 404 are not. `retry_after` (seconds) comes
    from the site's Retry-After header when it sent one.

    Codes: dns, connect, timeout, tls, http_error, protocol."""

    def __init__(
        self,
        reason: str,
        *,
        code: str,
        retryable: bool = False,
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(reason, code=code)
        self.retryable = retryable
        self.status = status
        self.retry_after = retry_after


# -------------------------------------------------------------------------- policy


@dataclass(frozen=True)
class FetchPolicy:
    """How a fetch may behave. The defaults are the production policy.

    `allow_hosts` is for tests only. Its entries are lower-case `host:port` strings
    (`127.0.0.1:8001`, `[::1]:8001`, `site.test:8443`), or a bare host that matches any
    port. A URL whose host and port match an entry skips the public-address and port
    rules and nothing else. The entry is compared with the host and port of each hop,
    so a redirect from an allowed host to any other host and port is checked in full.
    Never fill it from configuration that production reads.
    """

    schemes: frozenset[str] = frozenset({"http", "https"})
    allowed_ports: frozenset[int] | None = frozenset({80, 443})  # None: any port
    max_redirects: int = 5
    connect_timeout: float = 3.0
    read_timeout: float = 5.0
    deadline: float = 10.0  # seconds for the whole fetch, every hop and the body included
    max_bytes: int = 2 * 1024 * 1024
    max_url_length: int = 2000
    user_agent: str = "ChorusBot/1.0 (link previews and feeds)"
    allow_hosts: frozenset[str] = frozenset()
    resolve: Resolver = system_resolve
    ca_bundle: str | None = None  # a CA file to trust instead of the default bundle (tests)

    def __post_init__(self) -> None:
        if not self.schemes or not self.schemes <= {"http", "https"}:
            raise ValueError("FetchPolicy.schemes may only contain 'http' and 'https'.")
        if isinstance(self.allow_hosts, str):
            raise TypeError("FetchPolicy.allow_hosts is a set of host:port strings, not one string.")
        object.__setattr__(self, "allow_hosts", frozenset(entry.lower() for entry in self.allow_hosts))


@dataclass(frozen=True)
class ContentTypes:
    """The media types a caller can use. Anything else is refused before the body is read."""

    types: frozenset[str]
    label: str  # what the caller wanted, for the message: "a web page"
    accept_header: str


HTML = ContentTypes(
    types=frozenset({"text/html", "application/xhtml+xml"}),
    label="a web page",
    accept_header="text/html,application/xhtml+xml;q=0.9,*/*;q=0.1",
)
# Feeds are often served with a generic or wrong type (text/plain, text/html), so the
# feed parser decides. Images, video, PDFs and archives are refused without reading.
FEEDS = ContentTypes(
    types=frozenset(
        {
            "application/rss+xml",
            "application/atom+xml",
            "application/rdf+xml",
            "application/xml",
            "text/xml",
            "text/plain",
            "text/html",
            "application/octet-stream",
        }
    ),
    label="an RSS or Atom feed",
    accept_header="application/rss+xml,application/atom+xml,application/xml;q=0.9,text/xml;q=0.9,*/*;q=0.1",
)


# --------------------------------------------------------------- address checking

# What Python's `is_global` misses, or got wrong before 3.11.10/3.12.4 (CVE-2024-4032),
# spelled out so the answer does not depend on the interpreter's patch level.
# Sources: the IANA IPv4 and IPv6 Special-Purpose Address Registries.
_BLOCKED_V4 = tuple(
    ipaddress.IPv4Network(network)
    for network in (
        "0.0.0.0/8",  # "this network"; connecting to 0.0.0.0 reaches the local host
        "10.0.0.0/8",
        "100.64.0.0/10",  # carrier-grade NAT
        "127.0.0.0/8",
        "169.254.0.0/16",  # link-local, including cloud metadata at 169.254.169.254
        "172.16.0.0/12",
        "192.0.0.0/24",  # IETF protocol assignments
        "192.0.2.0/24",  # documentation
        "192.88.99.0/24",  # deprecated 6to4 relay anycast
        "192.168.0.0/16",
        "198.18.0.0/15",  # benchmarking
        "198.51.100.0/24",  # documentation
        "203.0.113.0/24",  # documentation
        "224.0.0.0/4",  # multicast (stdlib calls it global)
        "240.0.0.0/4",  # reserved, and 255.255.255.255
    )
)
# Public IPv6 unicast lives in 2000::/3. Inside it, these are not websites.
_GLOBAL_UNICAST_V6 = ipaddress.IPv6Network("2000::/3")
_BLOCKED_V6 = tuple(
    ipaddress.IPv6Network(network)
    for network in (
        "2001::/23",  # IETF protocol assignments, including Teredo 2001::/32
        "2001:db8::/32",  # documentation
        "2002::/16",  # 6to4: the IPv4 address inside is reached through a relay
        "3fff::/20",  # documentation
    )
)
# NAT64 (RFC 6052): on an IPv6-only network DNS64 gives public IPv4 sites addresses
# here, so they are judged by the IPv4 address inside.
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


def is_public_address(address: IPAddress | str) -> bool:
    """Whether a connection to `address` reaches the public internet and nothing of ours.

    Fails closed: text that is not an address, a zone-scoped IPv6 address, and anything
    in the special-purpose registries count as not public. An IPv4 address inside IPv6
    (`::ffff:a.b.c.d`, NAT64 `64:ff9b::a.b.c.d`) is judged by that IPv4 address.
    """
    try:
        ip = ipaddress.ip_address(address) if isinstance(address, str) else address
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.scope_id:
            return False
        embedded = ip.ipv4_mapped
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            return is_public_address(embedded)
        if ip not in _GLOBAL_UNICAST_V6 or any(ip in network for network in _BLOCKED_V6):
            return False
    elif any(ip in network for network in _BLOCKED_V4):
        return False
    return ip.is_global and not (
        ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast or ip.is_reserved or ip.is_unspecified
    )


# ------------------------------------------------------------------- URL checking

_NUMBER_LABEL = re.compile(r"(?:0x[0-9a-f]*|[0-9]+)")
_HOST_LABEL = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?")
_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class Target:
    """One vetted hop: where to connect, and what to call the host while doing it."""

    url: str  # as checked, without the fragment
    scheme: str
    host: str  # the ASCII host name, or the canonical text of an IP literal
    port: int
    path: str  # path and query, never empty
    addresses: tuple[str, ...]  # every one of them passed the address rules
    allow_listed: bool

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if _DEFAULT_PORTS[self.scheme] == self.port else f"{host}:{self.port}"

    def url_for(self, address: str) -> str:
        """The URL that makes the HTTP client connect to `address` and not to the name."""
        host = f"[{address}]" if ":" in address else address
        return f"{self.scheme}://{host}:{self.port}{self.path}"


def vet_url(url: str, policy: FetchPolicy) -> Target:
    """Check `url` against the policy and resolve its host once, without connecting.

    Raises FetchRefused when policy forbids the URL or any address it resolves to.
    Raises FetchFailed(code="dns") when the name does not resolve.
    """
    url = url.strip()
    if len(url) > policy.max_url_length:
        raise FetchRefused("This web address is too long.", code="url_too_long")
    if any(ord(char) < 0x20 or ord(char) == 0x7F for char in url):
        raise _invalid_url()
    try:
        url = urldefrag(url).url
        parts = urlsplit(url)
    except ValueError:  # e.g. "[127.0.0.1]": urlsplit checks bracketed hosts itself
        raise _invalid_url() from None
    scheme = parts.scheme.lower()
    if scheme not in policy.schemes:
        allowed = " or ".join(f"{name}://" for name in sorted(policy.schemes))
        raise FetchRefused(f"Only web addresses starting with {allowed} can be fetched.", code="scheme")
    if "@" in parts.netloc:
        raise FetchRefused("Web addresses with a user name or password in them cannot be fetched.", code="credentials")
    try:
        port = parts.port or _DEFAULT_PORTS[scheme]
    except ValueError:
        raise _invalid_url() from None
    if not parts.hostname:
        raise _invalid_url()
    host, literal = _normalize_host(parts.hostname, bracketed="[" in parts.netloc)
    name = f"[{host}]" if ":" in host else host
    allow_listed = name in policy.allow_hosts or f"{name}:{port}" in policy.allow_hosts
    if not allow_listed and literal is not None and not is_public_address(literal):
        raise _private_address()
    if not allow_listed and policy.allowed_ports is not None and port not in policy.allowed_ports:
        ports = " and ".join(str(number) for number in sorted(policy.allowed_ports))
        raise FetchRefused(f"Only links on the standard web ports ({ports}) can be fetched.", code="port")
    addresses = (str(literal),) if literal is not None else _resolve(host, policy)
    if not allow_listed and not all(is_public_address(address) for address in addresses):
        # One bad address is enough: which one a client picks is not ours to control.
        raise _private_address()
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return Target(
        url=url,
        scheme=scheme,
        host=host,
        port=port,
        path=path,
        addresses=addresses,
        allow_listed=allow_listed,
    )


def _normalize_host(hostname: str, *, bracketed: bool) -> tuple[str, IPAddress | None]:
    """The host as an ASCII name or canonical IP text, with the IP when it is a literal.

    Numbers that a C resolver would read as IPv4 (`2130706433`, `0x7f000001`,
    `0177.0.0.1`, `127.1`) are parsed here and judged as the address they mean, never
    handed to a resolver.
    """
    if bracketed:
        try:
            ip = ipaddress.ip_address(hostname)
        except ValueError:
            raise _invalid_url() from None
        if not isinstance(ip, ipaddress.IPv6Address):
            raise _invalid_url()
        return str(ip), ip
    hostname = hostname.removesuffix(".")
    try:
        legacy = _legacy_ipv4(hostname)
    except ValueError:
        raise _invalid_url() from None
    if legacy is not None:
        return str(legacy), legacy
    try:
        ascii_host = hostname.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise _invalid_url() from None
    labels = ascii_host.split(".")
    if len(ascii_host) > 253 or not all(_HOST_LABEL.fullmatch(label) for label in labels):
        raise _invalid_url()
    return ascii_host, None


def _legacy_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """The IPv4 address that inet_aton (and the WHATWG URL parser) reads in `host`, or
    None when its last label is not a number. ValueError when it looks numeric but is
    not a valid address ("1.2.3.4.5", "08.1.1.1", "foo.123")."""
    labels = host.split(".")
    if not _NUMBER_LABEL.fullmatch(labels[-1]):
        return None
    if len(labels) > 4:
        raise ValueError(host)
    numbers: list[int] = []
    for label in labels:
        if not _NUMBER_LABEL.fullmatch(label):
            raise ValueError(host)
        if label.startswith("0x"):
            numbers.append(int(label[2:] or "0", 16))
        elif len(label) > 1 and label.startswith("0"):
            numbers.append(int(label, 8))
        else:
            numbers.append(int(label))
    *head, last = numbers
    if any(number > 255 for number in head) or last >= 256 ** (5 - len(numbers)):
        raise ValueError(host)
    value = last
    for index, number in enumerate(head):
        value += number << (8 * (3 - index))
    return ipaddress.IPv4Address(value)


def _resolve(host: str, policy: FetchPolicy) -> tuple[str, ...]:
    try:
        addresses = tuple(dict.fromkeys(str(address) for address in policy.resolve(host)))
    except socket.gaierror as error:
        raise FetchFailed(
            "The site's address could not be found.",
            code="dns",
            retryable=error.errno == socket.EAI_AGAIN,
        ) from error
    except OSError as error:
        raise FetchFailed("The site's address could not be found.", code="dns", retryable=True) from error
    if not addresses:
        raise FetchFailed("The site's address could not be found.", code="dns")
    return addresses


def _invalid_url() -> FetchRefused:
    return FetchRefused("This does not look like a valid web address.", code="invalid_url")


def _private_address() -> FetchRefused:
    return FetchRefused("This link points to a private network address and cannot be fetched.", code="private_address")


# ------------------------------------------------------------------------ fetching

_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_CHUNK = 64 * 1024


@dataclass(frozen=True)
class FetchResult:
    url: str  # as asked for
    final_url: str  # after redirects: resolve the page's relative links against this
    status_code: int  # 2xx, or 304 when the caller sent a conditional header
    headers: Mapping[str, str]  # names in lower case
    content: bytes  # decompressed
    content_type: str  # media type in lower case, "" when the site sent none
    charset: str | None  # as declared in Content-Type
    truncated: bool  # the body was cut at max_bytes (only when fetch(truncate=True))
    redirects: tuple[str, ...]  # the URLs that redirected, in order

    @property
    def not_modified(self) -> bool:
        return self.status_code == 304

    @cached_property
    def text(self) -> str:
        """The body decoded with the declared, or else the sniffed, character set."""
        return decode_text(self.content, self.charset, self.content_type, truncated=self.truncated)[0]


def fetch(
    url: str,
    policy: FetchPolicy,
    *,
    accept: ContentTypes | None = None,
    headers: Mapping[str, str] | None = None,
    truncate: bool = False,
) -> FetchResult:
    """GET `url` under `policy`, following redirects, and return the body.

    accept: refuse any other declared media type before reading the body (a response
        with no Content-Type passes).
    headers: extra request headers, e.g. If-None-Match / If-Modified-Since for feeds.
        A 304 answer is returned as a result with `not_modified` set.
    truncate: keep the first max_bytes of a larger body instead of refusing it. Use it
        for previews, whose metadata is at the top; not for feeds, where a cut
        document does not parse.

    Raises FetchRefused or FetchFailed; never returns a status of 400 or more.
    """
    deadline = time.monotonic() + policy.deadline
    request_headers = {name: value for name, value in (headers or {}).items() if name.lower() != "host"}
    request_headers["User-Agent"] = policy.user_agent
    request_headers["Accept"] = accept.accept_header if accept else "*/*"
    visited: list[str] = []
    current = url
    while True:
        target = vet_url(current, policy)
        visited.append(target.url)
        with _session(target, policy) as session, _send(session, target, policy, request_headers, deadline) as response:
            location = response.headers.get("Location")
            if response.status_code in _REDIRECTS and location:
                if len(visited) > policy.max_redirects:
                    raise FetchRefused(
                        f"This link redirects too many times (more than {policy.max_redirects}).",
                        code="too_many_redirects",
                    )
                current = urldefrag(urljoin(target.url, _header_text(location).strip())).url
                if current in visited:
                    raise FetchRefused("This link redirects in a loop.", code="redirect_loop")
                continue
            return _result(url, target, response, visited, policy, accept, deadline, truncate=truncate)


@contextmanager
def _session(target: Target, policy: FetchPolicy) -> Iterator[Any]:
    session = requests.Session()
    # The environment must not change where we connect or what we send: no proxies
    # (a proxy would resolve the name again), no .netrc credentials, no CA override.
    session.trust_env = False
    adapter = _PinnedAdapter(server_hostname=target.host if target.scheme == "https" else None)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    try:
        yield session
    finally:
        session.close()


class _PinnedAdapter(HTTPAdapter):
    """Connects to the vetted address written in the request URL, while TLS sends the
    original host name as SNI and checks the certificate against that name."""

    def __init__(self, server_hostname: str | None) -> None:
        self._server_hostname = server_hostname
        super().__init__(max_retries=0)

    def build_connection_pool_key_attributes(
        self, request: Any, verify: Any, cert: Any = None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(request, verify, cert)
        if self._server_hostname and host_params.get("scheme") == "https":
            pool_kwargs["server_hostname"] = self._server_hostname
        return host_params, pool_kwargs


@contextmanager
def _send(session: Any, target: Target, policy: FetchPolicy, headers: dict[str, str], deadline: float) -> Iterator[Any]:
    """Open the response from the first address that accepts a connection."""
    failure: FetchFailed | None = None
    for address in target.addresses:
        remaining = _remaining(deadline)
        try:
            response = session.get(
                target.url_for(address),
                headers={**headers, "Host": target.host_header},
                stream=True,
                allow_redirects=False,
                timeout=(min(policy.connect_timeout, remaining), min(policy.read_timeout, remaining)),
                verify=policy.ca_bundle or True,
            )
        except requests.exceptions.SSLError as error:
            raise FetchFailed("The site's secure connection could not be verified.", code="tls") from error
        except requests.exceptions.ConnectTimeout:
            failure = _timed_out()
            continue  # another address of the same host may answer
        except requests.exceptions.ReadTimeout as error:
            raise _timed_out() from error
        except requests.exceptions.ConnectionError:
            failure = FetchFailed("Chorus could not connect to the site.", code="connect", retryable=True)
            continue
        except requests.exceptions.RequestException as error:
            raise _unreadable() from error
        try:
            yield response
        finally:
            response.close()
        return
    raise failure or FetchFailed("Chorus could not connect to the site.", code="connect", retryable=True)


def _result(
    url: str,
    target: Target,
    response: Any,
    visited: list[str],
    policy: FetchPolicy,
    accept: ContentTypes | None,
    deadline: float,
    *,
    truncate: bool,
) -> FetchResult:
    status: int = response.status_code
    headers = {name.lower(): value for name, value in response.headers.items()}
    if status >= 400:
        raise _http_error(status, headers)
    if status >= 300 and status != 304:
        raise FetchFailed(
            f"The site answered with an unusable redirect (HTTP {status}).", code="http_error", status=status
        )
    media_type, charset = parse_content_type(headers.get("content-type", ""))
    if accept is not None and media_type and media_type not in accept.types:
        raise FetchRefused(
            f"This link leads to {media_type} content, not {accept.label}.",
            code="content_type",
        )
    declared_length = headers.get("content-length", "")
    if not truncate and declared_length.isdigit() and int(declared_length) > policy.max_bytes:
        raise _too_large(policy)
    content, truncated = _read_body(response.raw, policy, deadline, truncate=truncate)
    return FetchResult(
        url=url,
        final_url=target.url,
        status_code=status,
        headers=headers,
        content=content,
        content_type=media_type,
        charset=charset,
        truncated=truncated,
        redirects=tuple(visited[:-1]),
    )


def _read_body(raw: Any, policy: FetchPolicy, deadline: float, *, truncate: bool) -> tuple[bytes, bool]:
    """Read the decompressed body up to max_bytes. The deadline is checked between
    reads; each read is bounded by the read timeout, so a body that trickles in stops
    at most one read timeout past the deadline."""
    chunks: list[bytes] = []
    size = 0
    while True:
        _remaining(deadline)
        try:
            # read1 returns what one network read brings (decompressed output is capped
            # at _CHUNK too, so a compression bomb cannot expand in one call).
            chunk: bytes = raw.read1(_CHUNK, decode_content=True)
        except urllib3.exceptions.ReadTimeoutError as error:
            raise _timed_out() from error
        except (urllib3.exceptions.HTTPError, OSError) as error:
            raise _unreadable() from error
        if not chunk:
            return b"".join(chunks), False
        if size + len(chunk) > policy.max_bytes:
            if not truncate:
                raise _too_large(policy)
            chunks.append(chunk[: policy.max_bytes - size])
            return b"".join(chunks), True
        chunks.append(chunk)
        size += len(chunk)


def _remaining(deadline: float) -> float:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise _timed_out()
    return remaining


def _timed_out() -> FetchFailed:
    return FetchFailed("The site took too long to respond.", code="timeout", retryable=True)


def _unreadable() -> FetchFailed:
    return FetchFailed("The site sent a response Chorus could not read.", code="protocol", retryable=True)


def _too_large(policy: FetchPolicy) -> FetchRefused:
    size = (
        f"{policy.max_bytes / (1024 * 1024):g} MB" if policy.max_bytes >= 1024 * 1024 else f"{policy.max_bytes} bytes"
    )
    return FetchRefused(f"This page is too large to fetch (more than {size}).", code="too_large")


def _http_error(status: int, headers: Mapping[str, str]) -> FetchFailed:
    if status in (404, 410):
        reason = f"The page was not found (HTTP {status})."
    elif status in (401, 403, 407, 451):
        reason = f"The site refused access to the page (HTTP {status})."
    elif status == 429:
        reason = "The site is limiting requests (HTTP 429)."
    elif status >= 500:
        reason = f"The site is having problems (HTTP {status})."
    else:
        reason = f"The site answered with an error (HTTP {status})."
    return FetchFailed(
        reason,
        code="http_error",
        status=status,
        retryable=status in (408, 425, 429) or status >= 500,
        retry_after=_retry_after(headers.get("retry-after", "")),
    )


def _retry_after(value: str) -> float | None:
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _header_text(value: str) -> str:
    # http.client decodes header bytes as Latin-1; sites that send raw UTF-8 in a
    # Location header mean UTF-8.
    try:
        return value.encode("latin-1").decode("utf-8")
    except UnicodeError:
        return value


# ------------------------------------------------------------------------ decoding


def parse_content_type(value: str) -> tuple[str, str | None]:
    """("text/html", "utf-8") from 'text/html; charset="UTF-8"'; ("", None) from ""."""
    media_type, *params = value.split(";")
    charset = None
    for param in params:
        key, _, param_value = param.partition("=")
        if key.strip().lower() == "charset":
            charset = param_value.strip().strip("\"'").lower() or None
    return media_type.strip().lower(), charset


_META_CHARSET = re.compile(rb"""<meta[^>]{0,512}?charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"""^<\?xml[^>]{0,200}?encoding\s*=\s*["']([a-zA-Z0-9_.:-]+)["']""")
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def decode_text(
    content: bytes, declared: str | None = None, media_type: str = "", *, truncated: bool = False
) -> tuple[str, str]:
    """Decode a body and name the codec used: a byte-order mark first, then the
    charset the header declared, then one declared in the document (`<meta charset>`,
    the XML declaration), then UTF-8, then Windows-1252 (what browsers assume).
    `truncated` says the body was cut, so its last character may be incomplete."""
    for bom, codec in _BOMS:
        if content.startswith(bom):
            return content.decode(codec, errors="replace"), codec
    head = content[:4096]
    sniffed = _XML_ENCODING.search(head) if "xml" in media_type or head.startswith(b"<?xml") else None
    sniffed = sniffed or _META_CHARSET.search(head)
    for label, in_document in ((declared, False), (sniffed.group(1).decode("ascii") if sniffed else None, True)):
        chosen = _codec(label)
        if chosen is not None:
            if in_document and chosen.startswith("utf-16"):
                chosen = "utf-8"  # the document was readable as ASCII, so it is not UTF-16
            return content.decode(chosen, errors="replace"), chosen
    try:
        return content.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as error:
        if truncated and error.reason == "unexpected end of data":
            return content.decode("utf-8", errors="replace"), "utf-8"  # the cut split the last character
    return content.decode("cp1252", errors="replace"), "cp1252"


def _codec(label: str | None) -> str | None:
    if not label:
        return None
    try:
        name = codecs.lookup(label.strip()).name
    except LookupError:
        return None
    # Browsers read these labels as Windows-1252, a superset; so do we.
    return "cp1252" if name in {"ascii", "latin-1", "iso8859-1"} else name
