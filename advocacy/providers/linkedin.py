"""LinkedIn: Sign In with LinkedIn using OpenID Connect, posting as the member through
the Posts API (`w_member_social`, the self-serve "Share on LinkedIn" product), and the
member's post analytics once LinkedIn has approved `r_member_postAnalytics`.

Protocol facts this adapter relies on (Microsoft Learn, linkedin/… pages, unless noted):
- Authorization and token endpoints live on www.linkedin.com (`auth_base`); the token
  endpoint takes `client_id` and `client_secret` as form fields, not HTTP Basic.
- Access tokens last 60 days. Only approved Marketing Developer Platform partners get a
  refresh token (365 days, not rotated); a self-serve member reconnects instead.
- Every `/rest/*` call carries `LinkedIn-Version: YYYYMM` and
  `X-Restli-Protocol-Version: 2.0.0`; a retired version answers 426 NONEXISTENT_VERSION.
- `POST /rest/posts` answers 201 with an empty body; the URN is in `x-restli-id`.
- The commentary is "little text": reserved characters must be backslash-escaped, or
  LinkedIn silently cuts the post at the first one (ComposioHQ/composio#2710).
- There is no idempotency key. Posting the same commentary again within a day answers
  422 DUPLICATE_POST naming the original URN (Arisamiga/Linkedin-RSS#5), which is how
  the pipeline recovers the id of a post whose answer it never saw: `reconcile()` has
  nothing to search, because self-serve scopes cannot list a member's posts.
- Rate limits are daily, per member and per app, unpublished, reset at 00:00 UTC and
  answered with a bare 429 (no headers).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, time, timedelta
from typing import Any
from urllib.parse import quote

import requests
from oauthlib.oauth2 import InsecureTransportError, OAuth2Error
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
    json_or_empty,
    new_state,
    server_error,
    utcnow,
)

DEFAULT_SCOPES = ("openid", "profile", "email", "w_member_social")
ANALYTICS_SCOPE = "r_member_postAnalytics"
# Used when the installation sets none; LinkedIn retires versions about a year after release.
DEFAULT_API_VERSION = "202611"
MAX_COMMENTARY = 3000
# Little-text reserved characters (little-text-format page). `#` is among them, but an
# unescaped `#` at the start of a word is how a post carries a hashtag.
LITTLE_TEXT_RESERVED = frozenset("\\|{}@[]()<>#*_~")
HASHTAG_OPENERS = frozenset("([{\"'")
POST_URN = re.compile(r"urn:li:(?:share|ugcPost):\d+")
VISIBILITY = {"public": "PUBLIC", "connections": "CONNECTIONS", "logged_in": "LOGGED_IN"}
# memberCreatorPostAnalytics answers one metric per call (post-statistics page).
METRIC_QUERIES = {
    "IMPRESSION": "impressions",
    "MEMBERS_REACHED": "reach",
    "REACTION": "reactions",
    "COMMENT": "comments",
    "RESHARE": "reshares",
}


def little_text_escaped(text: str) -> str:
    """`text` as little text that LinkedIn shows verbatim: every reserved character
    escaped except a `#` that opens a hashtag."""
    escaped: list[str] = []
    for index, char in enumerate(text):
        if char == "#" and _opens_hashtag(text, index):
            escaped.append(char)
        elif char in LITTLE_TEXT_RESERVED:
            escaped.append("\\" + char)
        else:
            escaped.append(char)
    return "".join(escaped)


def _opens_hashtag(text: str, index: int) -> bool:
    # A `#` inside a word or a URL fragment (`page#section`) is text, not a hashtag.
    before = text[index - 1] if index else " "
    after = text[index + 1] if index + 1 < len(text) else ""
    return (before.isspace() or before in HASHTAG_OPENERS) and (after.isalnum() or after == "_")


def permalink(urn: str) -> str:
    return f"https://www.linkedin.com/feed/update/{urn}/"


def next_utc_midnight(now: datetime | None = None) -> datetime:
    today = (now or utcnow()).astimezone(UTC).date()
    return datetime.combine(today + timedelta(days=1), time(0), tzinfo=UTC)


def _scopes(value: object) -> frozenset[str]:
    """LinkedIn lists granted scopes with commas; oauthlib may already have split on spaces."""
    text = " ".join(value) if isinstance(value, list | tuple) else str(value or "")
    return frozenset(part for part in re.split(r"[\s,]+", text) if part)


class LinkedInProvider:
    network = "linkedin"

    def __init__(self, config: ProviderConfig, *, session: requests.Session | None = None) -> None:
        self.config = config
        self.http = HttpClient(config, session=session)
        self.scopes = tuple(config.scopes) or DEFAULT_SCOPES
        self.api_version = config.api_version or DEFAULT_API_VERSION

    def capabilities(self) -> Capabilities:
        return Capabilities(
            provider_idempotency=False,
            duplicate_returns_id=True,
            can_list_own_posts=False,
            metric_fields=frozenset(METRIC_QUERIES.values()),
            max_text_len=MAX_COMMENTARY,
            metrics_batch_size=1,
            metrics_window_days=None,
            # Only an app approved for programmatic refresh tokens (MDP) can renew a
            # token without the member; self-serve members reconnect every 60 days.
            refreshable=self.config.extra.get("programmatic_refresh", "").lower() in ("1", "true", "yes"),
        )

    # OAuth ---------------------------------------------------------------------------

    def authorization_url(self, *, state: str | None = None) -> AuthorizationRequest:
        oauth = OAuth2Session(self.config.client_id, redirect_uri=self.config.redirect_uri, scope=list(self.scopes))
        url, chosen_state = oauth.authorization_url(
            self._auth_url("/oauth/v2/authorization"), state=state or new_state()
        )
        return AuthorizationRequest(url=url, state=chosen_state)

    def exchange_code(self, *, code: str, code_verifier: str = "") -> TokenBundle:
        # LinkedIn's flow for web apps authenticates with the client secret, without PKCE.
        body = self._token_call(
            lambda oauth: oauth.fetch_token(
                self._auth_url("/oauth/v2/accessToken"),
                code=code,
                include_client_id=True,
                client_secret=self.config.client_secret,
            ),
            refusal="LinkedIn did not accept the sign-in; it may have taken too long. Connect the account again.",
        )
        return self._token_bundle(body, previous=None)

    def refresh(self, token: TokenBundle) -> TokenBundle:
        if not token.refresh_token:
            raise ReauthRequired(
                "LinkedIn connections last 60 days and cannot be renewed without you. Reconnect your LinkedIn account."
            )
        refresh_token = token.refresh_token
        body = self._token_call(
            lambda oauth: oauth.refresh_token(
                self._auth_url("/oauth/v2/accessToken"),
                refresh_token=refresh_token,
                client_id=self.config.client_id,
                client_secret=self.config.client_secret,
            ),
            refusal="LinkedIn no longer accepts this connection. Reconnect your LinkedIn account.",
        )
        return self._token_bundle(body, previous=token)

    def revoke(self, token: TokenBundle) -> None:
        response = self.http.request(
            "POST",
            self._auth_url("/oauth/v2/revoke"),
            data={
                "client_id": self.config.client_id,
                "client_secret": self.config.client_secret,
                "token": token.access_token,
            },
        )
        if response.status_code >= 500:
            raise server_error(response, ambiguous=False)
        if response.status_code == 401:
            raise PermissionDenied(
                "LinkedIn refused Chorus's app credentials.", status=401, raw=json_or_empty(response)
            )
        # Any other refusal means the token is already unusable, which is what was asked.

    def _token_call(self, call: Callable[[RoutedOAuth2Session], dict[str, Any]], *, refusal: str) -> dict[str, Any]:
        def checked(response: requests.Response) -> requests.Response:
            if response.status_code != 200:
                raise _token_endpoint_error(response, refusal=refusal)
            return response

        # No scope on the session: LinkedIn answers the granted scopes in its own format,
        # and oauthlib would take any difference from the requested ones for an error.
        oauth = RoutedOAuth2Session(self.http, client_id=self.config.client_id, redirect_uri=self.config.redirect_uri)
        oauth.register_compliance_hook("access_token_response", checked)
        oauth.register_compliance_hook("refresh_token_response", checked)
        try:
            return dict(call(oauth))
        except InsecureTransportError:
            raise
        except (OAuth2Error, ValueError) as error:
            raise Transient("LinkedIn's answer to the token request was not understood.") from error

    def _token_bundle(self, body: Mapping[str, Any], *, previous: TokenBundle | None) -> TokenBundle:
        refresh_expires_at = expiry_from(body.get("refresh_token_expires_in"))
        return TokenBundle(
            access_token=str(body["access_token"]),
            refresh_token=body.get("refresh_token") or (previous.refresh_token if previous else None),
            expires_at=expiry_from(body.get("expires_in")),
            refresh_expires_at=refresh_expires_at or (previous.refresh_expires_at if previous else None),
            scopes=_scopes(body.get("scope")) or (previous.scopes if previous else frozenset(self.scopes)),
        )

    # Reading the member ------------------------------------------------------------------

    def get_identity(self, token: TokenBundle) -> Identity:
        response = self.http.request("GET", self._api_url("/v2/userinfo"), headers=self._headers(token))
        if response.status_code != 200:
            raise self._error(response, ambiguous=False)
        claims = json_or_empty(response)
        sub = str(claims.get("sub") or "")
        if not sub:
            raise Transient("LinkedIn's profile answer had no member id.")
        name = claims.get("name") or " ".join(filter(None, (claims.get("given_name"), claims.get("family_name"))))
        return Identity(external_user_id=sub, author_ref=f"urn:li:person:{sub}", display_name=str(name or ""))

    # Posting -------------------------------------------------------------------------

    def publish(self, token: TokenBundle, who: Identity, share: ShareRequest, *, idempotency_key: str) -> PublishResult:
        # `idempotency_key` has nowhere to go: LinkedIn's duplicate check is the only guard.
        body = self._post_body(token, who, share)
        response = self.http.request(
            "POST", self._api_url("/rest/posts"), ambiguous=True, json=body, headers=self._headers(token)
        )
        if not 200 <= response.status_code < 300:
            raise self._error(response, ambiguous=True)
        urn = response.headers.get("x-restli-id") or response.headers.get("x-linkedin-id")
        if not urn:
            raise AmbiguousOutcome(
                "LinkedIn accepted the post without saying which post it is.", status=response.status_code
            )
        return PublishResult(external_id=urn, url=permalink(urn), raw={"x-restli-id": urn})

    def reconcile(
        self, token: TokenBundle, who: Identity, share: ShareRequest, *, idempotency_key: str, sent_after: datetime
    ) -> PublishResult | None:
        # Listing a member's posts needs the restricted r_member_social. Posting again is
        # safe instead: if the first attempt went through, LinkedIn answers DUPLICATE_POST
        # with its URN.
        return None

    def delete(self, token: TokenBundle, who: Identity, external_id: str) -> None:
        response = self.http.request(
            "DELETE", self._api_url(f"/rest/posts/{quote(external_id, safe='')}"), headers=self._headers(token)
        )
        if response.status_code == 404 or 200 <= response.status_code < 300:
            return
        raise self._error(response, ambiguous=False)

    def _post_body(self, token: TokenBundle, who: Identity, share: ShareRequest) -> dict[str, Any]:
        if len(share.text) > MAX_COMMENTARY:
            raise InvalidContent(
                f"The post is {len(share.text)} characters long; LinkedIn allows {MAX_COMMENTARY}. Shorten it."
            )
        visibility = VISIBILITY.get(share.visibility)
        if visibility is None:
            raise InvalidContent(f"LinkedIn cannot show a post to “{share.visibility}”. Choose public or connections.")
        body: dict[str, Any] = {
            "author": who.author_ref,
            "commentary": little_text_escaped(share.text),
            "visibility": visibility,
            "distribution": {
                "feedDistribution": "MAIN_FEED",
                "targetEntities": [],
                "thirdPartyDistributionChannels": [],
            },
            "lifecycleState": "PUBLISHED",
            "isReshareDisabledByAuthor": False,
        }
        # A post carries one content type. LinkedIn does not scrape the link, so the card
        # is built from the title, description and thumbnail we send.
        if share.link_url:
            article: dict[str, Any] = {"source": share.link_url, "title": share.link_title or share.link_url}
            if share.link_description:
                article["description"] = share.link_description
            thumbnail = share.link_thumbnail or share.image
            if thumbnail is not None:
                article["thumbnail"] = self._upload_image(token, who, thumbnail)
            body["content"] = {"article": article}
        elif share.image is not None:
            media: dict[str, Any] = {"id": self._upload_image(token, who, share.image)}
            if share.image.alt_text:
                media["altText"] = share.image.alt_text
            body["content"] = {"media": media}
        return body

    def _upload_image(self, token: TokenBundle, who: Identity, image: ImageRef) -> str:
        """The image's URN after the Images API's two steps. Nothing is posted yet, so a
        failure here is never ambiguous."""
        response = self.http.request(
            "POST",
            self._api_url("/rest/images?action=initializeUpload"),
            json={"initializeUploadRequest": {"owner": who.author_ref}},
            headers=self._headers(token),
        )
        if response.status_code != 200:
            raise self._error(response, ambiguous=False, about_content=True)
        value = json_or_empty(response).get("value") or {}
        upload_url, urn = value.get("uploadUrl"), value.get("image")
        if not upload_url or not urn:
            raise Transient("LinkedIn did not say where to upload the image.")
        uploaded = self.http.request(
            "PUT",
            str(upload_url),
            data=image.content,
            headers={"Authorization": f"Bearer {token.access_token}", "Content-Type": image.mime_type},
        )
        if not 200 <= uploaded.status_code < 300:
            raise self._error(uploaded, ambiguous=False, about_content=True)
        return str(urn)

    # Metrics ---------------------------------------------------------------------------

    def fetch_metrics(
        self, token: TokenBundle, who: Identity, external_ids: Sequence[str]
    ) -> Mapping[str, MetricsSnapshot]:
        if ANALYTICS_SCOPE not in token.scopes:
            return {urn: _unavailable(urn, "r_member_postAnalytics not granted") for urn in external_ids}
        snapshots: dict[str, MetricsSnapshot] = {}
        for index, urn in enumerate(external_ids):
            counts: dict[str, int | None] = {}
            raw: dict[str, Any] = {}
            for query_type, field_name in METRIC_QUERIES.items():
                response = self.http.request("GET", self._analytics_url(urn, query_type), headers=self._headers(token))
                if response.status_code == 403:
                    # The scope was granted but LinkedIn refuses it (the product was
                    # withdrawn): every further call would be refused too.
                    reason = str(json_or_empty(response).get("message") or "analytics access denied")
                    for remaining in external_ids[index:]:
                        snapshots[remaining] = _unavailable(remaining, reason)
                    return snapshots
                if response.status_code == 404:
                    raw["not_found"] = True
                    break
                if response.status_code != 200:
                    raise self._error(response, ambiguous=False)
                answer = json_or_empty(response)
                raw[query_type] = answer
                counts[field_name] = _metric_count(answer, query_type)
            snapshots[urn] = MetricsSnapshot(
                external_id=urn,
                fetched_at=utcnow(),
                impressions=counts.get("impressions"),
                reach=counts.get("reach"),
                reactions=counts.get("reactions"),
                comments=counts.get("comments"),
                reshares=counts.get("reshares"),
                raw=raw,
            )
        return snapshots

    def _analytics_url(self, urn: str, query_type: str) -> str:
        # Rest.li 2.0 query syntax: the URN inside the tuple is percent-encoded, the
        # parentheses and the key are not (post-statistics page).
        kind = "ugc" if ":ugcPost:" in urn else "share"
        entity = f"({kind}:{quote(urn, safe='')})"
        return self._api_url(
            f"/rest/memberCreatorPostAnalytics?q=entity&entity={entity}&queryType={query_type}&aggregation=TOTAL"
        )

    # Plumbing ------------------------------------------------------------------------

    def _auth_url(self, path: str) -> str:
        return self.config.auth_base.rstrip("/") + path

    def _api_url(self, path: str) -> str:
        return self.config.api_base.rstrip("/") + path

    def _headers(self, token: TokenBundle) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {token.access_token}",
            "LinkedIn-Version": self.api_version,
            "X-Restli-Protocol-Version": "2.0.0",
        }

    def _error(
        self, response: requests.Response, *, ambiguous: bool, about_content: bool | None = None
    ) -> ProviderError:
        """The taxonomy error for a LinkedIn refusal: `ambiguous` for the post's create
        call, `about_content` when a 4xx means the post itself (default: `ambiguous`)."""
        status = response.status_code
        body = json_or_empty(response)
        message = str(body.get("message") or "")
        if status == 401:
            return AuthExpired(
                "LinkedIn no longer accepts this account's sign-in (expired or revoked).", status=status, raw=body
            )
        if status == 426 or body.get("code") == "NONEXISTENT_VERSION":
            # Permanent until the installation moves to a supported LinkedIn-Version, and
            # nothing the employee can fix by editing the post: a permission problem of
            # the app, not invalid content.
            return PermissionDenied(
                f"LinkedIn has retired the API version Chorus uses ({self.api_version}); an administrator must "
                "update the LinkedIn API version setting. Your post was not sent.",
                status=status,
                raw=body,
            )
        if status == 403:
            return PermissionDenied(
                "LinkedIn did not allow Chorus to do this for your account. Reconnect LinkedIn and allow sharing."
                + (f" (LinkedIn said: {message})" if message else ""),
                status=status,
                raw=body,
            )
        if status == 429:
            # LinkedIn's quotas are daily and reset at midnight UTC; the pipeline adds its
            # short first back-offs (an infrastructure 429 looks the same).
            return RateLimited(
                "LinkedIn's daily limit for this account is reached; Chorus will try again after midnight UTC.",
                retry_at=next_utc_midnight(),
                scope="user",
                status=status,
                raw=body,
            )
        if status >= 500:
            return server_error(response, ambiguous=ambiguous)
        if ambiguous and status == 422 and _is_duplicate(body):
            urn_match = POST_URN.search(message)
            existing = urn_match.group() if urn_match else None
            return DuplicateContent(
                "LinkedIn already has this post from your account.",
                existing_id=existing,
                existing_url=permalink(existing) if existing else "",
                status=status,
                raw=body,
            )
        if 400 <= status < 500:
            if ambiguous if about_content is None else about_content:
                return InvalidContent(_content_refusal(body), status=status, raw=body)
            return ProviderError(f"LinkedIn refused the request ({status}): {message}", status=status, raw=body)
        # Anything else (a redirect, a 1xx) is not LinkedIn's API answering.
        return server_error(response, ambiguous=ambiguous)


def _token_endpoint_error(response: requests.Response, *, refusal: str) -> ProviderError:
    body = json_or_empty(response)
    status = response.status_code
    if status >= 500:
        return server_error(response, ambiguous=False)
    if status == 429:
        return RateLimited(
            "LinkedIn is limiting sign-ins; try again later.", retry_at=next_utc_midnight(), scope="app", status=status
        )
    if status == 401 or body.get("error") in ("invalid_client", "unauthorized_client"):
        return PermissionDenied(
            "LinkedIn refused Chorus's app credentials; an administrator must check the LinkedIn app settings.",
            status=status,
            raw=body,
        )
    return ReauthRequired(refusal, status=status, raw=body)


def _is_duplicate(body: Mapping[str, Any]) -> bool:
    inputs = ((body.get("errorDetails") or {}).get("inputErrors")) or []
    if any(isinstance(item, Mapping) and item.get("code") == "DUPLICATE_POST" for item in inputs):
        return True
    return "duplicate" in str(body.get("message") or "").lower()


def _content_refusal(body: Mapping[str, Any]) -> str:
    """What LinkedIn objected to, in words an employee can act on."""
    reasons: list[str] = []
    for item in ((body.get("errorDetails") or {}).get("inputErrors")) or []:
        if not isinstance(item, Mapping):
            continue
        path = ((item.get("input") or {}).get("inputPath") or {}).get("fieldPath", "")
        description = str(item.get("description") or item.get("code") or "")
        reasons.append(f"{description} ({path.strip('/')})" if path else description)
    detail = "; ".join(reason for reason in reasons if reason) or str(body.get("message") or "the post was refused")
    return f"LinkedIn refused the post: {detail}. Edit the post and share it again."


def _metric_count(answer: Mapping[str, Any], query_type: str) -> int | None:
    """The count of `query_type` in an analytics answer. `metricType` is an object keyed
    by its schema name before version 202605 and a plain string from then on."""
    total: int | None = None
    for element in answer.get("elements") or []:
        if not isinstance(element, Mapping):
            continue
        metric = element.get("metricType")
        if isinstance(metric, Mapping):
            metric = next(iter(metric.values()), None)
        count = element.get("count")
        if metric == query_type and isinstance(count, int):
            total = (total or 0) + count
    return total


def _unavailable(urn: str, reason: str) -> MetricsSnapshot:
    return MetricsSnapshot(external_id=urn, fetched_at=utcnow(), raw={"unavailable": reason})
