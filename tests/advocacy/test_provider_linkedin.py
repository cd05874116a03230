"""The LinkedIn adapter against the loopback LinkedIn: real HTTP, the fake's clock."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
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
    Transient,
)
from advocacy.providers.linkedin import LinkedInProvider, little_text_escaped, next_utc_midnight
from tests.fakes.linkedin import SELF_SERVE_SCOPES, FakeLinkedIn

ANALYTICS_SCOPES = SELF_SERVE_SCOPES | {"r_member_postAnalytics"}
TRACKED_LINK = "https://chorus.test/l/Ab3dE"
TIMEOUT = (2.0, 1.0)  # a 1-second read timeout keeps the latency tests short


@pytest.fixture(autouse=True)
def plain_http_oauth(monkeypatch: pytest.MonkeyPatch) -> None:
    # oauthlib refuses http:// endpoints; the fakes speak plain HTTP on 127.0.0.1.
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")


@pytest.fixture(scope="module")
def running_linkedin() -> Iterator[FakeLinkedIn]:
    with FakeLinkedIn() as fake:
        yield fake


@pytest.fixture
def linkedin(running_linkedin: FakeLinkedIn) -> FakeLinkedIn:
    running_linkedin.reset()
    return running_linkedin


@pytest.fixture
def provider(linkedin: FakeLinkedIn) -> LinkedInProvider:
    return LinkedInProvider(linkedin.config(timeout=TIMEOUT))


@pytest.fixture
def ada() -> Identity:
    return Identity(external_user_id="ada-sub", author_ref="urn:li:person:ada-sub", display_name="Ada Lovelace")


@pytest.fixture
def token(linkedin: FakeLinkedIn) -> TokenBundle:
    return linkedin.issue_token("ada-sub")


def share(text: str = "Our new report is out", **fields: Any) -> ShareRequest:
    return ShareRequest(text=text, **fields)


def consent(url: str) -> dict[str, str]:
    """What the browser brings back to the callback after LinkedIn's page."""
    answer = requests.get(url, allow_redirects=False, timeout=5)
    assert answer.status_code == 302
    return {key: values[0] for key, values in parse_qs(urlsplit(answer.headers["Location"]).query).items()}


def raw_post(linkedin: FakeLinkedIn, token: TokenBundle, body: dict[str, object], **headers: str) -> requests.Response:
    sent = {"Authorization": f"Bearer {token.access_token}", "X-Restli-Protocol-Version": "2.0.0"}
    sent |= {"LinkedIn-Version": linkedin.newest_version} | headers
    return requests.post(f"{linkedin.base_url}/rest/posts", json=body, headers=sent, timeout=5)


def text_post(author: str, commentary: str) -> dict[str, object]:
    return {
        "author": author,
        "commentary": commentary,
        "visibility": "PUBLIC",
        "distribution": {"feedDistribution": "MAIN_FEED"},
        "lifecycleState": "PUBLISHED",
    }


# OAuth ---------------------------------------------------------------------------------


def test_the_code_flow_signs_the_member_in_and_passes_state_through(provider: LinkedInProvider) -> None:
    authorization = provider.authorization_url()
    query = parse_qs(urlsplit(authorization.url).query)
    assert query["scope"] == ["openid profile email w_member_social"]
    assert query["response_type"] == ["code"]

    callback = consent(authorization.url)
    assert callback["state"] == authorization.state
    token = provider.exchange_code(code=callback["code"])

    assert token.scopes == SELF_SERVE_SCOPES
    assert token.refresh_token is None
    assert token.expires_at is not None
    assert abs(token.expires_at - (datetime.now(UTC) + timedelta(days=60))) < timedelta(minutes=1)
    assert provider.get_identity(token).author_ref == "urn:li:person:ada-sub"


def test_a_state_chosen_by_the_caller_comes_back_unchanged(provider: LinkedInProvider) -> None:
    authorization = provider.authorization_url(state="signed-session-state")
    assert consent(authorization.url)["state"] == "signed-session-state"


