"""The Sandbox network's server: consent, the token endpoint and the posting API, as a
client (Chorus's adapter, or anyone's) meets them over HTTP."""

from __future__ import annotations

import base64
import itertools
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import User
from advocacy.providers.base import pkce_pair
from sandbox import services
from sandbox.models import AuthorizationGrant, SandboxAccount, SandboxPost, SandboxToken
from tests.factories import UserFactory

CLIENT_ID = "chorus-sandbox"
CLIENT_SECRET = "sandbox-test-secret"
REDIRECT_URI = "https://chorus.example/connections/callback/sandbox/"
ALL_SCOPES = "profile posts:write posts:read"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def sandbox_settings(settings: Any) -> None:
    settings.SITE_URL = "https://chorus.example"
    settings.SANDBOX_BASE_URL = "https://sandbox.chorus.example"
    settings.SANDBOX_ENABLED = True
    settings.SANDBOX_CLIENT_ID = CLIENT_ID
    settings.SANDBOX_CLIENT_SECRET = CLIENT_SECRET


@pytest.fixture
def person() -> User:
    return UserFactory(full_name="Ada Lovelace", email="ada@example.com")


@pytest.fixture
def signed_in(client: Client, person: User) -> Client:
    client.force_login(person)
    return client


def basic(client_id: str = CLIENT_ID, secret: str = CLIENT_SECRET) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


@dataclass
class Authorisation:
    params: dict[str, str]
    verifier: str


def authorisation(**overrides: str) -> Authorisation:
    verifier, challenge = pkce_pair()
    params = {
        "response_type": "code",
        "client_id": CLIENT_ID,
        "redirect_uri": REDIRECT_URI,
        "state": "state-123",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "scope": ALL_SCOPES,
        **overrides,
    }
    return Authorisation(params=params, verifier=verifier)


def authorize_url(params: dict[str, str]) -> str:
    return "/sandbox/oauth/authorize?" + urlencode(params)


def query_of(location: str) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(urlsplit(location).query).items()}


def allow(client: Client, request: Authorisation) -> str:
    """Press Allow on the consent page: the authorisation code."""
    response = client.post("/sandbox/oauth/authorize", {**request.params, "decision": "allow"})
    assert response.status_code == 302
    return query_of(response["Location"])["code"]


def exchange(client: Client, code: str, verifier: str, **form: str) -> Any:
    body = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI, "code_verifier": verifier}
    return client.post("/sandbox/oauth/token", {**body, **form}, HTTP_AUTHORIZATION=basic())


def refresh(client: Client, refresh_token: str) -> Any:
    return client.post(
        "/sandbox/oauth/token",
        {"grant_type": "refresh_token", "refresh_token": refresh_token},
        HTTP_AUTHORIZATION=basic(),
    )


def tokens_for(user: User, *, scope: str = ALL_SCOPES) -> services.IssuedToken:
    """A token pair the way the code flow makes it, without the browser round trip."""
    request = authorisation(scope=scope)
    parsed = services.authorization_request_parse(params=request.params)
    code = services.grant_issue(account=services.account_for_user(user=user), request=parsed)
    return services.token_exchange_code(
        client_id=CLIENT_ID, code=code, redirect_uri=REDIRECT_URI, code_verifier=request.verifier
    )


def bearer(token: services.IssuedToken | str) -> dict[str, str]:
    access = token if isinstance(token, str) else token.access_token
    return {"HTTP_AUTHORIZATION": f"Bearer {access}"}


def create(client: Client, token: services.IssuedToken, text: str, *, key: str = "") -> Any:
    headers = {**bearer(token), **({"HTTP_IDEMPOTENCY_KEY": key} if key else {})}
    return client.post("/sandbox/api/v1/posts", {"text": text}, content_type="application/json", **headers)


# Consent ----------------------------------------------------------------------------


def test_the_consent_page_sends_a_signed_out_visitor_to_sign_in_first(client: Client) -> None:
    response = client.get(authorize_url(authorisation().params))

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/sandbox/oauth/authorize")


