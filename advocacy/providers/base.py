"""The one interface every social network adapter implements, its value types and its
error taxonomy.

Framework-free: adapters take their configuration (`ProviderConfig`) and tokens
(`TokenBundle`) as plain values, speak HTTP with `requests`, and translate every
answer into a value or one of the typed errors below. The posting pipeline
(`advocacy.services.posting`) decides what to do with each error; adapters never
retry or store anything (the one wait they may do is polling a network that processes
an upload before it can be used, as Mastodon does).

The error that matters most is `AmbiguousOutcome`: the create request may have reached
the network (a read timeout, a reset connection, a 5xx after the body was sent), so
the pipeline must reconcile (look the post up) before it may post again. `Transient`
is only for failures that certainly happened before the network saw the request
(DNS, connection refused, TLS), which are safe to retry blindly.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import requests
from requests_oauthlib import OAuth2Session

# ---------------------------------------------------------------------------------
# Values


@dataclass(frozen=True)
class ProviderConfig:
    """Everything an adapter needs to know about its network, passed in by the caller
    (Django settings in production, a fake server's address in tests)."""

    client_id: str = ""
    client_secret: str = ""
    redirect_uri: str = ""
    # Base URLs: the real network's by default, a fake server's in tests.
    auth_base: str = ""  # where the browser is sent to authorise (authorize endpoint host)
    api_base: str = ""  # where the API and token endpoints live
    instance_url: str = ""  # Mastodon instance / Bluesky PDS, per connection
    api_version: str = ""  # LinkedIn-Version (YYYYMM)
    scopes: tuple[str, ...] = ()
    timeout: tuple[float, float] = (5.0, 20.0)  # connect, read (seconds)
    extra: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class TokenBundle:
    access_token: str
    refresh_token: str | None = None
    expires_at: datetime | None = None
    refresh_expires_at: datetime | None = None
    scopes: frozenset[str] = frozenset()
    extra: Mapping[str, str] = field(default_factory=dict)  # e.g. DID, PDS URL

    def expires_within(self, delta: timedelta, *, now: datetime | None = None) -> bool:
        if self.expires_at is None:
            return False
        return self.expires_at <= (now or datetime.now(UTC)) + delta


@dataclass(frozen=True)
class Identity:
    external_user_id: str  # LinkedIn sub / X user id / Mastodon account id / Bluesky DID
    author_ref: str  # urn:li:person:{sub} / user id / account id / DID
    handle: str = ""  # @name, name@instance, name.bsky.social
    display_name: str = ""
    profile_url: str = ""


@dataclass(frozen=True)
class ImageRef:
    content: bytes
    mime_type: str
    alt_text: str = ""


@dataclass(frozen=True)
class ShareRequest:
    text: str  # the whole post text as it should appear (caption, disclosure, tracked link)
    link_url: str | None = None  # the tracked link, already inside `text` where the network needs it there
    link_title: str | None = None  # LinkedIn and Bluesky build link cards from explicit data
    link_description: str | None = None
    link_thumbnail: ImageRef | None = None
    image: ImageRef | None = None
    visibility: str = "public"
    created_at: datetime | None = None  # when the share was composed (Bluesky's record key derives from it)


@dataclass(frozen=True)
class PublishResult:
    external_id: str  # urn:li:share:…, tweet id, status id, at:// uri
    url: str = ""
    raw: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class MetricsSnapshot:
    """One post's counters at `fetched_at`. None means the network does not provide the
    figure (or not to us): never store it as 0."""

    external_id: str
    fetched_at: datetime
    impressions: int | None = None
    reach: int | None = None
    reactions: int | None = None
    comments: int | None = None
    reshares: int | None = None
    clicks: int | None = None
    raw: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Capabilities:
    provider_idempotency: bool  # Mastodon (Idempotency-Key), Bluesky (record key), Sandbox
    duplicate_returns_id: bool  # LinkedIn's 422 names the existing URN; X's 403 does not
    can_list_own_posts: bool  # reconcile() can search the account's recent posts
    metric_fields: frozenset[str]
    max_text_len: int
    metrics_batch_size: int = 1  # post ids per metrics call (X 100, Bluesky 25)
    metrics_window_days: int | None = None  # X's non-public metrics: 30
    refreshable: bool = True  # whether tokens can be refreshed without the person


@dataclass(frozen=True)
class AuthorizationRequest:
    """Where to send the browser, and what to keep (in the session) for the callback."""

    url: str
    state: str
    code_verifier: str = ""


# ---------------------------------------------------------------------------------
# Errors: adapters translate HTTP into these and nothing else.


class ProviderError(Exception):
    """Base of every adapter error. `message` is safe to show the employee."""

    def __init__(self, message: str = "", *, status: int | None = None, raw: object = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.raw = raw


class AuthExpired(ProviderError):
    """401: the access token expired or was rejected. Refresh once, then retry."""


class ReauthRequired(ProviderError):
    """The person must connect the account again (refresh failed, token revoked, no refresh token)."""


class PermissionDenied(ProviderError):
    """403 for a missing scope or product: permanent until the app or the person changes it."""


class InvalidContent(ProviderError):
    """400/422 validation of the post itself (too long, malformed): permanent."""


class DuplicateContent(ProviderError):
    """The network refused the post as a duplicate; `existing_id` when it names the original."""

    def __init__(self, message: str = "", *, existing_id: str | None = None, existing_url: str = "", **kwargs: Any):
        super().__init__(message, **kwargs)
        self.existing_id = existing_id
        self.existing_url = existing_url


class RateLimited(ProviderError):
    """429 or a cap. `scope`: "user" (this account waits), "app" (every account of this
    network app waits: a circuit breaker), "infra" (protection, short back-off)."""

    def __init__(self, message: str = "", *, retry_at: datetime, scope: str = "user", **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_at = retry_at
        self.scope = scope


class Transient(ProviderError):
    """Failed before the network could have acted on it (DNS, refused, TLS, a 5xx on a
    read): safe to retry after a back-off."""


class AmbiguousOutcome(ProviderError):
    """A create request may have been accepted (read timeout, reset, 5xx after sending):
    reconcile before posting again."""


# ---------------------------------------------------------------------------------
# The interface


class SocialProvider(Protocol):
    network: str

    def capabilities(self) -> Capabilities: ...

    def authorization_url(self, *, state: str | None = None) -> AuthorizationRequest: ...

    def exchange_code(self, *, code: str, code_verifier: str = "") -> TokenBundle: ...

    def refresh(self, token: TokenBundle) -> TokenBundle: ...  # raises ReauthRequired

    def get_identity(self, token: TokenBundle) -> Identity: ...

    def publish(
        self, token: TokenBundle, who: Identity, share: ShareRequest, *, idempotency_key: str
    ) -> PublishResult: ...

    def reconcile(
        self, token: TokenBundle, who: Identity, share: ShareRequest, *, idempotency_key: str, sent_after: datetime
    ) -> PublishResult | None: ...

    def delete(self, token: TokenBundle, who: Identity, external_id: str) -> None: ...

    def fetch_metrics(
        self, token: TokenBundle, who: Identity, external_ids: Sequence[str]
    ) -> Mapping[str, MetricsSnapshot]: ...

    def revoke(self, token: TokenBundle) -> None: ...


# ---------------------------------------------------------------------------------
# Helpers every adapter shares


def new_state() -> str:
    return secrets.token_urlsafe(24)


def pkce_pair() -> tuple[str, str]:
    """(code_verifier, S256 code_challenge) as RFC 7636 defines them."""
    verifier = secrets.token_urlsafe(48)[:96]
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def utcnow() -> datetime:
    return datetime.now(UTC)


def expiry_from(expires_in: object, *, now: datetime | None = None) -> datetime | None:
    try:
        seconds = int(expires_in)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return None
    return (now or utcnow()) + timedelta(seconds=seconds)


def from_epoch(value: object) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(value), UTC)  # type: ignore[call-overload]
    except (TypeError, ValueError, OverflowError, OSError):
        return None


class HttpClient:
    """`requests` with the adapter's timeouts, translating transport failures into the
    taxonomy: a failure before the request was sent is `Transient`; after it was sent,
    a create (`ambiguous=True`) is `AmbiguousOutcome`, anything else `Transient`."""

    def __init__(self, config: ProviderConfig, *, session: requests.Session | None = None) -> None:
        self.config = config
        self.session = session or requests.Session()

    def request(self, method: str, url: str, *, ambiguous: bool = False, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", self.config.timeout)
        kwargs.setdefault("allow_redirects", False)
        try:
            return self.session.request(method, url, **kwargs)
        except requests.exceptions.ConnectTimeout as error:
            raise Transient("The network did not answer in time. Chorus will try again.") from error
        except requests.exceptions.ConnectionError as error:
            # A refused or unresolvable connection never reached the network; a connection
            # reset or dropped mid-answer may have (the body was sent).
            if ambiguous and not _before_sending(error):
                raise AmbiguousOutcome("The connection dropped after the post was sent.") from error
            raise Transient("The network could not be reached. Chorus will try again.") from error
        except requests.exceptions.Timeout as error:  # a read timeout: the request was sent
            if ambiguous:
                raise AmbiguousOutcome("The network took too long to confirm the post.") from error
            raise Transient("The network took too long to answer. Chorus will try again.") from error
        except requests.exceptions.RequestException as error:
            raise Transient("The request to the network failed. Chorus will try again.") from error


def _before_sending(error: requests.exceptions.ConnectionError) -> bool:
    """Whether a connection error certainly happened before any byte was sent."""
    text = repr(error).lower()
    markers = (
        "connection refused",
        "name or service not known",
        "nodename nor servname",
        "failed to resolve",
        "newconnectionerror",
        "temporary failure in name resolution",
        "no route to host",
    )
    return any(marker in text for marker in markers)


def json_or_empty(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {"_": body}


def success_body(response: requests.Response, *, creating: bool = False) -> Any:
    """The JSON of a 2xx answer. An unreadable answer to a create is ambiguous: the post
    may exist though we cannot tell its id."""
    try:
        return response.json()
    except ValueError:
        if creating:
            raise server_error(response, ambiguous=True) from None
        return {}


def server_error(response: requests.Response, *, ambiguous: bool) -> ProviderError:
    """What a 5xx means: the post may exist when it answered a create."""
    if ambiguous:
        return AmbiguousOutcome(
            f"The network answered {response.status_code} after the post was sent.", status=response.status_code
        )
    return Transient(
        f"The network is having trouble ({response.status_code}). Chorus will try again.", status=response.status_code
    )


class RoutedOAuth2Session(OAuth2Session):
    """requests-oauthlib builds and parses the OAuth messages; the bytes travel through
    the adapter's HttpClient, so token calls share its session, its timeouts and its
    translation of transport failures."""

    def __init__(self, http: HttpClient, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.http = http

    def request(
        self,
        method: str,
        url: str,
        data: Any = None,
        headers: Any = None,
        withhold_token: bool = False,
        client_id: str | None = None,
        client_secret: str | None = None,
        files: Any = None,
        **kwargs: Any,
    ) -> requests.Response:
        passed = {name: value for name, value in kwargs.items() if value is not None}
        return self.http.request(method, url, data=data, headers=headers, files=files, **passed)
