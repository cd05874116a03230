"""Mastodon: one adapter for every instance (`config.instance_url`), posting as the
person who connected their account.

Sources: the mastodon/documentation repository (`methods/apps.md`, `methods/oauth.md`,
`api/oauth-scopes.md`, `methods/statuses.md`, `methods/media.md`, `api/rate-limits.md`,
`api/oauth-tokens.md`).

- Clients are registered per instance (`register_app`); the caller stores the pair.
- OAuth is the authorization-code flow with PKCE (S256) and `client_secret_post`.
  "Tokens will not expire automatically": there is no refresh, so a rejected token was
  revoked and only the person can connect again (`refresh` says so).
- The `profile` scope (enough for verify_credentials) exists from Mastodon 4.3; older
  servers know only `read:accounts`. The documented way to tell is the RFC 8414
  metadata (`GET /.well-known/oauth-authorization-server`, 404 before 4.3), which
  `instance_scopes` reads both when registering and when authorising, because the scopes
  asked at authorisation must be among those registered.
- Posting sends `Idempotency-Key`; the instance keeps it for up to an hour and answers a
  repeat with the original status, which is also how `reconcile` confirms an ambiguous
  post inside that hour.
"""

from __future__ import annotations

import html
import re
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, NoReturn
from urllib.parse import quote, urlsplit

import requests
from oauthlib.oauth2 import InsecureTransportError, OAuth2Error
from requests_oauthlib import OAuth2Session

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
    RoutedOAuth2Session,
    ShareRequest,
    TokenBundle,
    Transient,
    json_or_empty,
    new_state,
    pkce_pair,
    server_error,
    success_body,
    utcnow,
)

DEFAULT_SCOPES = ("read:statuses", "write:statuses", "write:media", "profile")
# What verify_credentials needs on servers older than 4.3, which have no `profile`.
PRE_4_3_PROFILE_SCOPE = "read:accounts"
# The instance keeps idempotency keys "for up to 1 hour"; stay well inside that, since
# our clock and the instance's may disagree by a few minutes.
IDEMPOTENCY_WINDOW = timedelta(minutes=50)
# Statuses a little older than the send time still count as ours (clock skew).
RECONCILE_SKEW = timedelta(minutes=5)
RECONCILE_PAGES = 5
VISIBILITIES = frozenset({"public", "unlisted", "private", "direct"})
_TAG = re.compile(r"<[^>]+>")
_HREF = re.compile(r'<a\s[^>]*href="([^"]*)"', re.IGNORECASE)
_LINE_BREAK = re.compile(r"<br\s*/?>|</p>\s*<p>", re.IGNORECASE)


def instance_scopes(
    *,
    instance_url: str,
    scopes: str | Sequence[str] = DEFAULT_SCOPES,
    session: requests.Session | None = None,
    timeout: tuple[float, float] = (5.0, 20.0),
) -> tuple[str, ...]:
    """`scopes` as this instance understands them: `profile` becomes `read:accounts` on a
    server that does not advertise it (api/oauth-scopes.md, "Discovering OAuth Scopes
    supported by a given Mastodon Server")."""
    wanted = tuple(scopes.split()) if isinstance(scopes, str) else tuple(scopes)
    if "profile" not in wanted:
        return wanted
    http = HttpClient(ProviderConfig(timeout=timeout), session=session)
    response = http.request("GET", f"{_base(instance_url)}/.well-known/oauth-authorization-server")
    if response.status_code >= 500:
        raise server_error(response, ambiguous=False)
    supported = json_or_empty(response).get("scopes_supported") if response.ok else None
    if isinstance(supported, list) and "profile" in supported:
        return wanted
    replaced = tuple(PRE_4_3_PROFILE_SCOPE if scope == "profile" else scope for scope in wanted)
    return tuple(dict.fromkeys(replaced))


def register_app(
    *,
    instance_url: str,
    redirect_uri: str,
    scopes: str | Sequence[str] = DEFAULT_SCOPES,
    client_name: str = "Chorus",
    website: str = "",
    session: requests.Session | None = None,
    timeout: tuple[float, float] = (5.0, 20.0),
) -> tuple[str, str]:
    """Register Chorus as a client of the instance: (client_id, client_secret)."""
    granted = instance_scopes(instance_url=instance_url, scopes=scopes, session=session, timeout=timeout)
    http = HttpClient(ProviderConfig(timeout=timeout), session=session)
    body = {"client_name": client_name, "redirect_uris": redirect_uri, "scopes": " ".join(granted)}
    if website:
        body["website"] = website
    response = http.request("POST", f"{_base(instance_url)}/api/v1/apps", data=body)
    data = _checked(response, clock=utcnow)
    client_id, client_secret = data.get("client_id"), data.get("client_secret")
    if not isinstance(client_id, str) or not isinstance(client_secret, str) or not client_id or not client_secret:
        raise ProviderError("The Mastodon server answered the registration without client credentials.")
    return client_id, client_secret


