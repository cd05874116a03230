"""The SSRF-safe fetcher, against a real HTTP server on 127.0.0.1.

Nothing here reaches beyond loopback. Names resolve through a resolver injected in the
policy, and it raises for any name a test did not give it, so not even a DNS query
leaves the machine. Checks that must not connect (private and public addresses) call
`vet_url`, which resolves and decides without connecting.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from content.lib.fetch import (
    HTML,
    FetchFailed,
    FetchPolicy,
    FetchRefused,
    decode_text,
    fetch,
    is_public_address,
    vet_url,
)
from tests.fakes.website import FakeWebsite, self_signed_certificate

PUBLIC_IP = "93.184.215.14"  # never connected to: only used where nothing connects


def resolver(names: dict[str, Sequence[str]], calls: list[str] | None = None) -> Callable[[str], Sequence[str]]:
    """A resolver that knows only `names`; any other name fails like NXDOMAIN."""

    def resolve(host: str) -> Sequence[str]:
        if calls is not None:
            calls.append(host)
        if host not in names:
            raise socket.gaierror(socket.EAI_NONAME, f"test resolver does not know {host}")
        return names[host]

    return resolve


def make_policy(*allow: str, names: dict[str, Sequence[str]] | None = None, **options: object) -> FetchPolicy:
    defaults: dict[str, object] = {"connect_timeout": 1.0, "read_timeout": 2.0, "deadline": 5.0}
    return FetchPolicy(
        allow_hosts=frozenset(allow),
        resolve=resolver(names or {}),
        **{**defaults, **options},  # type: ignore[arg-type]
    )


@pytest.fixture
def site() -> Iterator[FakeWebsite]:
    with FakeWebsite() as website:
        yield website


@pytest.fixture
def other_site() -> Iterator[FakeWebsite]:
    with FakeWebsite() as website:
        yield website


ARTICLE = "<html><head><title>Quarterly results</title></head><body><p>Up 4%.</p></body></html>"


# ------------------------------------------------------------------ the happy path


def test_it_fetches_a_page_through_the_allow_list(site: FakeWebsite) -> None:
    url = site.page("/article", ARTICLE)

    result = fetch(url, make_policy(site.host), accept=HTML)

    assert result.status_code == 200
    assert result.final_url == url
    assert result.redirects == ()
    assert result.content_type == "text/html"
    assert result.charset == "utf-8"
    assert result.text == ARTICLE
    assert not result.truncated
    request = site.requests[0]
    assert request.headers["host"] == site.host
    assert request.headers["user-agent"].startswith("ChorusBot/")
    assert request.headers["accept"].startswith("text/html")


def test_the_same_page_is_refused_without_the_allow_list(site: FakeWebsite) -> None:
    url = site.page("/article", ARTICLE)

    with pytest.raises(FetchRefused) as refused:
        fetch(url, make_policy(allowed_ports=None))

    assert refused.value.code == "private_address"
    assert refused.value.reason == "This link points to a private network address and cannot be fetched."
    assert site.requests == []


def test_an_allow_list_entry_names_one_port_only(site: FakeWebsite) -> None:
    url = site.page("/article", ARTICLE)

    with pytest.raises(FetchRefused) as refused:
        fetch(url, make_policy(f"127.0.0.1:{site.port + 1}", allowed_ports=None))

    assert refused.value.code == "private_address"


def test_it_follows_redirects_and_records_them(site: FakeWebsite) -> None:
    final = site.page("/article", ARTICLE)
    site.redirect("/short", "/moved", status=301)
    site.redirect("/moved", final + "#comments", status=307)

    result = fetch(site.url("/short"), make_policy(site.host))

    assert result.final_url == final
    assert result.redirects == (site.url("/short"), site.url("/moved"))
    assert site.paths() == ["/short", "/moved", "/article"]


def test_a_name_is_resolved_once_and_the_connection_goes_to_that_address(
    site: FakeWebsite, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DNS rebinding defence: the HTTP client never resolves the name itself."""
    url = site.page("/article", ARTICLE)
    real_getaddrinfo = socket.getaddrinfo

    def only_literals(host: object, *args: object, **kwargs: object) -> object:
        ipaddress.ip_address(str(host))  # raises for a name: a name must never get here
        return real_getaddrinfo(host, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", only_literals)
    calls: list[str] = []
    policy = FetchPolicy(
        allow_hosts=frozenset({f"news.test:{site.port}"}), resolve=resolver({"news.test": ["127.0.0.1"]}, calls)
    )

    result = fetch(url.replace("127.0.0.1", "news.test"), policy)

    assert result.text == ARTICLE
    assert calls == ["news.test"]
    assert site.requests[0].headers["host"] == f"news.test:{site.port}"


def test_it_tries_the_next_address_when_one_refuses_the_connection(site: FakeWebsite) -> None:
    url = site.page("/article", ARTICLE)
    # The site listens on 127.0.0.1 only, so 127.0.0.2 (also loopback) refuses.
    policy = make_policy(f"multi.test:{site.port}", names={"multi.test": ["127.0.0.2", "127.0.0.1"]})

    result = fetch(url.replace("127.0.0.1", "multi.test"), policy)

    assert result.text == ARTICLE


def test_proxy_settings_in_the_environment_are_ignored(site: FakeWebsite, monkeypatch: pytest.MonkeyPatch) -> None:
    # A proxy would resolve the name again, out of our sight.
    url = site.page("/article", ARTICLE)
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")

    assert fetch(url, make_policy(site.host)).text == ARTICLE


# ---------------------------------------------------------- addresses and URLs


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://127.0.0.1:{port}/",
        "http://[::1]:{port}/",
        "http://0.0.0.0:{port}/",
        "http://2130706433:{port}/",  # 127.0.0.1 as one decimal number
        "http://0x7f000001:{port}/",
        "http://0177.0.0.1:{port}/",
        "http://127.1:{port}/",
        "http://[::ffff:127.0.0.1]:{port}/",
        "http://localhost.:{port}/",
    ],
)
def test_loopback_in_any_spelling_is_refused(site: FakeWebsite, url: str) -> None:
    site.page("/", ARTICLE)
    policy = make_policy(allowed_ports=None, names={"localhost": ["127.0.0.1", "::1"]})

    with pytest.raises(FetchRefused) as refused:
        fetch(url.format(port=site.port), policy)

    assert refused.value.code == "private_address"
    assert site.requests == []


