"""An X (API v2) on 127.0.0.1 that behaves the way the X adapter depends on: the
OAuth 2.0 pages of x.com and the API of api.x.com, served from one port.

    with FakeX() as x:
        grace = x.add_user("2244994945", username="grace", name="Grace Hopper")
        x.signed_in = grace.id               # who consents on /i/oauth2/authorize
        provider = XProvider(x.config())
        token = x.issue_token(grace.id)      # skip the browser dance
        … provider.publish(token, …) …
        assert len(x.posts_of(grace.id)) == 1

What it enforces, with the sources of each rule (docs.x.com pages and the issue
threads that observed the undocumented parts):
- OAuth 2.0 with PKCE (fundamentals/authentication/oauth-2-0/authorization-code):
  S256 challenges only, `state` passed through, `deny_next` answers
  `error=access_denied`; codes are single-use and live 30 seconds. The token endpoint
  wants HTTP Basic client authentication (a confidential client), else 401 "Missing
  valid authorization header" (plhery/node-twitter-api-v2#319). Access tokens last two
  hours; `offline.access` adds a refresh token that is single-use and rotated; using a
  spent one answers `invalid_request` and revokes the whole family (trypost#126).
- 401 for expired, revoked or unknown tokens; 403 for a missing scope and for an
  app-only bearer on a user-context endpoint.
- `POST /2/tweets`: 201 `{"data":{"id","text"}}` with URLs rewritten to t.co; 403
  duplicate body without an id for the same text by the same user within
  `duplicate_window` (akrherz/iembot#163, node-twitter-api-v2#469).
- Rate limits (fundamentals/rate-limits): `x-rate-limit-*` for the 15-minute window and
  `x-user-limit-24hour-*` / `x-app-limit-24hour-*` on every answer, with limits a test
  can shrink (`window_limits`, `user_daily_limits`, `app_daily_limits`).
- Reads: `GET /2/users/:id/tweets` (start_time, max_results 5–100, pagination) and
  `GET /2/tweets?ids=` (1–100 ids). Non-public and organic metrics only for the
  author's token and posts younger than 30 days (x-api/fundamentals/metrics);
  asking for them otherwise drops the post from `data` with a "Field Authorization
  Error". Counts grow with the post's age on the fake clock. Text comes back
  HTML-escaped (`&amp;`), as X sends it.
- `POST /2/media/upload` (JSON with base64, or multipart) and `POST /2/media/metadata`
  behind `media.write`.
"""

from __future__ import annotations

import base64
import binascii
import email.parser
import email.policy
import hashlib
import re
import secrets
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from advocacy.providers.base import ProviderConfig, TokenBundle
from tests.fakes.network import FakeNetwork, FakeRequest, FakeResponse, json_response

