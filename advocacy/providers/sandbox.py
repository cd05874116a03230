"""The Sandbox: the network built into Chorus for demos and tests (the `sandbox` app),
reached over HTTP like every other network, so the posting pipeline meets its failure
modes through the same code paths.

The Sandbox's routes live under `/sandbox/` of `config.api_base` (the API and token
endpoints) and `config.auth_base` (the browser-facing consent page); both are the
installation's own address unless the Sandbox is served elsewhere.

- OAuth 2.0 authorisation code with PKCE (S256), client authentication by HTTP Basic.
  Access tokens expire (two hours by default); refresh tokens are single-use and rotate,
  and spending one twice revokes every token of the authorisation, so a refresh that
  fails means the person must connect again.
- Posting sends `Idempotency-Key`: for 24 hours the Sandbox answers a repeat with the
  original post, which is also how `reconcile` settles an uncertain post. A text the
  account posted in the last 24 hours is refused as a duplicate that names the
  original (409). Creates are rate limited per account (429 with `RateLimit-*` headers).
- Text only, 500 characters counted as Mastodon counts them (every link 23): images are
  not sent.
- Metrics come in batches of 100; clicks are never reported (Chorus counts them).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, NoReturn
from urllib.parse import quote

import requests
from oauthlib.oauth2 import InsecureTransportError, OAuth2Error
from requests.auth import HTTPBasicAuth
from requests_oauthlib import OAuth2Session

from advocacy.providers.base import (
    AuthExpired,
    AuthorizationRequest,
    Capabilities,
    DuplicateContent,
    HttpClient,
    Identity,
    InvalidContent,
    MetricsSnapshot,
    PermissionDenied,
    ProviderConfig,
    ProviderError,
    PublishResult,
    RateLimited,
    ReauthRequired,
    ShareRequest,
    TokenBundle,
    Transient,
    expiry_from,
    json_or_empty,
    new_state,
    pkce_pair,
    server_error,
    success_body,
    utcnow,
)

DEFAULT_SCOPES = ("profile", "posts:write", "posts:read")
METRICS_BATCH = 100
# The Sandbox remembers idempotency keys for 24 hours; stay well inside that.
IDEMPOTENCY_WINDOW = timedelta(hours=23)
# Posts a little older than the send time still count as ours (clock skew).
RECONCILE_SKEW = timedelta(minutes=5)
# Without a reset header, a 429 waits out the Sandbox's default window.
DEFAULT_RATE_WAIT = timedelta(minutes=15)


class SandboxProvider:
    network = "sandbox"

    def __init__(
        self,
        config: ProviderConfig,
        *,
        session: requests.Session | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.config = config
        self.api = f"{_base(config.api_base)}/sandbox"
        self.auth = f"{_base(config.auth_base or config.api_base)}/sandbox"
        self.http = HttpClient(config, session=session)
        self.clock = clock

    def capabilities(self) -> Capabilities:
        return Capabilities(
            provider_idempotency=True,
            duplicate_returns_id=True,
            can_list_own_posts=True,
            metric_fields=frozenset({"impressions", "reactions", "comments", "reshares"}),
            max_text_len=500,
            metrics_batch_size=METRICS_BATCH,
        )

    # Connecting ---------------------------------------------------------------------

    def authorization_url(self, *, state: str | None = None) -> AuthorizationRequest:
        verifier, challenge = pkce_pair()
        try:
            url, state = self._oauth(self.config.scopes or DEFAULT_SCOPES).authorization_url(
                f"{self.auth}/oauth/authorize",
                state=state or new_state(),
                code_challenge=challenge,
                code_challenge_method="S256",
            )
        except InsecureTransportError as error:
            raise _insecure() from error
        return AuthorizationRequest(url=url, state=state, code_verifier=verifier)

    def exchange_code(self, *, code: str, code_verifier: str = "") -> TokenBundle:
        oauth = self._oauth(self.config.scopes or DEFAULT_SCOPES)
        try:
            answer = oauth.fetch_token(
                f"{self.api}/oauth/token",
                code=code,
                code_verifier=code_verifier,
                auth=self._client_auth(),
                timeout=self.config.timeout,
            )
        except Warning as changed:
            # oauthlib raises when the granted scopes differ from the requested ones; the
            # token is still good, and its `scope` says what it may do.
            answer = getattr(changed, "token", None) or {}
        except InsecureTransportError as error:
            raise _insecure() from error
        except OAuth2Error as error:
            raise ReauthRequired(
                f"The Sandbox refused the connection ({error.error}). Try connecting again."
            ) from error
        except requests.exceptions.RequestException as error:
            raise Transient("The Sandbox could not be reached. Try again.") from error
        return self._bundle(answer)

    def refresh(self, token: TokenBundle) -> TokenBundle:
        if not token.refresh_token:
            raise ReauthRequired("This Sandbox connection cannot be renewed. Connect the account again.")
        try:
            answer = self._oauth(()).refresh_token(
                f"{self.api}/oauth/token",
                refresh_token=token.refresh_token,
                auth=self._client_auth(),
                timeout=self.config.timeout,
            )
        except InsecureTransportError as error:
            raise _insecure() from error
        except OAuth2Error as error:
            raise ReauthRequired(f"The Sandbox refused to renew the connection ({error.error}).") from error
        except requests.exceptions.RequestException as error:
            raise Transient("The Sandbox could not be reached to renew the connection.") from error
        return self._bundle(answer)

    def get_identity(self, token: TokenBundle) -> Identity:
        response = self.http.request("GET", f"{self.api}/api/v1/me", headers=_bearer(token))
        me = _checked(response, clock=self.clock)
        return Identity(
            external_user_id=str(me["id"]),
            author_ref=str(me["id"]),
            handle=str(me.get("handle") or ""),
            display_name=str(me.get("display_name") or me.get("handle") or ""),
            profile_url=str(me.get("url") or ""),
        )

    def revoke(self, token: TokenBundle) -> None:
        # Revoking either token of the pair ends the whole authorisation on the Sandbox.
        response = self.http.request(
            "POST",
            f"{self.api}/oauth/revoke",
            data={"token": token.refresh_token or token.access_token},
            auth=self._client_auth(),
        )
        # Idempotent and best effort: only a server in trouble is worth retrying.
        if response.status_code >= 500:
            raise server_error(response, ambiguous=False)

    # Posting ------------------------------------------------------------------------

    def publish(self, token: TokenBundle, who: Identity, share: ShareRequest, *, idempotency_key: str) -> PublishResult:
        response = self.http.request(
            "POST",
            f"{self.api}/api/v1/posts",
            ambiguous=True,
            json={"text": share.text},
            headers={**_bearer(token), "Idempotency-Key": idempotency_key},
        )
        return _result(_checked(response, creating=True, clock=self.clock))

    def reconcile(
        self, token: TokenBundle, who: Identity, share: ShareRequest, *, idempotency_key: str, sent_after: datetime
    ) -> PublishResult | None:
        """Inside the idempotency window, sending again with the same key is the answer:
        the Sandbox returns the post the first attempt made (or makes it now if that
        attempt never arrived; either way there is exactly one). Later, look for the
        tracked link (or the text) among the account's posts since the send."""
        if self.clock() - sent_after < IDEMPOTENCY_WINDOW:
            return self.publish(token, who, share, idempotency_key=idempotency_key)
        response = self.http.request(
            "GET",
            f"{self.api}/api/v1/posts",
            params={"since": (sent_after - RECONCILE_SKEW).isoformat(), "limit": "100"},
            headers=_bearer(token),
        )
        posts = _checked(response, clock=self.clock).get("posts") or []
        for post in posts:
            if isinstance(post, dict) and _is_our_post(post, share):
                return _result(post)
        return None

    def delete(self, token: TokenBundle, who: Identity, external_id: str) -> None:
        response = self.http.request(
            "DELETE", f"{self.api}/api/v1/posts/{quote(external_id, safe='')}", headers=_bearer(token)
        )
        if response.status_code == 404:  # already gone
            return
        _checked(response, clock=self.clock)

    def fetch_metrics(
        self, token: TokenBundle, who: Identity, external_ids: Sequence[str]
    ) -> Mapping[str, MetricsSnapshot]:
        snapshots: dict[str, MetricsSnapshot] = {}
        ids = list(dict.fromkeys(external_ids))
        for start in range(0, len(ids), METRICS_BATCH):
            batch = ids[start : start + METRICS_BATCH]
            response = self.http.request(
                "GET", f"{self.api}/api/v1/metrics", params={"ids": ",".join(batch)}, headers=_bearer(token)
            )
            metrics = _checked(response, clock=self.clock).get("metrics") or {}
            fetched_at = self.clock()
            for external_id in batch:
                counters = metrics.get(external_id)
                if not isinstance(counters, dict):  # deleted or unknown: no snapshot rather than zeros
                    continue
                snapshots[external_id] = MetricsSnapshot(
                    external_id=external_id,
                    fetched_at=fetched_at,
                    impressions=_count(counters, "impressions"),
                    reactions=_count(counters, "reactions"),
                    comments=_count(counters, "comments"),
                    reshares=_count(counters, "reshares"),
                    clicks=None,
                    raw=counters,
                )
        return snapshots

    # --------------------------------------------------------------------------------

    def _oauth(self, scopes: Sequence[str]) -> OAuth2Session:
        oauth = OAuth2Session(self.config.client_id, redirect_uri=self.config.redirect_uri, scope=list(scopes) or None)
        oauth.register_compliance_hook("access_token_response", _refuse_failed_token_answer)
        oauth.register_compliance_hook("refresh_token_response", _refuse_failed_token_answer)
        return oauth

    def _client_auth(self) -> HTTPBasicAuth:
        return HTTPBasicAuth(self.config.client_id, self.config.client_secret)

    def _bundle(self, answer: Mapping[str, Any]) -> TokenBundle:
        access_token = answer.get("access_token")
        if not isinstance(access_token, str) or not access_token:
            raise ReauthRequired("The Sandbox did not send an access token. Try connecting again.")
        refresh_token = answer.get("refresh_token")
        scope = answer.get("scope", "")
        scopes = scope.split() if isinstance(scope, str) else [str(s) for s in scope or []]
        return TokenBundle(
            access_token=access_token,
            refresh_token=refresh_token if isinstance(refresh_token, str) and refresh_token else None,
            expires_at=expiry_from(answer.get("expires_in"), now=self.clock()),
            scopes=frozenset(scopes),
        )