@pytest.mark.parametrize(
    "url",
    [
        "http://10.0.0.1/",
        "http://172.16.5.4/",
        "http://192.168.1.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[fd00:ec2::254]/latest/meta-data/",
        "http://[::ffff:a9fe:a9fe]/",  # 169.254.169.254, IPv4-mapped
        "http://[64:ff9b::a9fe:a9fe]/",  # 169.254.169.254 through NAT64
        "http://[2002:a9fe:a9fe::]/",  # 6to4
        "http://100.64.0.1/",
        "http://[fe80::1]/",
        "http://[fc00::1]/",
        "http://224.0.0.1/",
        "http://255.255.255.255/",
        "http://0/",
        "http://0x0a.0.0.1/",
        "http://012.0.0.1/",
        "http://167772161/",  # 10.0.0.1
        "http://[::]/",
    ],
)
def test_private_reserved_and_metadata_addresses_are_refused(url: str) -> None:
    with pytest.raises(FetchRefused) as refused:
        vet_url(url, make_policy())

    assert refused.value.code == "private_address"


@pytest.mark.parametrize(
    "addresses",
    [["10.0.0.1"], ["169.254.169.254"], ["fd12::1"], [PUBLIC_IP, "127.0.0.1"], ["::ffff:192.168.0.1"], ["nonsense"]],
)
def test_a_name_is_refused_when_any_of_its_addresses_is_not_public(addresses: list[str]) -> None:
    policy = make_policy(names={"intranet.example": addresses})

    with pytest.raises(FetchRefused) as refused:
        vet_url("https://intranet.example/", policy)

    assert refused.value.code == "private_address"


def test_a_name_with_public_addresses_is_allowed_without_connecting() -> None:
    calls: list[str] = []
    policy = FetchPolicy(
        resolve=resolver({"news.example": [PUBLIC_IP, "2606:2800:21f:cb07:6820:80da:af6b:8b2c"]}, calls)
    )

    target = vet_url("  https://News.Example/story?id=1#comments ", policy)

    assert target.addresses == (PUBLIC_IP, "2606:2800:21f:cb07:6820:80da:af6b:8b2c")
    assert (target.scheme, target.host, target.port, target.path) == ("https", "news.example", 443, "/story?id=1")
    assert target.url == "https://News.Example/story?id=1"
    assert target.host_header == "news.example"
    assert target.url_for(PUBLIC_IP) == f"https://{PUBLIC_IP}:443/story?id=1"
    assert not target.allow_listed
    assert calls == ["news.example"]


