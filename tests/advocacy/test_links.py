"""Tracked links: the target with UTM tags, codes unique across organisations, the
/s/<code> redirect (only ever to the stored target, 302, fast), click ids, bots, unique
visitors without stored addresses, and the counters: in Redis and flushed as absolute
day totals, or in the database when there is no Redis or it is down."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qs, parse_qsl, urlencode, urlsplit

import pytest
import redis
from django.db import connection as django_connection
from django.db import transaction
from django.test import Client
from django.utils import timezone
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from accounts.tenancy import organization_scope, scopes_disabled
from advocacy.lib import links as lib
from advocacy.models import LinkClickDay, LinkVisitor, Share, SocialConnection, TrackedLink
from advocacy.services import links as services
from tests.conftest import Tenant

pytestmark = pytest.mark.urls("tests.advocacy.links_urls")

TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "")
needs_redis = pytest.mark.skipif(
    not TEST_REDIS_URL, reason="Redis is not reachable: `make test` sets TEST_REDIS_URL when it is."
)
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36"
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
VISITOR_IP = "203.0.113.77"
KEY = b"k" * 32


# Building blocks ---------------------------------------------------------------------


def share_of(
    tenant: Tenant, *, network: str = "linkedin", url: str = "https://acme.example/news?ref=home#top"
) -> Share:
    with organization_scope(tenant.organization):
        item = tenant.item
        item.url = url
        item.save(update_fields=["url"])
        connection = SocialConnection.objects.create(
            organization=tenant.organization,
            membership=tenant.employee,
            network=network,
            external_user_id=uuid.uuid4().hex,
            author_ref="author",
        )
        return Share.objects.create(
            organization=tenant.organization,
            membership=tenant.employee,
            connection=connection,
            network=network,
            item=item,
            text="Proud of this",
            body="Proud of this",
        )


def link_of(tenant: Tenant, **options: str) -> TrackedLink:
    share = share_of(tenant, **options)
    with organization_scope(tenant.organization):
        return services.tracked_link_create(share=share)


def reload(link: TrackedLink) -> TrackedLink:
    with scopes_disabled():  # reading back for the assertion
        return TrackedLink.objects.get(pk=link.pk)


def days_of(link: TrackedLink) -> list[LinkClickDay]:
    with scopes_disabled():  # reading back for the assertion
        return list(LinkClickDay.objects.filter(link_id=link.pk).order_by("day"))


def click(client: Client, link: TrackedLink | str, *, ua: str = BROWSER, ip: str = VISITOR_IP, **extra: str):  # type: ignore[no-untyped-def]
    code = link if isinstance(link, str) else link.code
    return client.get(f"/s/{code}", HTTP_USER_AGENT=ua, REMOTE_ADDR=ip, **extra)


def flush(now: datetime | None = None) -> int:
    return services.link_clicks_flush(now=now or timezone.now())


def tomorrow_closed() -> datetime:
    start_of_tomorrow = datetime.combine(timezone.now().astimezone(UTC).date() + timedelta(days=1), datetime.min.time())
    return start_of_tomorrow.replace(tzinfo=UTC) + services.DAY_CLOSE_GRACE


def click_keys(client: redis.Redis) -> list[str]:
    keys: list[str] = []
    for pattern in ("sl:*", "clicks:*", "bots:*", "uv:*", services.DAYS_KEY):
        keys.extend(client.scan_iter(match=pattern))
    return keys


@pytest.fixture
def click_redis(settings) -> Iterator[redis.Redis]:  # type: ignore[no-untyped-def]
    """The click counters on the test run's Redis, emptied before and after."""
    if not TEST_REDIS_URL:
        pytest.skip("Redis is not reachable: `make test` sets TEST_REDIS_URL when it is.")
    settings.CLICK_REDIS_URL = TEST_REDIS_URL
    client = redis.Redis.from_url(TEST_REDIS_URL, decode_responses=True)
    # Clicks of an earlier test may still be on their way (the counting connection
    # batches writes for up to 200 ms): let them land before emptying.
    services.click_counts_settle()
    if keys := click_keys(client):
        client.delete(*keys)
    yield client
    services.click_counts_settle()
    if keys := click_keys(client):
        client.delete(*keys)
    client.close()


