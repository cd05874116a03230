"""The Bluesky adapter against a fake PDS and AppView over real HTTP on loopback."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from advocacy.providers.base import (
    AmbiguousOutcome,
    AuthExpired,
    Identity,
    ImageRef,
    InvalidContent,
    PublishResult,
    RateLimited,
    ReauthRequired,
    ShareRequest,
    TokenBundle,
)
from advocacy.providers.bluesky import BlueskyProvider, link_facets, record_key
from tests.fakes.bluesky import FakeBluesky, graphemes

HANDLE = "ada.bsky.social"
APP_PASSWORD = "abcd-efgh-ijkl-mnop"
TRACKED_LINK = "https://go.chorus.example/s/Ab3?utm_source=bluesky"
CREATED_AT = datetime(2026, 5, 1, 10, 0, 0, 123456, tzinfo=UTC)
CREATE_RECORD = r"/xrpc/com\.atproto\.repo\.createRecord"
TID = re.compile(r"^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$")


@pytest.fixture(scope="module")
def server() -> Iterator[FakeBluesky]:
    fake = FakeBluesky()
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
def bluesky(server: FakeBluesky) -> FakeBluesky:
    server.reset()
    server.add_account(HANDLE, APP_PASSWORD, display_name="Ada Lovelace")
    return server


@dataclass
class Session:
    provider: BlueskyProvider
    token: TokenBundle
    who: Identity


def sign_in(bluesky: FakeBluesky, **config: Any) -> Session:
    provider = BlueskyProvider(bluesky.config(**config), clock=bluesky.now)
    token, who = provider.password_login(identifier=HANDLE, app_password=APP_PASSWORD)
    return Session(provider=provider, token=token, who=who)


def share(text: str = f"We shipped it! {TRACKED_LINK}", **fields: Any) -> ShareRequest:
    fields.setdefault("created_at", CREATED_AT)
    return ShareRequest(text=text, link_url=TRACKED_LINK, link_title="We shipped it", **fields)


def publish(session: Session, request: ShareRequest | None = None, *, key: str = "share-1") -> PublishResult:
    return session.provider.publish(session.token, session.who, request or share(), idempotency_key=key)


def png(size: int) -> ImageRef:
    return ImageRef(content=b"\x89PNG\r\n\x1a\n" + b"0" * (size - 8), mime_type="image/png", alt_text="A rocket")


# Signing in -------------------------------------------------------------------------


def test_signing_in_with_an_app_password_opens_a_session_and_never_keeps_the_password(bluesky: FakeBluesky) -> None:
    provider = BlueskyProvider(bluesky.config(), clock=bluesky.now)

    token, who = provider.password_login(identifier=HANDLE, app_password=APP_PASSWORD)

    did = bluesky.add_account(HANDLE, APP_PASSWORD)
    assert who.external_user_id == who.author_ref == did
    assert who.handle == HANDLE
    assert who.profile_url == f"https://bsky.app/profile/{HANDLE}"
    assert token.extra == {"did": did, "handle": HANDLE, "pds": bluesky.base_url}
    assert token.refresh_token
    assert token.scopes == frozenset({"com.atproto.appPass"})
    assert APP_PASSWORD not in repr(token)
    assert provider.get_identity(token) == who


def test_the_access_expiry_is_read_from_the_access_jwt(bluesky: FakeBluesky) -> None:
    session = sign_in(bluesky)

    expected = bluesky.now() + timedelta(hours=2)
    assert session.token.expires_at is not None
    assert abs(session.token.expires_at - expected) < timedelta(seconds=5)
    assert session.token.refresh_expires_at is not None
    assert session.token.refresh_expires_at > expected


def test_a_wrong_app_password_asks_the_person_to_check_it(bluesky: FakeBluesky) -> None:
    provider = BlueskyProvider(bluesky.config(), clock=bluesky.now)

    with pytest.raises(ReauthRequired, match="did not accept that handle and app password") as refused:
        provider.password_login(identifier=HANDLE, app_password="wrong-wrong-wrong-wrong")

    assert refused.value.status == 401
    assert refused.value.raw == {"error": "AuthenticationRequired", "message": "Invalid identifier or password"}


def test_signing_in_too_often_is_rate_limited_until_the_window_resets(bluesky: FakeBluesky) -> None:
    bluesky.session_limit = 2
    provider = BlueskyProvider(bluesky.config(), clock=bluesky.now)
    first_attempt = bluesky.now()
    for _ in range(2):
        provider.password_login(identifier=HANDLE, app_password=APP_PASSWORD)

    with pytest.raises(RateLimited) as limited:
        provider.password_login(identifier=HANDLE, app_password=APP_PASSWORD)

    assert limited.value.scope == "user"
    assert abs(limited.value.retry_at - (first_attempt + timedelta(minutes=5))) < timedelta(seconds=2)


def test_oauth_is_not_offered(bluesky: FakeBluesky) -> None:
    provider = BlueskyProvider(bluesky.config())

    with pytest.raises(NotImplementedError):
        provider.authorization_url()
    with pytest.raises(NotImplementedError):
        provider.exchange_code(code="code")


# Refreshing -------------------------------------------------------------------------


def test_refreshing_rotates_the_pair_and_the_old_refresh_token_is_refused(bluesky: FakeBluesky) -> None:
    session = sign_in(bluesky)
    bluesky.set_clock(advance=60)

    refreshed = session.provider.refresh(session.token)

    assert refreshed.access_token != session.token.access_token
    assert refreshed.refresh_token != session.token.refresh_token
    assert refreshed.extra == session.token.extra
    assert session.provider.get_identity(refreshed).external_user_id == session.who.external_user_id
    with pytest.raises(ReauthRequired, match="Sign in again"):
        session.provider.refresh(session.token)


def test_an_expired_access_token_is_auth_expired_and_a_refresh_lets_the_post_through(bluesky: FakeBluesky) -> None:
    session = sign_in(bluesky)
    bluesky.set_clock(advance=3 * 3600)

    with pytest.raises(AuthExpired, match="Token has expired"):
        publish(session)
    refreshed = session.provider.refresh(session.token)
    result = session.provider.publish(refreshed, session.who, share(), idempotency_key="share-1")

    assert [post["uri"] for post in bluesky.posts_of(session.who.external_user_id)] == [result.external_id]


def test_a_removed_app_password_ends_the_session_and_refresh_requires_signing_in_again(
    bluesky: FakeBluesky,
) -> None:
    session = sign_in(bluesky)
    bluesky.revoke_app_password(session.who.external_user_id, APP_PASSWORD)

    with pytest.raises(AuthExpired):
        publish(session)
    with pytest.raises(ReauthRequired):
        session.provider.refresh(session.token)


def test_revoking_ends_the_session(bluesky: FakeBluesky) -> None:
    session = sign_in(bluesky)

    session.provider.revoke(session.token)

    with pytest.raises(ReauthRequired):
        session.provider.refresh(session.token)


# Record keys and facets -------------------------------------------------------------


def test_the_record_key_is_a_tid_that_is_the_same_for_every_attempt_at_a_share() -> None:
    key = record_key(created_at=CREATED_AT, idempotency_key="share-1")

    assert TID.fullmatch(key)
    assert record_key(created_at=CREATED_AT, idempotency_key="share-1") == key
    assert record_key(created_at=CREATED_AT, idempotency_key="share-2") != key


def test_the_record_key_keeps_the_creation_time_to_the_millisecond() -> None:
    key = record_key(created_at=CREATED_AT, idempotency_key="share-1")

    value = 0
    for char in key:
        value = value * 32 + "234567abcdefghijklmnopqrstuvwxyz".index(char)
    microseconds = value >> 10
    assert datetime.fromtimestamp(microseconds // 1000 / 1000, UTC) == CREATED_AT.replace(microsecond=123000)
    later = record_key(created_at=CREATED_AT + timedelta(milliseconds=1), idempotency_key="share-0")
    assert later > key  # base32-sortable: later shares sort after earlier ones


def test_link_facets_count_utf8_bytes_after_emoji_and_accents() -> None:
    text = f"Café déjà vu 🚀👩🏽‍💻 read {TRACKED_LINK} and https://example.com/ü."

    facets = link_facets(text, tracked_link=TRACKED_LINK)

    encoded = text.encode()
    covered = [encoded[f["index"]["byteStart"] : f["index"]["byteEnd"]].decode() for f in facets]
    assert covered == [TRACKED_LINK, "https://example.com/ü"]
    assert [f["features"][0]["uri"] for f in facets] == covered
    assert facets[0]["index"]["byteStart"] > text.index(TRACKED_LINK)  # bytes, not characters


def test_a_post_with_emoji_and_accents_before_the_link_is_accepted_with_its_facet(bluesky: FakeBluesky) -> None:
    session = sign_in(bluesky)
    text = f"Café déjà vu 🚀👩🏽‍💻 read {TRACKED_LINK}"

    result = publish(session, share(text))

    record = bluesky.record(session.who.external_user_id, result.raw["rkey"])
    assert record is not None
    facet = record["facets"][0]
    assert text.encode()[facet["index"]["byteStart"] : facet["index"]["byteEnd"]] == TRACKED_LINK.encode()


def test_facets_counted_in_characters_instead_of_bytes_are_refused_by_the_pds(bluesky: FakeBluesky) -> None:
    session = sign_in(bluesky)
    text = f"Café 🚀 {TRACKED_LINK}"
    start = text.index(TRACKED_LINK)  # characters: wrong after the é and the rocket

    answer = requests.post(
        f"{bluesky.base_url}/xrpc/com.atproto.repo.createRecord",
        json={
            "repo": session.who.external_user_id,
            "collection": "app.bsky.feed.post",
            "record": {
                "$type": "app.bsky.feed.post",
                "text": text,
                "createdAt": "2026-05-01T10:00:00.000Z",
                "facets": [
                    {
                        "index": {"byteStart": start, "byteEnd": start + len(TRACKED_LINK)},
                        "features": [{"$type": "app.bsky.richtext.facet#link", "uri": TRACKED_LINK}],
                    }
                ],
            },
        },
        headers={"Authorization": f"Bearer {session.token.access_token}"},
        timeout=5,
    )

    assert answer.status_code == 400
    assert answer.json()["error"] == "InvalidRequest"
    assert bluesky.posts_of(session.who.external_user_id) == []


def test_a_post_over_300_graphemes_is_invalid_content_but_300_emoji_graphemes_fit(bluesky: FakeBluesky) -> None:
    session = sign_in(bluesky)
    waving = "👋🏽"  # two code points, one grapheme
    assert graphemes(waving * 300) == 300

    publish(session, share(waving * 300), key="fits")
    with pytest.raises(InvalidContent, match="300 graphemes") as refused:
        publish(session, share("x" * 301), key="too-long")

    assert refused.value.status == 400


# Posting ----------------------------------------------------------------------------


def test_publishing_creates_one_record_under_the_derived_key_and_returns_its_uri_and_url(
    bluesky: FakeBluesky,
) -> None:
    session = sign_in(bluesky)

    result = publish(session)

    did = session.who.external_user_id
    rkey = record_key(created_at=CREATED_AT, idempotency_key="share-1")
    assert result.external_id == f"at://{did}/app.bsky.feed.post/{rkey}"
    assert result.url == f"https://bsky.app/profile/{HANDLE}/post/{rkey}"
    assert result.raw["cid"]
    record = bluesky.record(did, rkey)
    assert record is not None
    assert record["text"] == f"We shipped it! {TRACKED_LINK}"
    assert datetime.fromisoformat(record["createdAt"]) - bluesky.now() < timedelta(seconds=5)


def test_the_link_card_is_built_by_chorus_with_an_uploaded_thumbnail(bluesky: FakeBluesky) -> None:
    session = sign_in(bluesky)
    request = share(link_description="The whole story", link_thumbnail=png(2048))

    result = publish(session, request)

    record = bluesky.record(session.who.external_user_id, result.raw["rkey"])
    assert record is not None
    external = record["embed"]["external"]
    assert record["embed"]["$type"] == "app.bsky.embed.external"
    assert (external["uri"], external["title"], external["description"]) == (
        TRACKED_LINK,
        "We shipped it",
        "The whole story",
    )
    assert external["thumb"]["mimeType"] == "image/png"
    assert external["thumb"]["size"] == 2048
    assert external["thumb"]["ref"]["$link"] in bluesky.blobs


def test_a_thumbnail_over_one_megabyte_is_left_out_of_the_card(bluesky: FakeBluesky) -> None:
    session = sign_in(bluesky)

    result = publish(session, share(link_thumbnail=png(1_000_001)))

    record = bluesky.record(session.who.external_user_id, result.raw["rkey"])
    assert record is not None
    assert "thumb" not in record["embed"]["external"]
    assert bluesky.requests_to("POST", r"/xrpc/com\.atproto\.repo\.uploadBlob") == 0


def test_uploading_a_blob_over_one_megabyte_is_invalid_content(bluesky: FakeBluesky) -> None:
    session = sign_in(bluesky)

    with pytest.raises(InvalidContent, match="too large") as refused:
        session.provider.upload_blob(session.token, png(1_000_001))

    assert refused.value.raw["error"] == "BlobTooLarge"


def test_an_image_without_a_link_is_posted_as_an_image_embed_with_its_alt_text(bluesky: FakeBluesky) -> None:
    session = sign_in(bluesky)
    request = ShareRequest(text="Launch day", image=png(4096), created_at=CREATED_AT)

    result = publish(session, request)

    record = bluesky.record(session.who.external_user_id, result.raw["rkey"])
    assert record is not None
    assert record["embed"]["$type"] == "app.bsky.embed.images"
    assert record["embed"]["images"][0]["alt"] == "A rocket"


def test_retrying_a_share_reuses_its_record_key_and_returns_the_original_post(bluesky: FakeBluesky) -> None:
    session = sign_in(bluesky)
    first = publish(session)
    bluesky.set_clock(advance=120)

    second = publish(session)

    assert second.external_id == first.external_id
    assert second.raw["cid"] == first.raw["cid"]
    assert len(bluesky.posts_of(session.who.external_user_id)) == 1
    assert bluesky.requests_to("POST", CREATE_RECORD) == 2


def test_a_share_without_its_creation_time_cannot_be_posted(bluesky: FakeBluesky) -> None:
    session = sign_in(bluesky)

    with pytest.raises(ValueError, match="created_at"):
        publish(session, ShareRequest(text="No time", created_at=None))

    assert bluesky.requests_to("POST", CREATE_RECORD) == 0


def test_another_share_is_another_post(bluesky: FakeBluesky) -> None:
    session = sign_in(bluesky)

    first = publish(session, key="share-1")
    second = publish(session, share(f"Second one {TRACKED_LINK}2"), key="share-2")

    assert first.external_id != second.external_id
    assert len(bluesky.posts_of(session.who.external_user_id)) == 2


def test_a_connection_dropped_after_the_post_is_ambiguous_and_reconcile_finds_the_one_post(
    bluesky: FakeBluesky,
) -> None:
    session = sign_in(bluesky)
    bluesky.fault("POST", CREATE_RECORD, kind="drop_after_commit")
    sent_at = bluesky.now()

    with pytest.raises(AmbiguousOutcome):
        publish(session)
    found = session.provider.reconcile(
        session.token, session.who, share(), idempotency_key="share-1", sent_after=sent_at
    )

    posts = bluesky.posts_of(session.who.external_user_id)
    assert found is not None
    assert [post["uri"] for post in posts] == [found.external_id]
    assert found.url.startswith(f"https://bsky.app/profile/{HANDLE}/post/")


def test_reconcile_finds_nothing_when_the_post_never_arrived(bluesky: FakeBluesky) -> None:
    session = sign_in(bluesky)
    bluesky.fault("POST", CREATE_RECORD, kind="drop")

    with pytest.raises(AmbiguousOutcome):
        publish(session)
    found = session.provider.reconcile(
        session.token, session.who, share(), idempotency_key="share-1", sent_after=bluesky.now()
    )

    assert found is None


def test_a_server_error_on_create_is_an_ambiguous_outcome(bluesky: FakeBluesky) -> None:
    session = sign_in(bluesky)
    bluesky.fault("POST", CREATE_RECORD, kind="status", status=502, body={"error": "UpstreamFailure"})

    with pytest.raises(AmbiguousOutcome) as ambiguous:
        publish(session)

    assert ambiguous.value.status == 502


def test_write_points_are_announced_and_running_out_is_rate_limited_until_the_reset(bluesky: FakeBluesky) -> None:
    session = sign_in(bluesky)
    bluesky.write_points_per_hour = 7
    hour_end = datetime.fromtimestamp((int(bluesky.now().timestamp()) // 3600 + 1) * 3600, UTC)
    publish(session, key="share-1")
    answer = requests.post(
        f"{bluesky.base_url}/xrpc/com.atproto.repo.createRecord",
        json={
            "repo": session.who.external_user_id,
            "collection": "app.bsky.feed.post",
            "record": {"$type": "app.bsky.feed.post", "text": "second", "createdAt": "2026-05-01T10:00:00.000Z"},
        },
        headers={"Authorization": f"Bearer {session.token.access_token}"},
        timeout=5,
    )
    assert answer.headers["RateLimit-Limit"] == "7"
    assert answer.headers["RateLimit-Remaining"] == "1"  # 7 - 3 - 3
    assert answer.headers["RateLimit-Policy"] == "7;w=3600"

    with pytest.raises(RateLimited) as limited:
        publish(session, key="share-3")

    assert limited.value.retry_at == hour_end
    assert limited.value.scope == "user"
    assert len(bluesky.posts_of(session.who.external_user_id)) == 2


def test_an_injected_429_is_rate_limited_with_the_headers_reset(bluesky: FakeBluesky) -> None:
    session = sign_in(bluesky)
    bluesky.fault("POST", CREATE_RECORD, kind="rate_limit")

    with pytest.raises(RateLimited) as limited:
        publish(session)

    assert limited.value.retry_at > bluesky.now()
    assert limited.value.retry_at - bluesky.now() <= timedelta(minutes=5)


def test_deleting_a_post_removes_its_record(bluesky: FakeBluesky) -> None:
    session = sign_in(bluesky)
    result = publish(session)

    session.provider.delete(session.token, session.who, result.external_id)

    assert bluesky.record(session.who.external_user_id, result.raw["rkey"]) is None
    assert bluesky.posts_of(session.who.external_user_id) == []


# Metrics ----------------------------------------------------------------------------


def test_metrics_are_fetched_25_posts_per_call(bluesky: FakeBluesky) -> None:
    session = sign_in(bluesky)
    uris = [publish(session, share(f"Post {n} {TRACKED_LINK}{n}"), key=f"share-{n}").external_id for n in range(30)]

    snapshots = session.provider.fetch_metrics(session.token, session.who, uris)

    assert set(snapshots) == set(uris)
    assert bluesky.requests_to("GET", r"/xrpc/app\.bsky\.feed\.getPosts") == 2
    assert session.provider.capabilities().metrics_batch_size == 25


def test_the_appview_refuses_more_than_25_uris_at_once(bluesky: FakeBluesky) -> None:
    answer = requests.get(
        f"{bluesky.base_url}/xrpc/app.bsky.feed.getPosts",
        params=[("uris", f"at://did:plc:x/app.bsky.feed.post/{n}") for n in range(26)],
        timeout=5,
    )

    assert answer.status_code == 400


def test_a_fresh_post_has_zero_counts_and_unknown_impressions_reach_and_clicks(bluesky: FakeBluesky) -> None:
    session = sign_in(bluesky)
    uri = publish(session).external_id

    snapshot = session.provider.fetch_metrics(session.token, session.who, [uri])[uri]

    assert (snapshot.reactions, snapshot.reshares, snapshot.comments) == (0, 0, 0)
    assert (snapshot.impressions, snapshot.reach, snapshot.clicks) == (None, None, None)


def test_metrics_grow_with_age_and_reshares_count_reposts_and_quotes(bluesky: FakeBluesky) -> None:
    session = sign_in(bluesky)
    uri = publish(session).external_id
    bluesky.set_clock(advance=2 * 3600)

    snapshot = session.provider.fetch_metrics(session.token, session.who, [uri])[uri]

    assert snapshot.reactions == 20
    assert snapshot.reshares == 6 + 2
    assert snapshot.comments == 4
    assert snapshot.raw["quoteCount"] == 2


def test_a_deleted_post_has_no_snapshot(bluesky: FakeBluesky) -> None:
    session = sign_in(bluesky)
    kept = publish(session, key="share-1").external_id
    deleted = publish(session, share(f"Other {TRACKED_LINK}x"), key="share-2").external_id
    session.provider.delete(session.token, session.who, deleted)

    snapshots = session.provider.fetch_metrics(session.token, session.who, [kept, deleted])

    assert list(snapshots) == [kept]


def test_without_an_appview_metrics_come_through_the_pds_with_the_session(bluesky: FakeBluesky) -> None:
    session = sign_in(bluesky, appview=False)
    uri = publish(session).external_id
    bluesky.set_clock(advance=3 * 3600)  # the access token has expired meanwhile

    with pytest.raises(AuthExpired):
        session.provider.fetch_metrics(session.token, session.who, [uri])
    refreshed = session.provider.refresh(session.token)
    snapshots = session.provider.fetch_metrics(refreshed, session.who, [uri])

    assert snapshots[uri].reactions == 30