class MastodonProvider:
    network = "mastodon"
    # Media is processed after upload (202); posting it before it is ready is refused, so
    # publishing waits this long at most for the instance to finish.
    media_poll_interval = 0.5
    media_poll_attempts = 20

    def __init__(
        self,
        config: ProviderConfig,
        *,
        session: requests.Session | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.config = config
        self.instance = _base(config.instance_url or config.api_base)
        self.http = HttpClient(config, session=session)
        self.clock = clock

    def capabilities(self) -> Capabilities:
        return Capabilities(
            provider_idempotency=True,
            duplicate_returns_id=False,
            can_list_own_posts=True,
            metric_fields=frozenset({"reactions", "reshares", "comments"}),
            max_text_len=500,  # the default; instances may allow more
            metrics_batch_size=1,
            refreshable=False,
        )

    # Connecting ---------------------------------------------------------------------

    def authorization_url(self, *, state: str | None = None) -> AuthorizationRequest:
        verifier, challenge = pkce_pair()
        scopes: Sequence[str] = self.config.scopes
        if not scopes:
            try:
                scopes = instance_scopes(
                    instance_url=self.instance, session=self.http.session, timeout=self.config.timeout
                )
            except Transient:
                # The metadata could not be read: ask for the current scopes, which a 4.3+
                # server (nearly all of them) accepts; an older one says invalid_scope.
                scopes = DEFAULT_SCOPES
        try:
            url, state = self._oauth(scopes).authorization_url(
                f"{self.instance}/oauth/authorize",
                state=state or new_state(),
                code_challenge=challenge,
                code_challenge_method="S256",
            )
        except InsecureTransportError as error:
            raise ProviderError("The Mastodon server must be reached over https://.") from error
        return AuthorizationRequest(url=url, state=state, code_verifier=verifier)

    def exchange_code(self, *, code: str, code_verifier: str = "") -> TokenBundle:
        oauth = self._oauth(self.config.scopes or DEFAULT_SCOPES)
        try:
            answer = oauth.fetch_token(
                f"{self.instance}/oauth/token",
                code=code,
                client_secret=self.config.client_secret,
                include_client_id=True,  # client_secret_post: the credentials go in the form
                code_verifier=code_verifier,
            )
        except InsecureTransportError as error:
            raise ProviderError("The Mastodon server must be reached over https://.") from error
        except Warning as changed:
            # oauthlib raises when the granted scopes differ from the requested ones (an
            # older server granted read:accounts instead of profile); the token is fine.
            answer = getattr(changed, "token", None) or {}
        except OAuth2Error as error:
            raise ReauthRequired(f"Mastodon refused the connection ({error.error}). Try connecting again.") from error
        access_token = answer.get("access_token")
        if not isinstance(access_token, str) or not access_token:
            raise ReauthRequired("Mastodon did not send an access token. Try connecting again.")
        scope = answer.get("scope", "")
        scopes = scope.split() if isinstance(scope, str) else list(scope or [])
        return TokenBundle(
            access_token=access_token,
            refresh_token=None,
            expires_at=None,
            scopes=frozenset(scopes),
            extra={"instance_url": self.instance},
        )

    def refresh(self, token: TokenBundle) -> TokenBundle:
        raise ReauthRequired(
            "Mastodon no longer accepts Chorus for this account. Its tokens do not expire, so access was "
            "revoked: connect the account again."
        )

    def get_identity(self, token: TokenBundle) -> Identity:
        response = self.http.request(
            "GET", f"{self.instance}/api/v1/accounts/verify_credentials", headers=_bearer(token)
        )
        account = _checked(response, clock=self.clock)
        acct = str(account.get("acct") or account.get("username") or "")
        host = urlsplit(self.instance).netloc
        return Identity(
            external_user_id=str(account["id"]),
            author_ref=str(account["id"]),
            handle=acct if "@" in acct else f"{acct}@{host}",
            display_name=str(account.get("display_name") or acct),
            profile_url=str(account.get("url") or ""),
        )

    def revoke(self, token: TokenBundle) -> None:
        response = self.http.request(
            "POST",
            f"{self.instance}/oauth/revoke",
            data={
                "client_id": self.config.client_id,
                "client_secret": self.config.client_secret,
                "token": token.access_token,
            },
        )
        # Revoking is idempotent and best effort: only a server in trouble is worth retrying.
        if response.status_code >= 500:
            raise server_error(response, ambiguous=False)

    # Posting ------------------------------------------------------------------------

    def publish(self, token: TokenBundle, who: Identity, share: ShareRequest, *, idempotency_key: str) -> PublishResult:
        # An image uploaded by an attempt that then failed stays unattached; the instance
        # removes unattached media on its own.
        media_ids = [self.upload_media(token, share.image)] if share.image is not None else []
        body: dict[str, Any] = {"status": share.text, "visibility": _visibility(share.visibility)}
        if media_ids:
            body["media_ids"] = media_ids
        response = self.http.request(
            "POST",
            f"{self.instance}/api/v1/statuses",
            ambiguous=True,
            json=body,
            headers={**_bearer(token), "Idempotency-Key": idempotency_key},
        )
        return _result(_checked(response, creating=True, clock=self.clock))

    def reconcile(
        self, token: TokenBundle, who: Identity, share: ShareRequest, *, idempotency_key: str, sent_after: datetime
    ) -> PublishResult | None:
        """Inside the idempotency window, sending again with the same key is the answer
        itself: the instance returns the status the first attempt created (or creates it
        now if that attempt never arrived; either way there is one). Later, look for the
        tracked link among the account's recent statuses."""
        if self.clock() - sent_after < IDEMPOTENCY_WINDOW:
            return self.publish(token, who, share, idempotency_key=idempotency_key)
        cutoff = sent_after - RECONCILE_SKEW
        max_id = ""
        for _ in range(RECONCILE_PAGES):
            params = {"limit": "40", "exclude_reblogs": "true", "exclude_replies": "true"}
            if max_id:
                params["max_id"] = max_id
            response = self.http.request(
                "GET",
                f"{self.instance}/api/v1/accounts/{quote(who.external_user_id, safe='')}/statuses",
                params=params,
                headers=_bearer(token),
            )
            statuses = _checked(response, clock=self.clock)
            if not isinstance(statuses, list) or not statuses:
                return None
            for status in statuses:
                if _created_at(status) < cutoff:
                    return None
                if _is_our_status(status, share):
                    return _result(status)
            max_id = str(statuses[-1]["id"])
        return None

    def upload_media(self, token: TokenBundle, image: ImageRef) -> str:
        """The media id, once the instance has processed the file."""
        response = self.http.request(
            "POST",
            f"{self.instance}/api/v2/media",
            files={"file": ("image", image.content, image.mime_type)},
            data={"description": image.alt_text} if image.alt_text else {},
            headers=_bearer(token),
            timeout=(self.config.timeout[0], max(self.config.timeout[1], 60.0)),
        )
        media = _checked(response, clock=self.clock)
        media_id = str(media["id"])
        if response.status_code == 200 and media.get("url"):
            return media_id
        for _ in range(self.media_poll_attempts):
            time.sleep(self.media_poll_interval)
            response = self.http.request("GET", f"{self.instance}/api/v1/media/{media_id}", headers=_bearer(token))
            if response.status_code == 206:  # still processing
                continue
            _checked(response, clock=self.clock)
            return media_id
        raise Transient("The Mastodon server is still processing the picture. Chorus will try again.")

    def delete(self, token: TokenBundle, who: Identity, external_id: str) -> None:
        response = self.http.request(
            "DELETE", f"{self.instance}/api/v1/statuses/{quote(external_id, safe='')}", headers=_bearer(token)
        )
        if response.status_code == 404:  # already gone
            return
        _checked(response, clock=self.clock)

    def fetch_metrics(
        self, token: TokenBundle, who: Identity, external_ids: Sequence[str]
    ) -> Mapping[str, MetricsSnapshot]:
        snapshots: dict[str, MetricsSnapshot] = {}
        for external_id in external_ids:
            response = self.http.request(
                "GET", f"{self.instance}/api/v1/statuses/{quote(external_id, safe='')}", headers=_bearer(token)
            )
            if response.status_code == 404:  # deleted: no snapshot rather than zeros
                continue
            status = _checked(response, clock=self.clock)
            snapshots[external_id] = MetricsSnapshot(
                external_id=external_id,
                fetched_at=self.clock(),
                reactions=_count(status, "favourites_count"),
                reshares=_count(status, "reblogs_count"),
                comments=_count(status, "replies_count"),
                raw=status,
            )
        return snapshots

    def _oauth(self, scopes: Sequence[str]) -> OAuth2Session:
        oauth = RoutedOAuth2Session(
            self.http, client_id=self.config.client_id, redirect_uri=self.config.redirect_uri, scope=list(scopes)
        )
        oauth.register_compliance_hook("access_token_response", _refuse_failed_token_answer)
        return oauth


# -------------------------------------------------------------------------------------


def _base(url: str) -> str:
    return url.rstrip("/")


def _bearer(token: TokenBundle) -> dict[str, str]:
    return {"Authorization": f"Bearer {token.access_token}"}


def _visibility(value: str) -> str:
    return value if value in VISIBILITIES else "public"


def _result(status: Mapping[str, Any]) -> PublishResult:
    return PublishResult(
        external_id=str(status["id"]), url=str(status.get("url") or status.get("uri") or ""), raw=status
    )


def _count(status: Mapping[str, Any], name: str) -> int | None:
    value = status.get(name)
    return value if isinstance(value, int) else None


def _created_at(status: Mapping[str, Any]) -> datetime:
    try:
        moment = datetime.fromisoformat(str(status.get("created_at")))
    except ValueError:
        return datetime.max.replace(tzinfo=UTC)  # unknown: do not let it end the search
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _plain_text(content: str) -> str:
    """A status's HTML as text. Links come back whole: the label's hidden spans hold the
    parts the instance elides."""
    return " ".join(html.unescape(_TAG.sub("", _LINE_BREAK.sub("\n", content))).split())


def _is_our_status(status: Mapping[str, Any], share: ShareRequest) -> bool:
    content = str(status.get("content") or "")
    if share.link_url:
        # Compare whole links: the href keeps the full tracked link (with `&` escaped as
        # `&amp;`), and another share's link may extend this one.
        links = {html.unescape(href) for href in _HREF.findall(content)}
        card = status.get("card")
        if isinstance(card, dict) and card.get("url"):
            links.add(str(card["url"]))
        return share.link_url in links
    return _plain_text(content) == " ".join(share.text.split())


def _refuse_failed_token_answer(response: requests.Response) -> requests.Response:
    """Turn a refused token request into our errors before oauthlib parses it."""
    if response.ok:
        return response
    if response.status_code == 429 or response.status_code >= 500:
        _checked(response, clock=utcnow)
    body = json_or_empty(response)
    detail = body.get("error_description") or body.get("error") or f"HTTP {response.status_code}"
    raise ReauthRequired(f"Mastodon refused the connection: {detail}", status=response.status_code, raw=body)


def _checked(response: requests.Response, *, clock: Callable[[], datetime], creating: bool = False) -> Any:
    """The JSON body of a successful answer, or the error it means."""
    if response.ok:
        return success_body(response, creating=creating)
    _raise_for(response, clock=clock, creating=creating)


def _raise_for(response: requests.Response, *, clock: Callable[[], datetime], creating: bool) -> NoReturn:
    status = response.status_code
    body = json_or_empty(response)
    message = str(body.get("error") or "")
    if status == 401:
        raise AuthExpired(message or "Mastodon did not accept the access token.", status=status, raw=body)
    if status == 403:
        raise PermissionDenied(
            f"Mastodon refused: {message or 'this action is outside the authorised scopes'}.", status=status, raw=body
        )
    if status == 429:
        raise RateLimited(
            "Mastodon asked Chorus to slow down.",
            retry_at=_reset_moment(response, clock=clock),
            scope="user",
            status=status,
            raw=body,
        )
    if status >= 500:
        raise server_error(response, ambiguous=creating)
    if status == 422 or creating:
        raise InvalidContent(message or f"Mastodon refused the post (HTTP {status}).", status=status, raw=body)
    raise ProviderError(message or f"Mastodon answered HTTP {status}.", status=status, raw=body)


def _reset_moment(response: requests.Response, *, clock: Callable[[], datetime]) -> datetime:
    """`X-RateLimit-Reset` is an ISO-8601 timestamp (api/rate-limits.md); without one,
    wait out the documented five-minute window."""
    value = response.headers.get("X-RateLimit-Reset", "")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return clock() + timedelta(minutes=5)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
