"""The X adapter against the loopback X: real HTTP, the fake's clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from advocacy.providers.base import (
    AmbiguousOutcome,
    AuthExpired,
    DuplicateContent,
    Identity,
    ImageRef,
    InvalidContent,
    PermissionDenied,
    RateLimited,
    ReauthRequired,
    ShareRequest,
    TokenBundle,
)
from advocacy.providers.x import XProvider
from tests.fakes.x import DEFAULT_SCOPES, FakeX

TRACKED_LINK = "https://chorus.test/l/Ab3dE"
TIMEOUT = (2.0, 1.0)  # a 1-second read timeout keeps the latency tests short


@pytest.fixture(autouse=True)
def plain_http_oauth(monkeypatch: pytest.MonkeyPatch) -> None:
    # oauthlib refuses http:// endpoints; the fakes speak plain HTTP on 127.0.0.1.
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")


@pytest.fixture(scope="module")
def running_x() -> Iterator[FakeX]:
    with FakeX() as fake:
        yield fake


@pytest.fixture
def x(running_x: FakeX) -> FakeX:
    running_x.reset()
    return running_x


@pytest.fixture
def provider(x: FakeX) -> XProvider:
    return XProvider(x.config(timeout=TIMEOUT))


@pytest.fixture
def grace() -> Identity:
    return Identity(external_user_id="2244994945", author_ref="2244994945", handle="grace")


@pytest.fixture
def token(x: FakeX) -> TokenBundle:
    return x.issue_token("2244994945")


def share(text: str = f"Our new report {TRACKED_LINK}", **fields: Any) -> ShareRequest:
    return ShareRequest(text=text, link_url=TRACKED_LINK if TRACKED_LINK in text else None, **fields)


def consent(url: str) -> dict[str, str]:
    """What the browser brings back to the callback after X's page."""
    answer = requests.get(url, allow_redirects=False, timeout=5)
    assert answer.status_code == 302
    return {key: values[0] for key, values in parse_qs(urlsplit(answer.headers["Location"]).query).items()}


def raw_tweet(x: FakeX, token: TokenBundle, text: str) -> requests.Response:
    headers = {"Authorization": f"Bearer {token.access_token}"}
    return requests.post(f"{x.base_url}/2/tweets", json={"text": text}, headers=headers, timeout=5)


# OAuth ---------------------------------------------------------------------------------


def test_the_code_flow_with_pkce_signs_the_user_in_and_passes_state_through(provider: XProvider) -> None:
    authorization = provider.authorization_url()
    query = parse_qs(urlsplit(authorization.url).query)
    assert query["code_challenge_method"] == ["S256"]
    assert query["scope"] == ["tweet.read tweet.write users.read offline.access"]
    assert authorization.code_verifier

    callback = consent(authorization.url)
    assert callback["state"] == authorization.state
    token = provider.exchange_code(code=callback["code"], code_verifier=authorization.code_verifier)

    assert token.scopes == DEFAULT_SCOPES
    assert token.refresh_token
    assert token.expires_at is not None
    assert abs(token.expires_at - (datetime.now(UTC) + timedelta(hours=2))) < timedelta(minutes=1)
    assert provider.get_identity(token).handle == "grace"


def test_a_wrong_pkce_verifier_is_refused(provider: XProvider) -> None:
    authorization = provider.authorization_url()
    code = consent(authorization.url)["code"]
    with pytest.raises(ReauthRequired):
        provider.exchange_code(code=code, code_verifier="not-the-verifier-" + "x" * 40)


def test_a_code_can_be_exchanged_only_once(provider: XProvider) -> None:
    authorization = provider.authorization_url()
    code = consent(authorization.url)["code"]
    provider.exchange_code(code=code, code_verifier=authorization.code_verifier)
    with pytest.raises(ReauthRequired):
        provider.exchange_code(code=code, code_verifier=authorization.code_verifier)


def test_a_code_older_than_thirty_seconds_is_refused(x: FakeX, provider: XProvider) -> None:
    authorization = provider.authorization_url()
    code = consent(authorization.url)["code"]
    x.set_clock(advance=31)
    with pytest.raises(ReauthRequired):
        provider.exchange_code(code=code, code_verifier=authorization.code_verifier)


def test_the_token_endpoint_requires_basic_client_authentication(x: FakeX) -> None:
    answer = requests.post(
        f"{x.base_url}/2/oauth2/token",
        data={"grant_type": "authorization_code", "code": "any", "client_id": x.client_id},
        timeout=5,
    )
    assert answer.status_code == 401
    assert answer.json() == {"error": "unauthorized_client", "error_description": "Missing valid authorization header"}


