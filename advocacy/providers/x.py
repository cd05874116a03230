"""X (API v2): OAuth 2.0 with PKCE, posting as the user, finding a post whose answer
was lost, and the post's metrics.

Protocol facts this adapter relies on (docs.x.com pages unless noted):
- Authorization at x.com/i/oauth2/authorize with an S256 PKCE challenge; token,
  refresh and revoke at api.x.com/2/oauth2/*, where a confidential client must send
  HTTP Basic client credentials, or X answers 401 "Missing valid authorization header"
  (plhery/node-twitter-api-v2#319).
- Access tokens last two hours. `offline.access` yields a refresh token that is
  single-use and rotated; reusing a spent one fails and may revoke the whole family
  (trypost#126), so the caller must store the new pair before using it.
- `POST /2/tweets` answers 201 `{"data":{"id","text"}}`. A duplicate answers 403 and
  names no id (node-twitter-api-v2#469), so `reconcile()` looks the post up in the
  user's recent timeline: by the tracked link (unique per share) in
  `entities.urls[].expanded_url`, else by the text with links removed (t.co rewrites
  them).
- Rate limits come as `x-rate-limit-*` (15-minute windows) and
  `x-user-limit-24hour-*` / `x-app-limit-24hour-*` (daily caps) headers.
- Non-public and organic metrics exist only for the author's token and for posts
  younger than 30 days; asking for them otherwise drops the post from the answer with
  a "Field Authorization Error" (BluebirdPS#150, node-twitter-api-v2#432).
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, time, timedelta
from typing import Any

import requests
from oauthlib.oauth2 import InsecureTransportError, OAuth2Error
from requests.auth import HTTPBasicAuth
from requests_oauthlib import OAuth2Session

from advocacy.providers.base import (
    AmbiguousOutcome,
    AuthExpired,
    AuthorizationRequest,
    Capabilities,
    DuplicateContent,
    HttpClient,
    Identity,
    ImageRef,
    InvalidContent,
    MetricsSnapshot,
    PermissionDenied,
    ProviderConfig,
    ProviderError,
    PublishResult,
    RateLimited,
    ReauthRequired,
    RoutedOAuth2Session,
    ShareRequest,
    TokenBundle,
    Transient,
    expiry_from,
    from_epoch,
    json_or_empty,
    new_state,
    pkce_pair,
    server_error,
    utcnow,
)

DEFAULT_SCOPES = ("tweet.read", "tweet.write", "users.read", "offline.access")
MEDIA_SCOPE = "media.write"
MAX_TEXT = 280
METRICS_BATCH = 100  # ids per GET /2/tweets
PRIVATE_METRICS_WINDOW = timedelta(days=30)
TWITTER_EPOCH_MS = 1288834974657  # snowflake ids count milliseconds from here
# The post was sent at `sent_after`; X's clock and ours may differ a little.
RECONCILE_LOOKBACK = timedelta(minutes=2)
RECONCILE_PAGE_SIZE = 100
RECONCILE_MAX_PAGES = 5
URL = re.compile(r"https?://\S+")


def _scopes(value: object) -> frozenset[str]:
    text = " ".join(value) if isinstance(value, list | tuple) else str(value or "")
    return frozenset(text.split())


def _text_key(text: str) -> str:
    """Text compared without its links (X rewrites them to t.co), HTML escapes (X sends
    `&amp;`), case and spacing."""
    return " ".join(URL.sub(" ", html.unescape(text)).split()).casefold()


def _same_link(left: str, right: str) -> bool:
    return left.rstrip("/") == right.rstrip("/")


def _created_at(tweet_id: str) -> datetime | None:
    """When a post was created, read from its snowflake id."""
    try:
        milliseconds = (int(tweet_id) >> 22) + TWITTER_EPOCH_MS
    except ValueError:
        return None
    return datetime.fromtimestamp(milliseconds / 1000, UTC)


def _batches(ids: Sequence[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(ids), size):
        yield list(ids[start : start + size])


class XProvider:
    network = "x"

    def __init__(self, config: ProviderConfig, *, session: requests.Session | None = None) -> None:
        self.config = config
        self.http = HttpClient(config, session=session)
        self.scopes = tuple(config.scopes) or DEFAULT_SCOPES

    def capabilities(self) -> Capabilities:
        return Capabilities(
            provider_idempotency=False,
            duplicate_returns_id=False,
            can_list_own_posts=True,
            metric_fields=frozenset({"impressions", "reactions", "comments", "reshares", "clicks"}),
            max_text_len=MAX_TEXT,
            metrics_batch_size=METRICS_BATCH,
            metrics_window_days=PRIVATE_METRICS_WINDOW.days,
            refreshable=True,
        )

    # OAuth ---------------------------------------------------------------------------

    def authorization_url(self, *, state: str | None = None) -> AuthorizationRequest:
        verifier, challenge = pkce_pair()
        oauth = OAuth2Session(self.config.client_id, redirect_uri=self.config.redirect_uri, scope=list(self.scopes))
        url, chosen_state = oauth.authorization_url(
            self._auth_url("/i/oauth2/authorize"),
            state=state or new_state(),
            code_challenge=challenge,
            code_challenge_method="S256",
        )
        return AuthorizationRequest(url=url, state=chosen_state, code_verifier=verifier)

    def exchange_code(self, *, code: str, code_verifier: str = "") -> TokenBundle:
        body = self._token_call(
            lambda oauth: oauth.fetch_token(
                self._api_url("/2/oauth2/token"),
                code=code,
                code_verifier=code_verifier,
                auth=self._client_auth(),
                include_client_id=True,
            ),
            refusal="X did not accept the sign-in; it may have taken too long. Connect the account again.",
        )
        return self._token_bundle(body)

    def refresh(self, token: TokenBundle) -> TokenBundle:
        """The new pair: X has spent the old refresh token, so the caller must store this
        one before anything else uses the connection."""
        if not token.refresh_token:
            raise ReauthRequired("X did not give Chorus a way to renew this connection. Reconnect your X account.")
        refresh_token = token.refresh_token
        body = self._token_call(
            lambda oauth: oauth.refresh_token(
                self._api_url("/2/oauth2/token"),
                refresh_token=refresh_token,
                auth=self._client_auth(),
                client_id=self.config.client_id,
            ),
            refusal="X no longer accepts this connection. Reconnect your X account.",
        )
        if body.get("refresh_token") == refresh_token:
            # requests-oauthlib fills in the old refresh token when the answer has none;
            # X's is spent by now, so keeping it would only fail later.
            body.pop("refresh_token")
        return self._token_bundle(body)

    def revoke(self, token: TokenBundle) -> None:
        # Revoking the refresh token ends the grant; the access token is revoked too
        # because it stays valid for up to two hours otherwise.
        pairs = [(token.refresh_token, "refresh_token"), (token.access_token, "access_token")]
        for value, hint in pairs:
            if not value:
                continue
            response = self.http.request(
                "POST",
                self._api_url("/2/oauth2/revoke"),
                data={"token": value, "token_type_hint": hint, "client_id": self.config.client_id},
                auth=self._client_auth(),
            )
            if response.status_code >= 500:
                raise server_error(response, ambiguous=False)
            if response.status_code == 401:
                raise PermissionDenied("X refused Chorus's app credentials.", status=401, raw=json_or_empty(response))

    def _client_auth(self) -> HTTPBasicAuth:
        return HTTPBasicAuth(self.config.client_id, self.config.client_secret)

    def _token_call(self, call: Callable[[RoutedOAuth2Session], dict[str, Any]], *, refusal: str) -> dict[str, Any]:
        def checked(response: requests.Response) -> requests.Response:
            if response.status_code != 200:
                raise _token_endpoint_error(response, refusal=refusal)
            return response

        # No scope on the session, so oauthlib does not treat a narrower grant as an
        # error: the granted scopes are read from the answer.
        oauth = RoutedOAuth2Session(self.http, client_id=self.config.client_id, redirect_uri=self.config.redirect_uri)
        oauth.register_compliance_hook("access_token_response", checked)
        oauth.register_compliance_hook("refresh_token_response", checked)
        try:
            return dict(call(oauth))
        except InsecureTransportError:
            raise
        except (OAuth2Error, ValueError) as error:
            raise Transient("X's answer to the token request was not understood.") from error

    def _token_bundle(self, body: Mapping[str, Any]) -> TokenBundle:
        return TokenBundle(
            access_token=str(body["access_token"]),
            refresh_token=body.get("refresh_token") or None,
            expires_at=expiry_from(body.get("expires_in")),
            scopes=_scopes(body.get("scope")) or frozenset(self.scopes),
        )

    # Reading the user ----------------------------------------------------------------

    def get_identity(self, token: TokenBundle) -> Identity:
        response = self.http.request("GET", self._api_url("/2/users/me"), headers=self._headers(token))
        if response.status_code != 200:
            raise self._error(response, ambiguous=False)
        user = json_or_empty(response).get("data") or {}
        if not user.get("id"):
            raise Transient("X's profile answer had no user id.")
        username = str(user.get("username") or "")
        return Identity(
            external_user_id=str(user["id"]),
            author_ref=str(user["id"]),
            handle=username,
            display_name=str(user.get("name") or ""),
            profile_url=f"https://x.com/{username}" if username else "",
        )

    # Posting -------------------------------------------------------------------------

    def publish(self, token: TokenBundle, who: Identity, share: ShareRequest, *, idempotency_key: str) -> PublishResult:
        # `idempotency_key` has nowhere to go: X has no idempotency header.
        body: dict[str, Any] = {"text": share.text}
        # Without media.write the image stays behind: X builds the link card (with the
        # page's own image) from the tracked link in the text.
        if share.image is not None and MEDIA_SCOPE in token.scopes:
            body["media"] = {"media_ids": [self._upload_image(token, share.image)]}
        response = self.http.request(
            "POST", self._api_url("/2/tweets"), ambiguous=True, json=body, headers=self._headers(token)
        )
        if not 200 <= response.status_code < 300:
            raise self._error(response, ambiguous=True)
        data = json_or_empty(response).get("data") or {}
        if not data.get("id"):
            raise AmbiguousOutcome("X accepted the post without saying which post it is.", status=response.status_code)
        return PublishResult(external_id=str(data["id"]), url=self._post_url(who, str(data["id"])), raw=data)

    def reconcile(
        self, token: TokenBundle, who: Identity, share: ShareRequest, *, idempotency_key: str, sent_after: datetime
    ) -> PublishResult | None:
        start = (sent_after - RECONCILE_LOOKBACK).astimezone(UTC)
        params: dict[str, str] = {
            "start_time": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "max_results": str(RECONCILE_PAGE_SIZE),
            "tweet.fields": "entities,created_at",
            "exclude": "replies,retweets",
        }
        recent: list[Mapping[str, Any]] = []
        for _page in range(RECONCILE_MAX_PAGES):
            response = self.http.request(
                "GET",
                self._api_url(f"/2/users/{who.external_user_id}/tweets"),
                params=params,
                headers=self._headers(token),
            )
            if response.status_code != 200:
                raise self._error(response, ambiguous=False)
            answer = json_or_empty(response)
            recent.extend(tweet for tweet in answer.get("data") or [] if isinstance(tweet, Mapping))
            next_token = (answer.get("meta") or {}).get("next_token")
            if not next_token:
                break
            params["pagination_token"] = str(next_token)
        found = _matching_post(recent, share)
        if found is None:
            return None
        return PublishResult(external_id=str(found["id"]), url=self._post_url(who, str(found["id"])), raw=found)

    def delete(self, token: TokenBundle, who: Identity, external_id: str) -> None:
        response = self.http.request("DELETE", self._api_url(f"/2/tweets/{external_id}"), headers=self._headers(token))
        if response.status_code == 404 or 200 <= response.status_code < 300:
            return
        raise self._error(response, ambiguous=False)

    def _upload_image(self, token: TokenBundle, image: ImageRef) -> str:
        """The media id of an uploaded image. Nothing is posted yet, so a failure here is
        never ambiguous."""
        response = self.http.request(
            "POST",
            self._api_url("/2/media/upload"),
            json={
                "media": base64.b64encode(image.content).decode(),
                "media_category": "tweet_image",
                "media_type": image.mime_type,
            },
            headers=self._headers(token),
        )
        if not 200 <= response.status_code < 300:
            raise self._error(response, ambiguous=False, about_content=True)
        media_id = str((json_or_empty(response).get("data") or {}).get("id") or "")
        if not media_id:
            raise Transient("X did not say which image it stored.")
        if image.alt_text:
            described = self.http.request(
                "POST",
                self._api_url("/2/media/metadata"),
                json={"id": media_id, "metadata": {"alt_text": {"text": image.alt_text[:1000]}}},
                headers=self._headers(token),
            )
            if not 200 <= described.status_code < 300:
                raise self._error(described, ambiguous=False, about_content=True)
        return media_id

    # Metrics ---------------------------------------------------------------------------

    def fetch_metrics(
        self, token: TokenBundle, who: Identity, external_ids: Sequence[str]
    ) -> Mapping[str, MetricsSnapshot]:
        """Snapshots of the posts X still has (a deleted post is simply absent)."""
        snapshots: dict[str, MetricsSnapshot] = {}
        cutoff = utcnow() - PRIVATE_METRICS_WINDOW
        for batch in _batches(external_ids, METRICS_BATCH):
            # Asking for private metrics of an older post would hide the whole post, so
            # posts that are certainly older (by their id's timestamp) ask for public
            # metrics only; posts X refuses anyway (clocks differ) are asked again.
            young = [tweet_id for tweet_id in batch if (_created_at(tweet_id) or cutoff) > cutoff]
            public_only = [tweet_id for tweet_id in batch if tweet_id not in young]
            if young:
                found, refused = self._lookup(token, young, private=True)
                snapshots.update(found)
                public_only.extend(refused)
            if public_only:
                found, _refused = self._lookup(token, public_only, private=False)
                snapshots.update(found)
        return snapshots

    def _lookup(
        self, token: TokenBundle, ids: list[str], *, private: bool
    ) -> tuple[dict[str, MetricsSnapshot], list[str]]:
        """Snapshots for `ids`, and the ids X refused to show with private metrics."""
        fields = "created_at,public_metrics" + (",non_public_metrics,organic_metrics" if private else "")
        response = self.http.request(
            "GET",
            self._api_url("/2/tweets"),
            params={"ids": ",".join(ids), "tweet.fields": fields},
            headers=self._headers(token),
        )
        if response.status_code != 200:
            raise self._error(response, ambiguous=False)
        answer = json_or_empty(response)
        fetched_at = utcnow()
        snapshots = {
            str(tweet["id"]): _snapshot(tweet, fetched_at)
            for tweet in answer.get("data") or []
            if isinstance(tweet, Mapping) and tweet.get("id")
        }
        refused: list[str] = []
        for error in answer.get("errors") or []:
            if not isinstance(error, Mapping) or not str(error.get("type", "")).endswith("not-authorized-for-field"):
                continue
            tweet_id = str(error.get("resource_id") or error.get("value") or "")
            if tweet_id and tweet_id not in snapshots and tweet_id not in refused:
                refused.append(tweet_id)
        return snapshots, refused

    # Plumbing ------------------------------------------------------------------------

    def _auth_url(self, path: str) -> str:
        return self.config.auth_base.rstrip("/") + path

    def _api_url(self, path: str) -> str:
        return self.config.api_base.rstrip("/") + path

    def _headers(self, token: TokenBundle) -> dict[str, str]:
        return {"Authorization": f"Bearer {token.access_token}"}

    def _post_url(self, who: Identity, tweet_id: str) -> str:
        handle = who.handle.lstrip("@")
        # x.com/i/web/status/{id} resolves any post when the handle is unknown.
        return f"https://x.com/{handle}/status/{tweet_id}" if handle else f"https://x.com/i/web/status/{tweet_id}"

    def _error(
        self, response: requests.Response, *, ambiguous: bool, about_content: bool | None = None
    ) -> ProviderError:
        """The taxonomy error for an X refusal: `ambiguous` for the post's create call,
        `about_content` when a 4xx means the post itself (default: `ambiguous`)."""
        status = response.status_code
        body = json_or_empty(response)
        detail = _detail(body)
        if status == 401:
            return AuthExpired(
                "X no longer accepts this account's sign-in (expired or revoked).", status=status, raw=body
            )
        if status == 403:
            if "duplicate" in detail.lower():
                return DuplicateContent(
                    "X already has this post from your account.", existing_id=None, status=status, raw=body
                )
            return PermissionDenied(
                "X did not allow Chorus to do this for your account. Reconnect X and allow posting."
                + (f" (X said: {detail})" if detail else ""),
                status=status,
                raw=body,
            )
        if status == 429:
            return _rate_limited(response, body)
        if status >= 500:
            return server_error(response, ambiguous=ambiguous)
        if 400 <= status < 500:
            if ambiguous if about_content is None else about_content:
                return InvalidContent(
                    f"X refused the post: {detail or 'invalid request'}. Edit the post and share it again.",
                    status=status,
                    raw=body,
                )
            return ProviderError(f"X refused the request ({status}): {detail}", status=status, raw=body)
        return server_error(response, ambiguous=ambiguous)


def _detail(body: Mapping[str, Any]) -> str:
    """X's own explanation: the specific `errors[].message` first, then `detail`."""
    messages = [
        str(error.get("message"))
        for error in body.get("errors") or []
        if isinstance(error, Mapping) and error.get("message")
    ]
    return "; ".join(messages) or str(body.get("detail") or body.get("title") or "")