def test_a_code_can_be_exchanged_only_once(provider: LinkedInProvider) -> None:
    code = consent(provider.authorization_url().url)["code"]
    provider.exchange_code(code=code)
    with pytest.raises(ReauthRequired):
        provider.exchange_code(code=code)


def test_a_code_older_than_thirty_minutes_is_refused(linkedin: FakeLinkedIn, provider: LinkedInProvider) -> None:
    code = consent(provider.authorization_url().url)["code"]
    linkedin.set_clock(advance=31 * 60)
    with pytest.raises(ReauthRequired):
        provider.exchange_code(code=code)


def test_the_app_sends_its_credentials_as_form_fields(linkedin: FakeLinkedIn) -> None:
    answer = requests.post(
        f"{linkedin.base_url}/oauth/v2/accessToken",
        data={"grant_type": "authorization_code", "code": "any"},
        auth=(linkedin.client_id, linkedin.client_secret),
        timeout=5,
    )
    assert answer.status_code == 400
    assert answer.json()["error_description"] == 'A required parameter "client_id" is missing'


def test_wrong_app_credentials_are_an_administrators_problem(linkedin: FakeLinkedIn) -> None:
    provider = LinkedInProvider(linkedin.config(client_secret="not-the-secret"))
    code = consent(provider.authorization_url().url)["code"]
    with pytest.raises(PermissionDenied, match="app credentials"):
        provider.exchange_code(code=code)


def test_a_member_who_cancels_comes_back_with_user_cancelled_authorize(
    linkedin: FakeLinkedIn, provider: LinkedInProvider
) -> None:
    linkedin.deny_next = True
    authorization = provider.authorization_url()
    callback = consent(authorization.url)
    assert callback["error"] == "user_cancelled_authorize"
    assert callback["state"] == authorization.state
    assert "code" not in callback


def test_asking_for_analytics_before_linkedin_approves_it_comes_back_as_unauthorized_scope(
    linkedin: FakeLinkedIn,
) -> None:
    provider = LinkedInProvider(linkedin.config(scopes=(*sorted(SELF_SERVE_SCOPES), "r_member_postAnalytics")))
    callback = consent(provider.authorization_url().url)
    assert callback["error"] == "unauthorized_scope_error"
    assert "r_member_postAnalytics" in callback["error_description"]


def test_a_self_serve_token_cannot_be_refreshed_so_the_member_reconnects(
    provider: LinkedInProvider, token: TokenBundle
) -> None:
    assert provider.capabilities().refreshable is False
    with pytest.raises(ReauthRequired, match="Reconnect"):
        provider.refresh(token)


def test_a_programmatic_refresh_token_is_not_rotated_and_keeps_its_first_expiry() -> None:
    with FakeLinkedIn(programmatic_refresh=True) as linkedin:
        provider = LinkedInProvider(linkedin.config(extra={"programmatic_refresh": "true"}))
        token = provider.exchange_code(code=consent(provider.authorization_url().url)["code"])
        assert token.refresh_token is not None
        assert token.refresh_expires_at is not None
        linkedin.set_clock(advance=59 * 24 * 3600)

        refreshed = provider.refresh(token)

        assert provider.capabilities().refreshable is True
        assert refreshed.refresh_token == token.refresh_token
        assert refreshed.access_token != token.access_token
        assert refreshed.refresh_expires_at is not None
        remaining = refreshed.refresh_expires_at - datetime.now(UTC)
        assert abs(remaining - timedelta(days=306)) < timedelta(minutes=1)
        assert provider.get_identity(refreshed).external_user_id == "ada-sub"


def test_revoking_makes_the_token_unusable(provider: LinkedInProvider, token: TokenBundle) -> None:
    provider.revoke(token)
    with pytest.raises(AuthExpired):
        provider.get_identity(token)


# Identity ------------------------------------------------------------------------------


