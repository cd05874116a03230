"""The Sandbox adapter against the real Sandbox, served by the live test server on
loopback: the browser's consent, the code exchange, posting and its failure modes, all
over HTTP."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.test import Client

from accounts.models import User
from advocacy.providers.base import (
    AuthExpired,
    DuplicateContent,
    Identity,
    InvalidContent,
    PermissionDenied,
    ProviderConfig,
    PublishResult,
    RateLimited,
    ReauthRequired,
    ShareRequest,
    TokenBundle,
)
from advocacy.providers.sandbox import SandboxProvider
from sandbox.models import SandboxPost, SandboxToken
from tests.factories import UserFactory

CLIENT_ID = "chorus-sandbox"
CLIENT_SECRET = "sandbox-test-secret"
CALLBACK_PATH = "/connections/callback/sandbox/"
TRACKED_LINK = "https://go.chorus.example/s/Ab3?utm_source=sandbox&utm_medium=advocacy"

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def sandbox_on_the_live_server(settings: Any, live_server: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    settings.SITE_URL = live_server.url
    settings.SANDBOX_BASE_URL = live_server.url
    settings.SANDBOX_ENABLED = True
    settings.SANDBOX_CLIENT_ID = CLIENT_ID
    settings.SANDBOX_CLIENT_SECRET = CLIENT_SECRET
    # oauthlib refuses plain http unless told otherwise; the live server is http://127.0.0.1.
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")


def provider_for(live_server: Any, *, clock: Callable[[], datetime] | None = None, **overrides: str) -> SandboxProvider:
    config = ProviderConfig(
        client_id=overrides.get("client_id", CLIENT_ID),
        client_secret=overrides.get("client_secret", CLIENT_SECRET),
        redirect_uri=live_server.url + CALLBACK_PATH,
        auth_base=live_server.url,
        api_base=live_server.url,
    )
    return SandboxProvider(config, clock=clock) if clock else SandboxProvider(config)


def browser_of(client: Client, user: User) -> requests.Session:
    """A browser signed in to Chorus as `user`: the test client's session cookie."""
    client.force_login(user)
    browser = requests.Session()
    browser.cookies.set("sessionid", client.cookies["sessionid"].value)
    return browser