def _rate_limited(response: requests.Response, body: Mapping[str, Any]) -> RateLimited:
    headers = response.headers
    now = utcnow()
    if "usage-capped" in str(body.get("type", "")):
        # The plan's usage cap (per project or per account), not a window: everything
        # posting through this app waits for the next period.
        period = str(body.get("period", ""))
        today = now.date()
        if period == "Monthly":
            first = today.replace(day=1) + timedelta(days=32)
            retry_at = datetime.combine(first.replace(day=1), time(0), tzinfo=UTC)
        else:
            retry_at = datetime.combine(today + timedelta(days=1), time(0), tzinfo=UTC)
        return RateLimited(
            "X's usage cap for Chorus is reached.", retry_at=retry_at, scope="app", status=429, raw=dict(body)
        )
    if headers.get("x-app-limit-24hour-remaining") == "0":
        # Every account of this app would get the same answer: an app-wide breaker.
        retry_at = from_epoch(headers.get("x-app-limit-24hour-reset")) or now + timedelta(hours=1)
        return RateLimited(
            "X's daily limit for Chorus is reached; posts to X resume when it resets.",
            retry_at=retry_at,
            scope="app",
            status=429,
            raw=dict(body),
        )
    resets: list[datetime] = []
    if headers.get("x-user-limit-24hour-remaining") == "0":
        resets.append(from_epoch(headers.get("x-user-limit-24hour-reset")) or now + timedelta(hours=1))
    if headers.get("x-rate-limit-remaining") == "0" or not resets:
        window_reset = from_epoch(headers.get("x-rate-limit-reset"))
        if window_reset is not None:
            resets.append(window_reset)
    if not resets:
        # A 429 without any limit header is X protecting itself: a short back-off.
        return RateLimited(
            "X asked Chorus to slow down.",
            retry_at=now + timedelta(minutes=1),
            scope="infra",
            status=429,
            raw=dict(body),
        )
    return RateLimited(
        "X's limit for this account is reached; Chorus will try again when it resets.",
        retry_at=max(resets),
        scope="user",
        status=429,
        raw=dict(body),
    )