def test_wrong_app_credentials_are_an_administrators_problem(x: FakeX) -> None:
    provider = XProvider(x.config(client_secret="not-the-secret"))
    authorization = provider.authorization_url()
    code = consent(authorization.url)["code"]
    with pytest.raises(PermissionDenied, match="app credentials"):
        provider.exchange_code(code=code, code_verifier=authorization.code_verifier)


def test_a_user_who_denies_comes_back_with_access_denied(x: FakeX, provider: XProvider) -> None:
    x.deny_next = True
    authorization = provider.authorization_url()
    callback = consent(authorization.url)
    assert callback == {"error": "access_denied", "state": authorization.state}


def test_the_fake_refuses_an_authorization_without_an_s256_challenge(x: FakeX, provider: XProvider) -> None:
    url = provider.authorization_url().url.replace("code_challenge_method=S256", "code_challenge_method=plain")
    assert consent(url)["error"] == "invalid_request"


def test_refresh_returns_a_new_pair(provider: XProvider, token: TokenBundle) -> None:
    refreshed = provider.refresh(token)

    assert refreshed.access_token != token.access_token
    assert refreshed.refresh_token not in (None, token.refresh_token)
    assert provider.get_identity(refreshed).external_user_id == "2244994945"


def test_reusing_a_spent_refresh_token_requires_reauth_and_revokes_the_whole_family(
    x: FakeX, provider: XProvider, token: TokenBundle
) -> None:
    refreshed = provider.refresh(token)

    with pytest.raises(ReauthRequired):
        provider.refresh(token)

    assert not x.token_active(refreshed.access_token)
    with pytest.raises(AuthExpired):
        provider.get_identity(refreshed)
    with pytest.raises(ReauthRequired):
        provider.refresh(refreshed)


def test_without_offline_access_there_is_nothing_to_refresh(x: FakeX, provider: XProvider) -> None:
    token = x.issue_token("2244994945", scopes={"tweet.read", "tweet.write", "users.read"})
    assert token.refresh_token is None
    with pytest.raises(ReauthRequired):
        provider.refresh(token)


def test_revoking_ends_the_grant(x: FakeX, provider: XProvider, token: TokenBundle) -> None:
    provider.revoke(token)
    assert not x.token_active(token.access_token)
    with pytest.raises(ReauthRequired):
        provider.refresh(token)


# Identity ------------------------------------------------------------------------------


def test_the_identity_names_the_user_and_their_handle(x: FakeX, provider: XProvider) -> None:
    ada = x.add_user("12", username="ada", name="Ada Lovelace")
    identity = provider.get_identity(x.issue_token(ada.id))
    assert identity == Identity(
        external_user_id="12",
        author_ref="12",
        handle="ada",
        display_name="Ada Lovelace",
        profile_url="https://x.com/ada",
    )


# Publishing ----------------------------------------------------------------------------


def test_publishing_returns_the_post_id_and_its_url(
    x: FakeX, provider: XProvider, token: TokenBundle, grace: Identity
) -> None:
    result = provider.publish(token, grace, share(), idempotency_key="k1")

    posted = x.posts_of("2244994945")
    assert [post["id"] for post in posted] == [result.external_id]
    assert posted[0]["urls"] == [TRACKED_LINK]
    assert result.url == f"https://x.com/grace/status/{result.external_id}"


def test_x_rewrites_the_link_to_t_co_and_escapes_the_text(
    provider: XProvider, token: TokenBundle, grace: Identity
) -> None:
    result = provider.publish(token, grace, share(f"Q&A recap {TRACKED_LINK}"), idempotency_key="k1")
    assert result.raw["text"].startswith("Q&amp;A recap https://t.co/")
    assert TRACKED_LINK not in result.raw["text"]


def test_the_same_text_again_is_a_duplicate_that_names_no_post(
    x: FakeX, provider: XProvider, token: TokenBundle, grace: Identity
) -> None:
    provider.publish(token, grace, share(), idempotency_key="k1")

    with pytest.raises(DuplicateContent) as duplicate:
        provider.publish(token, grace, share(), idempotency_key="k1")

    assert duplicate.value.existing_id is None
    assert provider.capabilities().duplicate_returns_id is False
    assert len(x.posts_of("2244994945")) == 1


