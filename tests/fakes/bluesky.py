"""A fake Bluesky: the PDS (sessions from app passwords, repository records, blobs) and
the AppView (post views with counters) on one loopback server.

    with FakeBluesky() as bluesky:
        did = bluesky.add_account("ada.bsky.social", "abcd-efgh-ijkl-mnop")
        … BlueskyProvider(bluesky.config()).password_login(…), publish …
        assert len(bluesky.posts_of(did)) == 1

Behaviour follows the bluesky-social/bsky-docs repository (`advanced-guides/posts.md`,
`rate-limits.md`, `timestamps.md`) and the com.atproto / app.bsky lexicons:

- `createSession` answers a short-lived `accessJwt` (lifetime on the fake clock) and a
  `refreshJwt`; `refreshSession` rotates the pair and the old refresh JWT stops working
  at once; `createSession` is limited per account (30 per 5 minutes).
- `createRecord` takes a client-chosen TID `rkey`; a second record with the same key is
  refused ("Record already exists"), never duplicated. The post is validated: at most
  300 graphemes, link facets that slice the UTF-8 bytes of the text exactly at the link
  (stricter than the real PDS, which stores any in-range offsets and so links the wrong
  characters silently), and blobs that were uploaded by the same account.
- Writes cost points (create 3, delete 1) from an hourly budget per account, announced
  in the IETF-draft `RateLimit-*` headers; `uploadBlob` refuses more than 1,000,000
  bytes (the post lexicon's image limit, applied at upload here).
- `app.bsky.feed.getPosts` takes at most 25 URIs; its counters grow with a post's age.

Knobs for tests: `access_token_lifetime`, `session_limit`, `write_points_per_hour`,
`engagement_per_hour`.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import jwt

from advocacy.providers.base import ProviderConfig
from tests.fakes.network import FakeNetwork, FakeRequest, FakeResponse, json_response

POST_COLLECTION = "app.bsky.feed.post"
MAX_GRAPHEMES = 300
MAX_TEXT_BYTES = 3000
MAX_BLOB_BYTES = 1_000_000
MAX_GET_POSTS = 25
CREATE_POINTS, DELETE_POINTS = 3, 1
TID = re.compile(r"^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$")
TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"
ACCESS_SCOPES = frozenset({"com.atproto.access", "com.atproto.appPass"})
REFRESH_SCOPE = "com.atproto.refresh"


@dataclass
class FakeBlueskyAccount:
    did: str
    handle: str
    app_passwords: set[str]
    display_name: str


@dataclass
class FakeRecord:
    did: str
    rkey: str
    cid: str
    value: dict[str, Any]
    indexed_at: datetime

    @property
    def uri(self) -> str:
        return f"at://{self.did}/{POST_COLLECTION}/{self.rkey}"


class FakeBluesky(FakeNetwork):
    name = "bluesky"

    def __init__(self) -> None:
        super().__init__()
        self.accounts: dict[str, FakeBlueskyAccount] = {}
        self._signing_key = secrets.token_bytes(32)
        self._reset_stores()

        xrpc = r"/xrpc/"
        self.route("POST", xrpc + r"com\.atproto\.server\.createSession", self._create_session)
        self.route("POST", xrpc + r"com\.atproto\.server\.refreshSession", self._refresh_session)
        self.route("POST", xrpc + r"com\.atproto\.server\.deleteSession", self._delete_session)
        self.route("GET", xrpc + r"com\.atproto\.server\.getSession", self._get_session)
        self.route("POST", xrpc + r"com\.atproto\.repo\.createRecord", self._create_record)
        self.route("GET", xrpc + r"com\.atproto\.repo\.getRecord", self._get_record)
        self.route("POST", xrpc + r"com\.atproto\.repo\.deleteRecord", self._delete_record)
        self.route("POST", xrpc + r"com\.atproto\.repo\.uploadBlob", self._upload_blob)
        self.route("GET", xrpc + r"app\.bsky\.feed\.getPosts", self._get_posts)
        self.route("GET", xrpc + r"app\.bsky\.feed\.getAuthorFeed", self._get_author_feed)

    def _reset_stores(self) -> None:
        self.access_token_lifetime = timedelta(hours=2)
        self.refresh_token_lifetime = timedelta(days=90)
        self.session_limit = 30
        self.session_window = 300
        self.write_points_per_hour = 5000
        self.engagement_per_hour = {"likeCount": 10.0, "repostCount": 3.0, "replyCount": 2.0, "quoteCount": 1.0}
        self.records: dict[tuple[str, str], FakeRecord] = {}
        self.blobs: dict[str, dict[str, Any]] = {}
        self.live_refresh_tokens: dict[str, str] = {}  # jti → session id
        self.ended_sessions: set[str] = set()
        self.session_passwords: dict[str, tuple[str, str]] = {}  # session id → (did, app password)
        self._session_attempts: dict[str, list[datetime]] = {}
        self._write_points: dict[str, tuple[int, int]] = {}  # did → (hour index, points spent)
        self._tids = itertools.count()

    # Test helpers ---------------------------------------------------------------------

    def config(self, *, appview: bool = True) -> ProviderConfig:
        return ProviderConfig(
            api_base=self.base_url,
            auth_base=self.base_url,
            instance_url=self.base_url,
            extra={"appview": self.base_url} if appview else {},
        )

    def add_account(self, handle: str, app_password: str, *, display_name: str = "") -> str:
        """A person with an app password; answers their DID."""
        suffix = base64.b32encode(hashlib.sha256(handle.encode()).digest()).decode().lower()[:24]
        did = f"did:plc:{suffix}"
        with self.lock:
            account = self.accounts.get(did)
            if account is None:
                self.accounts[did] = FakeBlueskyAccount(did, handle, {app_password}, display_name or handle)
            else:
                account.app_passwords.add(app_password)
        return did

    def revoke_app_password(self, did: str, app_password: str) -> None:
        """As the person deleting the app password in Bluesky's settings: its sessions end."""
        with self.lock:
            self.accounts[did].app_passwords.discard(app_password)
            self.ended_sessions.update(
                sid for sid, opened_with in self.session_passwords.items() if opened_with == (did, app_password)
            )

    def reset_state(self) -> None:
        """Accounts stay (people exist); sessions, records, blobs and knobs start afresh."""
        self._reset_stores()

    def record(self, did: str, rkey: str) -> dict[str, Any] | None:
        with self.lock:
            stored = self.records.get((did, rkey))
            return dict(stored.value) if stored else None

    # Sessions -------------------------------------------------------------------------

    def _issue(self, account: FakeBlueskyAccount, session_id: str) -> dict[str, Any]:
        now = self.now()
        refresh_id = secrets.token_urlsafe(16)
        access = jwt.encode(
            {
                "scope": "com.atproto.appPass",
                "sub": account.did,
                "aud": f"did:web:{self.base_url.split('//', 1)[1].split(':', 1)[0]}",
                "iat": int(now.timestamp()),
                "exp": int((now + self.access_token_lifetime).timestamp()),
                "sid": session_id,
            },
            self._signing_key,
            algorithm="HS256",
            headers={"typ": "at+jwt"},
        )
        refresh = jwt.encode(
            {
                "scope": REFRESH_SCOPE,
                "sub": account.did,
                "iat": int(now.timestamp()),
                "exp": int((now + self.refresh_token_lifetime).timestamp()),
                "jti": refresh_id,
                "sid": session_id,
            },
            self._signing_key,
            algorithm="HS256",
            headers={"typ": "refresh+jwt"},
        )
        self.live_refresh_tokens[refresh_id] = session_id
        return {
            "accessJwt": access,
            "refreshJwt": refresh,
            "did": account.did,
            "handle": account.handle,
            "active": True,
            "didDoc": {
                "@context": ["https://www.w3.org/ns/did/v1"],
                "id": account.did,
                "alsoKnownAs": [f"at://{account.handle}"],
                "service": [
                    {"id": "#atproto_pds", "type": "AtprotoPersonalDataServer", "serviceEndpoint": self.base_url}
                ],
            },
        }

    def _create_session(self, request: FakeRequest) -> FakeResponse:
        body = request.json() or {}
        identifier = str(body.get("identifier") or "")
        password = str(body.get("password") or "")
        account = self._account(identifier)
        now = self.now()
        bucket = account.did if account else identifier.lower()
        with self.lock:
            recent = [
                moment
                for moment in self._session_attempts.get(bucket, [])
                if now - moment < timedelta(seconds=self.session_window)
            ]
            recent.append(now)
            self._session_attempts[bucket] = recent
            reset = int((recent[0] + timedelta(seconds=self.session_window)).timestamp())
            headers = {
                "RateLimit-Limit": str(self.session_limit),
                "RateLimit-Remaining": str(max(self.session_limit - len(recent), 0)),
                "RateLimit-Reset": str(reset),
                "RateLimit-Policy": f"{self.session_limit};w={self.session_window}",
            }
            if len(recent) > self.session_limit:
                return json_response(429, {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"}, **headers)
            if account is None or password not in account.app_passwords:
                return json_response(
                    401,
                    {"error": "AuthenticationRequired", "message": "Invalid identifier or password"},
                    **headers,
                )
            session_id = secrets.token_urlsafe(12)
            self.session_passwords[session_id] = (account.did, password)
            answer = self._issue(account, session_id)
        return json_response(200, answer, **headers)

    def _refresh_session(self, request: FakeRequest) -> FakeResponse:
        claims = self._claims(request.bearer())
        if isinstance(claims, FakeResponse):
            return claims
        if claims.get("scope") != REFRESH_SCOPE:
            return json_response(400, {"error": "InvalidToken", "message": "Invalid token type"})
        with self.lock:
            session_id = self.live_refresh_tokens.pop(str(claims.get("jti")), None)
            if session_id is None or session_id in self.ended_sessions:
                return json_response(400, {"error": "ExpiredToken", "message": "Token has been revoked"})
            account = self.accounts[str(claims["sub"])]
            answer = self._issue(account, session_id)
        answer.pop("didDoc")
        return json_response(200, answer)

    def _delete_session(self, request: FakeRequest) -> FakeResponse:
        claims = self._claims(request.bearer())
        if isinstance(claims, FakeResponse):
            return claims
        if claims.get("scope") != REFRESH_SCOPE:
            return json_response(400, {"error": "InvalidToken", "message": "Invalid token type"})
        with self.lock:
            self.ended_sessions.add(str(claims.get("sid")))
            self.live_refresh_tokens.pop(str(claims.get("jti")), None)
        return FakeResponse(status=200)

    def _get_session(self, request: FakeRequest) -> FakeResponse:
        caller = self._caller(request)
        if isinstance(caller, FakeResponse):
            return caller
        return json_response(200, {"did": caller.did, "handle": caller.handle, "active": True})

    def _claims(self, token: str) -> dict[str, Any] | FakeResponse:
        if not token:
            return json_response(401, {"error": "AuthMissing", "message": "Authentication Required"})
        try:
            # Times are judged on the fake clock below, not the real one PyJWT would use.
            claims: dict[str, Any] = jwt.decode(
                token,
                self._signing_key,
                algorithms=["HS256"],
                options={"verify_exp": False, "verify_iat": False, "verify_nbf": False, "verify_aud": False},
            )
        except jwt.InvalidTokenError:
            return json_response(400, {"error": "InvalidToken", "message": "Token could not be verified"})
        if int(claims.get("exp", 0)) <= self.now().timestamp():
            return json_response(400, {"error": "ExpiredToken", "message": "Token has expired"})
        if claims.get("sid") in self.ended_sessions:
            return json_response(400, {"error": "ExpiredToken", "message": "Token has been revoked"})
        return claims

    def _caller(self, request: FakeRequest) -> FakeBlueskyAccount | FakeResponse:
        claims = self._claims(request.bearer())
        if isinstance(claims, FakeResponse):
            return claims
        if claims.get("scope") not in ACCESS_SCOPES:
            return json_response(400, {"error": "InvalidToken", "message": "Bad token scope"})
        return self.accounts[str(claims["sub"])]

    def _account(self, identifier: str) -> FakeBlueskyAccount | None:
        for account in self.accounts.values():
            if identifier.lower() in (account.did, account.handle.lower()):
                return account
        return None

    # Rate limits ----------------------------------------------------------------------

    def rate_limited_response(self, request: FakeRequest) -> FakeResponse:
        # The PDS's overall limit per IP: 3,000 requests per 5 minutes.
        reset = int(self.now().timestamp()) // 300 * 300 + 300
        headers = {
            "RateLimit-Limit": "3000",
            "RateLimit-Remaining": "0",
            "RateLimit-Reset": str(reset),
            "RateLimit-Policy": "3000;w=300",
        }
        return json_response(429, {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"}, **headers)

    def _spend_points(self, did: str, points: int) -> tuple[bool, dict[str, str]]:
        """Whether the account may spend `points` this hour, and the headers that say so."""
        hour = int(self.now().timestamp()) // 3600
        with self.lock:
            index, spent = self._write_points.get(did, (hour, 0))
            if index != hour:
                spent = 0
            allowed = spent + points <= self.write_points_per_hour
            if allowed:
                spent += points
            self._write_points[did] = (hour, spent)
        headers = {
            "RateLimit-Limit": str(self.write_points_per_hour),
            "RateLimit-Remaining": str(self.write_points_per_hour - spent),
            "RateLimit-Reset": str((hour + 1) * 3600),
            "RateLimit-Policy": f"{self.write_points_per_hour};w=3600",
        }
        return allowed, headers

    # Repository -----------------------------------------------------------------------

    def _create_record(self, request: FakeRequest) -> FakeResponse:
        caller = self._caller(request)
        if isinstance(caller, FakeResponse):
            return caller
        body = request.json() or {}
        if body.get("repo") not in (caller.did, caller.handle):
            return _invalid("Input/repo must be the authenticated account")
        if body.get("collection") != POST_COLLECTION:
            return _invalid(f"Unsupported collection: {body.get('collection')}")
        rkey = body.get("rkey") or self._next_tid()
        if not isinstance(rkey, str) or not TID.fullmatch(rkey):
            return _invalid(f"Invalid record key for {POST_COLLECTION}: {rkey!r} is not a TID")
        record = body.get("record")
        problem = self._post_problem(caller, record)
        if problem:
            return _invalid(problem)
        with self.lock:
            if (caller.did, rkey) in self.records:
                return _invalid("Record already exists")
            allowed, headers = self._spend_points(caller.did, CREATE_POINTS)
            if not allowed:
                return json_response(429, {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"}, **headers)
            assert isinstance(record, dict)
            stored = FakeRecord(
                did=caller.did, rkey=rkey, cid=_cid("bafyrei", record), value=record, indexed_at=self.now()
            )
            self.records[(caller.did, rkey)] = stored
            self.record_post(caller.did, {"uri": stored.uri, "cid": stored.cid, "rkey": rkey, "record": record})
        return json_response(
            200,
            {
                "uri": stored.uri,
                "cid": stored.cid,
                "commit": {"cid": _cid("bafyrei", {"commit": stored.cid}), "rev": self._next_tid()},
                "validationStatus": "valid",
            },
            **headers,
        )

    def _post_problem(self, caller: FakeBlueskyAccount, record: Any) -> str:
        if not isinstance(record, dict) or record.get("$type") != POST_COLLECTION:
            return f"Invalid app.bsky.feed.post record: $type must be {POST_COLLECTION}"
        text = record.get("text")
        if not isinstance(text, str):
            return "Record/text must be a string"
        if graphemes(text) > MAX_GRAPHEMES:
            return f"Record/text must not be longer than {MAX_GRAPHEMES} graphemes"
        if len(text.encode()) > MAX_TEXT_BYTES:
            return f"Record/text must not be longer than {MAX_TEXT_BYTES} characters"
        try:
            created = datetime.fromisoformat(str(record.get("createdAt")))
        except ValueError:
            return "Record/createdAt must be a valid datetime"
        if created.tzinfo is None:
            return "Record/createdAt must include a timezone"
        facets = record.get("facets", [])
        problem = facet_problem(text, facets) if isinstance(facets, list) else "Record/facets must be an array"
        if problem:
            return problem
        embed = record.get("embed")
        if embed is not None:
            return self._embed_problem(caller, embed)
        return ""

    def _embed_problem(self, caller: FakeBlueskyAccount, embed: Any) -> str:
        kind = embed.get("$type") if isinstance(embed, dict) else None
        if kind == "app.bsky.embed.external":
            external = embed.get("external")
            if not isinstance(external, dict):
                return "Record/embed/external must be an object"
            for name in ("uri", "title", "description"):
                if not isinstance(external.get(name), str):
                    return f"Record/embed/external must have the property {name!r}"
            if not re.match(r"^[a-z][a-z0-9+.-]*:", external["uri"]):
                return "Record/embed/external/uri must be a valid uri"
            return self._blob_problem(caller, external["thumb"]) if "thumb" in external else ""
        if kind == "app.bsky.embed.images":
            images = embed.get("images")
            if not isinstance(images, list) or not 1 <= len(images) <= 4:
                return "Record/embed/images must have between 1 and 4 elements"
            for image in images:
                if not isinstance(image, dict) or not isinstance(image.get("alt"), str):
                    return "Record/embed/images/0 must have the property 'alt'"
                problem = self._blob_problem(caller, image.get("image"))
                if problem:
                    return problem
            return ""
        return f"Record/embed has an unsupported type: {kind}"

    def _blob_problem(self, caller: FakeBlueskyAccount, blob: Any) -> str:
        if not isinstance(blob, dict) or blob.get("$type") != "blob":
            return "Record/embed blob must be a blob"
        link = (blob.get("ref") or {}).get("$link") if isinstance(blob.get("ref"), dict) else None
        stored = self.blobs.get(str(link))
        if stored is None or stored["did"] != caller.did:
            return f"Could not find blob: {link}"
        if not str(blob.get("mimeType", "")).startswith("image/"):
            return "Wrong type of file. It is not an image."
        if int(blob.get("size") or 0) > MAX_BLOB_BYTES:
            return "This file is too large."
        return ""

    def _get_record(self, request: FakeRequest) -> FakeResponse:
        account = self._account(request.arg("repo"))
        if account is None:
            return json_response(
                400, {"error": "InvalidRequest", "message": f"Could not find repo: {request.arg('repo')}"}
            )
        uri = f"at://{account.did}/{request.arg('collection')}/{request.arg('rkey')}"
        with self.lock:
            stored = self.records.get((account.did, request.arg("rkey")))
        if stored is None or request.arg("collection") != POST_COLLECTION:
            return json_response(400, {"error": "RecordNotFound", "message": f"Could not locate record: {uri}"})
        return json_response(200, {"uri": stored.uri, "cid": stored.cid, "value": stored.value})

    def _delete_record(self, request: FakeRequest) -> FakeResponse:
        caller = self._caller(request)
        if isinstance(caller, FakeResponse):
            return caller
        body = request.json() or {}
        if body.get("repo") not in (caller.did, caller.handle):
            return _invalid("Input/repo must be the authenticated account")
        allowed, headers = self._spend_points(caller.did, DELETE_POINTS)
        if not allowed:
            return json_response(429, {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"}, **headers)
        with self.lock:
            # Deleting a record that is not there succeeds too: the end state is the same.
            stored = self.records.pop((caller.did, str(body.get("rkey"))), None)
            if stored is not None:
                self.posts[caller.did] = [post for post in self.posts.get(caller.did, []) if post["uri"] != stored.uri]
        return json_response(200, {"commit": {"cid": _cid("bafyrei", body), "rev": self._next_tid()}}, **headers)

    def _upload_blob(self, request: FakeRequest) -> FakeResponse:
        caller = self._caller(request)
        if isinstance(caller, FakeResponse):
            return caller
        size = len(request.body)
        if size > MAX_BLOB_BYTES:
            return json_response(
                400,
                {
                    "error": "BlobTooLarge",
                    "message": f"This file is too large. It is {size / 1e6:.2f}MB but the maximum size is 1.00MB.",
                },
            )
        mime_type = request.headers.get("content-type", "application/octet-stream")
        link = "bafkrei" + base64.b32encode(hashlib.sha256(request.body).digest()).decode().lower().rstrip("=")[:52]
        blob = {"$type": "blob", "ref": {"$link": link}, "mimeType": mime_type, "size": size}
        with self.lock:
            self.blobs[link] = {"did": caller.did, **blob}
        return json_response(200, {"blob": blob})

    # AppView --------------------------------------------------------------------------

    def _get_posts(self, request: FakeRequest) -> FakeResponse:
        if request.bearer():
            caller = self._caller(request)  # through the PDS, which proxies with the session
            if isinstance(caller, FakeResponse):
                return caller
        uris = request.query.get("uris", [])
        if len(uris) > MAX_GET_POSTS:
            return _invalid(f"uris must not have more than {MAX_GET_POSTS} elements")
        with self.lock:
            by_uri = {record.uri: record for record in self.records.values()}
            return json_response(200, {"posts": [self._post_view(by_uri[uri]) for uri in uris if uri in by_uri]})

    def _get_author_feed(self, request: FakeRequest) -> FakeResponse:
        account = self._account(request.arg("actor"))
        if account is None:
            return _invalid("Profile not found")
        limit = min(int(request.arg("limit", "50") or 50), 100)
        with self.lock:
            mine = sorted(
                (record for record in self.records.values() if record.did == account.did),
                key=lambda record: record.rkey,
                reverse=True,
            )
            return json_response(200, {"feed": [{"post": self._post_view(record)} for record in mine[:limit]]})

    def _post_view(self, record: FakeRecord) -> dict[str, Any]:
        account = self.accounts[record.did]
        age_hours = max((self.now() - record.indexed_at).total_seconds(), 0) / 3600
        view: dict[str, Any] = {
            "uri": record.uri,
            "cid": record.cid,
            "author": {"did": account.did, "handle": account.handle, "displayName": account.display_name},
            "record": record.value,
            "indexedAt": record.indexed_at.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "bookmarkCount": 0,
        }
        view.update({name: int(age_hours * rate) for name, rate in self.engagement_per_hour.items()})
        return view

    def _next_tid(self) -> str:
        micros = int(self.now().timestamp() * 1_000_000) + next(self._tids)
        value = (micros << 10) | 1
        return "".join(TID_ALPHABET[(value >> (5 * (12 - i))) & 31] for i in range(13))


def graphemes(text: str) -> int:
    """An approximation of extended grapheme clusters, enough for emoji and accents:
    combining marks, variation selectors, skin tones and tag characters join the previous
    character, a zero-width joiner glues the next one on, and regional indicators pair up."""
    count = 0
    glue_next = False
    open_flag = False
    for char in text:
        point = ord(char)
        if glue_next:
            glue_next = False
            continue
        if char == "\u200d":
            glue_next = True
            continue
        if unicodedata.combining(char) or 0xFE00 <= point <= 0xFE0F or 0x1F3FB <= point <= 0x1F3FF:
            continue
        if 0xE0020 <= point <= 0xE007F:
            continue
        if 0x1F1E6 <= point <= 0x1F1FF:
            open_flag = not open_flag
            if not open_flag:
                continue
        else:
            open_flag = False
        count += 1
    return count


def facet_problem(text: str, facets: list[Any]) -> str:
    """Why the facets do not fit the text, or "" when they do."""
    encoded = text.encode()
    for position, facet in enumerate(facets):
        index = facet.get("index") if isinstance(facet, dict) else None
        features = facet.get("features") if isinstance(facet, dict) else None
        if not isinstance(index, dict) or not isinstance(features, list) or not features:
            return f"Record/facets/{position} must have an index and features"
        start, end = index.get("byteStart"), index.get("byteEnd")
        if not isinstance(start, int) or not isinstance(end, int) or not 0 <= start < end <= len(encoded):
            return f"Record/facets/{position}/index is out of the text's {len(encoded)} bytes"
        try:
            covered = encoded[start:end].decode()
        except UnicodeDecodeError:
            return f"Record/facets/{position}/index does not fall on character boundaries"
        for feature in features:
            is_link = isinstance(feature, dict) and feature.get("$type") == "app.bsky.richtext.facet#link"
            if is_link and covered != feature.get("uri"):
                return f"Record/facets/{position}/index covers {covered!r}, not the link {feature.get('uri')!r}"
    return ""


def _invalid(message: str) -> FakeResponse:
    return json_response(400, {"error": "InvalidRequest", "message": message})


def _cid(prefix: str, value: Any) -> str:
    digest = hashlib.sha256(json.dumps(value, sort_keys=True).encode()).digest()
    return prefix + base64.b32encode(digest).decode().lower().rstrip("=")[:52]