def test_the_consent_page_asks_to_post_on_the_persons_sandbox_account(signed_in: Client, person: User) -> None:
    response = signed_in.get(authorize_url(authorisation().params))

    assert response.status_code == 200
    page = response.content.decode()
    assert "Chorus wants to post on your Sandbox account @ada-lovelace" in page
    assert "Allow" in page and "Deny" in page
    assert SandboxAccount.objects.get(user=person).display_name == "Ada Lovelace"


def test_a_second_person_with_the_same_name_gets_a_handle_with_a_suffix(client: Client, person: User) -> None:
    namesake = UserFactory(full_name="Ada Lovelace", email="other-ada@example.com")

    assert services.account_for_user(user=person).handle == "ada-lovelace"
    assert services.account_for_user(user=namesake).handle == "ada-lovelace-2"
    assert services.account_for_user(user=namesake).handle == "ada-lovelace-2"  # made once


def test_an_unknown_client_sees_an_error_page_and_is_never_redirected(signed_in: Client) -> None:
    response = signed_in.get(authorize_url(authorisation(client_id="someone-else").params))

    assert response.status_code == 400
    assert "not registered with the Sandbox" in response.content.decode()


@pytest.mark.parametrize(
    "redirect_uri",
    [
        "https://evil.example/callback/",
        "javascript:alert(1)",
        "https://chorus.example.evil.example/callback/",
        "https://user@chorus.example/callback/",
        "https://chorus.example/callback/#fragment",
        "",
    ],
)
def test_a_redirect_uri_outside_this_installation_is_refused_without_redirecting(
    signed_in: Client, redirect_uri: str
) -> None:
    response = signed_in.get(authorize_url(authorisation(redirect_uri=redirect_uri).params))

    assert response.status_code == 400
    assert "Location" not in response
    assert "not allowed" in response.content.decode()


def test_a_client_id_with_unusual_characters_is_refused_not_crashed_on(signed_in: Client) -> None:
    response = signed_in.get(authorize_url(authorisation(client_id="chörus\x00").params))

    assert response.status_code == 400


def test_a_redirect_uri_with_control_characters_is_refused(signed_in: Client) -> None:
    params = authorisation(redirect_uri="https://chorus.example/callback/\x00").params

    assert signed_in.get(authorize_url(params)).status_code == 400


def test_a_redirect_uri_on_the_sandbox_host_is_accepted(signed_in: Client) -> None:
    params = authorisation(redirect_uri="https://sandbox.chorus.example/callback/").params

    assert signed_in.get(authorize_url(params)).status_code == 200


def test_a_request_without_pkce_goes_back_to_the_client_with_an_error(signed_in: Client) -> None:
    params = authorisation(code_challenge_method="plain").params

    response = signed_in.get(authorize_url(params))

    assert response.status_code == 302
    assert response["Location"].startswith(REDIRECT_URI)
    assert query_of(response["Location"]) == {
        "error": "invalid_request",
        "error_description": "PKCE with code_challenge_method=S256 is required.",
        "state": "state-123",
    }


def test_an_unknown_scope_goes_back_to_the_client_as_invalid_scope(signed_in: Client) -> None:
    response = signed_in.get(authorize_url(authorisation(scope="profile admin").params))

    assert query_of(response["Location"])["error"] == "invalid_scope"


def test_allow_returns_to_chorus_with_a_code_and_the_state(signed_in: Client) -> None:
    response = signed_in.post("/sandbox/oauth/authorize", {**authorisation().params, "decision": "allow"})

    assert response.status_code == 302
    assert response["Location"].startswith(REDIRECT_URI + "?")
    query = query_of(response["Location"])
    assert query["state"] == "state-123"
    assert AuthorizationGrant.objects.get().code_hash == services._digest(query["code"])


def test_deny_returns_to_chorus_with_access_denied_and_the_state(signed_in: Client) -> None:
    response = signed_in.post("/sandbox/oauth/authorize", {**authorisation().params, "decision": "deny"})

    assert response.status_code == 302
    assert query_of(response["Location"]) == {"error": "access_denied", "state": "state-123"}
    assert not AuthorizationGrant.objects.exists()