def test_an_image_is_uploaded_when_media_write_is_granted(x: FakeX, provider: XProvider, grace: Identity) -> None:
    token = x.issue_token("2244994945", scopes=DEFAULT_SCOPES | {"media.write"})
    image = ImageRef(content=b"\x89PNG fake", mime_type="image/png", alt_text="Our team")

    provider.publish(token, grace, share(image=image), idempotency_key="k1")

    assert len(x.posts_of("2244994945")[0]["media_ids"]) == 1
    assert x.requests_to("POST", "/2/media/metadata") == 1


def test_without_media_write_the_post_goes_out_with_its_link_card_only(
    x: FakeX, provider: XProvider, token: TokenBundle, grace: Identity
) -> None:
    image = ImageRef(content=b"\x89PNG fake", mime_type="image/png")
    provider.publish(token, grace, share(image=image), idempotency_key="k1")
    assert x.posts_of("2244994945")[0]["media_ids"] == []
    assert x.requests_to("POST", "/2/media/upload") == 0


def test_a_post_x_refuses_is_invalid_content_saying_why(
    provider: XProvider, token: TokenBundle, grace: Identity
) -> None:
    with pytest.raises(InvalidContent, match="too long"):
        provider.publish(token, grace, share("x" * 281), idempotency_key="k1")


def test_delete_removes_the_post_and_a_second_delete_is_harmless(
    x: FakeX, provider: XProvider, token: TokenBundle, grace: Identity
) -> None:
    result = provider.publish(token, grace, share(), idempotency_key="k1")
    provider.delete(token, grace, result.external_id)
    provider.delete(token, grace, result.external_id)
    assert x.posts_of("2244994945") == []


# Reconciling ---------------------------------------------------------------------------


def test_a_post_whose_answer_was_lost_is_found_by_its_tracked_link(
    x: FakeX, provider: XProvider, token: TokenBundle, grace: Identity
) -> None:
    sent_at = datetime.now(UTC)
    x.fault("POST", "/2/tweets", kind="drop_after_commit")
    with pytest.raises(AmbiguousOutcome):
        provider.publish(token, grace, share(), idempotency_key="k1")

    found = provider.reconcile(token, grace, share(), idempotency_key="k1", sent_after=sent_at)

    posted = x.posts_of("2244994945")
    assert len(posted) == 1
    assert found is not None
    assert found.external_id == posted[0]["id"]
    assert found.url == f"https://x.com/grace/status/{posted[0]['id']}"
    assert provider.capabilities().can_list_own_posts is True


def test_a_post_without_a_link_is_found_by_its_words(
    x: FakeX, provider: XProvider, token: TokenBundle, grace: Identity
) -> None:
    sent_at = datetime.now(UTC)
    provider.publish(token, grace, share("Q&A with   the team"), idempotency_key="k1")

    found = provider.reconcile(token, grace, share("q&a with the team"), idempotency_key="k1", sent_after=sent_at)

    assert found is not None
    assert found.external_id == x.posts_of("2244994945")[0]["id"]


def test_a_post_that_never_arrived_is_not_found(
    x: FakeX, provider: XProvider, token: TokenBundle, grace: Identity
) -> None:
    sent_at = datetime.now(UTC)
    provider.publish(token, grace, share("Something else entirely"), idempotency_key="k0")
    x.fault("POST", "/2/tweets", kind="drop")
    with pytest.raises(AmbiguousOutcome):
        provider.publish(token, grace, share(), idempotency_key="k1")

    assert provider.reconcile(token, grace, share(), idempotency_key="k1", sent_after=sent_at) is None


def test_reconcile_looks_only_at_posts_from_just_before_the_send(
    x: FakeX, provider: XProvider, token: TokenBundle, grace: Identity
) -> None:
    provider.publish(token, grace, share("An older post"), idempotency_key="k0")
    later = datetime.now(UTC) + timedelta(hours=1)

    found = provider.reconcile(token, grace, share("An older post"), idempotency_key="k1", sent_after=later)

    assert found is None


# Errors --------------------------------------------------------------------------------


def test_an_expired_token_is_auth_expired(x: FakeX, provider: XProvider, grace: Identity) -> None:
    token = x.issue_token("2244994945", expires_in=timedelta(minutes=1))
    x.set_clock(advance=120)
    with pytest.raises(AuthExpired):
        provider.publish(token, grace, share(), idempotency_key="k1")


def test_a_token_the_user_revoked_is_auth_expired(
    x: FakeX, provider: XProvider, token: TokenBundle, grace: Identity
) -> None:
    x.revoke(token.access_token)
    with pytest.raises(AuthExpired):
        provider.publish(token, grace, share(), idempotency_key="k1")
    with pytest.raises(ReauthRequired):
        provider.refresh(token)


