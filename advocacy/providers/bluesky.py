"""Bluesky (AT Protocol): posting to the person's repository on their PDS
(`config.instance_url`) and reading counters from the AppView
(`config.extra["appview"]`, or the PDS, which proxies it, when none is configured).

Sources: the bluesky-social/bsky-docs repository (`advanced-guides/posts.md`,
`rate-limits.md`, `timestamps.md`, `oauth-client.md`) and the lexicons
(`com.atproto.repo.createRecord`, `app.bsky.feed.post`, `app.bsky.richtext.facet`,
`app.bsky.embed.external`, `app.bsky.feed.getPosts`).

- Connecting uses an app password (`password_login`), exchanged at once for a session:
  a short-lived `accessJwt` and a `refreshJwt` that rotates on every refresh. The app
  password is never kept. atproto OAuth is not offered: it requires PAR, DPoP-bound
  tokens (a signed proof per request) and a public client-metadata document per client,
  which neither requests-oauthlib nor allauth provide, so `authorization_url` and
  `exchange_code` raise NotImplementedError.
- `createSession` is limited to 30 per 5 minutes and 300 a day per account: sessions
  are refreshed, never re-created per post.
- Nothing is generated server-side: links in the text are linked only by facets with
  UTF-8 byte offsets, and the link card (`app.bsky.embed.external`) is ours, its
  thumbnail uploaded first with `uploadBlob` (images at most 1,000,000 bytes).
- There is no duplicate detection. Idempotency comes from choosing the record key:
  `record_key` derives it from the share, so a retry of the same share names the same
  record and is refused as existing instead of posted twice.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, NoReturn

import requests

from advocacy.providers.base import (
    AuthExpired,
    AuthorizationRequest,
    Capabilities,
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
    ShareRequest,
    TokenBundle,
    from_epoch,
    json_or_empty,
    server_error,
    utcnow,
)

POST_COLLECTION = "app.bsky.feed.post"
MAX_IMAGE_BYTES = 1_000_000  # app.bsky.embed.external#thumb and app.bsky.embed.images
GET_POSTS_LIMIT = 25
# The PDS's access tokens last about two hours; used only when the JWT has no `exp`.
ACCESS_LIFETIME_FALLBACK = timedelta(hours=2)
TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"  # base32-sortable
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_LINK = re.compile(r"https?://[^\s<>\"'`]+")
_SENTENCE_END = ".,;:!?\"'"
# Records that exist already answer 400 InvalidRequest with this message.
_ALREADY_EXISTS = re.compile(r"already exists", re.IGNORECASE)


def record_key(*, created_at: datetime, idempotency_key: str) -> str:
    """The post's record key, the same for every attempt at the same share.

    A record key for posts is a TID (atproto record-key spec): 64 bits (a zero bit, 53
    bits of microseconds since the UNIX epoch, 10 bits of "clock identifier") written as
    13 base32-sortable characters. Ours takes the microseconds from the share's creation
    time to the millisecond, with the last three digits and the clock identifier drawn
    from the SHA-256 of the idempotency key. Keys stay time-ordered (which keeps the
    repository tree compact) and two shares of one account collide only if created in
    the same millisecond with digests agreeing on about 20 bits. TIDs "are not validated
    anywhere in the network" (bsky-docs, timestamps.md), so the derivation is ours to choose.
    """
    moment = created_at if created_at.tzinfo else created_at.replace(tzinfo=UTC)
    milliseconds = (moment - _EPOCH) // timedelta(milliseconds=1)
    digest = int.from_bytes(hashlib.sha256(idempotency_key.encode()).digest()[:8], "big")
    microseconds = milliseconds * 1000 + digest % 1000
    clock_id = (digest >> 20) & 0x3FF
    value = ((microseconds & ((1 << 53) - 1)) << 10) | clock_id
    return "".join(TID_ALPHABET[(value >> (5 * position)) & 31] for position in reversed(range(13)))


def link_facets(text: str, *, tracked_link: str | None = None) -> list[dict[str, Any]]:
    """A link facet for every http(s) link in `text`, its index in UTF-8 bytes (the
    offsets the lexicon defines), so emoji and accents before a link do not shift it."""
    facets: list[dict[str, Any]] = []
    for match in _LINK.finditer(text):
        if tracked_link and text.startswith(tracked_link, match.start()):
            link = tracked_link
        else:
            link = _without_sentence_end(match.group(0))
        start = len(text[: match.start()].encode())
        facets.append(
            {
                "index": {"byteStart": start, "byteEnd": start + len(link.encode())},
                "features": [{"$type": "app.bsky.richtext.facet#link", "uri": link}],
            }
        )
    return facets


def post_url(handle: str, at_uri: str) -> str:
    return f"https://bsky.app/profile/{handle}/post/{at_uri.rsplit('/', 1)[-1]}"


class BlueskyProvider:
    network = "bluesky"

    def __init__(
        self,
        config: ProviderConfig,
        *,
        session: requests.Session | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.config = config
        self.pds = (config.instance_url or config.api_base).rstrip("/")
        self.appview = config.extra.get("appview", "").rstrip("/")
        self.http = HttpClient(config, session=session)
        self.clock = clock

    def capabilities(self) -> Capabilities:
        return Capabilities(
            provider_idempotency=True,
            duplicate_returns_id=False,
            can_list_own_posts=True,
            metric_fields=frozenset({"reactions", "reshares", "comments"}),
            max_text_len=300,  # graphemes
            metrics_batch_size=GET_POSTS_LIMIT,
            refreshable=True,
        )

    # Connecting ---------------------------------------------------------------------

    def authorization_url(self, *, state: str | None = None) -> AuthorizationRequest:
        raise NotImplementedError("Bluesky connects with an app password (password_login); see the module docstring.")

    def exchange_code(self, *, code: str, code_verifier: str = "") -> TokenBundle:
        raise NotImplementedError("Bluesky connects with an app password (password_login); see the module docstring.")

    def password_login(self, *, identifier: str, app_password: str) -> tuple[TokenBundle, Identity]:
        """A session for the handle (or DID) and app password; the password is used for
        this one request and appears nowhere in the answer."""
        response = self.http.request(
            "POST",
            self._xrpc(self.pds, "com.atproto.server.createSession"),
            json={"identifier": identifier, "password": app_password},
        )
        if response.status_code in (400, 401):
            body = json_or_empty(response)
            error = body.get("error")
            if error == "AuthFactorTokenRequired":
                message = "Bluesky asked for a sign-in code: use an app password instead of the account password."
            elif error in ("AuthenticationRequired", "InvalidRequest", None):
                message = (
                    "Bluesky did not accept that handle and app password. Check both, or create a new app "
                    "password in Bluesky under Settings → Privacy and security → App passwords."
                )
            else:  # AccountTakedown, AccountDeactivated, …: the server's words say more than ours
                message = f"Bluesky refused the sign-in: {body.get('message') or error}"
            raise ReauthRequired(message, status=response.status_code, raw=body)
        session = _checked(response, clock=self.clock)
        token = self._bundle(session, extra={})
        did, handle = token.extra["did"], token.extra["handle"]
        return token, Identity(
            external_user_id=did,
            author_ref=did,
            handle=handle,
            display_name=handle,
            profile_url=f"https://bsky.app/profile/{handle}",
        )

    def refresh(self, token: TokenBundle) -> TokenBundle:
        """The rotated pair: the refresh JWT just used stops working, so the caller must
        store both new tokens before anything else uses the old ones. If the answer is
        lost on the way back, the PDS may already have rotated: the next refresh is then
        refused and the person signs in again, which is the only safe way out."""
        if not token.refresh_token:
            raise ReauthRequired("This Bluesky session cannot be renewed. Sign in again with an app password.")
        response = self.http.request(
            "POST",
            self._xrpc(self.pds, "com.atproto.server.refreshSession"),
            headers={"Authorization": f"Bearer {token.refresh_token}"},
        )
        if response.status_code in (400, 401, 403):
            raise ReauthRequired(
                "Bluesky ended this session (the app password may have been removed). Sign in again with an "
                "app password.",
                status=response.status_code,
                raw=json_or_empty(response),
            )
        return self._bundle(_checked(response, clock=self.clock), extra=token.extra)

    def get_identity(self, token: TokenBundle) -> Identity:
        response = self.http.request(
            "GET", self._xrpc(self.pds, "com.atproto.server.getSession"), headers=_bearer(token)
        )
        session = _checked(response, clock=self.clock)
        did, handle = str(session["did"]), str(session.get("handle") or session["did"])
        return Identity(
            external_user_id=did,
            author_ref=did,
            handle=handle,
            display_name=handle,
            profile_url=f"https://bsky.app/profile/{handle}",
        )

    def revoke(self, token: TokenBundle) -> None:
        if not token.refresh_token:
            return
        response = self.http.request(
            "POST",
            self._xrpc(self.pds, "com.atproto.server.deleteSession"),
            headers={"Authorization": f"Bearer {token.refresh_token}"},
        )
        # Ending a session that already ended is fine; only a server in trouble is worth retrying.
        if response.status_code >= 500:
            raise server_error(response, ambiguous=False)

    # Posting ------------------------------------------------------------------------

    def publish(self, token: TokenBundle, who: Identity, share: ShareRequest, *, idempotency_key: str) -> PublishResult:
        repo = _repo(token, who)
        rkey = self._record_key(share, idempotency_key)
        record = self._post_record(token, share)
        response = self.http.request(
            "POST",
            self._xrpc(self.pds, "com.atproto.repo.createRecord"),
            ambiguous=True,
            json={"repo": repo, "collection": POST_COLLECTION, "rkey": rkey, "record": record},
            headers=_bearer(token),
        )
        if response.status_code == 400 and _ALREADY_EXISTS.search(str(json_or_empty(response).get("message", ""))):
            # An earlier attempt at this share created the record: that post is the result.
            existing = self._find_record(token, repo, rkey)
            if existing is not None and _is_our_post(existing.get("value"), share):
                return self._result(who, existing)
            raise InvalidContent(
                "Another Bluesky post already uses this share's record key. Share it again to post it.",
                status=400,
            )
        created = _checked(response, clock=self.clock, creating=True)
        return self._result(who, created)

    def reconcile(
        self, token: TokenBundle, who: Identity, share: ShareRequest, *, idempotency_key: str, sent_after: datetime
    ) -> PublishResult | None:
        """The record key is known before sending, so whether the post exists is one read."""
        existing = self._find_record(token, _repo(token, who), self._record_key(share, idempotency_key))
        if existing is None or not _is_our_post(existing.get("value"), share):
            return None
        return self._result(who, existing)

    def upload_blob(self, token: TokenBundle, image: ImageRef) -> dict[str, Any]:
        """The blob reference to put in a record (`{"$type": "blob", "ref": …}`)."""
        response = self.http.request(
            "POST",
            self._xrpc(self.pds, "com.atproto.repo.uploadBlob"),
            data=image.content,
            headers={**_bearer(token), "Content-Type": image.mime_type},
            timeout=(self.config.timeout[0], max(self.config.timeout[1], 60.0)),
        )
        blob = _checked(response, clock=self.clock).get("blob")
        if not isinstance(blob, dict):
            raise ProviderError("Bluesky answered the upload without a blob.")
        return blob

    def delete(self, token: TokenBundle, who: Identity, external_id: str) -> None:
        repo, collection, rkey = _parts(external_id)
        response = self.http.request(
            "POST",
            self._xrpc(self.pds, "com.atproto.repo.deleteRecord"),
            json={"repo": repo, "collection": collection, "rkey": rkey},
            headers=_bearer(token),
        )
        _checked(response, clock=self.clock)

    def fetch_metrics(
        self, token: TokenBundle, who: Identity, external_ids: Sequence[str]
    ) -> Mapping[str, MetricsSnapshot]:
        # The public AppView takes no PDS tokens; the PDS proxies getPosts with the session.
        host, headers = (self.appview, {}) if self.appview else (self.pds, _bearer(token))
        snapshots: dict[str, MetricsSnapshot] = {}
        for start in range(0, len(external_ids), GET_POSTS_LIMIT):
            batch = external_ids[start : start + GET_POSTS_LIMIT]
            response = self.http.request(
                "GET",
                self._xrpc(host, "app.bsky.feed.getPosts"),
                params=[("uris", uri) for uri in batch],
                headers=headers,
            )
            fetched_at = self.clock()
            # Deleted posts are simply missing from the answer: no snapshot rather than zeros.
            for view in _checked(response, clock=self.clock).get("posts", []):
                reposts, quotes = _count(view, "repostCount"), _count(view, "quoteCount")
                snapshots[str(view["uri"])] = MetricsSnapshot(
                    external_id=str(view["uri"]),
                    fetched_at=fetched_at,
                    reactions=_count(view, "likeCount"),
                    reshares=None if reposts is None and quotes is None else (reposts or 0) + (quotes or 0),
                    comments=_count(view, "replyCount"),
                    raw=view,
                )
        return snapshots

    # Internals ----------------------------------------------------------------------

    def _xrpc(self, host: str, method: str) -> str:
        return f"{host}/xrpc/{method}"

    def _record_key(self, share: ShareRequest, idempotency_key: str) -> str:
        if share.created_at is None:
            raise ValueError("A Bluesky share needs its created_at: the record key derives from it.")
        return record_key(created_at=share.created_at, idempotency_key=idempotency_key)

    def _bundle(self, session: Mapping[str, Any], *, extra: Mapping[str, str]) -> TokenBundle:
        access, refresh = session.get("accessJwt"), session.get("refreshJwt")
        if not isinstance(access, str) or not isinstance(refresh, str):
            raise ReauthRequired("Bluesky did not open a session. Sign in again with an app password.")
        claims = _jwt_claims(access)
        scope = claims.get("scope")
        return TokenBundle(
            access_token=access,
            refresh_token=refresh,
            expires_at=from_epoch(claims.get("exp")) or self.clock() + ACCESS_LIFETIME_FALLBACK,
            refresh_expires_at=from_epoch(_jwt_claims(refresh).get("exp")),
            scopes=frozenset(scope.split()) if isinstance(scope, str) else frozenset(),
            extra={
                **extra,
                "did": str(session.get("did") or extra.get("did", "")),
                "handle": str(session.get("handle") or extra.get("handle", "")),
                "pds": self.pds,
            },
        )

    def _post_record(self, token: TokenBundle, share: ShareRequest) -> dict[str, Any]:
        record: dict[str, Any] = {
            "$type": POST_COLLECTION,
            "text": share.text,
            # When the post is made, not when the share was composed: feeds sort by it.
            "createdAt": _timestamp(self.clock()),
        }
        facets = link_facets(share.text, tracked_link=share.link_url)
        if facets:
            record["facets"] = facets
        embed = self._embed(token, share)
        if embed is not None:
            record["embed"] = embed
        return record

    def _embed(self, token: TokenBundle, share: ShareRequest) -> dict[str, Any] | None:
        if share.link_url:
            external: dict[str, Any] = {
                "uri": share.link_url,
                "title": share.link_title or "",
                "description": share.link_description or "",
            }
            picture = share.link_thumbnail or share.image
            # A card without a picture is better than no post: an oversized picture is left out.
            if picture is not None and len(picture.content) <= MAX_IMAGE_BYTES:
                external["thumb"] = self.upload_blob(token, picture)
            return {"$type": "app.bsky.embed.external", "external": external}
        if share.image is not None:
            return {
                "$type": "app.bsky.embed.images",
                "images": [{"image": self.upload_blob(token, share.image), "alt": share.image.alt_text}],
            }
        return None

    def _find_record(self, token: TokenBundle, repo: str, rkey: str) -> dict[str, Any] | None:
        response = self.http.request(
            "GET",
            self._xrpc(self.pds, "com.atproto.repo.getRecord"),
            params={"repo": repo, "collection": POST_COLLECTION, "rkey": rkey},
            headers=_bearer(token),
        )
        if response.status_code == 400 and json_or_empty(response).get("error") == "RecordNotFound":
            return None
        found = _checked(response, clock=self.clock)
        return found if isinstance(found, dict) else None

    def _result(self, who: Identity, record: Mapping[str, Any]) -> PublishResult:
        uri = str(record["uri"])
        return PublishResult(
            external_id=uri, url=post_url(who.handle or _parts(uri)[0], uri), raw={**record, "rkey": _parts(uri)[2]}
        )


# -------------------------------------------------------------------------------------


def _bearer(token: TokenBundle) -> dict[str, str]:
    return {"Authorization": f"Bearer {token.access_token}"}


def _repo(token: TokenBundle, who: Identity) -> str:
    return who.external_user_id or token.extra.get("did", "")


def _parts(at_uri: str) -> tuple[str, str, str]:
    """(repo, collection, record key) of `at://repo/collection/rkey`."""
    path = at_uri.removeprefix("at://").split("/")
    if len(path) != 3:
        raise ValueError(f"Not a record URI: {at_uri!r}")
    return path[0], path[1], path[2]


def _is_our_post(value: Any, share: ShareRequest) -> bool:
    """Whether a record found under this share's key carries this share: the same text,
    or the same tracked link (unique per share and person)."""
    if not isinstance(value, dict):
        return False
    if value.get("text") == share.text:
        return True
    embed = value.get("embed")
    external = embed.get("external") if isinstance(embed, dict) else None
    return bool(share.link_url) and isinstance(external, dict) and external.get("uri") == share.link_url


def _without_sentence_end(link: str) -> str:
    """Trailing punctuation belongs to the sentence, and a closing parenthesis only to a
    link that opened one (Wikipedia-style URLs)."""
    while link and (link[-1] in _SENTENCE_END or (link[-1] == ")" and link.count("(") < link.count(")"))):
        link = link[:-1]
    return link


def _timestamp(moment: datetime) -> str:
    """An atproto datetime: UTC, milliseconds, with the timezone the spec requires."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _jwt_claims(token: str) -> dict[str, Any]:
    """A JWT's claims, read without verifying it: the PDS verifies; we only want `exp`."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError, binascii.Error):
        return {}
    return claims if isinstance(claims, dict) else {}


def _count(view: Mapping[str, Any], name: str) -> int | None:
    value = view.get(name)
    return value if isinstance(value, int) else None


def _checked(response: requests.Response, *, clock: Callable[[], datetime], creating: bool = False) -> dict[str, Any]:
    """The JSON body of a successful answer, or the error it means."""
    if response.ok:
        if not response.content:
            return {}
        body = json_or_empty(response)
        if not body and creating:
            raise server_error(response, ambiguous=True)
        return body
    _raise_for(response, clock=clock, creating=creating)


def _raise_for(response: requests.Response, *, clock: Callable[[], datetime], creating: bool) -> NoReturn:
    status = response.status_code
    body = json_or_empty(response)
    error, message = str(body.get("error") or ""), str(body.get("message") or body.get("error") or "")
    if status == 401 or error in ("ExpiredToken", "InvalidToken"):
        raise AuthExpired(message or "Bluesky did not accept the session.", status=status, raw=body)
    if status == 429:
        reset = from_epoch(response.headers.get("RateLimit-Reset"))
        raise RateLimited(
            "Bluesky asked Chorus to slow down.",
            retry_at=reset or clock() + timedelta(minutes=5),
            scope="user",
            status=status,
            raw=body,
        )
    if status >= 500:
        raise server_error(response, ambiguous=creating)
    if status == 403:
        raise PermissionDenied(message or "Bluesky refused this action.", status=status, raw=body)
    if status in (400, 413, 422):
        raise InvalidContent(message or f"Bluesky refused the request ({error}).", status=status, raw=body)
    raise ProviderError(message or f"Bluesky answered HTTP {status}.", status=status, raw=body)