def test_allow_needs_the_csrf_token_of_the_consent_page(person: User) -> None:
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(person)

    response = browser.post("/sandbox/oauth/authorize", {**authorisation().params, "decision": "allow"})

    assert response.status_code == 403
    assert not AuthorizationGrant.objects.exists()


# Token endpoint ---------------------------------------------------------------------


def test_the_code_and_verifier_buy_an_expiring_token_pair(signed_in: Client) -> None:
    request = authorisation()
    response = exchange(signed_in, allow(signed_in, request), request.verifier)

    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 7200
    assert body["scope"] == ALL_SCOPES
    assert body["access_token"] != body["refresh_token"]
    assert response["Cache-Control"] == "no-store"
    stored = SandboxToken.objects.get()
    assert stored.access_hash == services._digest(body["access_token"])  # only hashes are kept
    assert body["access_token"] not in str(stored.__dict__)


def test_client_credentials_may_come_as_form_fields(signed_in: Client) -> None:
    request = authorisation()
    code = allow(signed_in, request)

    response = signed_in.post(
        "/sandbox/oauth/token",
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT_URI,
            "code_verifier": request.verifier,
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
        },
    )

    assert response.status_code == 200


def test_a_wrong_client_secret_is_refused_as_invalid_client(signed_in: Client) -> None:
    request = authorisation()
    code = allow(signed_in, request)

    response = signed_in.post(
        "/sandbox/oauth/token",
        {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI, "code_verifier": "x"},
        HTTP_AUTHORIZATION=basic(secret="wrong"),
    )

    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_a_wrong_pkce_verifier_is_refused_as_invalid_grant(signed_in: Client) -> None:
    request = authorisation()
    code = allow(signed_in, request)
    other_verifier, _ = pkce_pair()

    response = exchange(signed_in, code, other_verifier)

    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_grant",
        "error_description": "The PKCE code_verifier does not match the code_challenge.",
    }


def test_a_different_redirect_uri_at_exchange_is_refused(signed_in: Client) -> None:
    request = authorisation()
    code = allow(signed_in, request)

    response = exchange(signed_in, code, request.verifier, redirect_uri="https://chorus.example/other/")

    assert response.json()["error"] == "invalid_grant"


def test_a_code_works_once_and_its_reuse_revokes_the_tokens_it_bought(signed_in: Client) -> None:
    request = authorisation()
    code = allow(signed_in, request)
    first = exchange(signed_in, code, request.verifier).json()

    again = exchange(signed_in, code, request.verifier)

    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"
    assert signed_in.get("/sandbox/api/v1/me", **bearer(first["access_token"])).status_code == 401


def test_an_expired_code_is_refused(signed_in: Client) -> None:
    request = authorisation()
    code = allow(signed_in, request)
    AuthorizationGrant.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    assert exchange(signed_in, code, request.verifier).json()["error"] == "invalid_grant"


def test_an_unknown_grant_type_is_refused(client: Client) -> None:
    response = client.post("/sandbox/oauth/token", {"grant_type": "password"}, HTTP_AUTHORIZATION=basic())

    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"


def test_the_token_endpoint_answers_only_post(client: Client) -> None:
    assert client.get("/sandbox/oauth/token").status_code == 405


def test_a_refresh_rotates_the_pair(client: Client, person: User) -> None:
    pair = tokens_for(person)

    response = refresh(client, pair.refresh_token)

    assert response.status_code == 200
    renewed = response.json()
    assert renewed["refresh_token"] != pair.refresh_token
    assert renewed["access_token"] != pair.access_token
    assert renewed["scope"] == ALL_SCOPES
    assert client.get("/sandbox/api/v1/me", **bearer(renewed["access_token"])).status_code == 200


def test_reusing_a_spent_refresh_token_revokes_the_whole_family(client: Client, person: User) -> None:
    pair = tokens_for(person)
    renewed = refresh(client, pair.refresh_token).json()

    reused = refresh(client, pair.refresh_token)

    assert reused.status_code == 400
    assert reused.json()["error"] == "invalid_grant"
    assert "already used" in reused.json()["error_description"]
    assert client.get("/sandbox/api/v1/me", **bearer(renewed["access_token"])).status_code == 401
    assert refresh(client, renewed["refresh_token"]).json()["error"] == "invalid_grant"