def test_without_tweet_write_posting_is_permission_denied(x: FakeX, provider: XProvider, grace: Identity) -> None:
    token = x.issue_token("2244994945", scopes={"tweet.read", "users.read"})
    with pytest.raises(PermissionDenied):
        provider.publish(token, grace, share(), idempotency_key="k1")
    assert x.posts_of("2244994945") == []


def test_an_app_only_token_cannot_post(x: FakeX, provider: XProvider, grace: Identity) -> None:
    with pytest.raises(PermissionDenied, match="Application-Only"):
        provider.publish(TokenBundle(access_token=x.app_bearer), grace, share(), idempotency_key="k1")


def test_every_answer_carries_the_rate_limit_headers(x: FakeX, token: TokenBundle) -> None:
    answer = raw_tweet(x, token, "Hello")
    assert answer.status_code == 201
    assert answer.headers["x-rate-limit-limit"] == "100"
    assert answer.headers["x-rate-limit-remaining"] == "99"
    assert answer.headers["x-user-limit-24hour-remaining"] == "2399"
    assert answer.headers["x-app-limit-24hour-remaining"] == "9999"
    assert int(answer.headers["x-rate-limit-reset"]) == int((x.now() + timedelta(minutes=15)).timestamp())


def test_a_full_window_makes_the_user_wait_for_its_reset(
    x: FakeX, provider: XProvider, token: TokenBundle, grace: Identity
) -> None:
    x.window_limits["tweets.create"] = 1
    window_reset = int((x.now() + timedelta(minutes=15)).timestamp())
    provider.publish(token, grace, share("first"), idempotency_key="k1")

    with pytest.raises(RateLimited) as limited:
        provider.publish(token, grace, share("second"), idempotency_key="k2")

    assert limited.value.scope == "user"
    assert abs(limited.value.retry_at.timestamp() - window_reset) <= 1


def test_a_spent_daily_user_cap_makes_the_user_wait_for_the_later_reset(
    x: FakeX, provider: XProvider, token: TokenBundle, grace: Identity
) -> None:
    x.user_daily_limits["tweets.create"] = 1
    day_reset = int((x.now() + timedelta(hours=24)).timestamp())
    provider.publish(token, grace, share("first"), idempotency_key="k1")

    with pytest.raises(RateLimited) as limited:
        provider.publish(token, grace, share("second"), idempotency_key="k2")

    assert limited.value.scope == "user"
    assert abs(limited.value.retry_at.timestamp() - day_reset) <= 1


def test_a_spent_daily_app_cap_stops_every_account(x: FakeX, provider: XProvider, grace: Identity) -> None:
    ada = x.add_user("12", username="ada", name="Ada Lovelace")
    x.app_daily_limits["tweets.create"] = 1
    day_reset = int((x.now() + timedelta(hours=24)).timestamp())
    provider.publish(x.issue_token(grace.external_user_id), grace, share(), idempotency_key="k1")

    with pytest.raises(RateLimited) as limited:
        provider.publish(x.issue_token(ada.id), Identity(ada.id, ada.id, "ada"), share(), idempotency_key="k2")

    assert limited.value.scope == "app"
    assert abs(limited.value.retry_at.timestamp() - day_reset) <= 1


def test_the_fake_answers_429_with_xs_body(x: FakeX, token: TokenBundle) -> None:
    x.window_limits["tweets.create"] = 0
    answer = raw_tweet(x, token, "Hello")
    assert answer.status_code == 429
    assert answer.json() == {
        "title": "Too Many Requests",
        "detail": "Too Many Requests",
        "type": "about:blank",
        "status": 429,
    }
    assert answer.headers["x-rate-limit-remaining"] == "0"


def test_a_usage_cap_pauses_the_whole_app_until_next_month(
    x: FakeX, provider: XProvider, token: TokenBundle, grace: Identity
) -> None:
    capped = {
        "title": "UsageCapExceeded",
        "detail": "Usage cap exceeded: Monthly product cap",
        "type": "https://api.twitter.com/2/problems/usage-capped",
        "period": "Monthly",
        "scope": "Product",
    }
    x.fault("POST", "/2/tweets", kind="status", status=429, body=capped)

    with pytest.raises(RateLimited) as limited:
        provider.publish(token, grace, share(), idempotency_key="k1")

    today = datetime.now(UTC).date()
    assert limited.value.scope == "app"
    assert limited.value.retry_at.day == 1
    assert limited.value.retry_at.date() > today


def test_a_server_error_on_create_is_ambiguous(
    x: FakeX, provider: XProvider, token: TokenBundle, grace: Identity
) -> None:
    x.fault("POST", "/2/tweets", kind="status", status=503)
    with pytest.raises(AmbiguousOutcome):
        provider.publish(token, grace, share(), idempotency_key="k1")