# -------------------------------------------------------------------------------------


def _base(url: str) -> str:
    return url.rstrip("/")


def _insecure() -> ProviderError:
    return ProviderError(
        "The Sandbox must be reached over https:// (a development installation on plain http sets "
        "OAUTHLIB_INSECURE_TRANSPORT=1)."
    )


def _bearer(token: TokenBundle) -> dict[str, str]:
    return {"Authorization": f"Bearer {token.access_token}"}


def _result(post: Mapping[str, Any]) -> PublishResult:
    return PublishResult(external_id=str(post["id"]), url=str(post.get("url") or ""), raw=post)


def _count(counters: Mapping[str, Any], name: str) -> int | None:
    value = counters.get(name)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _is_our_post(post: Mapping[str, Any], share: ShareRequest) -> bool:
    if share.link_url:
        # The tracked link is unique to the share; compare it whole, since another
        # share's link may extend this one.
        return post.get("link_url") == share.link_url or share.link_url in str(post.get("text") or "").split()
    return " ".join(str(post.get("text") or "").split()) == " ".join(share.text.split())


def _refuse_failed_token_answer(response: requests.Response) -> requests.Response:
    """Turn a refused token request into our errors before oauthlib parses it."""
    if response.ok:
        return response
    if response.status_code == 429 or response.status_code >= 500:
        _checked(response, clock=utcnow)
    body = json_or_empty(response)
    detail = str(body.get("error_description") or body.get("error") or f"HTTP {response.status_code}")
    if response.status_code == 401 or body.get("error") == "invalid_client":
        # Chorus's own registration is wrong: reconnecting would not help, an operator must.
        raise PermissionDenied(
            "The Sandbox does not accept Chorus's client credentials; an operator must check the Sandbox settings.",
            status=response.status_code,
            raw=body,
        )
    raise ReauthRequired(f"The Sandbox refused the connection: {detail}", status=response.status_code, raw=body)