def test_the_identity_names_the_member_and_their_person_urn(linkedin: FakeLinkedIn, provider: LinkedInProvider) -> None:
    grace = linkedin.add_member("grace-sub", given_name="Grace", family_name="Hopper")
    identity = provider.get_identity(linkedin.issue_token(grace.sub))
    assert identity.external_user_id == "grace-sub"
    assert identity.author_ref == "urn:li:person:grace-sub"
    assert identity.display_name == "Grace Hopper"


# Publishing ----------------------------------------------------------------------------


def test_publishing_returns_the_urn_linkedin_put_in_the_x_restli_id_header(
    linkedin: FakeLinkedIn, provider: LinkedInProvider, token: TokenBundle, ada: Identity
) -> None:
    result = provider.publish(token, ada, share(), idempotency_key="k1")

    assert linkedin.post_urns("ada-sub") == [result.external_id]
    assert result.external_id.startswith("urn:li:share:")
    assert result.url == f"https://www.linkedin.com/feed/update/{result.external_id}/"


def test_reserved_characters_reach_linkedin_intact_because_they_are_escaped(
    linkedin: FakeLinkedIn, provider: LinkedInProvider, token: TokenBundle, ada: Identity
) -> None:
    text = r"Q3 (record) results: 2*3 <wow> [final] {team} a|b ~ me@acme_corp \ backslash #launch page#section"

    provider.publish(token, ada, share(text), idempotency_key="k1")

    posted = linkedin.posts_of("ada-sub")[0]
    assert posted["text"] == text
    assert "#launch" in posted["commentary"]
    assert r"page\#section" in posted["commentary"]


def test_the_fake_cuts_unescaped_little_text_at_the_first_reserved_character(
    linkedin: FakeLinkedIn, token: TokenBundle
) -> None:
    answer = raw_post(linkedin, token, text_post("urn:li:person:ada-sub", "Big #news (finally) here"))

    assert answer.status_code == 201
    assert answer.content == b""
    assert linkedin.posts_of("ada-sub")[0]["text"] == "Big #news "
    assert little_text_escaped("Big #news (finally) here") == r"Big #news \(finally\) here"


def test_the_article_carries_the_tracked_link_and_the_card_we_built(
    linkedin: FakeLinkedIn, provider: LinkedInProvider, token: TokenBundle, ada: Identity
) -> None:
    request = share(
        f"Read this {TRACKED_LINK}",
        link_url=TRACKED_LINK,
        link_title="The report",
        link_description="Ten findings",
    )
    provider.publish(token, ada, request, idempotency_key="k1")

    article = linkedin.posts_of("ada-sub")[0]["content"]["article"]
    assert article == {"source": TRACKED_LINK, "title": "The report", "description": "Ten findings"}


def test_a_thumbnail_goes_up_through_the_images_api_and_the_article_names_it(
    linkedin: FakeLinkedIn, provider: LinkedInProvider, token: TokenBundle, ada: Identity
) -> None:
    thumbnail = ImageRef(content=b"\x89PNG fake", mime_type="image/png")
    request = share(link_url=TRACKED_LINK, link_title="The report", link_thumbnail=thumbnail)

    provider.publish(token, ada, request, idempotency_key="k1")

    assert linkedin.requests_to("PUT", r"/dms-uploads/.+") == 1
    assert linkedin.posts_of("ada-sub")[0]["content"]["article"]["thumbnail"].startswith("urn:li:image:")


def test_an_image_without_a_link_is_posted_as_media_with_its_alt_text(
    linkedin: FakeLinkedIn, provider: LinkedInProvider, token: TokenBundle, ada: Identity
) -> None:
    image = ImageRef(content=b"\x89PNG fake", mime_type="image/png", alt_text="Our team")
    provider.publish(token, ada, share(image=image), idempotency_key="k1")

    media = linkedin.posts_of("ada-sub")[0]["content"]["media"]
    assert media["id"].startswith("urn:li:image:")
    assert media["altText"] == "Our team"