def test_a_timeout_on_create_is_ambiguous(x: FakeX, provider: XProvider, token: TokenBundle, grace: Identity) -> None:
    x.fault("POST", "/2/tweets", kind="latency", seconds=1.5)
    with pytest.raises(AmbiguousOutcome):
        provider.publish(token, grace, share(), idempotency_key="k1")


# Metrics -------------------------------------------------------------------------------


def test_metrics_grow_with_the_posts_age(x: FakeX, provider: XProvider, token: TokenBundle, grace: Identity) -> None:
    tweet_id = provider.publish(token, grace, share(), idempotency_key="k1").external_id
    x.set_clock(advance=10 * 3600)

    snapshot = provider.fetch_metrics(x.issue_token("2244994945"), grace, [tweet_id])[tweet_id]

    assert (snapshot.impressions, snapshot.reactions, snapshot.comments, snapshot.reshares) == (800, 40, 5, 4)
    assert snapshot.clicks == 20
    assert snapshot.reach is None


def test_after_thirty_days_clicks_are_unknown_while_public_counts_remain(
    x: FakeX, provider: XProvider, token: TokenBundle, grace: Identity
) -> None:
    tweet_id = provider.publish(token, grace, share(), idempotency_key="k1").external_id
    x.set_clock(advance=31 * 24 * 3600)
    fresh_token = x.issue_token("2244994945")

    snapshot = provider.fetch_metrics(fresh_token, grace, [tweet_id])[tweet_id]

    assert snapshot.clicks is None
    assert snapshot.impressions == 80 * 31 * 24
    assert "non_public_metrics" not in snapshot.raw
    assert x.lookup_batches == [[tweet_id], [tweet_id]]  # refused with private fields, then asked again


def test_posts_whose_id_shows_they_are_old_ask_for_public_metrics_only(
    x: FakeX, provider: XProvider, grace: Identity
) -> None:
    x.set_clock(now=datetime.now(UTC) - timedelta(days=40))
    tweet_id = provider.publish(x.issue_token("2244994945"), grace, share(), idempotency_key="k1").external_id
    x.set_clock(now=datetime.now(UTC))

    snapshot = provider.fetch_metrics(x.issue_token("2244994945"), grace, [tweet_id])[tweet_id]

    assert snapshot.clicks is None
    assert snapshot.impressions is not None
    assert len(x.lookup_batches) == 1


def test_someone_elses_post_has_public_metrics_only(x: FakeX, provider: XProvider, grace: Identity) -> None:
    ada = x.add_user("12", username="ada", name="Ada Lovelace")
    tweet_id = provider.publish(x.issue_token(grace.external_user_id), grace, share(), idempotency_key="k1").external_id

    snapshot = provider.fetch_metrics(x.issue_token(ada.id), grace, [tweet_id])[tweet_id]

    assert snapshot.impressions == 0
    assert snapshot.clicks is None


def test_metrics_are_fetched_at_most_a_hundred_posts_a_call(
    x: FakeX, provider: XProvider, token: TokenBundle, grace: Identity
) -> None:
    x.window_limits["tweets.create"] = 1000
    ids = [
        provider.publish(token, grace, share(f"Post {number}"), idempotency_key="k").external_id
        for number in range(150)
    ]

    snapshots = provider.fetch_metrics(token, grace, ids)

    assert provider.capabilities().metrics_batch_size == 100
    assert set(snapshots) == set(ids)
    assert [len(batch) for batch in x.lookup_batches] == [100, 50]


def test_a_deleted_post_is_absent_from_the_metrics(
    x: FakeX, provider: XProvider, token: TokenBundle, grace: Identity
) -> None:
    kept = provider.publish(token, grace, share("kept"), idempotency_key="k1").external_id
    deleted = provider.publish(token, grace, share("deleted"), idempotency_key="k2").external_id
    provider.delete(token, grace, deleted)

    assert set(provider.fetch_metrics(token, grace, [kept, deleted])) == {kept}


def test_the_fake_refuses_more_than_a_hundred_ids(x: FakeX, token: TokenBundle) -> None:
    answer = requests.get(
        f"{x.base_url}/2/tweets",
        params={"ids": ",".join(str(number) for number in range(1, 102))},
        headers={"Authorization": f"Bearer {token.access_token}"},
        timeout=5,
    )
    assert answer.status_code == 400
    assert "[101] is not between 1 and 100" in answer.json()["errors"][0]["message"]
