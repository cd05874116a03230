"""A fake Mastodon instance: per-instance client registration, the OAuth code flow with
PKCE, statuses with `Idempotency-Key`, media that is processed asynchronously, counters
that grow with the (fake) clock, and the `X-RateLimit-*` headers.

    with FakeMastodon() as mastodon:
        ada = mastodon.add_account("ada", display_name="Ada Lovelace")
        mastodon.sign_in_as("ada")          # who consents on /oauth/authorize
        … register_app(instance_url=mastodon.base_url, …), the OAuth flow, publish …
        assert len(mastodon.posts_of(ada)) == 1

Behaviour follows the mastodon/documentation repository (`methods/apps.md`,
`methods/oauth.md`, `methods/statuses.md`, `methods/media.md`, `api/rate-limits.md`,
`api/oauth-scopes.md`). Knobs for tests: `consent` ("approve" or "deny"),
`supports_profile_scope` (False answers like a server older than 4.3: no
authorization-server metadata and no `profile` scope), `rate_limit` and
`rate_limit_window` (requests per window and account), `max_characters`,
`media_processing_polls` (how many `GET /api/v1/media/:id` answer 206 first) and
`engagement_per_hour` (how fast the counters grow).
"""

from __future__ import annotations

import base64
import hashlib
import html
import itertools
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any
from urllib.parse import parse_qs, unquote_plus, urlencode

from advocacy.providers.base import ProviderConfig
from tests.fakes.network import FakeNetwork, FakeRequest, FakeResponse, Handler, json_response

# Every scope a 4.3+ server advertises that Chorus could ask for; `read` and `write`
# include their granular scopes (api/oauth-scopes.md).
KNOWN_SCOPES = frozenset(
    {
        "read",
        "write",
        "push",
        "profile",
        "read:accounts",
        "read:statuses",
        "write:statuses",
        "write:media",
        "write:accounts",
    }
)
IDEMPOTENCY_WINDOW = timedelta(hours=1)  # "Idempotency keys are stored for up to 1 hour."
AUTHORIZATION_CODE_TTL = timedelta(minutes=10)  # Doorkeeper's default code lifetime
URL_PATTERN = re.compile(r"https?://[^\s<>\"]+")
URL_WEIGHT = 23  # Mastodon counts every link as 23 characters, whatever its length


@dataclass
class FakeApp:
    id: str
    client_id: str
    client_secret: str
    name: str
    redirect_uris: list[str]
    scopes: frozenset[str]
    website: str


@dataclass
class FakeAccount:
    id: str
    username: str
    display_name: str


@dataclass
class FakeGrant:
    client_id: str
    redirect_uri: str
    scopes: frozenset[str]
    account_id: str
    code_challenge: str
    issued_at: datetime


@dataclass
class FakeToken:
    account_id: str
    client_id: str
    scopes: frozenset[str]


@dataclass
class FakeMedia:
    id: str
    account_id: str
    description: str
    size: int
    polls_left: int


@dataclass
class FakeStatus:
    id: str
    account_id: str
    text: str
    visibility: str
    language: str | None
    created_at: datetime
    media_ids: list[str] = field(default_factory=list)