@pytest.fixture
def embedded(settings) -> None:  # type: ignore[no-untyped-def]
    settings.CLICK_REDIS_URL = ""


# Targets -------------------------------------------------------------------------------


def test_the_target_gets_utm_tags_and_keeps_its_own_parameters_and_fragment() -> None:
    target = lib.tracked_target(
        "https://Acme.Example/news/launch?ref=home&empty=&flag&q=a%20b#section-2",
        network="linkedin",
        campaign="3f2a9c",
        content="b71e04",
    )

    parts = urlsplit(target)
    assert (parts.scheme, parts.netloc, parts.path, parts.fragment) == (
        "https",
        "acme.example",
        "/news/launch",
        "section-2",
    )
    assert parts.query == (
        "ref=home&empty=&flag&q=a%20b&utm_source=linkedin&utm_medium=employee_advocacy"
        "&utm_campaign=3f2a9c&utm_content=b71e04"
    )


def test_the_target_replaces_utm_tags_and_click_ids_it_already_had() -> None:
    target = lib.tracked_target(
        "http://acme.example/?utm_source=newsletter&UTM_Medium=email&keep=1&chorus_click=stale&utm_content=x",
        network="x",
        campaign="c",
        content="s",
    )

    query = parse_qs(urlsplit(target).query)
    assert query == {
        "keep": ["1"],
        "utm_source": ["x"],
        "utm_medium": ["employee_advocacy"],
        "utm_campaign": ["c"],
        "utm_content": ["s"],
    }


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "ftp://acme.example/file",
        "mailto:someone@acme.example",
        "/relative/path",
        "//acme.example/no-scheme",
        "https://",
        "https://trusted.example@evil.example/",
        "https://acme.example/with space",
        "https://acme.example/\nnext",
        "",
    ],
)
def test_only_http_and_https_addresses_can_be_targets(url: str) -> None:
    with pytest.raises(ValueError):
        lib.tracked_target(url, network="linkedin", campaign="c", content="s")


_hosts = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?(\.[a-z]{2,6}){1,2}", fullmatch=True)
_segments = st.text(alphabet="abcXYZ019-._~%!$'()*+,;=:@", min_size=0, max_size=8)
_param_keys = st.one_of(
    st.sampled_from(
        ["utm_source", "utm_medium", "utm_campaign", "utm_content", "UTM_Source", "ref", "q", "chorus_click"]
    ),
    st.text(alphabet="abcdefgh_", min_size=1, max_size=6),
)
_param_values = st.text(alphabet="abc 123&=+/?#é", max_size=8)


@hypothesis_settings(max_examples=300, deadline=None)
@given(
    scheme=st.sampled_from(["http", "https", "HTTPS"]),
    host=_hosts,
    port=st.one_of(st.none(), st.integers(min_value=1, max_value=65535)),
    segments=st.lists(_segments, max_size=4),
    params=st.lists(st.tuples(_param_keys, _param_values), max_size=6),
    fragment=st.one_of(st.none(), st.text(alphabet="abc-123/", max_size=8)),
    network=st.sampled_from(["linkedin", "x", "mastodon", "bluesky", "sandbox"]),
    campaign=st.text(max_size=12),
    content=st.text(max_size=12),
)
def test_a_target_always_keeps_host_and_path_and_has_each_utm_tag_once(
    scheme: str,
    host: str,
    port: int | None,
    segments: list[str],
    params: list[tuple[str, str]],
    fragment: str | None,
    network: str,
    campaign: str,
    content: str,
) -> None:
    path = "/" + "/".join(segments) if segments else ""
    netloc = f"{host}:{port}" if port else host
    url = f"{scheme}://{netloc}{path}"
    if params:
        url += "?" + urlencode(params)
    if fragment is not None:
        url += "#" + fragment

    target = lib.tracked_target(url, network=network, campaign=campaign, content=content)

    before, after = urlsplit(url), urlsplit(target)
    assert after.hostname == before.hostname
    assert after.port == before.port
    assert after.path == before.path
    assert after.fragment == before.fragment
    pairs = parse_qsl(after.query, keep_blank_values=True)
    tags = [(key, value) for key, value in pairs if key.lower() in lib.UTM_KEYS]
    assert tags == [
        ("utm_source", network),
        ("utm_medium", "employee_advocacy"),
        ("utm_campaign", campaign),
        ("utm_content", content),
    ]
    dropped = {*lib.UTM_KEYS, lib.CLICK_ID_PARAM}
    kept_before = [(k, v) for k, v in parse_qsl(before.query, keep_blank_values=True) if k.lower() not in dropped]
    kept_after = [(k, v) for k, v in pairs if k.lower() not in dropped]
    assert kept_after == kept_before