REDIRECT_URI = "https://chorus.test/connections/x/callback/"
DEFAULT_SCOPES = frozenset({"tweet.read", "tweet.write", "users.read", "offline.access"})
KNOWN_SCOPES = DEFAULT_SCOPES | {"media.write", "like.read", "like.write", "follows.read", "bookmark.read"}
ACCESS_TOKEN_LIFETIME = timedelta(hours=2)
CODE_LIFETIME = timedelta(seconds=30)
PRIVATE_METRICS_WINDOW = timedelta(days=30)
PRIVATE_FIELDS = ("non_public_metrics", "organic_metrics", "promoted_metrics")
WINDOW = timedelta(minutes=15)
DAY = timedelta(hours=24)
MAX_WEIGHTED_LENGTH = 280
TCO_LENGTH = 23
TWITTER_EPOCH_MS = 1288834974657  # snowflake ids count milliseconds from here
URL = re.compile(r"https?://[^\s<>\"]+?(?=[.,;:!?)\]'\"]*(?:\s|$))")
TWEET_FIELDS = frozenset({"text", "media", "reply", "quote_tweet_id", "poll", "reply_settings", "nullcast", "geo"})
REQUIRED_SCOPES = {
    "tweets.create": {"tweet.read", "tweet.write", "users.read"},
    "tweets.delete": {"tweet.read", "tweet.write", "users.read"},
    "tweets.lookup": {"tweet.read", "users.read"},
    "users.tweets": {"tweet.read", "users.read"},
    "users.me": {"tweet.read", "users.read"},
    "media.upload": {"media.write"},
}
UNAUTHORIZED = {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"}
FORBIDDEN = {"title": "Forbidden", "type": "about:blank", "status": 403, "detail": "Forbidden"}
DUPLICATE = {
    "detail": "You are not allowed to create a Tweet with duplicate content.",
    "type": "about:blank",
    "title": "Forbidden",
    "status": 403,
}
TOO_MANY_REQUESTS = {"title": "Too Many Requests", "detail": "Too Many Requests", "type": "about:blank", "status": 429}
APP_ONLY_FORBIDDEN = {
    "title": "Unsupported Authentication",
    "detail": "Authenticating with OAuth 2.0 Application-Only is forbidden for this endpoint.  Supported "
    "authentication types are [OAuth 1.0a User Context, OAuth 2.0 User Context].",
    "type": "https://api.twitter.com/2/problems/unsupported-authentication",
    "status": 403,
}


@dataclass
class XUser:
    id: str
    username: str
    name: str


@dataclass
class _Code:
    user: str
    scopes: frozenset[str]
    redirect_uri: str
    challenge: str
    expires_at: datetime
    used: bool = False


@dataclass
class _AccessToken:
    user: str
    scopes: frozenset[str]
    expires_at: datetime
    family: str
    revoked: bool = False


@dataclass
class _RefreshToken:
    user: str
    scopes: frozenset[str]
    family: str
    used: bool = False
    revoked: bool = False


@dataclass
class _Tweet:
    id: str
    author: str
    sent_text: str  # as the client sent it: what duplicate detection compares
    text: str  # with t.co links, as X shows it
    urls: list[dict[str, Any]]
    created_at: datetime
    media_ids: list[str] = field(default_factory=list)
    deleted: bool = False


@dataclass
class _Media:
    id: str
    owner: str
    size: int
    media_type: str
    alt_text: str = ""


@dataclass
class _Window:
    started: datetime
    used: int = 0


def _problem(status: int, title: str, detail: str, **extra: Any) -> FakeResponse:
    return json_response(status, {"title": title, "detail": detail, "type": "about:blank", "status": status, **extra})


def _invalid_request(message: str, parameter: str) -> FakeResponse:
    return json_response(
        400,
        {
            "errors": [{"parameters": {parameter: []}, "message": message}],
            "title": "Invalid Request",
            "detail": "One or more parameters to your request was invalid.",
            "type": "https://api.twitter.com/2/problems/invalid-request",
        },
    )


def _oauth_error(status: int, error: str, description: str) -> FakeResponse:
    return json_response(status, {"error": error, "error_description": description})


def _redirect(redirect_uri: str, params: dict[str, str]) -> FakeResponse:
    separator = "&" if "?" in redirect_uri else "?"
    return FakeResponse(status=302, body=b"", headers={"Location": redirect_uri + separator + urlencode(params)})


def _s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def _html_escaped(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _epoch(moment: datetime) -> str:
    return str(int(moment.timestamp()))


def weighted_length(text: str) -> int:
    """twitter-text v3 counting: a link is 23, most Latin text 1 a code point, the rest 2."""
    length = 0
    position = 0
    for match in URL.finditer(text):
        length += _weight(text[position : match.start()]) + TCO_LENGTH
        position = match.end()
    return length + _weight(text[position:])


def _weight(text: str) -> int:
    light = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))
    return sum(1 if any(low <= ord(char) <= high for low, high in light) else 2 for char in text)