def test_revoking_a_token_ends_the_authorisation(client: Client, person: User) -> None:
    pair = tokens_for(person)

    response = client.post("/sandbox/oauth/revoke", {"token": pair.refresh_token}, HTTP_AUTHORIZATION=basic())

    assert response.status_code == 200
    assert client.get("/sandbox/api/v1/me", **bearer(pair)).status_code == 401
    assert refresh(client, pair.refresh_token).status_code == 400


def test_revoking_needs_the_client_credentials(client: Client, person: User) -> None:
    pair = tokens_for(person)

    response = client.post("/sandbox/oauth/revoke", {"token": pair.access_token}, HTTP_AUTHORIZATION=basic(secret="x"))

    assert response.status_code == 401
    assert client.get("/sandbox/api/v1/me", **bearer(pair)).status_code == 200


# The API ----------------------------------------------------------------------------


def test_me_names_the_account_behind_the_token(client: Client, person: User) -> None:
    response = client.get("/sandbox/api/v1/me", **bearer(tokens_for(person)))

    account = SandboxAccount.objects.get(user=person)
    assert response.json() == {
        "id": account.public_id,
        "handle": "ada-lovelace",
        "display_name": "Ada Lovelace",
        "url": "https://sandbox.chorus.example/sandbox/@ada-lovelace/",
    }


def test_a_post_is_created_with_its_permalink_and_rate_limit_headers(client: Client, person: User) -> None:
    response = create(client, tokens_for(person), "Read our launch story https://go.chorus.example/s/Ab3?x=1.")

    assert response.status_code == 201
    body = response.json()
    post = SandboxPost.objects.get()
    assert body["id"] == post.public_id
    assert body["url"] == f"https://sandbox.chorus.example/sandbox/@ada-lovelace/{post.public_id}/"
    assert body["text"] == "Read our launch story https://go.chorus.example/s/Ab3?x=1."
    assert post.link_url == "https://go.chorus.example/s/Ab3?x=1"
    assert response["RateLimit-Limit"] == "30"
    assert response["RateLimit-Remaining"] == "29"
    assert 0 < int(response["RateLimit-Reset"]) <= 900


def test_the_same_idempotency_key_returns_the_original_post_and_creates_nothing(client: Client, person: User) -> None:
    token = tokens_for(person)
    first = create(client, token, "Hello Sandbox", key="share-1")

    again = create(client, token, "Hello Sandbox", key="share-1")

    assert again.status_code == 200
    assert again.json() == first.json()
    assert SandboxPost.objects.count() == 1


def test_an_idempotency_key_older_than_a_day_is_forgotten(client: Client, person: User) -> None:
    token = tokens_for(person)
    create(client, token, "Hello Sandbox", key="share-1")
    SandboxPost.objects.update(created_at=timezone.now() - timedelta(hours=25))

    again = create(client, token, "Hello again", key="share-1")

    assert again.status_code == 201
    assert SandboxPost.objects.count() == 2


def test_the_same_text_without_the_key_is_refused_as_a_duplicate_naming_the_original(
    client: Client, person: User
) -> None:
    token = tokens_for(person)
    original = create(client, token, "Hello Sandbox", key="share-1").json()

    response = create(client, token, "Hello Sandbox", key="share-2")

    assert response.status_code == 409
    body = response.json()
    assert body["error"] == "duplicate"
    assert body["existing_id"] == original["id"]
    assert body["existing_url"] == original["url"]
    assert SandboxPost.objects.count() == 1


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "The post has no text."),
        ("   ", "The post has no text."),
        (None, "The post has no text."),
        ("a" * 501, "The post is 501 characters long; the Sandbox allows 500."),
        ("null \x00 byte", "The post contains a NUL character."),
    ],
)
def test_an_empty_or_too_long_post_is_refused_as_invalid_content(
    client: Client, person: User, text: str | None, message: str
) -> None:
    response = create(client, tokens_for(person), text)  # type: ignore[arg-type]

    assert response.status_code == 422
    assert response.json() == {"error": "invalid_content", "message": message}