def test_an_international_name_is_resolved_in_its_ascii_form() -> None:
    calls: list[str] = []
    policy = FetchPolicy(resolve=resolver({"xn--bcher-kva.example": [PUBLIC_IP]}, calls))

    assert vet_url("http://bücher.example/", policy).host == "xn--bcher-kva.example"
    assert calls == ["xn--bcher-kva.example"]


def test_a_redirect_to_a_private_address_is_refused(site: FakeWebsite, other_site: FakeWebsite) -> None:
    other_site.page("/", "internal admin")
    site.redirect("/go", other_site.url("/"))

    with pytest.raises(FetchRefused) as refused:
        fetch(site.url("/go"), make_policy(site.host))

    assert refused.value.code == "private_address"
    assert site.paths() == ["/go"]
    assert other_site.requests == []


@pytest.mark.parametrize(
    "location",
    [
        "http://rebind.example:{port}/",  # a public-looking name that resolves to loopback
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]:{port}/",
        "http://localhost:{port}/",
    ],
)
def test_every_hop_of_a_redirect_is_checked(site: FakeWebsite, location: str) -> None:
    site.page("/", "should not be served")
    site.redirect("/go", location.format(port=site.port))
    policy = make_policy(site.host, allowed_ports=None, names={"rebind.example": ["127.0.0.1"], "localhost": ["::1"]})

    with pytest.raises(FetchRefused) as refused:
        fetch(site.url("/go"), policy)

    assert refused.value.code == "private_address"
    assert site.paths() == ["/go"]


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com/file",
        "file:///etc/passwd",
        "gopher://127.0.0.1:70/_GET",
        "javascript:alert(1)",
        "data:text/html,<h1>hi</h1>",
        "dict://127.0.0.1:11211/stats",
        "//news.example/no-scheme",
        "news.example/no-scheme",
    ],
)
def test_schemes_other_than_http_and_https_are_refused(url: str) -> None:
    with pytest.raises(FetchRefused) as refused:
        fetch(url, make_policy())

    assert refused.value.code == "scheme"
    assert refused.value.reason == "Only web addresses starting with http:// or https:// can be fetched."


@pytest.mark.parametrize(
    "url", ["http://user:secret@{host}/", "http://user@{host}/", "http://evil.example\\@{host}/", "http://:@{host}/"]
)
def test_credentials_in_the_url_are_refused_even_for_an_allowed_host(site: FakeWebsite, url: str) -> None:
    with pytest.raises(FetchRefused) as refused:
        fetch(url.format(host=site.host), make_policy(site.host))

    assert refused.value.code == "credentials"
    assert site.requests == []


def test_only_the_standard_web_ports_are_allowed() -> None:
    policy = make_policy(names={"news.example": [PUBLIC_IP]})

    assert vet_url("http://news.example:443/", policy).port == 443
    with pytest.raises(FetchRefused) as refused:
        vet_url("http://news.example:6379/", policy)

    assert refused.value.code == "port"
    assert refused.value.reason == "Only links on the standard web ports (80 and 443) can be fetched."


@pytest.mark.parametrize(
    "url",
    [
        "http://",
        "http:///path",
        "http://exa mple.com/",
        "http://1.2.3.4.5/",
        "http://256.1.1.1/",
        "http://08.1.1.1/",
        "http://foo.123/",
        "http://[not-an-address]/",
        "http://[127.0.0.1]/",
        "http://news.example:99999/",
        "http://news.example:http/",
        "http://a..b/",
        "http://news.example/\r\nX-Injected: 1",
        "http://%31%32%37.0.0.1/",
    ],
)
def test_malformed_urls_are_refused(url: str) -> None:
    with pytest.raises(FetchRefused) as refused:
        vet_url(url, make_policy(names={"news.example": [PUBLIC_IP]}))

    assert refused.value.code == "invalid_url"


def test_a_very_long_url_is_refused() -> None:
    with pytest.raises(FetchRefused) as refused:
        vet_url("https://news.example/" + "a" * 2000, make_policy())

    assert refused.value.code == "url_too_long"


def test_a_name_that_does_not_exist_fails_without_retry() -> None:
    with pytest.raises(FetchFailed) as failed:
        fetch("https://no-such-host.example/", make_policy())

    assert failed.value.code == "dns"
    assert not failed.value.retryable
    assert failed.value.reason == "The site's address could not be found."


# ------------------------------------------------------------------- redirects