class FakeX(FakeNetwork):
    name = "x"

    def __init__(self, *, client_id: str = "chorus-x", client_secret: str = "x-secret") -> None:  # noqa: S107
        super().__init__()
        self.client_id = client_id
        self.client_secret = client_secret
        self.redirect_uris: set[str] = {REDIRECT_URI}
        self.users: dict[str, XUser] = {}
        self.add_user("2244994945", username="grace", name="Grace Hopper")
        self.app_bearer = "AAAAAAAAAAAAAAAAAAAAA" + secrets.token_urlsafe(24)  # an app-only token
        self.reset_state()
        self.route("GET", r"/i/oauth2/authorize", self._authorize)
        self.route("POST", r"/2/oauth2/token", self._token)
        self.route("POST", r"/2/oauth2/revoke", self._revoke_endpoint)
        self.route("GET", r"/2/users/me", self._me)
        self.route("GET", r"/2/users/(?P<user_id>\d+)/tweets", self._user_tweets)
        self.route("POST", r"/2/tweets", self._create_tweet)
        self.route("GET", r"/2/tweets", self._lookup)
        self.route("DELETE", r"/2/tweets/(?P<tweet_id>\d+)", self._delete_tweet)
        self.route("POST", r"/2/media/upload", self._upload_media)
        self.route("POST", r"/2/media/metadata", self._media_metadata)

    def __enter__(self) -> FakeX:
        self.start()
        return self

    def reset_state(self) -> None:
        """Back to a fresh X: no tokens, posts or spent limits, and the settings a test may
        have changed at their defaults (users stay)."""
        with self.lock:
            self.signed_in = "2244994945"
            self.deny_next = False
            # Calls per user per 15 minutes, per user per 24 hours and per app per 24
            # hours, by endpoint (docs.x.com rate-limit table; shrink them in a test).
            self.window_limits: dict[str, int] = {
                "tweets.create": 100,
                "tweets.delete": 50,
                "tweets.lookup": 900,
                "users.tweets": 900,
                "users.me": 75,
                "media.upload": 500,
            }
            self.user_daily_limits: dict[str, int] = {"tweets.create": 2400}
            self.app_daily_limits: dict[str, int] = {"tweets.create": 10000}
            self.duplicate_window = timedelta(hours=24)
            # Ids only grow, unless a reset (which also resets the clock) starts over.
            self._last_snowflake = 0
            self.lookup_batches: list[list[str]] = []  # the ids of each GET /2/tweets
            self._codes: dict[str, _Code] = {}
            self._tokens: dict[str, _AccessToken] = {}
            self._refresh_tokens: dict[str, _RefreshToken] = {}
            self._revoked_families: set[str] = set()
            self._tweets: dict[str, _Tweet] = {}
            self._media: dict[str, _Media] = {}
            self._windows: dict[tuple[str, ...], _Window] = {}

    # Test-side helpers -----------------------------------------------------------------

    def config(self, **overrides: Any) -> ProviderConfig:
        """A ProviderConfig for the adapter, pointing at this fake."""
        config = ProviderConfig(
            client_id=self.client_id,
            client_secret=self.client_secret,
            redirect_uri=REDIRECT_URI,
            auth_base=self.base_url,
            api_base=self.base_url,
        )
        return replace(config, **overrides)

    def add_user(self, user_id: str, *, username: str, name: str) -> XUser:
        user = XUser(id=user_id, username=username, name=name)
        with self.lock:
            self.users[user_id] = user
        return user

    def issue_token(
        self,
        user: str | None = None,
        *,
        scopes: frozenset[str] | set[str] = DEFAULT_SCOPES,
        expires_in: timedelta = ACCESS_TOKEN_LIFETIME,
    ) -> TokenBundle:
        """A token pair as the code flow would have issued it, without the browser."""
        with self.lock:
            body = self._issue(
                user or self.signed_in, frozenset(scopes), family=secrets.token_hex(8), lifetime=expires_in
            )
        return TokenBundle(
            access_token=body["access_token"],
            refresh_token=body.get("refresh_token"),
            expires_at=self.now() + expires_in,
            scopes=frozenset(scopes),
        )

    def revoke(self, token: str) -> None:
        """The user removes the app's access in their X settings: the whole family goes."""
        with self.lock:
            found = self._tokens.get(token) or self._refresh_tokens.get(token)
            if found is not None:
                self._revoked_families.add(found.family)

    def token_active(self, access_token: str) -> bool:
        with self.lock:
            token = self._tokens.get(access_token)
            return token is not None and self._usable(token)

    def tweet_created_at(self, tweet_id: str) -> datetime:
        with self.lock:
            return self._tweets[tweet_id].created_at

    # OAuth ---------------------------------------------------------------------------

    def _authorize(self, request: FakeRequest) -> FakeResponse:
        redirect_uri = request.arg("redirect_uri")
        # X shows its own error page, never redirecting to an unregistered URI.
        if request.arg("client_id") != self.client_id or redirect_uri not in self.redirect_uris:
            return FakeResponse(status=400, body="Something went wrong. You weren't able to give access to the App.")
        state = request.arg("state")
        if not state:
            return FakeResponse(status=400, body="Something went wrong: the request has no state.")
        if request.arg("response_type") != "code":
            return _redirect(redirect_uri, {"error": "unsupported_response_type", "state": state})
        challenge = request.arg("code_challenge")
        if not challenge or request.arg("code_challenge_method") != "S256":
            description = "Missing or invalid code_challenge (S256 required)"
            return _redirect(
                redirect_uri, {"error": "invalid_request", "error_description": description, "state": state}
            )
        scopes = frozenset(request.arg("scope").split())
        if not scopes or scopes - KNOWN_SCOPES:
            return _redirect(redirect_uri, {"error": "invalid_scope", "state": state})
        with self.lock:
            if self.deny_next:
                self.deny_next = False
                return _redirect(redirect_uri, {"error": "access_denied", "state": state})
            code = secrets.token_urlsafe(40)
            self._codes[code] = _Code(
                user=self.signed_in,
                scopes=scopes,
                redirect_uri=redirect_uri,
                challenge=challenge,
                expires_at=self.now() + CODE_LIFETIME,
            )
        return _redirect(redirect_uri, {"state": state, "code": code})

    def _client_authenticated(self, request: FakeRequest) -> FakeResponse | None:
        value = request.headers.get("authorization", "")
        if not value.lower().startswith("basic "):
            return _oauth_error(401, "unauthorized_client", "Missing valid authorization header")
        try:
            client_id, _, client_secret = base64.b64decode(value[6:].strip()).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return _oauth_error(401, "unauthorized_client", "Missing valid authorization header")
        if client_id != self.client_id or client_secret != self.client_secret:
            return _oauth_error(401, "invalid_client", "Client authentication failed")
        return None

    def _token(self, request: FakeRequest) -> FakeResponse:
        refused = self._client_authenticated(request)
        if refused is not None:
            return refused
        if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            return _oauth_error(400, "invalid_request", "The request must be form-encoded")
        form = request.form()
        with self.lock:
            if form.get("grant_type") == "authorization_code":
                return self._exchange(form)
            if form.get("grant_type") == "refresh_token":
                return self._refresh(form)
        return _oauth_error(400, "unsupported_grant_type", "Unsupported grant type")

    def _exchange(self, form: dict[str, str]) -> FakeResponse:
        code = self._codes.get(form.get("code", ""))
        valid = (
            code is not None
            and not code.used
            and self.now() < code.expires_at
            and form.get("redirect_uri") == code.redirect_uri
            and _s256(form.get("code_verifier", "")) == code.challenge
        )
        if code is not None:
            code.used = True  # spent by any attempt, as RFC 6749 §4.1.2 allows
        if code is None or not valid:
            return _oauth_error(400, "invalid_request", "Value passed for the authorization code was invalid.")
        return json_response(200, self._issue(code.user, code.scopes, family=secrets.token_hex(8)))

    def _refresh(self, form: dict[str, str]) -> FakeResponse:
        refresh = self._refresh_tokens.get(form.get("refresh_token", ""))
        if refresh is None:
            return _oauth_error(400, "invalid_request", "Value passed for the token was invalid.")
        if refresh.used or refresh.revoked or refresh.family in self._revoked_families:
            # A spent refresh token coming back means two holders of the chain: X
            # revokes every token of the family (gptme-contrib#285).
            self._revoked_families.add(refresh.family)
            return _oauth_error(400, "invalid_request", "Value passed for the token was invalid.")
        refresh.used = True
        return json_response(200, self._issue(refresh.user, refresh.scopes, family=refresh.family))

    def _issue(
        self, user: str, scopes: frozenset[str], *, family: str, lifetime: timedelta = ACCESS_TOKEN_LIFETIME
    ) -> dict[str, Any]:
        access_token = secrets.token_urlsafe(60)
        self._tokens[access_token] = _AccessToken(
            user=user, scopes=scopes, expires_at=self.now() + lifetime, family=family
        )
        body: dict[str, Any] = {
            "token_type": "bearer",
            "expires_in": int(lifetime.total_seconds()),
            "access_token": access_token,
            "scope": " ".join(sorted(scopes)),
        }
        if "offline.access" in scopes:
            refresh_token = secrets.token_urlsafe(60)
            self._refresh_tokens[refresh_token] = _RefreshToken(user=user, scopes=scopes, family=family)
            body["refresh_token"] = refresh_token
        return body

    def _revoke_endpoint(self, request: FakeRequest) -> FakeResponse:
        refused = self._client_authenticated(request)
        if refused is not None:
            return refused
        value = request.form().get("token", "")
        with self.lock:
            if value in self._tokens:
                self._tokens[value].revoked = True
            elif value in self._refresh_tokens:
                # Revoking a refresh token ends the grant (RFC 7009 §2.1).
                self._revoked_families.add(self._refresh_tokens[value].family)
        return json_response(200, {"revoked": True})

    # API plumbing -------------------------------------------------------------------

    def _usable(self, token: _AccessToken) -> bool:
        return not token.revoked and token.family not in self._revoked_families and self.now() < token.expires_at

    def _user_call(self, request: FakeRequest, endpoint: str) -> tuple[_AccessToken, dict[str, str]] | FakeResponse:
        """The caller's token and the rate-limit headers of this call, or the refusal."""
        bearer = request.bearer()
        if bearer and bearer == self.app_bearer:
            return json_response(403, APP_ONLY_FORBIDDEN)
        with self.lock:
            token = self._tokens.get(bearer)
            if token is None or not self._usable(token):
                return json_response(401, UNAUTHORIZED)
            headers, over = self._spend(endpoint, token.user)
        if over:
            return FakeResponse(status=429, body=TOO_MANY_REQUESTS, headers=headers)
        if not REQUIRED_SCOPES[endpoint] <= token.scopes:
            return FakeResponse(status=403, body=FORBIDDEN, headers=headers)
        return token, headers

    def _spend(self, endpoint: str, user: str) -> tuple[dict[str, str], bool]:
        """Count one call of `user` on `endpoint` (unless a limit is already reached)."""
        now = self.now()
        counters: list[tuple[str, int, _Window, timedelta]] = []
        for prefix, key, limit, period in (
            ("x-rate-limit", ("window", user, endpoint), self.window_limits.get(endpoint), WINDOW),
            ("x-user-limit-24hour", ("user-day", user, endpoint), self.user_daily_limits.get(endpoint), DAY),
            ("x-app-limit-24hour", ("app-day", endpoint), self.app_daily_limits.get(endpoint), DAY),
        ):
            if limit is None:
                continue
            window = self._windows.get(key)
            if window is None or now >= window.started + period:
                window = self._windows[key] = _Window(started=now)
            counters.append((prefix, limit, window, period))
        over = any(window.used >= limit for _, limit, window, _ in counters)
        headers: dict[str, str] = {}
        for prefix, limit, window, period in counters:
            if not over:
                window.used += 1
            headers[f"{prefix}-limit"] = str(limit)
            headers[f"{prefix}-remaining"] = str(max(limit - window.used, 0))
            headers[f"{prefix}-reset"] = _epoch(window.started + period)
        return headers, over

    def rate_limited_response(self, request: FakeRequest) -> FakeResponse:
        endpoint = _endpoint_of(request.method, request.path)
        limit = self.window_limits.get(endpoint, 100)
        headers = {
            "x-rate-limit-limit": str(limit),
            "x-rate-limit-remaining": "0",
            "x-rate-limit-reset": _epoch(self.now() + WINDOW),
        }
        return FakeResponse(status=429, body=TOO_MANY_REQUESTS, headers=headers)

    def _snowflake(self) -> str:
        with self.lock:
            candidate = (int(self.now().timestamp() * 1000) - TWITTER_EPOCH_MS) << 22
            self._last_snowflake = max(candidate, self._last_snowflake + 1)
            return str(self._last_snowflake)

    # API ----------------------------------------------------------------------------

    def _me(self, request: FakeRequest) -> FakeResponse:
        checked = self._user_call(request, "users.me")
        if isinstance(checked, FakeResponse):
            return checked
        token, headers = checked
        user = self.users[token.user]
        return FakeResponse(
            status=200, body={"data": {"id": user.id, "name": user.name, "username": user.username}}, headers=headers
        )

    def _create_tweet(self, request: FakeRequest) -> FakeResponse:
        checked = self._user_call(request, "tweets.create")
        if isinstance(checked, FakeResponse):
            return checked
        token, headers = checked
        body = request.json()
        refused = self._refused_tweet(body, token.user)
        if refused is not None:
            refused.headers.update(headers)
            return refused
        text: str = body.get("text", "")
        with self.lock:
            since = self.now() - self.duplicate_window
            for tweet in self._tweets.values():
                if (
                    tweet.author == token.user
                    and not tweet.deleted
                    and tweet.sent_text == text
                    and tweet.created_at > since
                ):
                    return FakeResponse(status=403, body=DUPLICATE, headers=headers)
            tweet = self._new_tweet(token.user, text, list((body.get("media") or {}).get("media_ids") or []))
        return FakeResponse(
            status=201,
            body={"data": {"id": tweet.id, "text": _html_escaped(tweet.text), "edit_history_tweet_ids": [tweet.id]}},
            headers=headers,
        )

    def _refused_tweet(self, body: Any, user: str) -> FakeResponse | None:
        if not isinstance(body, dict):
            return _invalid_request("The request body must be a JSON object.", "body")
        unknown = sorted(set(body) - TWEET_FIELDS)
        if unknown:
            return _invalid_request(
                f"The query parameter [{unknown[0]}] is not one of [{', '.join(sorted(TWEET_FIELDS))}]", unknown[0]
            )
        text = body.get("text", "")
        media_ids = (body.get("media") or {}).get("media_ids") or []
        if not isinstance(text, str) or (not text and not media_ids):
            return _invalid_request("Tweet needs to have either text or media.", "text")
        if weighted_length(text) > MAX_WEIGHTED_LENGTH:
            return _invalid_request("Tweet text is too long.", "text")
        with self.lock:
            for media_id in media_ids:
                media = self._media.get(str(media_id))
                if media is None or media.owner != user:
                    return _invalid_request("Your media IDs are invalid.", "media.media_ids")
        return None

    def _new_tweet(self, author: str, text: str, media_ids: list[str]) -> _Tweet:
        tweet_id = self._snowflake()
        shown: list[str] = []
        urls: list[dict[str, Any]] = []
        position = 0
        length = 0
        for match in URL.finditer(text):
            before = text[position : match.start()]
            shown.append(before)
            length += len(before)
            short = "https://t.co/" + secrets.token_urlsafe(8).replace("-", "a").replace("_", "b")[:10]
            display = re.sub(r"^https?://(www\.)?", "", match.group())
            urls.append(
                {
                    "start": length,
                    "end": length + len(short),
                    "url": short,
                    "expanded_url": match.group(),
                    "display_url": display if len(display) <= 25 else display[:24] + "…",
                }
            )
            shown.append(short)
            length += len(short)
            position = match.end()
        shown.append(text[position:])
        tweet = _Tweet(
            id=tweet_id,
            author=author,
            sent_text=text,
            text="".join(shown),
            urls=urls,
            created_at=self.now(),
            media_ids=media_ids,
        )
        self._tweets[tweet_id] = tweet
        self.record_post(
            author,
            {
                "id": tweet_id,
                "text": text,
                "display_text": tweet.text,
                "urls": [url["expanded_url"] for url in urls],
                "media_ids": media_ids,
                "created_at": tweet.created_at.isoformat(),
            },
        )
        return tweet

    def _delete_tweet(self, request: FakeRequest) -> FakeResponse:
        checked = self._user_call(request, "tweets.delete")
        if isinstance(checked, FakeResponse):
            return checked
        token, headers = checked
        tweet_id = request.params["tweet_id"]
        with self.lock:
            tweet = self._tweets.get(tweet_id)
            if tweet is None or tweet.deleted:
                return FakeResponse(status=404, body=_not_found(tweet_id, "tweet", "id"), headers=headers)
            if tweet.author != token.user:
                body = FORBIDDEN | {"detail": "You are not allowed to delete a Tweet you did not author."}
                return FakeResponse(status=403, body=body, headers=headers)
            tweet.deleted = True
            self.posts[tweet.author] = [kept for kept in self.posts.get(tweet.author, []) if kept["id"] != tweet_id]
        return FakeResponse(status=200, body={"data": {"deleted": True}}, headers=headers)

    def _lookup(self, request: FakeRequest) -> FakeResponse:
        checked = self._user_call(request, "tweets.lookup")
        if isinstance(checked, FakeResponse):
            return checked
        token, headers = checked
        ids = [value for value in request.arg("ids").split(",") if value]
        if not 1 <= len(ids) <= 100:
            refused = _invalid_request(
                f"The number of values in the `ids` query parameter list [{len(ids)}] is not between 1 and 100", "ids"
            )
            refused.headers.update(headers)
            return refused
        fields = frozenset(request.arg("tweet.fields").split(","))
        data: list[dict[str, Any]] = []
        errors: list[dict[str, Any]] = []
        with self.lock:
            self.lookup_batches.append(ids)
            for tweet_id in ids:
                tweet = self._tweets.get(tweet_id)
                if tweet is None or tweet.deleted:
                    errors.append(_not_found(tweet_id, "tweet", "ids")["errors"][0])
                    continue
                shown, refused_fields = self._tweet_json(tweet, fields, viewer=token.user)
                if shown is None:
                    errors.extend(refused_fields)
                else:
                    data.append(shown)
        body: dict[str, Any] = {}
        if data:
            body["data"] = data
        if errors:
            body["errors"] = errors
        return FakeResponse(status=200, body=body, headers=headers)

    def _user_tweets(self, request: FakeRequest) -> FakeResponse:
        checked = self._user_call(request, "users.tweets")
        if isinstance(checked, FakeResponse):
            return checked
        token, headers = checked
        refused, window = _timeline_window(request)
        if refused is not None:
            refused.headers.update(headers)
            return refused
        start, end, max_results, offset = window
        author = request.params["user_id"]
        fields = frozenset(request.arg("tweet.fields").split(","))
        with self.lock:
            if author not in self.users:
                return FakeResponse(status=200, body=_not_found(author, "user", "id"), headers=headers)
            tweets = sorted(
                (
                    tweet
                    for tweet in self._tweets.values()
                    if tweet.author == author
                    and not tweet.deleted
                    and (start is None or tweet.created_at >= start)
                    and (end is None or tweet.created_at < end)
                ),
                key=lambda tweet: int(tweet.id),
                reverse=True,
            )
            page = tweets[offset : offset + max_results]
            data: list[dict[str, Any]] = []
            errors: list[dict[str, Any]] = []
            for tweet in page:
                shown, refused_fields = self._tweet_json(tweet, fields, viewer=token.user)
                if shown is None:
                    errors.extend(refused_fields)
                else:
                    data.append(shown)
        meta: dict[str, Any] = {"result_count": len(data)}
        if page:
            meta |= {"newest_id": page[0].id, "oldest_id": page[-1].id}
        if offset + max_results < len(tweets):
            meta["next_token"] = base64.urlsafe_b64encode(str(offset + max_results).encode()).decode()
        body: dict[str, Any] = {"meta": meta}
        if data:
            body["data"] = data
        if errors:
            body["errors"] = errors
        return FakeResponse(status=200, body=body, headers=headers)

    def _tweet_json(
        self, tweet: _Tweet, fields: frozenset[str], *, viewer: str
    ) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
        """The post as X shows it to `viewer`, or None and the field errors that hide it."""
        age = self.now() - tweet.created_at
        private = [name for name in PRIVATE_FIELDS if name in fields]
        if private and (viewer != tweet.author or age >= PRIVATE_METRICS_WINDOW):
            return None, [_field_refused(tweet.id, name) for name in private]
        shown: dict[str, Any] = {
            "id": tweet.id,
            "text": _html_escaped(tweet.text),
            "edit_history_tweet_ids": [tweet.id],
        }
        if "created_at" in fields:
            shown["created_at"] = _iso(tweet.created_at)
        if "author_id" in fields:
            shown["author_id"] = tweet.author
        if "entities" in fields and tweet.urls:
            shown["entities"] = {"urls": [dict(url) for url in tweet.urls]}
        counts = _grown_counts(age, has_links=bool(tweet.urls))
        if "public_metrics" in fields:
            shown["public_metrics"] = {
                name: counts[name]
                for name in ("retweet_count", "reply_count", "like_count", "quote_count", "bookmark_count")
            } | {"impression_count": counts["impression_count"]}
        if "non_public_metrics" in fields:
            shown["non_public_metrics"] = {
                name: counts[name]
                for name in ("impression_count", "url_link_clicks", "user_profile_clicks")
                if name in counts
            }
        if "organic_metrics" in fields:
            shown["organic_metrics"] = {
                name: counts[name]
                for name in (
                    "impression_count",
                    "like_count",
                    "reply_count",
                    "retweet_count",
                    "url_link_clicks",
                    "user_profile_clicks",
                )
                if name in counts
            }
        if "promoted_metrics" in fields:
            shown["promoted_metrics"] = {}
        return shown, []

    def _upload_media(self, request: FakeRequest) -> FakeResponse:
        checked = self._user_call(request, "media.upload")
        if isinstance(checked, FakeResponse):
            return checked
        token, headers = checked
        content, media_type, category = _uploaded_media(request)
        if content is None or category not in ("tweet_image", "") or not media_type.startswith("image/"):
            refused = _invalid_request("media must be a base64 image with media_category tweet_image", "media")
            refused.headers.update(headers)
            return refused
        if len(content) > 5 * 1024 * 1024:
            refused = _invalid_request("Images must be at most 5 MB.", "media")
            refused.headers.update(headers)
            return refused
        media_id = self._snowflake()
        with self.lock:
            self._media[media_id] = _Media(id=media_id, owner=token.user, size=len(content), media_type=media_type)
        body = {
            "data": {
                "id": media_id,
                "media_key": f"3_{media_id}",
                "size": len(content),
                "expires_after_secs": 86400,
                "image": {"image_type": media_type},
            }
        }
        return FakeResponse(status=200, body=body, headers=headers)

    def _media_metadata(self, request: FakeRequest) -> FakeResponse:
        checked = self._user_call(request, "media.upload")
        if isinstance(checked, FakeResponse):
            return checked
        token, headers = checked
        body = request.json() or {}
        media_id = str(body.get("id", ""))
        alt_text = ((body.get("metadata") or {}).get("alt_text") or {}).get("text", "")
        with self.lock:
            media = self._media.get(media_id)
            if media is None or media.owner != token.user:
                refused = _invalid_request("Your media IDs are invalid.", "id")
                refused.headers.update(headers)
                return refused
            media.alt_text = alt_text
        body = {"data": {"id": media_id, "associated_metadata": {"alt_text": {"text": alt_text}}}}
        return FakeResponse(status=200, body=body, headers=headers)