def test_posting_the_same_text_again_is_a_duplicate_naming_the_original(
    linkedin: FakeLinkedIn, provider: LinkedInProvider, token: TokenBundle, ada: Identity
) -> None:
    first = provider.publish(token, ada, share(), idempotency_key="k1")

    with pytest.raises(DuplicateContent) as duplicate:
        provider.publish(token, ada, share(), idempotency_key="k1")

    assert duplicate.value.existing_id == first.external_id
    assert duplicate.value.existing_url == first.url
    assert provider.capabilities().duplicate_returns_id is True
    assert len(linkedin.posts_of("ada-sub")) == 1


def test_the_same_text_may_be_posted_again_a_day_later(
    linkedin: FakeLinkedIn, provider: LinkedInProvider, token: TokenBundle, ada: Identity
) -> None:
    provider.publish(token, ada, share(), idempotency_key="k1")
    linkedin.set_clock(advance=25 * 3600)
    provider.publish(token, ada, share(), idempotency_key="k2")
    assert len(linkedin.posts_of("ada-sub")) == 2


def test_a_post_linkedin_refuses_is_invalid_content_saying_why(
    provider: LinkedInProvider, token: TokenBundle, ada: Identity
) -> None:
    with pytest.raises(InvalidContent, match="Article source must be a URL"):
        provider.publish(token, ada, share(link_url="chorus.test/l/x", link_title="T"), idempotency_key="k1")


def test_a_post_longer_than_linkedin_allows_is_refused_before_sending(
    linkedin: FakeLinkedIn, provider: LinkedInProvider, token: TokenBundle, ada: Identity
) -> None:
    with pytest.raises(InvalidContent, match="3000"):
        provider.publish(token, ada, share("x" * 3001), idempotency_key="k1")
    assert linkedin.requests_to("POST", "/rest/posts") == 0


def test_posting_for_someone_else_is_refused(provider: LinkedInProvider, token: TokenBundle) -> None:
    someone = Identity(external_user_id="grace-sub", author_ref="urn:li:person:grace-sub")
    with pytest.raises(PermissionDenied):
        provider.publish(token, someone, share(), idempotency_key="k1")


def test_delete_removes_the_post_and_a_second_delete_is_harmless(
    linkedin: FakeLinkedIn, provider: LinkedInProvider, token: TokenBundle, ada: Identity
) -> None:
    result = provider.publish(token, ada, share(), idempotency_key="k1")
    provider.delete(token, ada, result.external_id)
    provider.delete(token, ada, result.external_id)
    assert linkedin.posts_of("ada-sub") == []


# Errors --------------------------------------------------------------------------------


def test_an_expired_token_is_auth_expired(linkedin: FakeLinkedIn, provider: LinkedInProvider, ada: Identity) -> None:
    token = linkedin.issue_token("ada-sub", expires_in=timedelta(hours=1))
    linkedin.set_clock(advance=2 * 3600)
    with pytest.raises(AuthExpired):
        provider.publish(token, ada, share(), idempotency_key="k1")


def test_a_token_the_member_revoked_is_auth_expired_and_cannot_be_refreshed(
    linkedin: FakeLinkedIn, provider: LinkedInProvider, token: TokenBundle, ada: Identity
) -> None:
    linkedin.revoke(token.access_token)
    with pytest.raises(AuthExpired):
        provider.publish(token, ada, share(), idempotency_key="k1")
    with pytest.raises(ReauthRequired):
        provider.refresh(token)


def test_without_w_member_social_posting_is_permission_denied(
    linkedin: FakeLinkedIn, provider: LinkedInProvider, ada: Identity
) -> None:
    token = linkedin.issue_token("ada-sub", scopes={"openid", "profile", "email"})
    with pytest.raises(PermissionDenied, match=r"Not enough permissions to access: partnerApiPostsExternal\.CREATE"):
        provider.publish(token, ada, share(), idempotency_key="k1")
    assert linkedin.posts_of("ada-sub") == []


def test_a_retired_api_version_is_permission_denied_naming_the_version(
    linkedin: FakeLinkedIn, token: TokenBundle, ada: Identity
) -> None:
    provider = LinkedInProvider(linkedin.config(api_version="202401"))
    with pytest.raises(PermissionDenied, match="202401") as refused:
        provider.publish(token, ada, share(), idempotency_key="k1")
    assert refused.value.status == 426
    assert linkedin.posts_of("ada-sub") == []