def test_a_redirect_loop_is_refused(site: FakeWebsite) -> None:
    site.redirect("/a", "/b")
    site.redirect("/b", "/a")

    with pytest.raises(FetchRefused) as refused:
        fetch(site.url("/a"), make_policy(site.host))

    assert refused.value.code == "redirect_loop"
    assert site.paths() == ["/a", "/b"]


def test_five_redirects_are_followed_and_a_sixth_is_refused(site: FakeWebsite) -> None:
    site.page("/6", ARTICLE)
    for hop in range(6):
        site.redirect(f"/{hop}", f"/{hop + 1}")

    result = fetch(site.url("/1"), make_policy(site.host))
    assert len(result.redirects) == 5

    with pytest.raises(FetchRefused) as refused:
        fetch(site.url("/0"), make_policy(site.host))
    assert refused.value.code == "too_many_redirects"
    assert refused.value.reason == "This link redirects too many times (more than 5)."


def test_a_redirect_to_another_scheme_is_refused(site: FakeWebsite) -> None:
    site.redirect("/go", "file:///etc/passwd")

    with pytest.raises(FetchRefused) as refused:
        fetch(site.url("/go"), make_policy(site.host))

    assert refused.value.code == "scheme"


# --------------------------------------------------------- timeouts and sizes


def test_a_slow_site_times_out(site: FakeWebsite) -> None:
    url = site.page("/slow", ARTICLE, delay=3.0)
    started = time.monotonic()

    with pytest.raises(FetchFailed) as failed:
        fetch(url, make_policy(site.host, read_timeout=0.3))

    assert failed.value.code == "timeout"
    assert failed.value.retryable
    assert failed.value.reason == "The site took too long to respond."
    assert time.monotonic() - started < 2.0


def test_a_body_that_trickles_in_stops_at_the_deadline(site: FakeWebsite) -> None:
    url = site.page("/drip", "x" * 40, chunk_size=1, trickle=0.1, content_length=False)
    started = time.monotonic()

    with pytest.raises(FetchFailed) as failed:
        fetch(url, make_policy(site.host, read_timeout=1.0, deadline=0.8))

    assert failed.value.code == "timeout"
    assert time.monotonic() - started < 2.5


def test_a_declared_huge_page_is_refused_before_its_body_is_read(site: FakeWebsite) -> None:
    url = site.large("/huge", 3 * 1024 * 1024)

    with pytest.raises(FetchRefused) as refused:
        fetch(url, make_policy(site.host))

    assert refused.value.code == "too_large"
    assert refused.value.reason == "This page is too large to fetch (more than 2 MB)."


def test_a_huge_page_without_a_length_is_cut_off_while_streaming(site: FakeWebsite) -> None:
    url = site.large("/huge", 3 * 1024 * 1024, content_length=False)

    with pytest.raises(FetchRefused) as refused:
        fetch(url, make_policy(site.host))

    assert refused.value.code == "too_large"


def test_a_huge_page_can_be_truncated_instead(site: FakeWebsite) -> None:
    url = site.large("/huge", 3 * 1024 * 1024)

    result = fetch(url, make_policy(site.host), truncate=True)

    assert result.truncated
    assert len(result.content) == 2 * 1024 * 1024
    assert "<title>Big page</title>" in result.text


def test_a_compressed_body_counts_at_its_decompressed_size(site: FakeWebsite) -> None:
    url = site.page("/bomb", b"\0" * (20 * 1024 * 1024), gzip=True)  # ~20 KB on the wire

    with pytest.raises(FetchRefused) as refused:
        fetch(url, make_policy(site.host, max_bytes=1024 * 1024))

    assert refused.value.code == "too_large"
    assert refused.value.reason == "This page is too large to fetch (more than 1 MB)."


def test_a_compressed_page_is_decompressed(site: FakeWebsite) -> None:
    url = site.page("/article", ARTICLE, gzip=True)

    assert fetch(url, make_policy(site.host)).text == ARTICLE


# ------------------------------------------------------- types, statuses, text