def _endpoint_of(method: str, path: str) -> str:
    if path.startswith("/2/tweets"):
        return {"POST": "tweets.create", "DELETE": "tweets.delete"}.get(method, "tweets.lookup")
    if path == "/2/users/me":
        return "users.me"
    if path.startswith("/2/users/"):
        return "users.tweets"
    return "media.upload"


def _timeline_window(
    request: FakeRequest,
) -> tuple[FakeResponse | None, tuple[datetime | None, datetime | None, int, int]]:
    """start_time, end_time, max_results and the page offset of a timeline request."""
    bounds: list[datetime | None] = []
    for name in ("start_time", "end_time"):
        value = request.arg(name)
        if not value:
            bounds.append(None)
            continue
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return _invalid_request(f"Invalid '{name}':'{value}'. '{name}' must be a valid RFC 3339 date", name), (
                None,
                None,
                0,
                0,
            )
        bounds.append(moment if moment.tzinfo else moment.replace(tzinfo=UTC))
    raw_max = request.arg("max_results", "10")
    if not raw_max.isdigit() or not 5 <= int(raw_max) <= 100:
        message = f"The `max_results` query parameter value [{raw_max}] is not between 5 and 100"
        return _invalid_request(message, "max_results"), (None, None, 0, 0)
    offset = 0
    if request.arg("pagination_token"):
        try:
            offset = int(base64.urlsafe_b64decode(request.arg("pagination_token")).decode())
        except (ValueError, binascii.Error):
            return _invalid_request("Invalid pagination_token", "pagination_token"), (None, None, 0, 0)
    return None, (bounds[0], bounds[1], int(raw_max), offset)


