"""The Mastodon adapter against a fake instance over real HTTP on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from advocacy.providers.base import (
    AmbiguousOutcome,
    AuthExpired,
    ImageRef,
    InvalidContent,
    PermissionDenied,
    ProviderError,
    PublishResult,
    RateLimited,
    ReauthRequired,
    ShareRequest,
    TokenBundle,
)
from advocacy.providers.mastodon import MastodonProvider, register_app
from tests.fakes.mastodon import FakeMastodon

REDIRECT_URI = "https://chorus.example/connections/callback/mastodon/"
SCOPES = "read:statuses write:statuses write:media profile"
TRACKED_LINK = "https://go.chorus.example/s/Ab3?utm_source=mastodon&utm_medium=advocacy"


@pytest.fixture(autouse=True)
def _oauthlib_allows_loopback_http(monkeypatch: pytest.MonkeyPatch) -> None:
    # oauthlib refuses plain http unless told otherwise; the fake listens on http://127.0.0.1.
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")


@pytest.fixture(scope="module")
def instance() -> Iterator[FakeMastodon]:
    fake = FakeMastodon()
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
def mastodon(instance: FakeMastodon) -> FakeMastodon:
    instance.reset()
    return instance


@dataclass
class Connected:
    provider: MastodonProvider
    token: TokenBundle
    account_id: str


def provider_for(mastodon: FakeMastodon, **overrides: Any) -> MastodonProvider:
    client_id, client_secret = register_app(
        instance_url=mastodon.base_url, redirect_uri=REDIRECT_URI, scopes=SCOPES, website="https://chorus.example"
    )
    config = mastodon.config(client_id=client_id, client_secret=client_secret, redirect_uri=REDIRECT_URI)
    if overrides:
        config = replace(config, **overrides)
    return MastodonProvider(config, clock=mastodon.now)


def authorize(provider: MastodonProvider) -> tuple[dict[str, list[str]], str, str]:
    """Follow the authorisation URL as the browser would: (callback query, state, verifier)."""
    request = provider.authorization_url()
    answer = requests.get(request.url, allow_redirects=False, timeout=5)
    assert answer.status_code == 302
    location = answer.headers["Location"]
    assert location.startswith(REDIRECT_URI)
    return parse_qs(urlsplit(location).query), request.state, request.code_verifier


def connect(mastodon: FakeMastodon) -> Connected:
    provider = provider_for(mastodon)
    query, _, verifier = authorize(provider)
    token = provider.exchange_code(code=query["code"][0], code_verifier=verifier)
    return Connected(provider=provider, token=token, account_id=provider.get_identity(token).external_user_id)


def share(text: str = f"We shipped it! {TRACKED_LINK}", **fields: Any) -> ShareRequest:
    return ShareRequest(text=text, link_url=TRACKED_LINK, created_at=datetime.now(UTC), **fields)


def publish(connected: Connected, request: ShareRequest | None = None, *, key: str = "share-1") -> PublishResult:
    who = connected.provider.get_identity(connected.token)
    return connected.provider.publish(connected.token, who, request or share(), idempotency_key=key)


# Registering and connecting ---------------------------------------------------------


def test_registering_chorus_on_an_instance_returns_client_credentials_for_the_asked_scopes(
    mastodon: FakeMastodon,
) -> None:
    client_id, client_secret = register_app(
        instance_url=mastodon.base_url, redirect_uri=REDIRECT_URI, scopes=SCOPES, website="https://chorus.example"
    )

    app = mastodon.apps[client_id]
    assert app.client_secret == client_secret
    assert app.name == "Chorus"
    assert app.redirect_uris == [REDIRECT_URI]
    assert app.website == "https://chorus.example"
    assert app.scopes == frozenset(SCOPES.split())


def test_the_code_flow_passes_state_and_exchanges_the_code_with_the_secret_and_verifier_in_the_form(
    mastodon: FakeMastodon,
) -> None:
    provider = provider_for(mastodon)
    query, state, verifier = authorize(provider)

    assert query["state"] == [state]
    token = provider.exchange_code(code=query["code"][0], code_verifier=verifier)

    assert token.scopes == frozenset(SCOPES.split())
    assert token.refresh_token is None
    assert token.expires_at is None  # Mastodon tokens do not expire
    form = mastodon.token_requests[-1]
    assert form["grant_type"] == "authorization_code"
    assert form["client_id"] == provider.config.client_id
    assert form["client_secret"] == provider.config.client_secret
    assert form["code_verifier"] == verifier
    assert form["redirect_uri"] == REDIRECT_URI


def test_the_authorization_url_asks_for_an_s256_code_challenge(mastodon: FakeMastodon) -> None:
    request = provider_for(mastodon).authorization_url(state="fixed-state")

    query = parse_qs(urlsplit(request.url).query)
    assert query["code_challenge_method"] == ["S256"]
    assert query["code_challenge"][0]
    assert query["state"] == ["fixed-state"]
    assert query["scope"] == [SCOPES]
    assert request.code_verifier


def test_a_wrong_code_verifier_is_refused_and_spends_the_code(mastodon: FakeMastodon) -> None:
    provider = provider_for(mastodon)
    query, _, verifier = authorize(provider)

    with pytest.raises(ReauthRequired, match="invalid"):
        provider.exchange_code(code=query["code"][0], code_verifier="not-the-verifier-" + "x" * 30)
    with pytest.raises(ReauthRequired):
        provider.exchange_code(code=query["code"][0], code_verifier=verifier)
    assert mastodon.tokens == {}


def test_an_authorization_code_works_only_once(mastodon: FakeMastodon) -> None:
    provider = provider_for(mastodon)
    query, _, verifier = authorize(provider)
    provider.exchange_code(code=query["code"][0], code_verifier=verifier)

    with pytest.raises(ReauthRequired):
        provider.exchange_code(code=query["code"][0], code_verifier=verifier)


def test_the_person_declining_comes_back_with_access_denied_and_the_state(mastodon: FakeMastodon) -> None:
    provider = provider_for(mastodon)
    mastodon.consent = "deny"

    query, state, _ = authorize(provider)

    assert query["error"] == ["access_denied"]
    assert query["state"] == [state]
    assert "code" not in query


def test_oauth_with_an_instance_over_plain_http_is_refused(
    mastodon: FakeMastodon, monkeypatch: pytest.MonkeyPatch
) -> None:
    provider = provider_for(mastodon)
    monkeypatch.delenv("OAUTHLIB_INSECURE_TRANSPORT")

    with pytest.raises(ProviderError, match="https://"):
        provider.authorization_url()


def test_an_instance_older_than_4_3_is_registered_and_authorised_with_read_accounts_instead_of_profile(
    mastodon: FakeMastodon,
) -> None:
    mastodon.supports_profile_scope = False

    connected = connect(mastodon)

    app = next(iter(mastodon.apps.values()))
    assert app.scopes == frozenset({"read:statuses", "write:statuses", "write:media", "read:accounts"})
    assert "read:accounts" in connected.token.scopes
    assert connected.provider.get_identity(connected.token).handle.startswith("ada@")


def test_the_identity_is_the_account_with_its_handle_on_the_instance(mastodon: FakeMastodon) -> None:
    connected = connect(mastodon)

    who = connected.provider.get_identity(connected.token)

    host = urlsplit(mastodon.base_url).netloc
    assert who.external_user_id == who.author_ref == mastodon.account_id("ada")
    assert who.handle == f"ada@{host}"
    assert who.display_name == "Ada Lovelace"
    assert who.profile_url == f"{mastodon.base_url}/@ada"


def test_the_person_selected_on_the_instance_is_the_one_connected(mastodon: FakeMastodon) -> None:
    grace = mastodon.add_account("grace", display_name="Grace Hopper")
    mastodon.sign_in_as("grace")

    connected = connect(mastodon)

    assert connected.account_id == grace


# Posting ----------------------------------------------------------------------------


def test_publishing_posts_a_status_and_returns_its_id_and_url(mastodon: FakeMastodon) -> None:
    connected = connect(mastodon)

    result = publish(connected)

    posts = mastodon.posts_of(connected.account_id)
    assert [post["id"] for post in posts] == [result.external_id]
    assert result.url == f"{mastodon.base_url}/@ada/{result.external_id}"
    assert result.raw["visibility"] == "public"
    assert 'href="https://go.chorus.example/s/Ab3?utm_source=mastodon&amp;utm_medium=advocacy"' in posts[0]["content"]


def test_sending_the_same_idempotency_key_again_returns_the_same_status_and_posts_once(
    mastodon: FakeMastodon,
) -> None:
    connected = connect(mastodon)

    first = publish(connected, key="share-7")
    second = publish(connected, key="share-7")

    assert second.external_id == first.external_id
    assert len(mastodon.posts_of(connected.account_id)) == 1


def test_a_different_idempotency_key_is_a_different_status(mastodon: FakeMastodon) -> None:
    connected = connect(mastodon)

    first = publish(connected, key="share-7")
    second = publish(connected, key="share-8")

    assert second.external_id != first.external_id
    assert len(mastodon.posts_of(connected.account_id)) == 2


def test_a_connection_dropped_after_the_post_is_ambiguous_and_reconcile_finds_the_one_post(
    mastodon: FakeMastodon,
) -> None:
    connected = connect(mastodon)
    who = connected.provider.get_identity(connected.token)
    mastodon.fault("POST", "/api/v1/statuses", kind="drop_after_commit")
    sent_at = mastodon.now()

    with pytest.raises(AmbiguousOutcome):
        connected.provider.publish(connected.token, who, share(), idempotency_key="share-9")
    found = connected.provider.reconcile(connected.token, who, share(), idempotency_key="share-9", sent_after=sent_at)

    posts = mastodon.posts_of(connected.account_id)
    assert found is not None
    assert [post["id"] for post in posts] == [found.external_id]


def test_reconcile_after_the_idempotency_window_finds_the_status_by_its_tracked_link(
    mastodon: FakeMastodon,
) -> None:
    connected = connect(mastodon)
    who = connected.provider.get_identity(connected.token)
    sent_at = mastodon.now()
    mastodon.fault("POST", "/api/v1/statuses", kind="drop_after_commit")
    with pytest.raises(AmbiguousOutcome):
        connected.provider.publish(connected.token, who, share(), idempotency_key="share-10")
    publish(connected, share(f"Another post entirely {TRACKED_LINK}x"), key="unrelated")
    mastodon.set_clock(advance=2 * 3600)

    found = connected.provider.reconcile(connected.token, who, share(), idempotency_key="share-10", sent_after=sent_at)

    assert found is not None
    assert found.external_id == mastodon.posts_of(connected.account_id)[0]["id"]
    assert mastodon.requests_to("POST", "/api/v1/statuses") == 2  # the search posted nothing
    assert len(mastodon.posts_of(connected.account_id)) == 2


def test_reconcile_after_the_window_finds_nothing_when_the_post_never_arrived(mastodon: FakeMastodon) -> None:
    connected = connect(mastodon)
    who = connected.provider.get_identity(connected.token)
    sent_at = mastodon.now()
    mastodon.fault("POST", "/api/v1/statuses", kind="drop")
    with pytest.raises(AmbiguousOutcome):
        connected.provider.publish(connected.token, who, share(), idempotency_key="share-11")
    mastodon.set_clock(advance=2 * 3600)

    found = connected.provider.reconcile(connected.token, who, share(), idempotency_key="share-11", sent_after=sent_at)

    assert found is None
    assert mastodon.posts_of(connected.account_id) == []


def test_a_blank_status_is_invalid_content_with_the_servers_message(mastodon: FakeMastodon) -> None:
    connected = connect(mastodon)

    with pytest.raises(InvalidContent, match="Text can't be blank") as refused:
        publish(connected, ShareRequest(text="   "))

    assert refused.value.status == 422


def test_a_status_over_500_characters_is_invalid_content(mastodon: FakeMastodon) -> None:
    connected = connect(mastodon)

    with pytest.raises(InvalidContent, match="character limit of 500"):
        publish(connected, share("x" * 501))


def test_a_long_link_counts_as_23_characters_towards_the_limit(mastodon: FakeMastodon) -> None:
    connected = connect(mastodon)
    long_link = "https://example.com/" + "a" * 300

    result = publish(connected, share("y" * 470 + " " + long_link))

    assert result.external_id


def test_a_revoked_token_is_auth_expired_and_refreshing_it_requires_reconnecting(mastodon: FakeMastodon) -> None:
    connected = connect(mastodon)
    who = connected.provider.get_identity(connected.token)
    mastodon.revoke_token(connected.token.access_token)

    with pytest.raises(AuthExpired, match="The access token is invalid"):
        connected.provider.publish(connected.token, who, share(), idempotency_key="share-12")
    with pytest.raises(ReauthRequired, match="connect the account again"):
        connected.provider.refresh(connected.token)


def test_revoking_through_the_provider_ends_access(mastodon: FakeMastodon) -> None:
    connected = connect(mastodon)

    connected.provider.revoke(connected.token)

    with pytest.raises(AuthExpired):
        connected.provider.get_identity(connected.token)


def test_a_token_without_write_statuses_is_permission_denied(mastodon: FakeMastodon) -> None:
    provider = provider_for(mastodon)
    token = TokenBundle(access_token=mastodon.issue_token("ada", scopes="read:statuses profile"))
    who = provider.get_identity(token)

    with pytest.raises(PermissionDenied, match="outside the authorized scopes"):
        provider.publish(token, who, share(), idempotency_key="share-13")


def test_every_answer_carries_the_rate_limit_headers_with_an_iso_reset(mastodon: FakeMastodon) -> None:
    connected = connect(mastodon)

    answer = requests.get(
        f"{mastodon.base_url}/api/v1/accounts/verify_credentials",
        headers={"Authorization": f"Bearer {connected.token.access_token}"},
        timeout=5,
    )

    assert answer.headers["X-RateLimit-Limit"] == "300"
    assert int(answer.headers["X-RateLimit-Remaining"]) < 300
    assert datetime.fromisoformat(answer.headers["X-RateLimit-Reset"]) > mastodon.now()


def test_too_many_requests_is_rate_limited_until_the_reset_the_instance_names(mastodon: FakeMastodon) -> None:
    connected = connect(mastodon)
    who = connected.provider.get_identity(connected.token)
    mastodon.rate_limit, mastodon.rate_limit_window = 2, 600
    mastodon.set_clock(advance=600 - mastodon.now().timestamp() % 600 + 1)  # the start of a fresh window
    window_end = datetime.fromtimestamp((int(mastodon.now().timestamp()) // 600 + 1) * 600, UTC)
    for _ in range(2):
        connected.provider.publish(connected.token, who, share(), idempotency_key="share-15")

    with pytest.raises(RateLimited) as limited:
        connected.provider.publish(connected.token, who, share(), idempotency_key="share-15")

    assert limited.value.scope == "user"
    assert limited.value.retry_at == window_end
    assert len(mastodon.posts_of(connected.account_id)) == 1


def test_a_server_error_on_create_is_an_ambiguous_outcome(mastodon: FakeMastodon) -> None:
    connected = connect(mastodon)
    mastodon.fault("POST", "/api/v1/statuses", kind="status", status=503, body={"error": "Service Unavailable"})

    with pytest.raises(AmbiguousOutcome) as ambiguous:
        publish(connected)

    assert ambiguous.value.status == 503


def test_a_read_timeout_on_create_is_an_ambiguous_outcome(mastodon: FakeMastodon) -> None:
    provider = provider_for(mastodon, timeout=(2.0, 0.3))
    query, _, verifier = authorize(provider)
    token = provider.exchange_code(code=query["code"][0], code_verifier=verifier)
    who = provider.get_identity(token)
    mastodon.fault("POST", "/api/v1/statuses", kind="latency", seconds=1.0)

    with pytest.raises(AmbiguousOutcome):
        provider.publish(token, who, share(), idempotency_key="share-14")


def test_publishing_an_image_waits_until_the_instance_has_processed_it(mastodon: FakeMastodon) -> None:
    connected = connect(mastodon)
    connected.provider.media_poll_interval = 0.01
    mastodon.media_processing_polls = 2
    image = ImageRef(content=b"\x89PNG\r\n\x1a\n" + b"0" * 64, mime_type="image/png", alt_text="A rocket")

    result = publish(connected, share(image=image))

    attachments = result.raw["media_attachments"]
    assert len(attachments) == 1
    assert attachments[0]["description"] == "A rocket"
    assert mastodon.requests_to("GET", r"/api/v1/media/\d+") == 3  # two answers of "still processing"


# Metrics ----------------------------------------------------------------------------


def test_a_fresh_status_has_zero_reactions_and_unknown_impressions_reach_and_clicks(mastodon: FakeMastodon) -> None:
    connected = connect(mastodon)
    who = connected.provider.get_identity(connected.token)
    posted = publish(connected)

    snapshot = connected.provider.fetch_metrics(connected.token, who, [posted.external_id])[posted.external_id]

    assert (snapshot.reactions, snapshot.reshares, snapshot.comments) == (0, 0, 0)
    assert (snapshot.impressions, snapshot.reach, snapshot.clicks) == (None, None, None)


def test_metrics_grow_with_the_age_of_the_status(mastodon: FakeMastodon) -> None:
    connected = connect(mastodon)
    who = connected.provider.get_identity(connected.token)
    posted = publish(connected)
    mastodon.set_clock(advance=2 * 3600)

    snapshot = connected.provider.fetch_metrics(connected.token, who, [posted.external_id])[posted.external_id]

    assert (snapshot.reactions, snapshot.reshares, snapshot.comments) == (12, 4, 2)
    assert snapshot.raw["favourites_count"] == 12
    assert snapshot.fetched_at - mastodon.now() < timedelta(seconds=5)


def test_a_deleted_status_has_no_snapshot(mastodon: FakeMastodon) -> None:
    connected = connect(mastodon)
    who = connected.provider.get_identity(connected.token)
    kept, deleted = publish(connected, key="a"), publish(connected, key="b")

    connected.provider.delete(connected.token, who, deleted.external_id)
    snapshots = connected.provider.fetch_metrics(connected.token, who, [kept.external_id, deleted.external_id])

    assert list(snapshots) == [kept.external_id]
    assert [post["id"] for post in mastodon.posts_of(connected.account_id)] == [kept.external_id]


def test_capabilities_declare_provider_idempotency_and_no_refresh(mastodon: FakeMastodon) -> None:
    capabilities = provider_for(mastodon).capabilities()

    assert capabilities.provider_idempotency is True
    assert capabilities.refreshable is False
    assert capabilities.max_text_len == 500
    assert capabilities.metric_fields == frozenset({"reactions", "reshares", "comments"})