def test_the_click_id_goes_into_the_query_before_the_fragment() -> None:
    assert lib.with_click_id("https://a.example/p?x=1#top", "ID") == "https://a.example/p?x=1&chorus_click=ID#top"
    assert lib.with_click_id("https://a.example/p", "ID") == "https://a.example/p?chorus_click=ID"


# Codes ----------------------------------------------------------------------------------


def test_a_code_is_eight_base62_characters() -> None:
    codes = {lib.new_code() for _ in range(200)}

    assert len(codes) == 200
    assert all(len(code) == 8 and set(code) <= set(lib.CODE_ALPHABET) for code in codes)


def test_a_code_taken_in_another_organisation_is_not_given_out_again(
    tenant_a: Tenant, tenant_b: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    taken = link_of(tenant_b)
    share = share_of(tenant_a)
    # The CSPRNG made to repeat the other organisation's code once, then a fresh one.
    replay = iter(taken.code + "Fresh123")
    monkeypatch.setattr(secrets, "choice", lambda alphabet: next(replay))

    with organization_scope(tenant_a.organization):
        link = services.tracked_link_create(share=share)

    assert link.code == "Fresh123"
    assert link.organization_id == tenant_a.organization.pk


def test_links_of_every_organisation_have_distinct_codes(tenant_a: Tenant, tenant_b: Tenant) -> None:
    links = [link_of(tenant) for tenant in (tenant_a, tenant_b) for _ in range(10)]

    assert len({link.code for link in links}) == 20


def test_a_link_points_at_the_item_with_utm_tags_for_the_share(tenant_a: Tenant, settings) -> None:  # type: ignore[no-untyped-def]
    share = share_of(tenant_a, network="mastodon", url="https://acme.example/news?ref=home#top")
    with organization_scope(tenant_a.organization):
        link = services.tracked_link_create(share=share)
        again = services.tracked_link_create(share=share)

    assert again.pk == link.pk
    assert link.target_url == (
        "https://acme.example/news?ref=home&utm_source=mastodon&utm_medium=employee_advocacy"
        f"&utm_campaign={tenant_a.item.public_id.hex[:12]}&utm_content={share.public_id.hex[:12]}#top"
    )
    assert services.short_url(link) == f"{settings.SHORT_LINK_BASE}/s/{link.code}"


def test_a_share_without_an_address_to_link_to_is_refused(tenant_a: Tenant) -> None:
    share = share_of(tenant_a, url="")
    with organization_scope(tenant_a.organization), pytest.raises(ValueError):
        services.tracked_link_create(share=share)


def test_a_link_created_inside_a_larger_transaction_keeps_it_usable(tenant_a: Tenant) -> None:
    share = share_of(tenant_a)
    with organization_scope(tenant_a.organization), transaction.atomic():
        link = services.tracked_link_create(share=share)
        assert TrackedLink.objects.filter(pk=link.pk).exists()


# Click ids -----------------------------------------------------------------------------


def test_a_click_id_names_its_link_and_moment() -> None:
    at = datetime(2026, 3, 4, 5, 6, 7, 890, tzinfo=UTC)
    value = lib.click_id_new("Ab3dE6gH", at=at, key=KEY)

    assert lib.click_id_parse(value, key=KEY) == ("Ab3dE6gH", at.replace(microsecond=0))
    assert len(value) <= 48
    assert lib.click_id_new("Ab3dE6gH", at=at, key=KEY) != value  # two clicks in one second differ


def test_a_changed_character_or_another_key_makes_a_click_id_worthless() -> None:
    value = lib.click_id_new("Ab3dE6gH", at=timezone.now(), key=KEY)

    for position, char in enumerate(value):
        if char == ".":
            continue
        replacement = "0" if char != "0" else "1"
        assert lib.click_id_parse(value[:position] + replacement + value[position + 1 :], key=KEY) is None
    assert lib.click_id_parse(value, key=b"another key") is None
    for junk in ["", "abc", value + ".x", value.replace(".", "-"), "A" * 500]:
        assert lib.click_id_parse(junk, key=KEY) is None


@hypothesis_settings(max_examples=200, deadline=None)
@given(
    code=st.from_regex(r"[0-9A-Za-z]{1,16}", fullmatch=True),
    at=st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(2200, 1, 1), timezones=st.just(UTC)),
    key=st.binary(min_size=1, max_size=64),
)
def test_every_click_id_round_trips(code: str, at: datetime, key: bytes) -> None:
    assert lib.click_id_parse(lib.click_id_new(code, at=at, key=key), key=key) == (code, at.replace(microsecond=0))