def _uploaded_media(request: FakeRequest) -> tuple[bytes | None, str, str]:
    """The image bytes, their type and the media category, from JSON or multipart."""
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            f"Content-Type: {content_type}\r\n\r\n".encode() + request.body
        )
        parts = {part.get_param("name", header="content-disposition"): part for part in message.iter_parts()}
        media = parts.get("media")
        category = parts.get("media_category")
        if media is None:
            return None, "", ""
        return (
            media.get_payload(decode=True),
            media.get_content_type(),
            category.get_payload(decode=True).decode() if category is not None else "",
        )
    body = request.json()
    if not isinstance(body, dict):
        return None, "", ""
    try:
        content = base64.b64decode(str(body.get("media", "")), validate=True)
    except binascii.Error:
        return None, "", ""
    return content or None, str(body.get("media_type", "")), str(body.get("media_category", ""))


def _not_found(value: str, resource_type: str, parameter: str) -> dict[str, Any]:
    return {
        "errors": [
            {
                "value": value,
                "detail": f"Could not find {resource_type} with {parameter}: [{value}].",
                "title": "Not Found Error",
                "resource_type": resource_type,
                "parameter": parameter,
                "resource_id": value,
                "type": "https://api.twitter.com/2/problems/resource-not-found",
            }
        ]
    }


def _field_refused(tweet_id: str, name: str) -> dict[str, Any]:
    return {
        "value": tweet_id,
        "detail": f"Sorry, you are not authorized to access '{name}' on the Tweet with ids: [{tweet_id}].",
        "title": "Field Authorization Error",
        "resource_type": "tweet",
        "parameter": "tweet.fields",
        "field": name,
        "resource_id": tweet_id,
        "section": "data",
        "type": "https://api.twitter.com/2/problems/not-authorized-for-field",
    }


# Per hour of age; growth stops after 60 days.
_GROWTH_PER_HOUR = {
    "impression_count": 80.0,
    "like_count": 4.0,
    "reply_count": 0.5,
    "retweet_count": 0.3,
    "quote_count": 0.1,
    "bookmark_count": 0.2,
    "url_link_clicks": 2.0,
    "user_profile_clicks": 0.5,
}


def _grown_counts(age: timedelta, *, has_links: bool) -> dict[str, int]:
    hours = min(max(age.total_seconds(), 0.0), timedelta(days=60).total_seconds()) / 3600
    counts = {name: int(rate * hours) for name, rate in _GROWTH_PER_HOUR.items()}
    if not has_links:
        del counts["url_link_clicks"]
    return counts