def consent(browser: requests.Session, url: str, *, decision: str = "allow") -> dict[str, str]:
    """Open the consent page and press a button: the query Chorus's callback receives."""
    page = browser.get(url, allow_redirects=False, timeout=10)
    assert page.status_code == 200, page.text
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page.text))
    action = urlsplit(url)._replace(query="").geturl()
    answer = browser.post(action, data={**fields, "decision": decision}, allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text
    location = answer.headers["Location"]
    assert location.startswith(urlsplit(url).scheme + "://")
    assert urlsplit(location).path == CALLBACK_PATH
    return {name: values[0] for name, values in parse_qs(urlsplit(location).query).items()}


@dataclass
class Connected:
    provider: SandboxProvider
    token: TokenBundle
    who: Identity


def connect(live_server: Any, client: Client, user: User | None = None) -> Connected:
    provider = provider_for(live_server)
    request = provider.authorization_url()
    query = consent(browser_of(client, user or UserFactory(full_name="Grace Hopper")), request.url)
    assert query["state"] == request.state
    token = provider.exchange_code(code=query["code"], code_verifier=request.code_verifier)
    return Connected(provider=provider, token=token, who=provider.get_identity(token))


def share(text: str = f"We shipped it! {TRACKED_LINK}", link_url: str | None = TRACKED_LINK) -> ShareRequest:
    return ShareRequest(text=text, link_url=link_url, created_at=datetime.now(UTC))


def publish(connected: Connected, request: ShareRequest | None = None, *, key: str = "") -> PublishResult:
    return connected.provider.publish(
        connected.token, connected.who, request or share(), idempotency_key=key or str(uuid.uuid4())
    )


# Connecting -------------------------------------------------------------------------


def test_connecting_asks_for_consent_and_returns_a_refreshable_token_for_the_account(
    live_server: Any, client: Client
) -> None:
    connected = connect(live_server, client, UserFactory(full_name="Grace Hopper"))

    assert connected.token.refresh_token
    assert connected.token.scopes == frozenset({"profile", "posts:write", "posts:read"})
    assert connected.token.expires_at is not None
    assert timedelta(hours=1, minutes=59) < connected.token.expires_at - datetime.now(UTC) <= timedelta(hours=2)
    assert connected.who.handle == "grace-hopper"
    assert connected.who.display_name == "Grace Hopper"
    assert connected.who.external_user_id == connected.who.author_ref
    assert connected.who.profile_url == f"{live_server.url}/sandbox/@grace-hopper/"


def test_the_authorization_url_uses_pkce_and_asks_for_the_three_scopes(live_server: Any) -> None:
    request = provider_for(live_server).authorization_url(state="fixed-state")

    query = {name: values[0] for name, values in parse_qs(urlsplit(request.url).query).items()}
    assert request.url.startswith(f"{live_server.url}/sandbox/oauth/authorize?")
    assert query["code_challenge_method"] == "S256"
    assert query["scope"] == "profile posts:write posts:read"
    assert query["state"] == request.state == "fixed-state"
    assert query["client_id"] == CLIENT_ID
    assert len(request.code_verifier) >= 43


def test_a_person_who_denies_sends_chorus_back_an_access_denied(live_server: Any, client: Client) -> None:
    request = provider_for(live_server).authorization_url()

    query = consent(browser_of(client, UserFactory()), request.url, decision="deny")

    assert query == {"error": "access_denied", "state": request.state}


def test_exchanging_with_the_wrong_verifier_means_connecting_again(live_server: Any, client: Client) -> None:
    provider = provider_for(live_server)
    request = provider.authorization_url()
    query = consent(browser_of(client, UserFactory()), request.url)

    with pytest.raises(ReauthRequired, match="code_verifier"):
        provider.exchange_code(code=query["code"], code_verifier="x" * 64)


def test_wrong_client_credentials_are_an_operators_problem_not_the_persons(live_server: Any, client: Client) -> None:
    request = provider_for(live_server).authorization_url()
    query = consent(browser_of(client, UserFactory()), request.url)

    with pytest.raises(PermissionDenied, match="client credentials"):
        provider_for(live_server, client_secret="wrong").exchange_code(
            code=query["code"], code_verifier=request.code_verifier
        )


# Posting ----------------------------------------------------------------------------


def test_publishing_returns_the_posts_id_and_permalink(live_server: Any, client: Client) -> None:
    connected = connect(live_server, client)

    result = publish(connected)

    post = SandboxPost.objects.get()
    assert result.external_id == post.public_id
    assert result.url == f"{live_server.url}/sandbox/@{connected.who.handle}/{post.public_id}/"
    assert post.link_url == TRACKED_LINK
    assert requests.get(result.url, allow_redirects=False, timeout=10).status_code == 302  # signed-out: to sign in


def test_reconciling_with_the_same_key_finds_the_post_instead_of_posting_again(
    live_server: Any, client: Client
) -> None:
    connected = connect(live_server, client)
    posted = publish(connected, key="share-1")

    found = connected.provider.reconcile(
        connected.token, connected.who, share(), idempotency_key="share-1", sent_after=datetime.now(UTC)
    )

    assert found is not None
    assert found.external_id == posted.external_id
    assert SandboxPost.objects.count() == 1


def test_reconciling_after_the_key_is_forgotten_looks_for_the_tracked_link(live_server: Any, client: Client) -> None:
    connected = connect(live_server, client)
    sent_at = datetime.now(UTC)
    posted = publish(connected, key="share-1")
    two_days_later = connected.provider.__class__(
        connected.provider.config, clock=lambda: datetime.now(UTC) + timedelta(days=2)
    )

    found = two_days_later.reconcile(
        connected.token, connected.who, share(), idempotency_key="share-1", sent_after=sent_at
    )
    missing = two_days_later.reconcile(
        connected.token,
        connected.who,
        share("Another story https://go.chorus.example/s/Zz9", "https://go.chorus.example/s/Zz9"),
        idempotency_key="share-2",
        sent_after=sent_at,
    )

    assert found is not None and found.external_id == posted.external_id
    assert missing is None
    assert SandboxPost.objects.count() == 1


def test_the_same_text_under_another_key_is_a_duplicate_that_names_the_original(
    live_server: Any, client: Client
) -> None:
    connected = connect(live_server, client)
    posted = publish(connected, key="share-1")

    with pytest.raises(DuplicateContent) as refused:
        publish(connected, key="share-2")

    assert refused.value.existing_id == posted.external_id
    assert refused.value.existing_url == posted.url


def test_a_post_over_500_characters_is_invalid_content(live_server: Any, client: Client) -> None:
    connected = connect(live_server, client)

    with pytest.raises(InvalidContent, match="501 characters"):
        publish(connected, share("a" * 501, None))


def test_too_many_posts_are_rate_limited_until_the_window_resets(
    live_server: Any, client: Client, settings: Any
) -> None:
    settings.SANDBOX_POSTS_PER_WINDOW = 1
    settings.SANDBOX_RATE_WINDOW = 600
    connected = connect(live_server, client)
    publish(connected, share("first", None))

    before = datetime.now(UTC)
    with pytest.raises(RateLimited) as limited:
        publish(connected, share("second", None))

    assert limited.value.scope == "user"
    assert before + timedelta(seconds=580) <= limited.value.retry_at <= before + timedelta(seconds=610)


def test_an_expired_token_is_auth_expired_and_a_refresh_brings_a_new_pair(live_server: Any, client: Client) -> None:
    connected = connect(live_server, client)
    SandboxToken.objects.update(access_expires_at=datetime.now(UTC) - timedelta(seconds=1))

    with pytest.raises(AuthExpired, match="expired"):
        publish(connected)
    renewed = connected.provider.refresh(connected.token)

    assert renewed.access_token != connected.token.access_token
    assert renewed.refresh_token and renewed.refresh_token != connected.token.refresh_token
    assert renewed.scopes == connected.token.scopes
    assert publish(Connected(connected.provider, renewed, connected.who)).external_id


def test_a_spent_refresh_token_means_the_person_must_connect_again(live_server: Any, client: Client) -> None:
    connected = connect(live_server, client)
    renewed = connected.provider.refresh(connected.token)

    with pytest.raises(ReauthRequired, match="already used"):
        connected.provider.refresh(connected.token)
    # The reuse revoked the whole family, the new pair included.
    with pytest.raises(AuthExpired):
        connected.provider.get_identity(renewed)


def test_a_token_without_a_refresh_token_cannot_be_renewed(live_server: Any) -> None:
    with pytest.raises(ReauthRequired):
        provider_for(live_server).refresh(TokenBundle(access_token="only-access"))


def test_metrics_come_for_the_accounts_posts_without_clicks(live_server: Any, client: Client) -> None:
    connected = connect(live_server, client)
    first = publish(connected, share("first", None))
    second = publish(connected, share("second", None))
    SandboxPost.objects.update(created_at=datetime.now(UTC) - timedelta(days=1))

    snapshots = connected.provider.fetch_metrics(
        connected.token, connected.who, [first.external_id, second.external_id, "unknown"]
    )

    assert set(snapshots) == {first.external_id, second.external_id}
    snapshot = snapshots[first.external_id]
    assert snapshot.impressions is not None and snapshot.impressions > 0
    assert snapshot.reactions is not None and snapshot.comments is not None and snapshot.reshares is not None
    assert snapshot.clicks is None
    assert snapshot.reach is None


def test_deleting_a_post_removes_it_and_deleting_it_again_is_fine(live_server: Any, client: Client) -> None:
    connected = connect(live_server, client)
    posted = publish(connected)

    connected.provider.delete(connected.token, connected.who, posted.external_id)
    connected.provider.delete(connected.token, connected.who, posted.external_id)

    assert SandboxPost.objects.get().deleted_at is not None
    assert connected.provider.fetch_metrics(connected.token, connected.who, [posted.external_id]) == {}


def test_revoking_disconnects_chorus_from_the_account(live_server: Any, client: Client) -> None:
    connected = connect(live_server, client)

    connected.provider.revoke(connected.token)

    with pytest.raises(AuthExpired):
        connected.provider.get_identity(connected.token)
    with pytest.raises(ReauthRequired):
        connected.provider.refresh(connected.token)


def test_the_adapter_says_what_the_sandbox_can_do(live_server: Any) -> None:
    capabilities = provider_for(live_server).capabilities()

    assert capabilities.provider_idempotency is True
    assert capabilities.duplicate_returns_id is True
    assert capabilities.can_list_own_posts is True
    assert capabilities.max_text_len == 500
    assert capabilities.metrics_batch_size == 100