# Bots and visitors -------------------------------------------------------------------


@pytest.mark.parametrize(
    "agent",
    [
        "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)",
        "Twitterbot/1.0",
        "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
        "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
        "Slackbot 1.0 (+https://api.slack.com/robots)",
        "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)",
        "TelegramBot (like TwitterBot)",
        "WhatsApp/2.23.20.0 A",
        "Mozilla/5.0 (Windows NT 6.1; WOW64) SkypeUriPreview Preview/0.5",
        "http.rb/5.1.1 (Mastodon/4.2.1; +https://mastodon.social/)",
        "Mozilla/5.0 (compatible; Bluesky Cardyb/1.1; +mailto:support@bsky.app)",
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Applebot/0.1",
        "SomeCrawler/3.0",
        "a friendly spider",
        "Link Preview Service",
        "python-requests/2.32",
        "curl/8.5.0",
        "",
        "   ",
    ],
)
def test_crawlers_and_link_preview_fetchers_are_bots(agent: str) -> None:
    assert lib.is_bot(agent, {})


@pytest.mark.parametrize(
    "agent",
    [
        BROWSER,
        FIREFOX,
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/17.5 Mobile/15E148 Safari/604.1",
        "Mozilla/5.0 (Linux; Android 10; CUBOT P40) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile",
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/126.0 Mobile Safari/537.36 [LinkedInApp]",
    ],
)
def test_people_s_browsers_are_not_bots(agent: str) -> None:
    assert not lib.is_bot(agent, {})


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Purpose": "prefetch"},
        {"Sec-Purpose": "prefetch;prerender"},
        {"purpose": "prefetch"},
        {"X-Moz": "prefetch"},
    ],
)
def test_browser_prefetches_are_bots(headers: dict[str, str]) -> None:
    assert lib.is_bot(BROWSER, headers)


def test_a_visitor_key_is_stable_for_a_day_and_never_the_address() -> None:
    day = date(2026, 5, 1)
    key = lib.visitor_key(VISITOR_IP, BROWSER, day=day, secret="s")

    assert key == lib.visitor_key(VISITOR_IP, BROWSER, day=day, secret="s")
    assert key != lib.visitor_key(VISITOR_IP, FIREFOX, day=day, secret="s")
    assert key != lib.visitor_key(VISITOR_IP, BROWSER, day=day + timedelta(days=1), secret="s")
    assert key != lib.visitor_key(VISITOR_IP, BROWSER, day=day, secret="other")
    assert VISITOR_IP not in key and len(key) == 32