def test_a_long_link_counts_as_23_characters() -> None:
    text = "a" * 476 + " https://go.chorus.example/s/" + "x" * 100

    assert services.post_length(text) == 500


def test_a_flag_or_an_accented_letter_counts_as_one_character() -> None:
    assert services.post_length("🇬🇧") == 1
    assert services.post_length("e\u0301") == 1
    assert services.post_length("👩\u200d💻") == 1


def test_a_body_that_is_not_json_is_a_bad_request(client: Client, person: User) -> None:
    response = client.post(
        "/sandbox/api/v1/posts", "not json", content_type="application/json", **bearer(tokens_for(person))
    )

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_more_posts_than_the_window_allows_are_refused_with_the_reset_time(
    client: Client, person: User, settings: Any
) -> None:
    settings.SANDBOX_POSTS_PER_WINDOW = 2
    settings.SANDBOX_RATE_WINDOW = 600
    token = tokens_for(person)
    create(client, token, "one")
    second = create(client, token, "two")

    refused = create(client, token, "three")

    assert second["RateLimit-Remaining"] == "0"
    assert refused.status_code == 429
    assert refused.json()["error"] == "rate_limited"
    assert refused["RateLimit-Limit"] == "2"
    assert refused["RateLimit-Remaining"] == "0"
    assert 590 <= int(refused["RateLimit-Reset"]) <= 600
    assert refused["Retry-After"] == refused["RateLimit-Reset"]
    assert SandboxPost.objects.count() == 2


def test_the_rate_limit_lifts_when_the_window_has_passed(client: Client, person: User, settings: Any) -> None:
    settings.SANDBOX_POSTS_PER_WINDOW = 1
    token = tokens_for(person)
    create(client, token, "one")
    SandboxPost.objects.update(created_at=timezone.now() - timedelta(seconds=901))

    assert create(client, token, "two").status_code == 201


def test_an_expired_access_token_is_refused_with_a_bearer_challenge(client: Client, person: User) -> None:
    token = tokens_for(person)
    SandboxToken.objects.update(access_expires_at=timezone.now() - timedelta(seconds=1))

    response = create(client, token, "Hello")

    assert response.status_code == 401
    assert response.json() == {"error": "invalid_token", "error_description": "The access token expired"}
    assert response["WWW-Authenticate"].startswith('Bearer realm="sandbox", error="invalid_token"')


def test_the_access_token_lifetime_is_a_setting(client: Client, person: User, settings: Any) -> None:
    settings.SANDBOX_ACCESS_TOKEN_TTL = 60

    assert tokens_for(person).expires_in == 60


def test_an_unknown_or_missing_token_is_refused(client: Client) -> None:
    assert client.get("/sandbox/api/v1/me", **bearer("nonsense")).status_code == 401
    assert client.get("/sandbox/api/v1/me").json()["error"] == "invalid_token"


def test_a_token_without_posts_write_cannot_post(client: Client, person: User) -> None:
    response = create(client, tokens_for(person, scope="profile posts:read"), "Hello")

    assert response.status_code == 403
    assert response.json()["error"] == "insufficient_scope"
    assert not SandboxPost.objects.exists()


def test_the_posts_list_shows_the_owners_posts_since_a_time_newest_first(client: Client, person: User) -> None:
    token = tokens_for(person)
    old = create(client, token, "old").json()
    SandboxPost.objects.filter(public_id=old["id"]).update(created_at=timezone.now() - timedelta(hours=3))
    first = create(client, token, "first https://go.chorus.example/s/1").json()
    second = create(client, token, "second").json()
    someone_else = tokens_for(UserFactory())
    create(client, someone_else, "not mine")
    since = (timezone.now() - timedelta(hours=1)).isoformat()

    response = client.get("/sandbox/api/v1/posts", {"since": since}, **bearer(token))

    assert response.status_code == 200
    posts = response.json()["posts"]
    assert [post["id"] for post in posts] == [second["id"], first["id"]]
    assert posts[1]["link_url"] == "https://go.chorus.example/s/1"