def test_content_that_is_not_a_web_page_is_refused_when_a_page_was_asked_for(site: FakeWebsite) -> None:
    url = site.page("/logo.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 100, content_type="image/png")

    with pytest.raises(FetchRefused) as refused:
        fetch(url, make_policy(site.host), accept=HTML)

    assert refused.value.code == "content_type"
    assert refused.value.reason == "This link leads to image/png content, not a web page."
    assert fetch(url, make_policy(site.host)).content.startswith(b"\x89PNG")


@pytest.mark.parametrize(
    ("status", "reason", "retryable"),
    [
        (404, "The page was not found (HTTP 404).", False),
        (403, "The site refused access to the page (HTTP 403).", False),
        (429, "The site is limiting requests (HTTP 429).", True),
        (503, "The site is having problems (HTTP 503).", True),
        (418, "The site answered with an error (HTTP 418).", False),
    ],
)
def test_http_errors_fail_with_a_readable_reason(site: FakeWebsite, status: int, reason: str, retryable: bool) -> None:
    url = site.page("/page", "error", status=status, headers={"Retry-After": "120"})

    with pytest.raises(FetchFailed) as failed:
        fetch(url, make_policy(site.host))

    assert (failed.value.code, failed.value.status) == ("http_error", status)
    assert failed.value.reason == reason
    assert failed.value.retryable is retryable
    assert failed.value.retry_after == 120.0


def test_a_conditional_request_can_come_back_not_modified(site: FakeWebsite) -> None:
    url = site.page("/feed.xml", "<rss/>", etag='"v1"')

    first = fetch(url, make_policy(site.host))
    second = fetch(url, make_policy(site.host), headers={"If-None-Match": first.headers["etag"], "Host": "evil.test"})

    assert not first.not_modified
    assert second.not_modified
    assert second.content == b""
    assert site.requests[1].headers["host"] == site.host  # callers cannot override Host


def test_a_closed_port_fails_as_a_retryable_connection_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    with pytest.raises(FetchFailed) as failed:
        fetch(f"http://127.0.0.1:{port}/", make_policy(f"127.0.0.1:{port}"))

    assert failed.value.code == "connect"
    assert failed.value.retryable


@pytest.mark.parametrize(
    ("body", "header_charset", "content_type", "expected", "codec"),
    [
        ("café".encode(), None, "text/html", "café", "utf-8"),
        ("café".encode("cp1252"), "windows-1252", "text/html", "café", "cp1252"),
        ('<meta charset="iso-8859-1"><p>café'.encode("latin-1"), None, "text/html", "café", "cp1252"),
        (
            '<meta http-equiv="Content-Type" content="text/html; charset=Shift_JIS">日本'.encode("shift_jis"),
            None,
            "text/html",
            "日本",
            "shift_jis",
        ),
        ('<?xml version="1.0" encoding="ISO-8859-1"?><rss>é'.encode("latin-1"), None, "application/xml", "é", "cp1252"),
        (b"\xef\xbb\xbfcaf\xc3\xa9", "latin-1", "text/html", "café", "utf-8-sig"),
        ("café".encode("cp1252"), None, "text/html", "café", "cp1252"),  # not UTF-8: what browsers assume
        ("café".encode(), "no-such-charset", "text/html", "café", "utf-8"),
    ],
)
def test_text_is_decoded_with_the_declared_or_sniffed_charset(
    body: bytes, header_charset: str | None, content_type: str, expected: str, codec: str
) -> None:
    text, used = decode_text(body, header_charset, content_type)

    assert text.endswith(expected)
    assert used == codec


def test_a_body_cut_in_the_middle_of_a_character_is_still_utf_8() -> None:
    assert decode_text("café".encode()[:-1], truncated=True) == ("caf\ufffd", "utf-8")
    assert decode_text("café".encode()[:-1]) == ("caf\u00c3", "cp1252")


def test_a_page_in_a_legacy_charset_reads_correctly(site: FakeWebsite) -> None:
    url = site.page("/fr", "<title>Été</title>".encode("cp1252"), content_type="text/html; charset=windows-1252")

    assert fetch(url, make_policy(site.host)).text == "<title>Été</title>"


# ------------------------------------------------------------------------ HTTPS


def test_https_connects_to_the_vetted_address_but_verifies_the_name(tmp_path: Path) -> None:
    certificate, key = self_signed_certificate(tmp_path, ["secure.test"])
    with FakeWebsite(tls=(certificate, key)) as secure:
        url = secure.page("/article", ARTICLE).replace("127.0.0.1", "secure.test")
        policy = make_policy(
            f"secure.test:{secure.port}", names={"secure.test": ["127.0.0.1"]}, ca_bundle=str(certificate)
        )

        result = fetch(url, policy)

    assert result.text == ARTICLE
    assert result.final_url == url
    assert secure.server_names == ["secure.test"]  # SNI carries the name, not the address
    assert secure.requests[0].headers["host"] == f"secure.test:{secure.port}"


def test_https_with_a_certificate_for_another_name_fails(tmp_path: Path) -> None:
    certificate, key = self_signed_certificate(tmp_path, ["other.test"])
    with FakeWebsite(tls=(certificate, key)) as secure:
        url = secure.page("/article", ARTICLE).replace("127.0.0.1", "secure.test")
        policy = make_policy(
            f"secure.test:{secure.port}", names={"secure.test": ["127.0.0.1"]}, ca_bundle=str(certificate)
        )

        with pytest.raises(FetchFailed) as failed:
            fetch(url, policy)

    assert failed.value.code == "tls"
    assert not failed.value.retryable
    assert secure.requests == []


# -------------------------------------------------------- the address classifier

BLOCKED_NETWORKS = [
    "0.0.0.0/8",
    "10.0.0.0/8",
    "100.64.0.0/10",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "172.16.0.0/12",
    "192.0.0.0/24",
    "192.0.2.0/24",
    "192.168.0.0/16",
    "198.18.0.0/15",
    "198.51.100.0/24",
    "203.0.113.0/24",
    "224.0.0.0/4",
    "240.0.0.0/4",
    "::/128",
    "::1/128",
    "fc00::/7",
    "fe80::/10",
    "fec0::/10",
    "ff00::/8",
    "2001:db8::/32",
    "2001::/32",
    "2002::/16",
    "100::/64",
    "64:ff9b:1::/48",
]

blocked_addresses = st.sampled_from(BLOCKED_NETWORKS).flatmap(
    lambda network: st.ip_addresses(network=ipaddress.ip_network(network))
)


@given(blocked_addresses)
def test_no_address_in_a_special_purpose_range_is_public(
    address: ipaddress.IPv4Address | ipaddress.IPv6Address,
) -> None:
    assert not is_public_address(address)
    assert not is_public_address(str(address))


@given(st.ip_addresses())
def test_the_classifier_is_at_least_as_strict_as_the_standard_library(
    address: ipaddress.IPv4Address | ipaddress.IPv6Address,
) -> None:
    if not address.is_global or address.is_multicast:
        assert not is_public_address(address)


@given(st.ip_addresses(v=4))
def test_an_ipv4_address_inside_ipv6_gets_the_verdict_of_the_ipv4_address(address: ipaddress.IPv4Address) -> None:
    verdict = is_public_address(address)

    assert is_public_address(ipaddress.IPv6Address(f"::ffff:{address}")) == verdict
    assert is_public_address(ipaddress.IPv6Address(f"64:ff9b::{address}")) == verdict
    assert not is_public_address(ipaddress.IPv6Address(f"::{address}"))  # deprecated IPv4-compatible form
    assert not is_public_address(ipaddress.IPv6Address((0x2002 << 112) | (int(address) << 80)))  # 6to4


@given(st.ip_addresses(v=6))
def test_ipv6_outside_global_unicast_is_never_public(address: ipaddress.IPv6Address) -> None:
    embeds_ipv4 = address.ipv4_mapped is not None or address in ipaddress.ip_network("64:ff9b::/96")
    if not embeds_ipv4 and address not in ipaddress.ip_network("2000::/3"):
        assert not is_public_address(address)


@given(st.ip_addresses(v=4))
def test_every_spelling_of_an_ipv4_address_in_a_url_gets_the_same_verdict(address: ipaddress.IPv4Address) -> None:
    octets = str(address).split(".")
    spellings = [
        str(address),
        str(int(address)),  # 2130706433
        hex(int(address)),  # 0x7f000001
        ".".join(f"0{int(octet):o}" for octet in octets),  # 0177.00.00.01
        f"{octets[0]}.{octets[1]}.{int(octets[2]) * 256 + int(octets[3])}",  # 127.0.1
        f"[::ffff:{address}]",
    ]
    policy = make_policy()
    for spelling in spellings:
        url = f"http://{spelling}/"
        if is_public_address(address):
            resolved = [ipaddress.ip_address(text) for text in vet_url(url, policy).addresses]
            assert resolved in ([address], [ipaddress.IPv6Address(f"::ffff:{address}")])
        else:
            with pytest.raises(FetchRefused):
                vet_url(url, policy)


def test_the_classifier_allows_ordinary_public_addresses() -> None:
    for address in (PUBLIC_IP, "1.1.1.1", "8.8.8.8", "2606:4700:4700::1111", "2a00:1450:4001:80b::200e"):
        assert is_public_address(address), address
    assert not is_public_address("not an address")
    assert not is_public_address("fe80::1%eth0")