# The redirect ---------------------------------------------------------------------------


@needs_redis
def test_a_click_goes_to_the_stored_target_with_a_click_id(
    tenant_a: Tenant, client: Client, click_redis: redis.Redis
) -> None:
    link = link_of(tenant_a)

    response = click(client, f"{link.code}?url=https://evil.example/&next=https://evil.example/")

    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith(link.target_url.split("#")[0] + "&chorus_click=")
    assert location.endswith("#top")
    assert "evil" not in location
    assert response["Cache-Control"] == "private, no-store"
    click_id = parse_qs(urlsplit(location).query)["chorus_click"][0]
    code, at = services.click_id_read(click_id)  # type: ignore[misc]
    assert code == link.code
    assert abs(timezone.now() - at) < timedelta(minutes=1)


def test_the_redirect_works_without_a_trailing_slash_and_with_one(
    tenant_a: Tenant, client: Client, embedded: None
) -> None:
    link = link_of(tenant_a)

    assert click(client, link).status_code == 302
    assert click(client, f"{link.code}/").status_code == 302


@needs_redis
def test_a_click_id_is_attributed_only_within_its_organisation(
    tenant_a: Tenant, tenant_b: Tenant, client: Client, click_redis: redis.Redis
) -> None:
    link = link_of(tenant_a)
    click_id = parse_qs(urlsplit(click(client, link)["Location"]).query)["chorus_click"][0]

    with organization_scope(tenant_a.organization):
        found = services.tracked_link_for_click(organization=tenant_a.organization, click_id=click_id)
    with organization_scope(tenant_b.organization):
        elsewhere = services.tracked_link_for_click(organization=tenant_b.organization, click_id=click_id)

    assert found is not None and found[0].pk == link.pk and found[0].share.pk == link.share_id
    assert elsewhere is None


@needs_redis
def test_an_unknown_code_is_a_small_404_that_writes_nothing(
    tenant_a: Tenant, client: Client, click_redis: redis.Redis
) -> None:
    link = link_of(tenant_a)

    for code in ["Zz9Zz9Zz", "Zz9Zz9Zz", "not-a-code!", "a" * 40]:
        response = click(client, code)
        assert response.status_code == 404
        assert len(response.content) < 600
        assert b"Link not found" in response.content
    flush()

    with scopes_disabled():  # reading back for the assertion
        assert not LinkClickDay.objects.exists()
    assert reload(link).clicks == 0


@needs_redis
def test_the_redirect_is_302_never_301(tenant_a: Tenant, client: Client, click_redis: redis.Redis) -> None:
    link = link_of(tenant_a)

    statuses = {click(client, link).status_code for _ in range(3)}

    assert statuses == {302}


@needs_redis
def test_only_get_and_head_are_allowed(tenant_a: Tenant, client: Client, click_redis: redis.Redis) -> None:
    link = link_of(tenant_a)

    for method in (client.post, client.put, client.delete, client.patch):
        response = method(f"/s/{link.code}", HTTP_USER_AGENT=BROWSER)
        assert response.status_code == 405
        assert response["Allow"] == "GET, HEAD"
    assert client.head(f"/s/{link.code}", HTTP_USER_AGENT=BROWSER).status_code == 302


@needs_redis
def test_head_requests_bots_and_prefetches_count_as_bots_not_clicks(
    tenant_a: Tenant, client: Client, click_redis: redis.Redis
) -> None:
    link = link_of(tenant_a)

    client.head(f"/s/{link.code}", HTTP_USER_AGENT=BROWSER, REMOTE_ADDR=VISITOR_IP)
    click(client, link, ua="LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)")
    click(client, link, ua="Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)")
    click(client, link, HTTP_SEC_PURPOSE="prefetch")
    click(client, link, ua="")
    click(client, link)
    flush()

    link = reload(link)
    assert (link.clicks, link.unique_clicks, link.bot_clicks) == (1, 1, 5)