def _token_endpoint_error(response: requests.Response, *, refusal: str) -> ProviderError:
    body = json_or_empty(response)
    status = response.status_code
    if status >= 500:
        return server_error(response, ambiguous=False)
    if status == 429:
        return _rate_limited(response, body)
    if status == 401 or body.get("error") in ("invalid_client", "unauthorized_client"):
        return PermissionDenied(
            "X refused Chorus's app credentials; an administrator must check the X app settings.",
            status=status,
            raw=body,
        )
    # invalid_request / invalid_grant: the code or refresh token is spent, expired or
    # revoked. Only the person can start a new chain.
    return ReauthRequired(refusal, status=status, raw=body)


def _matching_post(recent: Sequence[Mapping[str, Any]], share: ShareRequest) -> Mapping[str, Any] | None:
    """Our post among `recent`: the one carrying the tracked link, else the one with the
    same words. The oldest wins: a later one would be a duplicate of it."""
    oldest_first = sorted(recent, key=lambda tweet: int(str(tweet.get("id", "0")) or 0))
    if share.link_url:
        for tweet in oldest_first:
            urls = ((tweet.get("entities") or {}).get("urls")) or []
            links = [str(url.get("expanded_url") or "") for url in urls if isinstance(url, Mapping)]
            if any(_same_link(link, share.link_url) for link in links):
                return tweet
    wanted = _text_key(share.text)
    if not wanted:
        # A post that is only a link has no words to compare.
        return None
    return next((tweet for tweet in oldest_first if _text_key(str(tweet.get("text", ""))) == wanted), None)


def _snapshot(tweet: Mapping[str, Any], fetched_at: datetime) -> MetricsSnapshot:
    public = tweet.get("public_metrics") or {}
    private = tweet.get("non_public_metrics") or {}
    organic = tweet.get("organic_metrics") or {}
    retweets, quotes = public.get("retweet_count"), public.get("quote_count")
    # A quote is a reshare with a comment.
    reshares = None if retweets is None and quotes is None else (retweets or 0) + (quotes or 0)
    clicks = private.get("url_link_clicks", organic.get("url_link_clicks"))
    return MetricsSnapshot(
        external_id=str(tweet["id"]),
        fetched_at=fetched_at,
        impressions=public.get("impression_count"),
        reactions=public.get("like_count"),
        comments=public.get("reply_count"),
        reshares=reshares,
        clicks=clicks,
        raw=dict(tweet),
    )
