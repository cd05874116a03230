"""A LinkedIn on 127.0.0.1 that behaves the way the LinkedIn adapter depends on: the
OAuth endpoints of www.linkedin.com and the REST API of api.linkedin.com, served from
one port.

    with FakeLinkedIn() as linkedin:
        ada = linkedin.add_member("ada", given_name="Ada", family_name="Lovelace")
        linkedin.signed_in = ada.sub          # who consents on /oauth/v2/authorization
        provider = LinkedInProvider(linkedin.config())
        token = linkedin.issue_token(ada.sub)  # skip the browser dance
        … provider.publish(token, …) …
        assert linkedin.posts_of(ada.sub)[0]["text"] == "…"

What it enforces, with the sources of each rule (Microsoft Learn pages and the issue
threads that observed the undocumented parts):
- OAuth (shared/authentication/authorization-code-flow): the authorization page
  consents at once as `signed_in`, or redirects with `error=user_cancelled_authorize`
  when `deny_next` is set, or `error=unauthorized_scope_error` for a scope the app's
  products do not grant (`app_scopes`). The token endpoint takes `client_id` and
  `client_secret` as form fields (not HTTP Basic), codes are single-use, live 30
  minutes and are bound to the redirect URI; access tokens last 60 days. Refresh
  tokens exist only with `programmatic_refresh=True` (approved MDP partners): 365
  days from the first grant, the same token returned on every refresh.
- Headers: every `/rest/*` call needs `LinkedIn-Version` inside the configured window
  (426 NONEXISTENT_VERSION otherwise, n8n-io/n8n#28967) and
  `X-Restli-Protocol-Version: 2.0.0`.
- 401 bodies for invalid, revoked and expired tokens; 403 ACCESS_DENIED bodies for a
  missing scope (thephpleague/oauth2-linkedin#52).
- `POST /rest/posts`: 201 with an empty body and the URN in `x-restli-id`; the
  commentary is little text and is silently cut at the first unescaped reserved
  character (ComposioHQ/composio#2710; `#` stays a hashtag); 422 DUPLICATE_POST naming
  the original for the same commentary by the same author within 24 hours
  (Arisamiga/Linkedin-RSS#5); "Unpermitted fields" 400 for unknown fields.
- Per-member daily quotas (`daily_limits`, per resource) answered with a bare 429 and
  reset at midnight UTC on the fake clock (api-guide/concepts/rate-limits).
- Images API: `initializeUpload` then `PUT` to an upload URL this fake serves.
- `memberCreatorPostAnalytics` (TOTAL aggregation only) behind `r_member_postAnalytics`,
  with `metricType` as an object before version 202605 and a plain string from then on;
  the counts grow with the post's age on the fake clock.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import unquote, urlencode

from advocacy.providers.base import ProviderConfig, TokenBundle
from tests.fakes.network import FakeNetwork, FakeRequest, FakeResponse, json_response

REDIRECT_URI = "https://chorus.test/connections/linkedin/callback/"
SELF_SERVE_SCOPES = frozenset({"openid", "profile", "email", "w_member_social"})
ACCESS_TOKEN_LIFETIME = timedelta(days=60)  # expires_in 5184000
REFRESH_TOKEN_LIFETIME = timedelta(days=365)
CODE_LIFETIME = timedelta(minutes=30)
DUPLICATE_WINDOW = timedelta(hours=24)
MAX_COMMENTARY = 3000
# Little text: these must be backslash-escaped to be plain text. `#` is reserved too, but
# an unescaped `#` starts a hashtag instead of cutting the post.
RESERVED = frozenset("\\|{}@[]()<>*_~")
ESCAPABLE = RESERVED | {"#"}
MENTION = re.compile(r"@\[(?P<name>[^\]]*)\]\((?P<urn>urn:li:(?:person|organization):[\w-]+)\)")
ENTITY = re.compile(r"\((?P<kind>share|ugc):(?P<urn>urn:li:(?:share|ugcPost):\d+)\)")
METRIC_TYPE_KEY = "com.linkedin.adsexternalapi.memberanalytics.v1.CreatorPostAnalyticsMetricTypeV1"
STRING_METRIC_TYPE_FROM = "202605"
QUERY_TYPES = ("IMPRESSION", "MEMBERS_REACHED", "REACTION", "COMMENT", "RESHARE")
POST_FIELDS = frozenset(
    {
        "author",
        "commentary",
        "visibility",
        "distribution",
        "content",
        "lifecycleState",
        "isReshareDisabledByAuthor",
        "contentLandingPage",
        "contentCallToActionLabel",
        "container",
        "reshareContext",
    }
)
# LinkedIn's ids are time-ordered: milliseconds since the epoch shifted left by 22 bits
# (urn:li:share:7141138937766391808 was created in December 2023).
ID_SHIFT = 22


@dataclass
class LinkedInMember:
    sub: str
    given_name: str
    family_name: str
    email: str
    picture: str = ""

    @property
    def urn(self) -> str:
        return f"urn:li:person:{self.sub}"

    def claims(self, scopes: frozenset[str]) -> dict[str, Any]:
        claims: dict[str, Any] = {"sub": self.sub}
        if "profile" in scopes:
            claims |= {
                "name": f"{self.given_name} {self.family_name}".strip(),
                "given_name": self.given_name,
                "family_name": self.family_name,
                "picture": self.picture,
                "locale": {"country": "US", "language": "en"},
            }
        if "email" in scopes:
            claims |= {"email": self.email, "email_verified": True}
        return claims


@dataclass
class _Code:
    member: str
    scopes: frozenset[str]
    redirect_uri: str
    expires_at: datetime
    used: bool = False


@dataclass
class _AccessToken:
    member: str
    scopes: frozenset[str]
    expires_at: datetime
    refresh_token: str | None = None
    revoked: bool = False


@dataclass
class _RefreshToken:
    member: str
    scopes: frozenset[str]
    expires_at: datetime
    revoked: bool = False


@dataclass
class _Image:
    urn: str
    owner: str
    upload_id: str
    content: bytes | None = None
    content_type: str = ""


@dataclass
class _Post:
    urn: str
    member: str
    commentary: str
    created_at: datetime
    deleted: bool = False


def little_text_kept(commentary: str) -> str:
    """What LinkedIn keeps of a commentary: everything before the first reserved
    character that is neither escaped nor part of a mention template."""
    index = 0
    while index < len(commentary):
        char = commentary[index]
        if char == "\\" and index + 1 < len(commentary) and commentary[index + 1] in ESCAPABLE:
            index += 2
            continue
        if char == "@" and (mention := MENTION.match(commentary, index)):
            index = mention.end()
            continue
        if char in RESERVED:
            return commentary[:index]
        index += 1
    return commentary


def little_text_rendered(commentary: str) -> str:
    """The text a reader sees: escapes dropped, mentions shown as the name."""
    return re.sub(
        r"\\(?P<char>.)|" + MENTION.pattern,
        lambda match: match.group("char") or match.group("name") or "",
        commentary,
    )


def _error(status: int, message: str, **extra: Any) -> FakeResponse:
    return json_response(status, {"status": status, "message": message, **extra})


def _access_denied(resource: str) -> FakeResponse:
    return _error(403, f"Not enough permissions to access: {resource}", serviceErrorCode=100, code="ACCESS_DENIED")


def _oauth_error(status: int, error: str, description: str) -> FakeResponse:
    return json_response(status, {"error": error, "error_description": description})


def _redirect(redirect_uri: str, params: dict[str, str]) -> FakeResponse:
    separator = "&" if "?" in redirect_uri else "?"
    return FakeResponse(status=302, body=b"", headers={"Location": redirect_uri + separator + urlencode(params)})


def _scopes(value: str) -> frozenset[str]:
    return frozenset(part for part in re.split(r"[\s,]+", value) if part)


class FakeLinkedIn(FakeNetwork):
    name = "linkedin"

    def __init__(
        self,
        *,
        client_id: str = "chorus-linkedin",
        client_secret: str = "linkedin-secret",  # noqa: S107
        programmatic_refresh: bool = False,
        oldest_version: str = "202506",
        newest_version: str = "202612",
    ) -> None:
        super().__init__()
        self.client_id = client_id
        self.client_secret = client_secret
        self.programmatic_refresh = programmatic_refresh
        self.oldest_version = oldest_version
        self.newest_version = newest_version
        self.redirect_uris: set[str] = {REDIRECT_URI}
        self.members: dict[str, LinkedInMember] = {}
        self.add_member("ada-sub", given_name="Ada", family_name="Lovelace")
        self.reset_state()
        self.route("GET", r"/oauth/v2/authorization", self._authorize)
        self.route("POST", r"/oauth/v2/accessToken", self._access_token)
        self.route("POST", r"/oauth/v2/revoke", self._revoke_endpoint)
        self.route("GET", r"/v2/userinfo", self._userinfo)
        self.route("POST", r"/rest/posts", self._create_post)
        self.route("DELETE", r"/rest/posts/(?P<urn>[^/]+)", self._delete_post)
        self.route("POST", r"/rest/images", self._initialize_upload)
        self.route("PUT", r"/dms-uploads/(?P<upload_id>[\w-]+)", self._upload)
        self.route("GET", r"/rest/memberCreatorPostAnalytics", self._analytics)

    def __enter__(self) -> FakeLinkedIn:
        self.start()
        return self

    def reset_state(self) -> None:
        """Back to a fresh LinkedIn: no tokens or posts, and the settings a test may have
        changed at their defaults (members stay)."""
        with self.lock:
            self.signed_in = "ada-sub"
            self.deny_next = False
            # Scopes the app's products grant; add "r_member_postAnalytics" to model an
            # app LinkedIn approved for the Community Management API.
            self.app_scopes: set[str] = set(SELF_SERVE_SCOPES)
            # Calls a member may make per resource ("posts", "images", "analytics") per UTC day.
            self.daily_limits: dict[str, int] = {}
            # Ids only grow, unless a reset (which also resets the clock) starts over.
            self._last_id = 0
            self._codes: dict[str, _Code] = {}
            self._tokens: dict[str, _AccessToken] = {}
            self._refresh_tokens: dict[str, _RefreshToken] = {}
            self._images: dict[str, _Image] = {}
            self._posts: dict[str, _Post] = {}
            self._calls: dict[tuple[str, str, str], int] = {}  # (member, resource, UTC date)

    # Test-side helpers -----------------------------------------------------------------

    def config(self, **overrides: Any) -> ProviderConfig:
        """A ProviderConfig for the adapter, pointing at this fake."""
        config = ProviderConfig(
            client_id=self.client_id,
            client_secret=self.client_secret,
            redirect_uri=REDIRECT_URI,
            auth_base=self.base_url,
            api_base=self.base_url,
            api_version=self.newest_version,
        )
        return replace(config, **overrides)

    def add_member(self, sub: str, *, given_name: str, family_name: str, email: str = "") -> LinkedInMember:
        member = LinkedInMember(
            sub=sub,
            given_name=given_name,
            family_name=family_name,
            email=email or f"{given_name.lower()}@example.com",
            picture=f"https://media.licdn.example/{sub}.jpg",
        )
        with self.lock:
            self.members[sub] = member
        return member

    def issue_token(
        self,
        member: str | None = None,
        *,
        scopes: frozenset[str] | set[str] = SELF_SERVE_SCOPES,
        expires_in: timedelta = ACCESS_TOKEN_LIFETIME,
    ) -> TokenBundle:
        """An access token as the code flow would have issued it, without the browser."""
        with self.lock:
            access_token, token = self._new_token(member or self.signed_in, frozenset(scopes), expires_in)
        return TokenBundle(
            access_token=access_token,
            refresh_token=token.refresh_token,
            expires_at=token.expires_at,
            scopes=token.scopes,
        )

    def revoke(self, access_token: str) -> None:
        """The member removes the app in their LinkedIn settings."""
        with self.lock:
            token = self._tokens.get(access_token)
            if token is None:
                return
            token.revoked = True
            if token.refresh_token and token.refresh_token in self._refresh_tokens:
                self._refresh_tokens[token.refresh_token].revoked = True

    def post_urns(self, member: str) -> list[str]:
        return [post["urn"] for post in self.posts_of(member)]

    # OAuth ---------------------------------------------------------------------------

    def _authorize(self, request: FakeRequest) -> FakeResponse:
        redirect_uri = request.arg("redirect_uri")
        # LinkedIn shows its own error page (never redirects) for an unknown app or an
        # unregistered redirect URI.
        if request.arg("client_id") != self.client_id:
            return FakeResponse(status=400, body="The application could not be found.")
        if redirect_uri not in self.redirect_uris:
            return FakeResponse(status=400, body="The redirect_uri does not match the registered value.")
        state = {"state": request.arg("state")} if request.arg("state") else {}
        if request.arg("response_type") != "code":
            return _redirect(redirect_uri, {"error": "invalid_request", "error_description": "response_type"} | state)
        requested = _scopes(request.arg("scope"))
        with self.lock:
            unauthorized = sorted(requested - self.app_scopes)
            if unauthorized:
                description = f'Scope "{unauthorized[0]}" is not authorized for your application'
                return _redirect(
                    redirect_uri, {"error": "unauthorized_scope_error", "error_description": description} | state
                )
            if self.deny_next:
                self.deny_next = False
                description = "The user cancelled the authorization"
                return _redirect(
                    redirect_uri, {"error": "user_cancelled_authorize", "error_description": description} | state
                )
            code = "AQ" + secrets.token_urlsafe(48)
            self._codes[code] = _Code(
                member=self.signed_in,
                scopes=requested,
                redirect_uri=redirect_uri,
                expires_at=self.now() + CODE_LIFETIME,
            )
        return _redirect(redirect_uri, {"code": code} | state)

    def _access_token(self, request: FakeRequest) -> FakeResponse:
        if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            return _oauth_error(400, "invalid_request", "The request must be form-encoded")
        form = request.form()
        for required in ("grant_type", "client_id", "client_secret"):
            if not form.get(required):
                return _oauth_error(400, "invalid_request", f'A required parameter "{required}" is missing')
        if form["client_id"] != self.client_id or form["client_secret"] != self.client_secret:
            return _oauth_error(401, "invalid_client", "Client authentication failed")
        with self.lock:
            if form["grant_type"] == "authorization_code":
                return self._exchange(form)
            if form["grant_type"] == "refresh_token":
                return self._refresh(form)
        return _oauth_error(400, "unsupported_grant_type", "Unsupported grant type")

    def _exchange(self, form: dict[str, str]) -> FakeResponse:
        code = self._codes.get(form.get("code", ""))
        valid = (
            code is not None
            and not code.used
            and self.now() < code.expires_at
            and form.get("redirect_uri") == code.redirect_uri
        )
        if code is not None:
            code.used = True  # spent by any attempt, as RFC 6749 §4.1.2 allows
        if code is None or not valid:
            return _oauth_error(
                400,
                "invalid_request",
                "Unable to retrieve access token: appid/redirect uri/code verifier does not match authorization "
                "code. Or authorization code expired. Or external member binding exists",
            )
        access_token, token = self._new_token(code.member, code.scopes, ACCESS_TOKEN_LIFETIME)
        return json_response(200, self._token_body(access_token, token))

    def _refresh(self, form: dict[str, str]) -> FakeResponse:
        refresh = self._refresh_tokens.get(form.get("refresh_token", ""))
        if refresh is None or refresh.revoked or self.now() >= refresh.expires_at:
            return _oauth_error(400, "invalid_request", "The provided refresh token is invalid, expired or revoked")
        access_token = "AQ" + secrets.token_urlsafe(64)
        # The refresh token is not rotated and its lifetime is not extended
        # (shared/authentication/programmatic-refresh-tokens: "Day 59 … 306 days").
        token = _AccessToken(
            member=refresh.member,
            scopes=refresh.scopes,
            expires_at=self.now() + ACCESS_TOKEN_LIFETIME,
            refresh_token=form["refresh_token"],
        )
        self._tokens[access_token] = token
        return json_response(200, self._token_body(access_token, token))

    def _new_token(self, member: str, scopes: frozenset[str], lifetime: timedelta) -> tuple[str, _AccessToken]:
        access_token = "AQ" + secrets.token_urlsafe(64)
        refresh_token = None
        if self.programmatic_refresh:
            refresh_token = "AQ" + secrets.token_urlsafe(64)
            self._refresh_tokens[refresh_token] = _RefreshToken(
                member=member, scopes=scopes, expires_at=self.now() + REFRESH_TOKEN_LIFETIME
            )
        token = _AccessToken(
            member=member, scopes=scopes, expires_at=self.now() + lifetime, refresh_token=refresh_token
        )
        self._tokens[access_token] = token
        return access_token, token

    def _token_body(self, access_token: str, token: _AccessToken) -> dict[str, Any]:
        body: dict[str, Any] = {
            "access_token": access_token,
            "expires_in": int((token.expires_at - self.now()).total_seconds()),
            # LinkedIn lists granted scopes separated by commas.
            "scope": ",".join(sorted(token.scopes)),
            "token_type": "Bearer",
        }
        if token.refresh_token:
            refresh = self._refresh_tokens[token.refresh_token]
            body["refresh_token"] = token.refresh_token
            body["refresh_token_expires_in"] = int((refresh.expires_at - self.now()).total_seconds())
        return body

    def _revoke_endpoint(self, request: FakeRequest) -> FakeResponse:
        form = request.form()
        if form.get("client_id") != self.client_id or form.get("client_secret") != self.client_secret:
            return _oauth_error(401, "invalid_client", "Client authentication failed")
        self.revoke(form.get("token", ""))
        return FakeResponse(status=200, body=b"")

    # API plumbing -------------------------------------------------------------------

    def _authenticate(self, request: FakeRequest) -> _AccessToken | FakeResponse:
        with self.lock:
            token = self._tokens.get(request.bearer())
            if token is None:
                return _error(401, "Invalid access token", serviceErrorCode=65600, code="INVALID_ACCESS_TOKEN")
            if token.revoked:
                return _error(
                    401,
                    "The token used in the request has been revoked by the user",
                    serviceErrorCode=65601,
                    code="REVOKED_ACCESS_TOKEN",
                )
            if self.now() >= token.expires_at:
                return _error(
                    401,
                    "The token used in the request has expired",
                    serviceErrorCode=65602,
                    code="EXPIRED_ACCESS_TOKEN",
                )
            return token

    def _version(self, request: FakeRequest) -> str | FakeResponse:
        """The request's LinkedIn-Version (YYYYMM), or the answer refusing it."""
        version = request.headers.get("linkedin-version", "")
        if not version:
            return _error(
                400,
                "A version must be present. Please specify a version by adding the LinkedIn-Version header.",
                code="VERSION_MISSING",
            )
        if not re.fullmatch(r"\d{6}(\.\d{2})?", version):
            return _error(400, f"Invalid version {version}", code="INVALID_VERSION")
        month = version[:6]
        if not self.oldest_version <= month <= self.newest_version:
            return _error(426, f"Requested version {month}01 is not active", code="NONEXISTENT_VERSION")
        if request.headers.get("x-restli-protocol-version") != "2.0.0":
            return _error(400, "X-Restli-Protocol-Version 2.0.0 is required", code="ILLEGAL_ARGUMENT")
        return month

    def _spend_quota(self, member: str, resource: str) -> FakeResponse | None:
        limit = self.daily_limits.get(resource)
        if limit is None:
            return None
        key = (member, resource, self.now().astimezone(UTC).date().isoformat())
        with self.lock:
            used = self._calls.get(key, 0)
            if used >= limit:
                # No Retry-After, no X-RateLimit-*: LinkedIn sends neither.
                return _error(429, "Resource level throttle MEMBER DAY limit for calls to this resource is reached.")
            self._calls[key] = used + 1
        return None

    def rate_limited_response(self, request: FakeRequest) -> FakeResponse:
        return _error(429, "Resource level throttle APPLICATION DAY limit for calls to this resource is reached.")

    def _versioned_call(
        self, request: FakeRequest, *, scope: str, resource: str, quota: str
    ) -> tuple[str, _AccessToken] | FakeResponse:
        version = self._version(request)
        if isinstance(version, FakeResponse):
            return version
        token = self._authenticate(request)
        if isinstance(token, FakeResponse):
            return token
        if scope not in token.scopes:
            return _access_denied(f"{resource}.{version}01")
        limited = self._spend_quota(token.member, quota)
        if limited is not None:
            return limited
        return version, token

    def _new_id(self) -> int:
        with self.lock:
            candidate = int(self.now().timestamp() * 1000) << ID_SHIFT
            self._last_id = max(candidate, self._last_id + 1)
            return self._last_id

    # API ----------------------------------------------------------------------------

    def _userinfo(self, request: FakeRequest) -> FakeResponse:
        token = self._authenticate(request)
        if isinstance(token, FakeResponse):
            return token
        if "openid" not in token.scopes:
            return _access_denied("userinfo.GET.NO_VERSION")
        return json_response(200, self.members[token.member].claims(token.scopes))

    def _create_post(self, request: FakeRequest) -> FakeResponse:
        checked = self._versioned_call(
            request, scope="w_member_social", resource="partnerApiPostsExternal.CREATE", quota="posts"
        )
        if isinstance(checked, FakeResponse):
            return checked
        _version, token = checked
        body = request.json()
        if not isinstance(body, dict):
            return _error(400, "Request body must be a JSON object", code="ILLEGAL_ARGUMENT")
        unpermitted = sorted(set(body) - POST_FIELDS)
        if unpermitted:
            fields = ", ".join(f"/{name}" for name in unpermitted)
            return _error(
                400,
                "Unpermitted fields present in REQUEST_BODY: "
                f"Data Processing Exception while processing fields [{fields}]",
            )
        member = self.members[token.member]
        for required in ("author", "visibility", "distribution", "lifecycleState"):
            if required not in body:
                return _validation_error(f"/{required}", "Field is required", "FIELD_REQUIRED")
        if body["author"] != member.urn:
            return _access_denied(f"partnerApiPostsExternal.CREATE for author {body['author']}")
        commentary = body.get("commentary", "")
        if not isinstance(commentary, str):
            return _validation_error("/commentary", "Commentary must be a string", "INVALID_VALUE")
        kept = little_text_kept(commentary)
        if len(little_text_rendered(kept)) > MAX_COMMENTARY:
            return _validation_error("/commentary", f"Text length exceeds {MAX_COMMENTARY} characters", "MAX_LENGTH")
        invalid = self._invalid_content(body.get("content"), member)
        if invalid is not None:
            return invalid
        with self.lock:
            original = self._duplicate_of(member.sub, kept)
            if original is not None:
                return json_response(
                    422,
                    {
                        "errorDetailType": "com.linkedin.common.error.BadRequest",
                        "message": "com.linkedin.content.common.exception.BadRequestResponseException: "
                        f"Content is a duplicate of {original.urn}",
                        "errorDetails": {
                            "inputErrors": [
                                {"description": "Duplicate post is detected", "input": {}, "code": "DUPLICATE_POST"}
                            ]
                        },
                        "status": 422,
                    },
                )
            urn = f"urn:li:share:{self._new_id()}"
            post = _Post(urn=urn, member=member.sub, commentary=kept, created_at=self.now())
            self._posts[urn] = post
            self.record_post(
                member.sub,
                {
                    "urn": urn,
                    "author": member.urn,
                    "commentary": kept,
                    "text": little_text_rendered(kept),
                    "content": body.get("content"),
                    "visibility": body["visibility"],
                    "lifecycleState": body["lifecycleState"],
                    "created_at": post.created_at.isoformat(),
                },
            )
        return FakeResponse(status=201, body=b"", headers={"x-restli-id": urn})

    def _invalid_content(self, content: Any, member: LinkedInMember) -> FakeResponse | None:
        if content is None:
            return None
        if not isinstance(content, dict) or len(content) != 1 or next(iter(content)) not in ("article", "media"):
            return _validation_error("/content", "A post carries exactly one of article or media", "INVALID_VALUE")
        if "article" in content:
            article = content["article"]
            if not isinstance(article, dict) or not str(article.get("source", "")).startswith(("http://", "https://")):
                return _validation_error("/content/article/source", "Article source must be a URL", "INVALID_VALUE")
            if not article.get("title"):
                return _validation_error("/content/article/title", "Field is required", "FIELD_REQUIRED")
            image_urn = article.get("thumbnail")
            field = "/content/article/thumbnail"
        else:
            image_urn = content["media"].get("id") if isinstance(content["media"], dict) else None
            field = "/content/media/id"
            if not image_urn:
                return _validation_error(field, "Field is required", "FIELD_REQUIRED")
        if image_urn is not None:
            with self.lock:
                image = self._images.get(image_urn)
                usable = image is not None and image.owner == member.urn and image.content is not None
            if not usable:
                return _validation_error(field, f"Image {image_urn} is not available", "INVALID_VALUE")
        return None

    def _duplicate_of(self, member: str, commentary: str) -> _Post | None:
        since = self.now() - DUPLICATE_WINDOW
        for post in self._posts.values():
            if post.member == member and not post.deleted and post.commentary == commentary and post.created_at > since:
                return post
        return None

    def _delete_post(self, request: FakeRequest) -> FakeResponse:
        checked = self._versioned_call(
            request, scope="w_member_social", resource="partnerApiPostsExternal.DELETE", quota="posts"
        )
        if isinstance(checked, FakeResponse):
            return checked
        _version, token = checked
        urn = unquote(request.params["urn"])
        with self.lock:
            post = self._posts.get(urn)
            if post is None or post.deleted:
                return _error(404, f"Post {urn} does not exist")
            if post.member != token.member:
                return _access_denied("partnerApiPostsExternal.DELETE")
            post.deleted = True
            self.posts[post.member] = [kept for kept in self.posts.get(post.member, []) if kept["urn"] != urn]
        return FakeResponse(status=204, body=b"")

    def _initialize_upload(self, request: FakeRequest) -> FakeResponse:
        if request.arg("action") != "initializeUpload":
            return _error(400, "Resource method could not be resolved", code="ILLEGAL_ARGUMENT")
        checked = self._versioned_call(request, scope="w_member_social", resource="images.ACTION", quota="images")
        if isinstance(checked, FakeResponse):
            return checked
        _version, token = checked
        body = request.json() or {}
        owner = (body.get("initializeUploadRequest") or {}).get("owner")
        if owner != self.members[token.member].urn:
            return _access_denied(f"images.ACTION for owner {owner}")
        upload_id = secrets.token_urlsafe(16)
        urn = "urn:li:image:C4E10AQ" + secrets.token_urlsafe(12).replace("-", "x").replace("_", "y")
        with self.lock:
            self._images[urn] = _Image(urn=urn, owner=owner, upload_id=upload_id)
        expires = int((self.now() + timedelta(hours=24)).timestamp() * 1000)
        return json_response(
            200,
            {
                "value": {
                    "uploadUrlExpiresAt": expires,
                    "uploadUrl": f"{self.base_url}/dms-uploads/{upload_id}",
                    "image": urn,
                }
            },
        )

    def _upload(self, request: FakeRequest) -> FakeResponse:
        token = self._authenticate(request)
        if isinstance(token, FakeResponse):
            return token
        with self.lock:
            image = next(
                (image for image in self._images.values() if image.upload_id == request.params["upload_id"]), None
            )
            if image is None or image.owner != self.members[token.member].urn:
                return _error(404, "Upload not found")
            image.content = request.body
            image.content_type = request.headers.get("content-type", "")
        return FakeResponse(status=201, body=b"")

    def _analytics(self, request: FakeRequest) -> FakeResponse:
        checked = self._versioned_call(
            request,
            scope="r_member_postAnalytics",
            resource="memberCreatorPostAnalytics.FINDER-entity",
            quota="analytics",
        )
        if isinstance(checked, FakeResponse):
            return checked
        version, token = checked
        if request.arg("q") != "entity":
            return _error(400, "Only the entity finder is served here", code="ILLEGAL_ARGUMENT")
        query_type = request.arg("queryType")
        if query_type not in QUERY_TYPES:
            return _error(400, f"Invalid queryType {query_type}", code="ILLEGAL_ARGUMENT")
        if request.arg("aggregation", "TOTAL") != "TOTAL":
            return _error(400, "This fake serves the TOTAL aggregation only", code="ILLEGAL_ARGUMENT")
        entity = ENTITY.fullmatch(request.arg("entity"))
        if entity is None:
            return _error(400, f"Invalid entity {request.arg('entity')}", code="ILLEGAL_ARGUMENT")
        with self.lock:
            post = self._posts.get(entity["urn"])
            if post is None or post.deleted:
                return _error(404, f"Post {entity['urn']} does not exist")
            if post.member != token.member:
                return _access_denied("memberCreatorPostAnalytics.FINDER-entity")
            count = _grown_count(query_type, self.now() - post.created_at)
        metric_type: str | dict[str, str] = query_type
        if version < STRING_METRIC_TYPE_FROM:
            metric_type = {METRIC_TYPE_KEY: query_type}
        return json_response(
            200,
            {
                "paging": {"start": 0, "count": 10, "links": []},
                "elements": [
                    {"count": count, "metricType": metric_type, "targetEntity": {entity["kind"]: entity["urn"]}}
                ],
            },
        )


def _validation_error(path: str, description: str, code: str) -> FakeResponse:
    return json_response(
        422,
        {
            "errorDetailType": "com.linkedin.common.error.BadRequest",
            "message": f"ERROR :: {path} :: {description}",
            "errorDetails": {
                "inputErrors": [{"description": description, "input": {"inputPath": {"fieldPath": path}}, "code": code}]
            },
            "status": 422,
        },
    )


# Per hour of age: a post gathers impressions fast, reactions slower, comments and
# reshares slower still; growth stops after 90 days.
_GROWTH_PER_HOUR = {"IMPRESSION": 60.0, "MEMBERS_REACHED": 40.0, "REACTION": 3.0, "COMMENT": 0.5, "RESHARE": 0.25}


def _grown_count(query_type: str, age: timedelta) -> int:
    hours = min(max(age.total_seconds(), 0.0), timedelta(days=90).total_seconds()) / 3600
    return int(_GROWTH_PER_HOUR[query_type] * hours)