@needs_redis
def test_one_visitor_twice_is_one_unique_and_two_browsers_are_two(
    tenant_a: Tenant, client: Client, click_redis: redis.Redis
) -> None:
    link = link_of(tenant_a)

    click(client, link, ua=BROWSER)
    click(client, link, ua=BROWSER)
    flush()
    assert (reload(link).clicks, reload(link).unique_clicks) == (2, 1)

    click(client, link, ua=FIREFOX)
    flush()
    link = reload(link)
    assert (link.clicks, link.unique_clicks) == (3, 2)
    [day] = days_of(link)
    assert (day.clicks, day.unique_clicks, day.bot_clicks) == (3, 2, 0)


@needs_redis
def test_no_address_is_stored_in_the_database_or_in_redis(
    tenant_a: Tenant, client: Client, click_redis: redis.Redis
) -> None:
    link = link_of(tenant_a)
    for agent in (BROWSER, FIREFOX, "Twitterbot/1.0"):
        click(client, link, ua=agent)
    flush()

    raw = redis.Redis.from_url(TEST_REDIS_URL)
    stored = b""
    for key in click_keys(click_redis):
        stored += key.encode() + (raw.dump(key) or b"")
        kind = click_redis.type(key)
        if kind == "hash":
            stored += repr(click_redis.hgetall(key)).encode()
        elif kind == "set":
            stored += repr(click_redis.smembers(key)).encode()
        elif kind == "string":
            stored += raw.get(key) or b""
    raw.close()
    assert VISITOR_IP.encode() not in stored
    assert b"203.0.113" not in stored
    with scopes_disabled():  # reading back for the assertion
        rows = [*LinkVisitor.objects.values_list("visitor", flat=True), *map(repr, LinkClickDay.objects.values())]
    assert all("203.0.113" not in row for row in rows)


@needs_redis
def test_a_warm_redirect_makes_no_database_query_even_for_a_signed_in_employee(
    tenant_a: Tenant, client: Client, click_redis: redis.Redis, django_assert_num_queries
) -> None:  # type: ignore[no-untyped-def]
    link = link_of(tenant_a)
    click(client, link)  # fills the cache
    click(client, "Qq1Qq1Qq")  # unknown codes are remembered too, for a minute
    client.force_login(tenant_a.employee.user)  # a session cookie the redirect must not read

    with django_assert_num_queries(0):
        response = click(client, link)
        bot = click(client, link, ua="Twitterbot/1.0")
        unknown = click(client, "Qq1Qq1Qq")

    assert (response.status_code, bot.status_code, unknown.status_code) == (302, 302, 404)


@needs_redis
def test_the_short_link_middleware_serves_the_same_redirect_before_the_stack(
    tenant_a: Tenant, client: Client, click_redis: redis.Redis, settings, django_assert_num_queries
) -> None:  # type: ignore[no-untyped-def]
    settings.MIDDLEWARE = [
        settings.MIDDLEWARE[0],
        "advocacy.views_redirect.ShortLinkMiddleware",
        *settings.MIDDLEWARE[1:],
    ]
    link = link_of(tenant_a)
    click(client, link)
    click(client, "Qq1Qq1Qq")

    with django_assert_num_queries(0):
        response = click(client, link)
        missing = click(client, "Qq1Qq1Qq")
    assert response.status_code == 302 and response["Location"].startswith(link.target_url.split("#")[0])
    assert missing.status_code == 404 and missing["X-Frame-Options"] == "DENY"
    assert client.post(f"/s/{link.code}").status_code == 405
    assert client.get("/healthz").status_code == 200


# Flushing -------------------------------------------------------------------------------