class FakeMastodon(FakeNetwork):
    name = "mastodon"

    def __init__(self) -> None:
        super().__init__()
        self.accounts: dict[str, FakeAccount] = {}
        self._ids = itertools.count(113_000_000_000_000_001)
        self.add_account("ada", display_name="Ada Lovelace")
        self._reset_stores()

        self.route("GET", r"/\.well-known/oauth-authorization-server", self._limited(self._metadata))
        self.route("POST", r"/api/v1/apps", self._limited(self._register_app))
        self.route("GET", r"/oauth/authorize", self._limited(self._authorize))
        self.route("POST", r"/oauth/token", self._limited(self._token))
        self.route("POST", r"/oauth/revoke", self._limited(self._revoke))
        self.route("GET", r"/api/v1/accounts/verify_credentials", self._limited(self._verify_credentials))
        self.route("GET", r"/api/v1/accounts/(?P<id>\d+)/statuses", self._limited(self._account_statuses))
        self.route("POST", r"/api/v1/statuses", self._limited(self._create_status))
        self.route("GET", r"/api/v1/statuses/(?P<id>\d+)", self._limited(self._get_status))
        self.route("DELETE", r"/api/v1/statuses/(?P<id>\d+)", self._limited(self._delete_status))
        self.route("POST", r"/api/v2/media", self._limited(self._upload_media))
        self.route("GET", r"/api/v1/media/(?P<id>\d+)", self._limited(self._get_media))

    def _reset_stores(self) -> None:
        self.consent = "approve"
        self.supports_profile_scope = True
        self.rate_limit = 300
        self.rate_limit_window = 300
        self.max_characters = 500
        self.media_processing_polls = 1
        self.engagement_per_hour = {"favourites_count": 6.0, "reblogs_count": 2.0, "replies_count": 1.0}
        self._signed_in = next(iter(self.accounts))
        self.apps: dict[str, FakeApp] = {}
        self.grants: dict[str, FakeGrant] = {}
        self.tokens: dict[str, FakeToken] = {}
        self.statuses: dict[str, FakeStatus] = {}
        self.media: dict[str, FakeMedia] = {}
        self.idempotency: dict[tuple[str, str], tuple[str, datetime]] = {}
        self.token_requests: list[dict[str, str]] = []
        self._windows: dict[str, tuple[int, int]] = {}  # bucket → (window index, requests)

    # Test helpers ---------------------------------------------------------------------

    def config(self, *, client_id: str = "", client_secret: str = "", redirect_uri: str = "") -> ProviderConfig:
        return ProviderConfig(
            client_id=client_id,
            client_secret=client_secret,
            redirect_uri=redirect_uri,
            auth_base=self.base_url,
            api_base=self.base_url,
            instance_url=self.base_url,
        )

    def add_account(self, username: str, *, display_name: str = "") -> str:
        with self.lock:
            account = FakeAccount(id=str(next(self._ids)), username=username, display_name=display_name or username)
            self.accounts[account.id] = account
            return account.id

    def account_id(self, username: str) -> str:
        return self._account_named(username).id

    def sign_in_as(self, username: str) -> None:
        """The person who approves the next authorisation requests."""
        self._signed_in = self._account_named(username).id

    def issue_token(self, username: str, *, scopes: str = "read:statuses write:statuses write:media profile") -> str:
        """A token as if `username` had authorised an app, for tests that skip OAuth."""
        token = secrets.token_urlsafe(32)
        with self.lock:
            self.tokens[token] = FakeToken(
                account_id=self._account_named(username).id, client_id="", scopes=frozenset(scopes.split())
            )
        return token

    def revoke_token(self, token: str) -> None:
        """As the person revoking Chorus under Preferences → Account → Authorized apps."""
        with self.lock:
            self.tokens.pop(token, None)

    def reset_state(self) -> None:
        """Accounts stay (people exist); apps, tokens, statuses and knobs start afresh."""
        self._reset_stores()

    def _account_named(self, username: str) -> FakeAccount:
        for account in self.accounts.values():
            if account.username == username:
                return account
        raise KeyError(username)

    # Rate limits ----------------------------------------------------------------------

    def rate_limited_response(self, request: FakeRequest) -> FakeResponse:
        return json_response(429, {"error": "Too many requests"}, **self._limit_headers(self._bucket(request), 0))

    def _bucket(self, request: FakeRequest) -> str:
        token = self.tokens.get(request.bearer())
        # Two overlapping limits (per account and per IP); on loopback every client shares
        # the IP, so the account bucket is the one tests exercise.
        return f"account:{token.account_id}" if token else "ip:127.0.0.1"

    def _window_index(self) -> int:
        return int(self.now().timestamp()) // self.rate_limit_window

    def _limit_headers(self, bucket: str, remaining: int) -> dict[str, str]:
        reset = datetime.fromtimestamp((self._window_index() + 1) * self.rate_limit_window, self.now().tzinfo)
        return {
            "X-RateLimit-Limit": str(self.rate_limit),
            "X-RateLimit-Remaining": str(max(remaining, 0)),
            # Rack::Attack's fixed window, written as an ISO-8601 timestamp with milliseconds.
            "X-RateLimit-Reset": reset.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        }

    def _limited(self, handler: Handler) -> Handler:
        def limited(request: FakeRequest) -> FakeResponse:
            with self.lock:
                bucket = self._bucket(request)
                index = self._window_index()
                window, used = self._windows.get(bucket, (index, 0))
                if window != index:
                    used = 0
                used += 1
                self._windows[bucket] = (index, used)
                remaining = self.rate_limit - used
            if remaining < 0:
                return self.rate_limited_response(request)
            response = handler(request)
            response.headers.update(self._limit_headers(bucket, remaining))
            return response

        return limited

    # OAuth ----------------------------------------------------------------------------

    def _metadata(self, request: FakeRequest) -> FakeResponse:
        if not self.supports_profile_scope:
            return json_response(404, {"error": "Not Found"})
        return json_response(
            200,
            {
                "issuer": f"{self.base_url}/",
                "authorization_endpoint": f"{self.base_url}/oauth/authorize",
                "token_endpoint": f"{self.base_url}/oauth/token",
                "revocation_endpoint": f"{self.base_url}/oauth/revoke",
                "scopes_supported": sorted(KNOWN_SCOPES),
                "response_types_supported": ["code"],
                "grant_types_supported": ["authorization_code", "client_credentials"],
                "code_challenge_methods_supported": ["S256"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
                "app_registration_endpoint": f"{self.base_url}/api/v1/apps",
            },
        )

    def _known_scopes(self) -> frozenset[str]:
        return KNOWN_SCOPES if self.supports_profile_scope else KNOWN_SCOPES - {"profile"}

    def _register_app(self, request: FakeRequest) -> FakeResponse:
        data = _fields(request)
        name = _one(data.get("client_name"))
        redirect_uris = [uri for value in data.get("redirect_uris", []) for uri in str(value).split()]
        scopes = frozenset(_one(data.get("scopes")).split()) or frozenset({"read"})
        if not name:
            return json_response(422, {"error": "Validation failed: Application name can't be blank"})
        if not redirect_uris:
            return json_response(422, {"error": "Validation failed: Redirect URI can't be blank"})
        if not scopes <= self._known_scopes():
            return json_response(422, {"error": "Validation failed: Scopes must be valid scopes"})
        with self.lock:
            app = FakeApp(
                id=str(next(self._ids)),
                client_id=secrets.token_urlsafe(32),
                client_secret=secrets.token_urlsafe(32),
                name=name,
                redirect_uris=redirect_uris,
                scopes=scopes,
                website=_one(data.get("website")),
            )
            self.apps[app.client_id] = app
        return json_response(
            200,
            {
                "id": app.id,
                "name": app.name,
                "website": app.website or None,
                "scopes": sorted(app.scopes),
                "redirect_uri": "\n".join(app.redirect_uris),
                "redirect_uris": app.redirect_uris,
                "client_id": app.client_id,
                "client_secret": app.client_secret,
                "client_secret_expires_at": 0,
            },
        )

    def _authorize(self, request: FakeRequest) -> FakeResponse:
        app = self.apps.get(request.arg("client_id"))
        redirect_uri = request.arg("redirect_uri")
        if app is None:
            return FakeResponse(status=401, body="<h1>Client authentication failed (invalid_client)</h1>")
        if redirect_uri not in app.redirect_uris:
            # Doorkeeper shows the error instead of redirecting to an unregistered address.
            return FakeResponse(status=400, body="<h1>The redirect uri included is not valid.</h1>")
        state = request.arg("state")

        def back(**params: str) -> FakeResponse:
            if state:
                params["state"] = state
            separator = "&" if "?" in redirect_uri else "?"
            return FakeResponse(status=302, headers={"Location": f"{redirect_uri}{separator}{urlencode(params)}"})

        if request.arg("response_type") != "code":
            return back(error="unsupported_response_type")
        scopes = frozenset(request.arg("scope", "read").replace("+", " ").split())
        if not scopes <= app.scopes:
            return back(
                error="invalid_scope", error_description="The requested scope is invalid, unknown, or malformed."
            )
        challenge = request.arg("code_challenge")
        if challenge and request.arg("code_challenge_method", "plain") != "S256":
            return back(error="invalid_request", error_description="Only S256 code challenges are supported.")
        if self.consent != "approve":
            return back(
                error="access_denied",
                error_description="The resource owner or authorization server denied the request.",
            )
        code = secrets.token_urlsafe(32)
        with self.lock:
            self.grants[code] = FakeGrant(
                client_id=app.client_id,
                redirect_uri=redirect_uri,
                scopes=scopes,
                account_id=self._signed_in,
                code_challenge=challenge,
                issued_at=self.now(),
            )
        return back(code=code)

    def _token(self, request: FakeRequest) -> FakeResponse:
        form = request.form()
        with self.lock:
            self.token_requests.append(form)
        client_id, client_secret = _client_credentials(request, form)
        app = self.apps.get(client_id)
        if app is None or not secrets.compare_digest(client_secret, app.client_secret):
            return json_response(
                401,
                {
                    "error": "invalid_client",
                    "error_description": "Client authentication failed due to unknown client, no client "
                    "authentication included, or unsupported authentication method.",
                },
            )
        if form.get("grant_type") != "authorization_code":
            return json_response(400, {"error": "unsupported_grant_type"})
        with self.lock:
            grant = self.grants.pop(form.get("code", ""), None)  # single use, even when refused
        invalid_grant = json_response(
            400,
            {
                "error": "invalid_grant",
                "error_description": "The provided authorization grant is invalid, expired, revoked, does not "
                "match the redirection URI used in the authorization request, or was issued to another client.",
            },
        )
        if grant is None or grant.client_id != app.client_id or grant.redirect_uri != form.get("redirect_uri"):
            return invalid_grant
        if self.now() - grant.issued_at > AUTHORIZATION_CODE_TTL:
            return invalid_grant
        if grant.code_challenge and not _pkce_matches(form.get("code_verifier", ""), grant.code_challenge):
            return invalid_grant
        token = secrets.token_urlsafe(32)
        with self.lock:
            self.tokens[token] = FakeToken(account_id=grant.account_id, client_id=app.client_id, scopes=grant.scopes)
        return json_response(
            200,
            {
                "access_token": token,
                "token_type": "Bearer",
                "scope": " ".join(sorted(grant.scopes)),
                "created_at": int(self.now().timestamp()),
            },
        )

    def _revoke(self, request: FakeRequest) -> FakeResponse:
        form = request.form()
        app = self.apps.get(form.get("client_id", ""))
        if app is None or form.get("client_secret") != app.client_secret:
            return json_response(
                403,
                {"error": "unauthorized_client", "error_description": "You are not authorized to revoke this token"},
            )
        with self.lock:
            token = self.tokens.get(form.get("token", ""))
            if token is not None and token.client_id == app.client_id:
                del self.tokens[form["token"]]
        return json_response(200, {})

    # API ------------------------------------------------------------------------------

    def _caller(self, request: FakeRequest, *, needs: tuple[str, ...] = ()) -> FakeToken | FakeResponse | None:
        """The token's owner; a response when it must be refused; None for an anonymous
        call to a public method."""
        if not request.bearer():
            if needs:
                return json_response(401, {"error": "The access token is invalid"})
            return None
        token = self.tokens.get(request.bearer())
        if token is None:
            return json_response(401, {"error": "The access token is invalid"})
        if needs and not any(_grants(token.scopes, scope) for scope in needs):
            return json_response(403, {"error": "This action is outside the authorized scopes"})
        return token

    def _verify_credentials(self, request: FakeRequest) -> FakeResponse:
        caller = self._caller(request, needs=("profile", "read:accounts"))
        if not isinstance(caller, FakeToken):
            return caller or json_response(401, {"error": "The access token is invalid"})
        account = self._account_entity(self.accounts[caller.account_id])
        account["source"] = {"privacy": "public", "sensitive": False, "language": "", "note": ""}
        return json_response(200, account)

    def _create_status(self, request: FakeRequest) -> FakeResponse:
        caller = self._caller(request, needs=("write:statuses",))
        if not isinstance(caller, FakeToken):
            return caller or json_response(401, {"error": "The access token is invalid"})
        key = request.headers.get("idempotency-key", "")
        with self.lock:
            if key:
                remembered = self.idempotency.get((caller.account_id, key))
                if remembered and self.now() - remembered[1] < IDEMPOTENCY_WINDOW and remembered[0] in self.statuses:
                    return json_response(200, self._status_entity(self.statuses[remembered[0]]))
            data = _fields(request)
            text = _one(data.get("status"))
            media_ids = [str(value) for value in data.get("media_ids", []) if value]
            if not text.strip() and not media_ids:
                return json_response(422, {"error": "Validation failed: Text can't be blank"})
            if _status_length(text) > self.max_characters:
                return json_response(
                    422, {"error": f"Validation failed: Text character limit of {self.max_characters} exceeded"}
                )
            for media_id in media_ids:
                media = self.media.get(media_id)
                if media is None or media.account_id != caller.account_id:
                    return json_response(422, {"error": "Validation failed: Media attachments are invalid"})
                if media.polls_left > 0:
                    return json_response(
                        422,
                        {"error": "Cannot attach files that have not finished processing. Try again in a moment!"},
                    )
            visibility = _one(data.get("visibility")) or "public"
            if visibility not in {"public", "unlisted", "private", "direct"}:
                return json_response(422, {"error": "Validation failed: Visibility is not included in the list"})
            status = FakeStatus(
                id=str(next(self._ids)),
                account_id=caller.account_id,
                text=text,
                visibility=visibility,
                language=_one(data.get("language")) or None,
                created_at=self.now(),
                media_ids=media_ids,
            )
            self.statuses[status.id] = status
            if key:
                self.idempotency[(caller.account_id, key)] = (status.id, self.now())
            entity = self._status_entity(status)
            self.record_post(caller.account_id, entity)
        return json_response(200, entity)

    def _get_status(self, request: FakeRequest) -> FakeResponse:
        caller = self._caller(request)
        if isinstance(caller, FakeResponse):
            return caller
        status = self.statuses.get(request.params["id"])
        if status is None:
            return json_response(404, {"error": "Record not found"})
        return json_response(200, self._status_entity(status))

    def _account_statuses(self, request: FakeRequest) -> FakeResponse:
        caller = self._caller(request)
        if isinstance(caller, FakeResponse):
            return caller
        if request.params["id"] not in self.accounts:
            return json_response(404, {"error": "Record not found"})
        limit = min(int(request.arg("limit", "20") or 20), 40)
        max_id = request.arg("max_id")
        with self.lock:
            mine = [status for status in self.statuses.values() if status.account_id == request.params["id"]]
        mine.sort(key=lambda status: int(status.id), reverse=True)
        if max_id:
            mine = [status for status in mine if int(status.id) < int(max_id)]
        return json_response(200, [self._status_entity(status) for status in mine[:limit]])

    def _delete_status(self, request: FakeRequest) -> FakeResponse:
        caller = self._caller(request, needs=("write:statuses",))
        if not isinstance(caller, FakeToken):
            return caller or json_response(401, {"error": "The access token is invalid"})
        with self.lock:
            status = self.statuses.get(request.params["id"])
            if status is None or status.account_id != caller.account_id:
                return json_response(404, {"error": "Record not found"})
            entity = self._status_entity(status)
            del self.statuses[status.id]
            self.posts[status.account_id] = [
                post for post in self.posts.get(status.account_id, []) if post["id"] != status.id
            ]
        entity["text"] = status.text  # the delete answer carries the source, for "delete and redraft"
        return json_response(200, entity)

    def _upload_media(self, request: FakeRequest) -> FakeResponse:
        caller = self._caller(request, needs=("write:media",))
        if not isinstance(caller, FakeToken):
            return caller or json_response(401, {"error": "The access token is invalid"})
        parts = _multipart(request)
        if "file" not in parts:
            return json_response(422, {"error": "Validation failed: File can't be blank"})
        with self.lock:
            media = FakeMedia(
                id=str(next(self._ids)),
                account_id=caller.account_id,
                description=parts.get("description", b"").decode(),
                size=len(parts["file"]),
                polls_left=self.media_processing_polls,
            )
            self.media[media.id] = media
        # 202 while the server still processes the file; its url is null until then.
        return json_response(202 if media.polls_left else 200, self._media_entity(media))

    def _get_media(self, request: FakeRequest) -> FakeResponse:
        caller = self._caller(request, needs=("write:media",))
        if not isinstance(caller, FakeToken):
            return caller or json_response(401, {"error": "The access token is invalid"})
        with self.lock:
            media = self.media.get(request.params["id"])
            if media is None or media.account_id != caller.account_id:
                return json_response(404, {"error": "Record not found"})
            if media.polls_left > 0:
                media.polls_left -= 1
                return json_response(206, self._media_entity(media, processing=True))
        return json_response(200, self._media_entity(media))

    # Entities -------------------------------------------------------------------------

    def _account_entity(self, account: FakeAccount) -> dict[str, Any]:
        return {
            "id": account.id,
            "username": account.username,
            "acct": account.username,  # local accounts have no domain part
            "display_name": account.display_name,
            "url": f"{self.base_url}/@{account.username}",
            "uri": f"{self.base_url}/users/{account.username}",
            "avatar": f"{self.base_url}/avatars/original/missing.png",
            "note": "",
            "locked": False,
            "bot": False,
            "created_at": "2022-11-01T00:00:00.000Z",
        }

    def _media_entity(self, media: FakeMedia, *, processing: bool | None = None) -> dict[str, Any]:
        pending = media.polls_left > 0 if processing is None else processing
        return {
            "id": media.id,
            "type": "image",
            "url": None if pending else f"{self.base_url}/system/media/{media.id}/original.png",
            "preview_url": f"{self.base_url}/system/media/{media.id}/small.png",
            "description": media.description or None,
            "blurhash": "UFBWY[00~q00-;j[xuof",
        }

    def _status_entity(self, status: FakeStatus) -> dict[str, Any]:
        account = self.accounts[status.account_id]
        age_hours = max((self.now() - status.created_at).total_seconds(), 0) / 3600
        counters = {name: int(age_hours * rate) for name, rate in self.engagement_per_hour.items()}
        links = URL_PATTERN.findall(status.text)
        return {
            "id": status.id,
            "created_at": status.created_at.strftime("%Y-%m-%dT%H:%M:%S.")
            + f"{status.created_at.microsecond // 1000:03d}Z",
            "in_reply_to_id": None,
            "in_reply_to_account_id": None,
            "sensitive": False,
            "spoiler_text": "",
            "visibility": status.visibility,
            "language": status.language,
            "uri": f"{self.base_url}/users/{account.username}/statuses/{status.id}",
            "url": f"{self.base_url}/@{account.username}/{status.id}",
            "replies_count": counters.get("replies_count", 0),
            "reblogs_count": counters.get("reblogs_count", 0),
            "favourites_count": counters.get("favourites_count", 0),
            "quotes_count": 0,
            "edited_at": None,
            "content": _status_html(status.text),
            "reblog": None,
            "account": self._account_entity(account),
            "media_attachments": [self._media_entity(self.media[i]) for i in status.media_ids if i in self.media],
            "mentions": [],
            "tags": [],
            "emojis": [],
            # The server fetches the card after posting: absent at first, there a minute later.
            "card": {"url": links[0], "title": "", "description": "", "type": "link"}
            if links and age_hours * 60 >= 1
            else None,
        }


def _grants(granted: frozenset[str], needed: str) -> bool:
    """Whether `granted` covers `needed`: `read`/`write` include their granular scopes, and
    verify_credentials accepts `profile` or `read:accounts` (api/oauth-scopes.md)."""
    return needed in granted or needed.split(":", 1)[0] in granted


def _client_credentials(request: FakeRequest, form: dict[str, str]) -> tuple[str, str]:
    """client_secret_basic or client_secret_post: Doorkeeper accepts either."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("basic "):
        try:
            client_id, _, client_secret = base64.b64decode(header[6:]).decode().partition(":")
        except ValueError:
            return "", ""
        return unquote_plus(client_id), unquote_plus(client_secret)
    return form.get("client_id", ""), form.get("client_secret", "")


def _pkce_matches(verifier: str, challenge: str) -> bool:
    computed = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return secrets.compare_digest(computed, challenge)


def _fields(request: FakeRequest) -> dict[str, list[Any]]:
    """JSON or form parameters as lists (forms repeat `media_ids[]`)."""
    if request.headers.get("content-type", "").startswith("application/json"):
        body = request.json() or {}
        return {key: value if isinstance(value, list) else [value] for key, value in body.items()}
    fields: dict[str, list[Any]] = {}
    for key, values in parse_qs(request.body.decode(errors="replace"), keep_blank_values=True).items():
        fields.setdefault(key.removesuffix("[]"), []).extend(values)
    return fields


def _one(values: list[Any] | None) -> str:
    return str(values[-1]) if values else ""


def _status_length(text: str) -> int:
    return len(URL_PATTERN.sub("x" * URL_WEIGHT, text))


def _status_html(text: str) -> str:
    """Mastodon's rendering: escaped text in a paragraph, links as anchors whose href
    keeps the whole URL (with `&` escaped as `&amp;`) and whose label is shortened."""
    parts: list[str] = []
    position = 0
    for match in URL_PATTERN.finditer(text):
        parts.append(html.escape(text[position : match.start()]))
        url = match.group(0)
        scheme, rest = url.split("://", 1)
        visible, hidden = rest[:30], rest[30:]
        parts.append(
            f'<a href="{html.escape(url)}" rel="nofollow noopener" target="_blank">'
            f'<span class="invisible">{scheme}://</span><span class="{"ellipsis" if hidden else ""}">'
            f'{html.escape(visible)}</span><span class="invisible">{html.escape(hidden)}</span></a>'
        )
        position = match.end()
    parts.append(html.escape(text[position:]))
    return "<p>" + "".join(parts).replace("\n", "<br />") + "</p>"


def _multipart(request: FakeRequest) -> dict[str, bytes]:
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith("multipart/form-data"):
        return {}
    message = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode() + request.body)
    parts: dict[str, bytes] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if isinstance(name, str):
            parts[name] = part.get_payload(decode=True) or b""
    return parts