def _checked(response: requests.Response, *, clock: Callable[[], datetime], creating: bool = False) -> Any:
    """The JSON body of a successful answer, or the error it means."""
    if response.ok:
        return success_body(response, creating=creating)
    _raise_for(response, clock=clock, creating=creating)


def _raise_for(response: requests.Response, *, clock: Callable[[], datetime], creating: bool) -> NoReturn:
    status = response.status_code
    body = json_or_empty(response)
    message = str(body.get("message") or body.get("error_description") or body.get("error") or "")
    if status == 401:
        raise AuthExpired(message or "The Sandbox did not accept the access token.", status=status, raw=body)
    if status == 403:
        raise PermissionDenied(
            f"The Sandbox refused: {message or 'this is outside what the account allowed Chorus to do'}.",
            status=status,
            raw=body,
        )
    if status == 409 and body.get("error") == "duplicate":
        existing = body.get("existing_id")
        raise DuplicateContent(
            message or "The Sandbox refused the post as a duplicate.",
            existing_id=str(existing) if existing else None,
            existing_url=str(body.get("existing_url") or ""),
            status=status,
            raw=body,
        )
    if status == 429:
        raise RateLimited(
            "The Sandbox asked Chorus to slow down.",
            retry_at=clock() + _reset_after(response),
            scope="user",
            status=status,
            raw=body,
        )
    if status >= 500:
        raise server_error(response, ambiguous=creating)
    if status == 422 or creating:
        raise InvalidContent(message or f"The Sandbox refused the post (HTTP {status}).", status=status, raw=body)
    raise ProviderError(message or f"The Sandbox answered HTTP {status}.", status=status, raw=body)


def _reset_after(response: requests.Response) -> timedelta:
    """`RateLimit-Reset` (or `Retry-After`) is a number of seconds."""
    for header in ("RateLimit-Reset", "Retry-After"):
        try:
            seconds = int(response.headers.get(header, ""))
        except ValueError:
            continue
        if seconds >= 0:
            return timedelta(seconds=seconds)
    return DEFAULT_RATE_WAIT