@needs_redis
def test_every_click_sent_is_counted_once_and_a_second_flush_changes_nothing(
    tenant_a: Tenant, client: Client, click_redis: redis.Redis
) -> None:
    links = [link_of(tenant_a) for _ in range(4)]
    for number in range(200):
        assert click(client, links[number % 4], ip=f"198.51.100.{number % 50}").status_code == 302
    for number in range(20):
        click(client, links[number % 4], ua="facebookexternalhit/1.1")

    assert flush() == 4
    first = [(reload(link).clicks, reload(link).unique_clicks, reload(link).bot_clicks) for link in links]
    visitors = [len({number % 50 for number in range(200) if number % 4 == index}) for index in range(4)]
    assert first == [(50, visitors[index], 5) for index in range(4)]

    flush()
    assert [(reload(link).clicks, reload(link).unique_clicks, reload(link).bot_clicks) for link in links] == first
    assert sum(day.clicks for link in links for day in days_of(link)) == 200


@needs_redis
def test_a_closed_day_is_deleted_from_redis_only_after_its_totals_are_written(
    tenant_a: Tenant, client: Client, click_redis: redis.Redis
) -> None:
    link = link_of(tenant_a)
    for _ in range(3):
        click(client, link)

    flush(timezone.now())
    assert click_redis.exists(services.DAYS_KEY)  # today is still open

    flush(tomorrow_closed())
    assert [key for key in click_keys(click_redis) if not key.startswith("sl:")] == []
    link = reload(link)
    assert (link.clicks, link.unique_clicks) == (3, 1)

    assert flush(tomorrow_closed()) == 0
    assert (reload(link).clicks, reload(link).unique_clicks) == (3, 1)


@needs_redis
def test_a_counting_connection_that_redis_closed_is_replaced_without_losing_a_click(
    tenant_a: Tenant, client: Client, click_redis: redis.Redis
) -> None:
    link = link_of(tenant_a)
    click(client, link)
    services.click_counts_settle()
    click_redis.client_kill_filter(_type="normal", skipme=True)  # as Redis's idle `timeout` would
    time.sleep(services.WRITER_IDLE_SECONDS + 0.1)

    assert click(client, link).status_code == 302
    flush()

    assert reload(link).clicks == 2


# More than fits one TCP segment of queued writes, so some went out before the kill and
# some were still queued when the process died.
CLICKS_BEFORE_DYING = 3000
_CLICK_THEN_DIE = """
import os, sys
import django
django.setup()
from django.utils import timezone
from advocacy.services.links import click_record
code, count, agent = sys.argv[1], int(sys.argv[2]), sys.argv[3]
for number in range(count):
    assert click_record(code=code, user_agent=agent, ip=f"198.51.100.{number % 200}", headers={}, now=timezone.now())
os.kill(os.getpid(), 9)
"""