def test_a_malformed_since_is_a_bad_request(client: Client, person: User) -> None:
    response = client.get("/sandbox/api/v1/posts", {"since": "yesterday"}, **bearer(tokens_for(person)))

    assert response.status_code == 400


def test_metrics_grow_with_a_posts_age_and_never_go_down(person: User) -> None:
    post = SandboxPost.objects.create(account=services.account_for_user(user=person), text="Hello")
    moments = [post.created_at + timedelta(minutes=minutes) for minutes in (0, 10, 60, 360, 1440, 10080, 43200)]

    series = [services.post_metrics(post, now=moment) for moment in moments]

    assert series[0].impressions == 0
    for earlier, later in itertools.pairwise(series):
        assert later.impressions >= earlier.impressions
        assert later.reactions >= earlier.reactions
        assert later.comments >= earlier.comments
        assert later.reshares >= earlier.reshares
    assert series[-1].impressions > series[2].impressions > 0
    assert series[-1].reactions <= series[-1].impressions
    assert services.post_metrics(post, now=moments[3]) == series[3]  # the same post tells the same story


def test_the_metrics_endpoint_reports_own_posts_and_leaves_out_unknown_ones(client: Client, person: User) -> None:
    token = tokens_for(person)
    post = create(client, token, "Hello").json()
    SandboxPost.objects.update(created_at=timezone.now() - timedelta(days=2))
    others = create(client, tokens_for(UserFactory()), "Not yours").json()

    ids = f"{post['id']},NOPE!,\x00,{others['id']}"
    response = client.get("/sandbox/api/v1/metrics", {"ids": ids}, **bearer(token))

    metrics = response.json()["metrics"]
    assert list(metrics) == [post["id"]]
    assert metrics[post["id"]]["impressions"] > 0
    assert metrics[post["id"]]["clicks"] is None


def test_the_metrics_endpoint_takes_at_most_100_ids(client: Client, person: User) -> None:
    ids = ",".join(f"id{n}" for n in range(101))

    response = client.get("/sandbox/api/v1/metrics", {"ids": ids}, **bearer(tokens_for(person)))

    assert response.status_code == 400


def test_a_deleted_post_leaves_the_list_and_the_metrics(client: Client, person: User) -> None:
    token = tokens_for(person)
    post = create(client, token, "Hello").json()

    response = client.delete(f"/sandbox/api/v1/posts/{post['id']}", **bearer(token))

    assert response.status_code == 204
    assert client.get("/sandbox/api/v1/posts", **bearer(token)).json()["posts"] == []
    assert client.get("/sandbox/api/v1/metrics", {"ids": post["id"]}, **bearer(token)).json()["metrics"] == {}
    assert client.delete(f"/sandbox/api/v1/posts/{post['id']}", **bearer(token)).status_code == 404


def test_nobody_can_delete_another_accounts_post(client: Client, person: User) -> None:
    post = create(client, tokens_for(person), "Hello").json()

    response = client.delete(f"/sandbox/api/v1/posts/{post['id']}", **bearer(tokens_for(UserFactory())))

    assert response.status_code == 404
    assert SandboxPost.objects.get().deleted_at is None


def test_replaying_the_key_of_a_deleted_post_says_it_was_deleted(client: Client, person: User) -> None:
    token = tokens_for(person)
    post = create(client, token, "Hello", key="share-1").json()
    client.delete(f"/sandbox/api/v1/posts/{post['id']}", **bearer(token))

    response = create(client, token, "Hello", key="share-1")

    assert response.status_code == 404
    assert "deleted" in response.json()["message"]


def test_a_method_the_endpoint_does_not_have_is_refused(client: Client, person: User) -> None:
    response = client.put("/sandbox/api/v1/me", **bearer(tokens_for(person)))

    assert response.status_code == 405
    assert response["Allow"] == "GET"


def test_a_turned_off_sandbox_answers_404(client: Client, person: User, settings: Any) -> None:
    token = tokens_for(person)
    settings.SANDBOX_ENABLED = False

    assert client.get("/sandbox/api/v1/me", **bearer(token)).status_code == 404
    assert client.post("/sandbox/oauth/token", {"grant_type": "refresh_token"}).status_code == 404