def test_the_fake_answers_a_retired_version_with_nonexistent_version(
    linkedin: FakeLinkedIn, token: TokenBundle
) -> None:
    answer = raw_post(linkedin, token, text_post("urn:li:person:ada-sub", "Hi"), **{"LinkedIn-Version": "202401"})
    assert answer.status_code == 426
    assert answer.json() == {
        "status": 426,
        "message": "Requested version 20240101 is not active",
        "code": "NONEXISTENT_VERSION",
    }


def test_the_fake_refuses_calls_without_the_version_or_protocol_headers(
    linkedin: FakeLinkedIn, token: TokenBundle
) -> None:
    body = text_post("urn:li:person:ada-sub", "Hi")
    no_version = requests.post(
        f"{linkedin.base_url}/rest/posts",
        json=body,
        headers={"Authorization": f"Bearer {token.access_token}", "X-Restli-Protocol-Version": "2.0.0"},
        timeout=5,
    )
    assert no_version.status_code == 400
    assert no_version.json()["code"] == "VERSION_MISSING"
    assert raw_post(linkedin, token, body, **{"X-Restli-Protocol-Version": "1.0.0"}).status_code == 400


def test_the_daily_quota_is_a_bare_429_and_the_member_waits_until_midnight_utc(
    linkedin: FakeLinkedIn, provider: LinkedInProvider, token: TokenBundle, ada: Identity
) -> None:
    linkedin.daily_limits["posts"] = 1
    provider.publish(token, ada, share("first"), idempotency_key="k1")

    with pytest.raises(RateLimited) as limited:
        provider.publish(token, ada, share("second"), idempotency_key="k2")
    bare = raw_post(linkedin, token, text_post("urn:li:person:ada-sub", "third"))

    assert limited.value.scope == "user"
    assert limited.value.retry_at == next_utc_midnight()
    assert bare.status_code == 429
    assert not [name for name in bare.headers if "ratelimit" in name.lower() or name.lower() == "retry-after"]
    tomorrow = datetime.combine(linkedin.now().date() + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    linkedin.set_clock(now=tomorrow + timedelta(seconds=1))
    provider.publish(token, ada, share("second"), idempotency_key="k2")
    assert len(linkedin.posts_of("ada-sub")) == 2


def test_an_infrastructure_429_is_rate_limited_too(
    linkedin: FakeLinkedIn, provider: LinkedInProvider, token: TokenBundle, ada: Identity
) -> None:
    linkedin.fault("POST", "/rest/posts", kind="rate_limit")
    with pytest.raises(RateLimited):
        provider.publish(token, ada, share(), idempotency_key="k1")


def test_a_server_error_on_create_is_ambiguous(
    linkedin: FakeLinkedIn, provider: LinkedInProvider, token: TokenBundle, ada: Identity
) -> None:
    linkedin.fault("POST", "/rest/posts", kind="status", status=504)
    with pytest.raises(AmbiguousOutcome):
        provider.publish(token, ada, share(), idempotency_key="k1")


def test_a_timeout_on_create_is_ambiguous(
    linkedin: FakeLinkedIn, provider: LinkedInProvider, token: TokenBundle, ada: Identity
) -> None:
    linkedin.fault("POST", "/rest/posts", kind="latency", seconds=1.5)
    with pytest.raises(AmbiguousOutcome):
        provider.publish(token, ada, share(), idempotency_key="k1")


def test_a_post_whose_answer_was_lost_is_recovered_from_the_duplicate_error(
    linkedin: FakeLinkedIn, provider: LinkedInProvider, token: TokenBundle, ada: Identity
) -> None:
    linkedin.fault("POST", "/rest/posts", kind="drop_after_commit")
    with pytest.raises(AmbiguousOutcome):
        provider.publish(token, ada, share(), idempotency_key="k1")

    found = provider.reconcile(token, ada, share(), idempotency_key="k1", sent_after=datetime.now(UTC))
    with pytest.raises(DuplicateContent) as duplicate:
        provider.publish(token, ada, share(), idempotency_key="k1")

    assert found is None
    assert linkedin.post_urns("ada-sub") == [duplicate.value.existing_id]


def test_a_server_error_on_a_read_is_transient(
    linkedin: FakeLinkedIn, provider: LinkedInProvider, token: TokenBundle
) -> None:
    linkedin.fault("GET", "/v2/userinfo", kind="status", status=503)
    with pytest.raises(Transient):
        provider.get_identity(token)


# Metrics -------------------------------------------------------------------------------


def test_without_the_analytics_scope_metrics_are_unknown_not_zero(
    linkedin: FakeLinkedIn, provider: LinkedInProvider, token: TokenBundle, ada: Identity
) -> None:
    urn = provider.publish(token, ada, share(), idempotency_key="k1").external_id

    snapshot = provider.fetch_metrics(token, ada, [urn])[urn]

    assert (snapshot.impressions, snapshot.reactions, snapshot.comments, snapshot.reshares) == (None,) * 4
    assert snapshot.clicks is None
    assert linkedin.requests_to("GET", "/rest/memberCreatorPostAnalytics") == 0


def test_with_the_analytics_scope_metrics_start_at_zero_and_grow_with_age(
    linkedin: FakeLinkedIn, provider: LinkedInProvider, ada: Identity
) -> None:
    linkedin.app_scopes.add("r_member_postAnalytics")
    token = linkedin.issue_token("ada-sub", scopes=ANALYTICS_SCOPES)
    urn = provider.publish(token, ada, share(), idempotency_key="k1").external_id

    fresh = provider.fetch_metrics(token, ada, [urn])[urn]
    linkedin.set_clock(advance=10 * 3600)
    later = provider.fetch_metrics(token, ada, [urn])[urn]

    assert (fresh.impressions, fresh.reactions, fresh.comments, fresh.reshares) == (0, 0, 0, 0)
    assert (later.impressions, later.reach, later.reactions, later.comments, later.reshares) == (600, 400, 30, 5, 2)
    assert later.clicks is None


@pytest.mark.parametrize("version", ["202604", "202612"])
def test_both_shapes_of_metric_type_are_read(linkedin: FakeLinkedIn, ada: Identity, version: str) -> None:
    provider = LinkedInProvider(linkedin.config(api_version=version))
    token = linkedin.issue_token("ada-sub", scopes=ANALYTICS_SCOPES)
    urn = provider.publish(token, ada, share(), idempotency_key="k1").external_id
    linkedin.set_clock(advance=3600)

    snapshot = provider.fetch_metrics(token, ada, [urn])[urn]

    metric_type = snapshot.raw["IMPRESSION"]["elements"][0]["metricType"]
    assert isinstance(metric_type, dict) == (version < "202605")
    assert snapshot.impressions == 60


def test_analytics_linkedin_refuses_leave_the_metrics_unknown(
    linkedin: FakeLinkedIn, provider: LinkedInProvider, token: TokenBundle, ada: Identity
) -> None:
    urn = provider.publish(token, ada, share(), idempotency_key="k1").external_id
    believed = replace(token, scopes=ANALYTICS_SCOPES)

    snapshot = provider.fetch_metrics(believed, ada, [urn])[urn]

    assert snapshot.impressions is None
    assert "Not enough permissions to access: memberCreatorPostAnalytics" in snapshot.raw["unavailable"]
    assert linkedin.requests_to("GET", "/rest/memberCreatorPostAnalytics") == 1


def test_the_adapter_says_what_linkedin_can_and_cannot_do(provider: LinkedInProvider) -> None:
    capabilities = provider.capabilities()
    assert capabilities.can_list_own_posts is False
    assert capabilities.provider_idempotency is False
    assert capabilities.max_text_len == 3000
    assert "clicks" not in capabilities.metric_fields