@needs_redis
@pytest.mark.django_db(transaction=True)
def test_a_web_process_killed_right_after_its_clicks_loses_none_of_them(
    tenant_a: Tenant, click_redis: redis.Redis
) -> None:
    link = link_of(tenant_a)
    if django_connection.vendor != "postgresql":
        pytest.skip("the process that dies needs the test database on a server")
    database = django_connection.settings_dict
    credentials = database["USER"] + (f":{database['PASSWORD']}" if database["PASSWORD"] else "")
    environment = {
        **os.environ,
        "DATABASE_URL": f"postgres://{credentials}@{database['HOST']}:{database['PORT'] or 5432}/{database['NAME']}",
        "REDIS_URL": TEST_REDIS_URL,
        "CLICK_REDIS_URL": TEST_REDIS_URL,
        "DEBUG": "true",
    }
    died = subprocess.run(
        [sys.executable, "-c", _CLICK_THEN_DIE, link.code, str(CLICKS_BEFORE_DYING), BROWSER],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert died.returncode == -signal.SIGKILL, died.stderr

    counter = f"{tenant_a.organization.pk}:{link.pk}"
    day = timezone.now().astimezone(UTC).strftime("%Y%m%d")
    deadline = time.monotonic() + 5
    while int(click_redis.hget(f"clicks:{day}", counter) or 0) < CLICKS_BEFORE_DYING and time.monotonic() < deadline:
        time.sleep(0.05)
    # Counted in Redis (not by the database fallback), every one of them.
    assert int(click_redis.hget(f"clicks:{day}", counter) or 0) == CLICKS_BEFORE_DYING
    flush()

    assert reload(link).clicks == CLICKS_BEFORE_DYING


@needs_redis
def test_a_redis_that_lost_its_counters_cannot_lower_flushed_totals(
    tenant_a: Tenant, client: Client, click_redis: redis.Redis
) -> None:
    link = link_of(tenant_a)
    for _ in range(5):
        click(client, link)
    flush()
    for key in click_keys(click_redis):  # a restart without persistence
        click_redis.delete(key)

    click(client, link)
    flush()

    assert reload(link).clicks == 5


@needs_redis
def test_the_flush_writes_each_link_s_counts_only_to_its_own_organisation(
    tenant_a: Tenant, tenant_b: Tenant, client: Client, click_redis: redis.Redis
) -> None:
    mine, theirs = link_of(tenant_a), link_of(tenant_b)
    for _ in range(3):
        click(client, mine)
    click(client, theirs)

    flush()

    with organization_scope(tenant_a.organization):
        assert list(LinkClickDay.objects.values_list("link_id", "clicks")) == [(mine.pk, 3)]
    with organization_scope(tenant_b.organization):
        assert list(LinkClickDay.objects.values_list("link_id", "clicks")) == [(theirs.pk, 1)]
    with scopes_disabled():  # reading back for the assertion
        assert all(day.organization_id == day.link.organization_id for day in LinkClickDay.objects.all())
    assert (reload(mine).clicks, reload(theirs).clicks) == (3, 1)


@needs_redis
def test_clicks_of_a_deleted_link_are_dropped_by_the_flush(
    tenant_a: Tenant, client: Client, click_redis: redis.Redis
) -> None:
    gone, kept = link_of(tenant_a), link_of(tenant_a)
    click(client, gone)
    click(client, kept)
    with scopes_disabled():  # test set-up
        TrackedLink.objects.filter(pk=gone.pk).delete()

    assert flush() == 1
    assert reload(kept).clicks == 1


# Without Redis -----------------------------------------------------------------------


def test_without_redis_clicks_are_counted_in_the_database_as_they_happen(
    tenant_a: Tenant, client: Client, embedded: None
) -> None:
    link = link_of(tenant_a)

    click(client, link, ua=BROWSER)
    click(client, link, ua=BROWSER)
    click(client, link, ua=FIREFOX)
    click(client, link, ua="Twitterbot/1.0")
    response = client.head(f"/s/{link.code}", HTTP_USER_AGENT=BROWSER)

    assert response.status_code == 302
    link = reload(link)
    assert (link.clicks, link.unique_clicks, link.bot_clicks) == (3, 2, 2)
    [day] = days_of(link)
    assert (day.clicks, day.unique_clicks, day.bot_clicks) == (3, 2, 2)
    with scopes_disabled():  # reading back for the assertion
        visitors = list(LinkVisitor.objects.filter(link_id=link.pk).values_list("organization_id", "visitor"))
    assert len(visitors) == 2
    assert all(org == tenant_a.organization.pk and "203.0.113" not in key for org, key in visitors)
    assert flush() == 0


def test_without_redis_an_unknown_code_is_a_404_that_writes_nothing(
    tenant_a: Tenant, client: Client, embedded: None
) -> None:
    assert click(client, "Zz9Zz9Zz").status_code == 404
    with scopes_disabled():  # reading back for the assertion
        assert not LinkClickDay.objects.exists() and not LinkVisitor.objects.exists()


def test_when_redis_is_down_the_redirect_still_works_and_counts_in_the_database(
    tenant_a: Tenant, client: Client, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.CLICK_REDIS_URL = "redis://127.0.0.1:1/0"
    link = link_of(tenant_a)

    first = click(client, link)
    second = click(client, link, ua=FIREFOX)

    assert (first.status_code, second.status_code) == (302, 302)
    assert first["Location"].startswith(link.target_url.split("#")[0] + "&chorus_click=")
    link = reload(link)
    assert (link.clicks, link.unique_clicks) == (2, 2)
    assert click(client, "Zz9Zz9Zz").status_code == 404
