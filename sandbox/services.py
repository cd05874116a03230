"""What the Sandbox network does: its OAuth 2.0 server (authorisation codes with PKCE,
expiring access tokens, single-use rotating refresh tokens), its posting API (length
limit, idempotency keys, duplicate detection, a per-account rate limit) and the
metrics that grow on its posts.

It behaves like a real network on purpose, failure modes included, so Chorus's
posting pipeline meets the Sandbox's 401s, 409s and 429s through the same adapter code
as LinkedIn's or Mastodon's. Every refusal is a `SandboxError` carrying the HTTP status
and the RFC 6749/6750-style body the views answer with.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import math
import random
import re
import secrets
import unicodedata
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Count, Min, QuerySet
from django.utils import timezone
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import slugify

from sandbox.models import AuthorizationGrant, SandboxAccount, SandboxPost, SandboxToken

if TYPE_CHECKING:
    from accounts.models import User

SCOPES: Mapping[str, str] = {
    "profile": "See your handle and display name",
    "posts:write": "Publish posts as you, and delete them",
    "posts:read": "Read your posts and how they are doing",
}
DEFAULT_SCOPE = "profile"
CODE_TTL = timedelta(seconds=60)
IDEMPOTENCY_WINDOW = timedelta(hours=24)
DUPLICATE_WINDOW = timedelta(hours=24)
MAX_POST_LENGTH = 500
# Counted as Mastodon counts (and Chorus's caption counter counts the Sandbox): every
# link is 23 characters however long it is, so a tracked link never costs more.
LINK_LENGTH = 23
METRICS_BATCH_LIMIT = 100
POSTS_LIST_LIMIT = 100
HANDLE_MAX_LENGTH = 30

# Links in posts are people's, not the Sandbox's: no endorsement for search engines.
LINK_REL = "nofollow ugc"
_LINK = re.compile(r"https?://[^\s<>\"]+", re.IGNORECASE)
_COUNTED_LINK = re.compile(r"https?://\S+", re.IGNORECASE)
_REMOTE_MENTION = re.compile(r"(@\w+)@[\w.-]+\w")
_TRAILING_PUNCTUATION = ".,;:!?'"
_PUBLIC_ID = re.compile(r"[a-z0-9]{1,16}")
_CHALLENGE = re.compile(r"[A-Za-z0-9_-]{43}")
_VERIFIER = re.compile(r"[A-Za-z0-9._~-]{43,128}")


# ---------------------------------------------------------------------------------
# Errors


class SandboxError(Exception):
    """A refusal the API answers with `status` and `body()`."""

    status = 400
    error = "invalid_request"

    def __init__(self, message: str = "", *, error: str | None = None, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if error is not None:
            self.error = error
        if status is not None:
            self.status = status

    def body(self) -> dict[str, Any]:
        return {"error": self.error, "message": self.message}

    def headers(self) -> dict[str, str]:
        return {}


class OAuthError(SandboxError):
    """RFC 6749 §5.2: `error` and `error_description`."""

    def body(self) -> dict[str, Any]:
        return {"error": self.error, "error_description": self.message}


class InvalidClient(OAuthError):
    status = 401
    error = "invalid_client"

    def headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": 'Basic realm="sandbox"'}


class InvalidToken(OAuthError):
    """RFC 6750 §3.1: a missing, unknown, expired or revoked bearer token."""

    status = 401
    error = "invalid_token"

    def headers(self) -> dict[str, str]:
        return {
            "WWW-Authenticate": f'Bearer realm="sandbox", error="invalid_token", error_description="{self.message}"'
        }


class InsufficientScope(OAuthError):
    status = 403
    error = "insufficient_scope"

    def __init__(self, scope: str) -> None:
        super().__init__(f"This needs the {scope} scope.")
        self.scope = scope

    def headers(self) -> dict[str, str]:
        return {"WWW-Authenticate": f'Bearer realm="sandbox", error="insufficient_scope", scope="{self.scope}"'}


class InvalidContent(SandboxError):
    status = 422
    error = "invalid_content"


class NotFound(SandboxError):
    status = 404
    error = "not_found"


class DuplicatePost(SandboxError):
    status = 409
    error = "duplicate"

    def __init__(self, existing: SandboxPost) -> None:
        super().__init__("You posted the same text in the last 24 hours.")
        self.existing = existing

    def body(self) -> dict[str, Any]:
        return {
            **super().body(),
            "existing_id": self.existing.public_id,
            "existing_url": post_url(self.existing),
        }


@dataclass(frozen=True)
class RateState:
    limit: int
    remaining: int
    reset_seconds: int  # until the oldest create in the window leaves it

    def headers(self) -> dict[str, str]:
        return {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset_seconds),
        }


class RateLimitExceeded(SandboxError):
    status = 429
    error = "rate_limited"

    def __init__(self, state: RateState) -> None:
        super().__init__(f"Too many posts: try again in {state.reset_seconds} seconds.")
        self.state = state

    def headers(self) -> dict[str, str]:
        return {**self.state.headers(), "Retry-After": str(self.state.reset_seconds)}


class AuthorizeRefused(Exception):
    """The authorisation request cannot be answered by redirecting (unknown client, a
    redirect URI we may not send the browser to): show an error page instead, or the
    Sandbox would become an open redirector."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class AuthorizeRedirectError(Exception):
    """A bad request from a known client, answered on its redirect URI (RFC 6749 §4.1.2.1)."""

    def __init__(self, request: AuthorizationParams, error: str, description: str) -> None:
        super().__init__(description)
        self.redirect_url = authorization_redirect(request, error=error, error_description=description)


# ---------------------------------------------------------------------------------
# Settings


def access_token_ttl() -> timedelta:
    return timedelta(seconds=int(getattr(settings, "SANDBOX_ACCESS_TOKEN_TTL", 7200)))


def posts_per_window() -> int:
    return int(getattr(settings, "SANDBOX_POSTS_PER_WINDOW", 30))


def rate_window() -> timedelta:
    return timedelta(seconds=int(getattr(settings, "SANDBOX_RATE_WINDOW", 900)))


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _scope_string(scopes: Sequence[str]) -> str:
    return " ".join(scope for scope in SCOPES if scope in scopes)


# ---------------------------------------------------------------------------------
# Accounts


def account_for_user(*, user: User) -> SandboxAccount:
    """The person's Sandbox account, made on first use with a handle from their name."""
    existing = SandboxAccount.objects.filter(user=user).first()
    if existing is not None:
        return existing
    with transaction.atomic():
        # Two first visits at once (two tabs) must not give the person two accounts.
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        existing = SandboxAccount.objects.filter(user=user).first()
        if existing is not None:
            return existing
        full_name = str(getattr(user, "full_name", "") or "").strip()
        email = str(getattr(user, user.get_email_field_name(), "") or "")
        base = _handle_base(full_name, email)
        for attempt in range(5):
            handle = _free_handle(base) if attempt < 4 else f"{base[: HANDLE_MAX_LENGTH - 7]}-{secrets.token_hex(3)}"
            try:
                with transaction.atomic():  # a savepoint: another person may take the handle first
                    account = SandboxAccount(user=user, handle=handle, display_name=full_name or email.split("@")[0])
                    account.full_clean()
                    account.save()
                    return account
            except IntegrityError:
                continue
    raise RuntimeError("No free Sandbox handle could be found.")


def _handle_base(full_name: str, email: str) -> str:
    for candidate in (full_name, email.split("@")[0]):
        handle = slugify(candidate).replace("_", "-").strip("-")[:HANDLE_MAX_LENGTH].strip("-")
        if handle:
            return handle
    return "sandbox-user"


def _free_handle(base: str) -> str:
    taken = set(SandboxAccount.objects.filter(handle__startswith=base).values_list("handle", flat=True))
    if base not in taken:
        return base
    number = 2
    while True:
        suffix = f"-{number}"
        handle = f"{base[: HANDLE_MAX_LENGTH - len(suffix)]}{suffix}"
        if handle not in taken:
            return handle
        number += 1


def account_url(account: SandboxAccount) -> str:
    return settings.SANDBOX_BASE_URL + account.get_absolute_url()


def account_json(account: SandboxAccount) -> dict[str, Any]:
    return {
        "id": account.public_id,
        "handle": account.handle,
        "display_name": account.display_name,
        "url": account_url(account),
    }


# ---------------------------------------------------------------------------------
# Authorisation


@dataclass(frozen=True)
class AuthorizationParams:
    client_id: str
    redirect_uri: str
    state: str
    code_challenge: str
    scopes: tuple[str, ...] = field(default=(DEFAULT_SCOPE,))

    @property
    def scope(self) -> str:
        return _scope_string(self.scopes)

    @property
    def redirect_host(self) -> str:
        return urlsplit(self.redirect_uri).netloc

    def as_fields(self) -> dict[str, str]:
        """The request as form fields, for the consent form to post back."""
        return {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri,
            "state": self.state,
            "code_challenge": self.code_challenge,
            "code_challenge_method": "S256",
            "scope": self.scope,
        }


def _origin(url: str) -> tuple[str, int | None] | None:
    try:
        parts = urlsplit(url)
        port = parts.port or {"http": 80, "https": 443}.get(parts.scheme.lower())
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return parts.hostname.lower(), port


def redirect_uri_allowed(uri: str) -> bool:
    """Only back to this installation: an http(s) URL on the Sandbox's own host or
    Chorus's, with no credentials or fragment in it (RFC 6749 §3.1.2)."""
    origin = _origin(uri)
    if origin is None or len(uri) > 2000 or any(ord(character) < 0x21 or ord(character) == 0x7F for character in uri):
        return False
    parts = urlsplit(uri)
    if parts.username is not None or parts.password is not None or parts.fragment or "#" in uri:
        return False
    return origin in {_origin(settings.SANDBOX_BASE_URL), _origin(settings.SITE_URL)}


def authorization_request_parse(*, params: Mapping[str, str]) -> AuthorizationParams:
    """The authorisation request, validated in RFC 6749's order: the client and its
    redirect URI first (refused with an error page), then the rest (refused on the
    redirect URI, with the state)."""
    client_id = params.get("client_id", "")
    if not client_id or not hmac.compare_digest(client_id.encode(), settings.SANDBOX_CLIENT_ID.encode()):
        raise AuthorizeRefused("This application is not registered with the Sandbox.")
    redirect_uri = params.get("redirect_uri", "")
    if not redirect_uri_allowed(redirect_uri):
        raise AuthorizeRefused("The address to return to after authorising is not allowed.")
    partial = AuthorizationParams(
        client_id=client_id, redirect_uri=redirect_uri, state=params.get("state", ""), code_challenge=""
    )
    if params.get("response_type") != "code":
        raise AuthorizeRedirectError(partial, "unsupported_response_type", "Only response_type=code is supported.")
    challenge = params.get("code_challenge", "")
    if params.get("code_challenge_method") != "S256" or not _CHALLENGE.fullmatch(challenge):
        raise AuthorizeRedirectError(partial, "invalid_request", "PKCE with code_challenge_method=S256 is required.")
    requested = (params.get("scope") or DEFAULT_SCOPE).split()
    unknown = [scope for scope in requested if scope not in SCOPES]
    if unknown:
        raise AuthorizeRedirectError(partial, "invalid_scope", f"Unknown scope: {' '.join(unknown)}.")
    return AuthorizationParams(
        client_id=client_id,
        redirect_uri=redirect_uri,
        state=partial.state,
        code_challenge=challenge,
        scopes=tuple(scope for scope in SCOPES if scope in requested),
    )


def authorization_redirect(request: AuthorizationParams, **answer: str) -> str:
    """The redirect URI with the answer and the state added to its query."""
    parts = urlsplit(request.redirect_uri)
    query = parse_qsl(parts.query, keep_blank_values=True)
    query += [(name, value) for name, value in answer.items() if value]
    if request.state:
        query.append(("state", request.state))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))


def grant_issue(*, account: SandboxAccount, request: AuthorizationParams, now: datetime | None = None) -> str:
    """A new authorisation code for `request`; only its hash is kept."""
    now = now or timezone.now()
    code = secrets.token_urlsafe(32)
    AuthorizationGrant.objects.create(
        code_hash=_digest(code),
        account=account,
        client_id=request.client_id,
        redirect_uri=request.redirect_uri,
        code_challenge=request.code_challenge,
        scopes=request.scope,
        created_at=now,
        expires_at=now + CODE_TTL,
    )
    return code


# ---------------------------------------------------------------------------------
# Tokens


@dataclass(frozen=True)
class IssuedToken:
    access_token: str
    refresh_token: str
    expires_in: int
    scope: str

    def as_json(self) -> dict[str, Any]:
        return {
            "access_token": self.access_token,
            "token_type": "bearer",
            "expires_in": self.expires_in,
            "refresh_token": self.refresh_token,
            "scope": self.scope,
        }


def client_authenticate(*, client_id: str, client_secret: str) -> str:
    """The client id if the credentials are Chorus's registration, else InvalidClient."""
    expected_secret = settings.SANDBOX_CLIENT_SECRET
    valid = (
        bool(expected_secret)
        and hmac.compare_digest(client_id.encode(), settings.SANDBOX_CLIENT_ID.encode())
        and hmac.compare_digest(client_secret.encode(), expected_secret.encode())
    )
    if not valid:
        raise InvalidClient("The client credentials are not valid.")
    return client_id


def _token_issue(*, account_id: int, client_id: str, scopes: str, family_id: uuid.UUID, now: datetime) -> IssuedToken:
    access_token = f"sbx_at_{secrets.token_urlsafe(32)}"
    refresh_token = f"sbx_rt_{secrets.token_urlsafe(32)}"
    ttl = access_token_ttl()
    SandboxToken.objects.create(
        account_id=account_id,
        client_id=client_id,
        scopes=scopes,
        family_id=family_id,
        access_hash=_digest(access_token),
        access_expires_at=now + ttl,
        refresh_hash=_digest(refresh_token),
        created_at=now,
    )
    return IssuedToken(
        access_token=access_token,
        refresh_token=refresh_token,
        expires_in=int(ttl.total_seconds()),
        scope=scopes,
    )


def _family_revoke(family_id: uuid.UUID | None, *, now: datetime) -> None:
    if family_id is not None:
        SandboxToken.objects.filter(family_id=family_id, revoked_at__isnull=True).update(revoked_at=now)


def pkce_matches(*, verifier: str, challenge: str) -> bool:
    if not _VERIFIER.fullmatch(verifier):
        return False
    computed = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return hmac.compare_digest(computed, challenge)


def token_exchange_code(
    *, client_id: str, code: str, redirect_uri: str, code_verifier: str, now: datetime | None = None
) -> IssuedToken:
    now = now or timezone.now()
    with transaction.atomic():
        # The row lock makes the code single-use even when two exchanges race.
        grant = AuthorizationGrant.objects.select_for_update().filter(code_hash=_digest(code)).first()
        if grant is None or grant.client_id != client_id:
            raise OAuthError("The authorisation code is not valid.", error="invalid_grant")
        refusal = _code_refusal(grant, redirect_uri=redirect_uri, code_verifier=code_verifier, now=now)
        if refusal is None:
            grant.used_at = now
            grant.family_id = uuid.uuid4()
            grant.save(update_fields=["used_at", "family_id"])
            return _token_issue(
                account_id=grant.account_id,
                client_id=client_id,
                scopes=grant.scopes,
                family_id=grant.family_id,
                now=now,
            )
        if grant.used_at is not None:
            # A replayed code may have been stolen: the tokens it bought are revoked.
            # The refusal is raised after the transaction, so the revocation is kept.
            _family_revoke(grant.family_id, now=now)
    raise refusal


def _code_refusal(
    grant: AuthorizationGrant, *, redirect_uri: str, code_verifier: str, now: datetime
) -> OAuthError | None:
    if grant.used_at is not None:
        return OAuthError("The authorisation code was already used.", error="invalid_grant")
    if grant.expires_at <= now:
        return OAuthError("The authorisation code expired.", error="invalid_grant")
    if grant.redirect_uri != redirect_uri:
        return OAuthError("redirect_uri does not match the authorisation request.", error="invalid_grant")
    if not pkce_matches(verifier=code_verifier, challenge=grant.code_challenge):
        return OAuthError("The PKCE code_verifier does not match the code_challenge.", error="invalid_grant")
    return None


def token_refresh(*, client_id: str, refresh_token: str, scope: str = "", now: datetime | None = None) -> IssuedToken:
    """A new pair for a refresh token, which is spent. Spending it again revokes every
    token of its family: one of the two callers has a stolen copy."""
    now = now or timezone.now()
    with transaction.atomic():
        token = SandboxToken.objects.select_for_update().filter(refresh_hash=_digest(refresh_token)).first()
        if token is None or token.client_id != client_id:
            raise OAuthError("The refresh token is not valid.", error="invalid_grant")
        wanted = scope.split() if scope else sorted(token.scope_set)
        refusal = _refresh_refusal(token, wanted=wanted)
        if refusal is None:
            token.refresh_used_at = now
            token.save(update_fields=["refresh_used_at"])
            return _token_issue(
                account_id=token.account_id,
                client_id=client_id,
                scopes=_scope_string(wanted),
                family_id=token.family_id,
                now=now,
            )
        if token.revoked_at is None and token.refresh_used_at is not None:
            # Raised after the transaction, so the revocation is kept.
            _family_revoke(token.family_id, now=now)
    raise refusal


def _refresh_refusal(token: SandboxToken, *, wanted: Sequence[str]) -> OAuthError | None:
    if token.revoked_at is not None:
        return OAuthError("The refresh token was revoked.", error="invalid_grant")
    if token.refresh_used_at is not None:
        return OAuthError(
            "The refresh token was already used, so every token of this authorisation is now revoked.",
            error="invalid_grant",
        )
    if not set(wanted) <= token.scope_set:
        return OAuthError("A refresh cannot add scopes.", error="invalid_scope")
    return None


def token_revoke(*, client_id: str, token: str, now: datetime | None = None) -> None:
    """RFC 7009: revoking either token of a pair ends the whole authorisation (Chorus
    revokes when an account is disconnected). Unknown tokens are not an error."""
    now = now or timezone.now()
    digest = _digest(token)
    row = SandboxToken.objects.filter(client_id=client_id, access_hash=digest).first()
    row = row or SandboxToken.objects.filter(client_id=client_id, refresh_hash=digest).first()
    if row is not None:
        _family_revoke(row.family_id, now=now)


def token_authenticate(*, authorization: str, scope: str, now: datetime | None = None) -> SandboxToken:
    """The token named by an `Authorization: Bearer …` header, if it may use `scope`."""
    now = now or timezone.now()
    kind, _, raw = authorization.partition(" ")
    if kind.lower() != "bearer" or not raw.strip():
        raise InvalidToken("No access token was sent")
    token = SandboxToken.objects.select_related("account").filter(access_hash=_digest(raw.strip())).first()
    if token is None:
        raise InvalidToken("The access token is not valid")
    if token.revoked_at is not None:
        raise InvalidToken("The access token was revoked")
    if token.access_expires_at <= now:
        raise InvalidToken("The access token expired")
    if scope not in token.scope_set:
        raise InsufficientScope(scope)
    return token


# ---------------------------------------------------------------------------------
# Posts


def post_url(post: SandboxPost) -> str:
    return settings.SANDBOX_BASE_URL + post.get_absolute_url()


def post_json(post: SandboxPost) -> dict[str, Any]:
    return {
        "id": post.public_id,
        "url": post_url(post),
        "text": post.text,
        "link_url": post.link_url or None,
        "created_at": post.created_at.isoformat(),
    }


def _link_spans(text: str) -> Iterator[tuple[int, int]]:
    """Where the http(s) links are: the address without the punctuation that ends a
    sentence, and without a closing bracket it did not open."""
    for match in _LINK.finditer(text):
        url = match.group(0)
        while url and (
            url[-1] in _TRAILING_PUNCTUATION
            or (url[-1] == ")" and url.count(")") > url.count("("))
            or (url[-1] == "]" and url.count("]") > url.count("["))
        ):
            url = url[:-1]
        if urlsplit(url).netloc:
            yield match.start(), match.start() + len(url)


def first_link(text: str) -> str:
    for start, end in _link_spans(text):
        return text[start:end]
    return ""


def post_length(text: str) -> int:
    """The length the Sandbox enforces: what a reader sees as characters (grapheme
    clusters, approximated by not counting combining marks, variation selectors, skin
    tones and what a zero-width joiner joins), with every link counting 23 and a remote
    mention @name@server counting as @name. The approximation never counts more than
    Chorus's caption counter, so a caption Chorus accepts is never refused here."""
    text = _REMOTE_MENTION.sub(r"\1", _COUNTED_LINK.sub("x" * LINK_LENGTH, text))
    count = 0
    joined = False
    open_flag = False  # regional indicators pair up into one flag
    for character in text:
        point = ord(character)
        if joined:
            joined = False
            continue
        if character == "\u200d":
            joined = True
            continue
        if (
            unicodedata.category(character) in ("Mn", "Mc", "Me")
            or 0xFE00 <= point <= 0xFE0F
            or 0x1F3FB <= point <= 0x1F3FF
            or 0xE0020 <= point <= 0xE007F
        ):
            continue
        if 0x1F1E6 <= point <= 0x1F1FF:
            open_flag = not open_flag
            if not open_flag:
                continue
        else:
            open_flag = False
        count += 1
    return count


def post_text_html(text: str) -> SafeString:
    """A post's text as HTML: escaped, with its http(s) links made clickable and its
    line breaks kept."""
    parts: list[str] = []
    position = 0
    for start, end in _link_spans(text):
        url = text[start:end]
        parts.append(escape(text[position:start]))
        parts.append(format_html('<a href="{}" rel="{}">{}</a>', url, LINK_REL, url))
        position = end
    parts.append(escape(text[position:]))
    # Every part above went through escape() or format_html(), and "<br>" is ours.
    return mark_safe("".join(parts).replace("\n", "<br>"))  # noqa: S308


@dataclass(frozen=True)
class PostCreated:
    post: SandboxPost
    replayed: bool  # an Idempotency-Key seen before: the original, nothing created
    rate: RateState | None = None


def _rate_state(account: SandboxAccount, *, now: datetime) -> RateState:
    limit, window = posts_per_window(), rate_window()
    recent = SandboxPost.objects.filter(account=account, created_at__gt=now - window).aggregate(
        count=Count("pk"), oldest=Min("created_at")
    )
    count = int(recent["count"])
    oldest = recent["oldest"] or now
    reset = max(1, math.ceil((oldest + window - now).total_seconds()))
    return RateState(limit=limit, remaining=max(limit - count, 0), reset_seconds=reset)


def post_create(
    *, account: SandboxAccount, text: object, idempotency_key: str = "", now: datetime | None = None
) -> PostCreated:
    """Publish `text` as `account`, in the order a client can rely on: a known
    Idempotency-Key returns the original (even past the rate limit, as nothing is
    created); then the content is checked, then duplicates, then the rate limit."""
    now = now or timezone.now()
    if len(idempotency_key) > 255:
        raise SandboxError("The Idempotency-Key header is longer than 255 characters.")
    with transaction.atomic():
        # Posts of one account are created one at a time: the rate-limit count, the
        # duplicate check and the idempotency key lookup must see every earlier create.
        SandboxAccount.objects.select_for_update().filter(pk=account.pk).first()
        if idempotency_key:
            original = SandboxPost.objects.filter(account=account, idempotency_key=idempotency_key).first()
            if original is not None and original.created_at > now - IDEMPOTENCY_WINDOW:
                if original.deleted_at is not None:
                    raise NotFound("The post created with this Idempotency-Key was deleted.")
                return PostCreated(post=original, replayed=True)
            if original is not None:
                # Keys are remembered for 24 hours; an older one is free to use again.
                SandboxPost.objects.filter(pk=original.pk).update(idempotency_key="")
        if not isinstance(text, str) or not text.strip():
            raise InvalidContent("The post has no text.")
        text = text.strip()
        if "\x00" in text:
            raise InvalidContent("The post contains a NUL character.")
        length = post_length(text)
        if length > MAX_POST_LENGTH:
            raise InvalidContent(f"The post is {length} characters long; the Sandbox allows {MAX_POST_LENGTH}.")
        duplicate = SandboxPost.objects.filter(
            account=account, text=text, deleted_at__isnull=True, created_at__gt=now - DUPLICATE_WINDOW
        ).first()
        if duplicate is not None:
            raise DuplicatePost(duplicate)
        rate = _rate_state(account, now=now)
        if rate.remaining <= 0:
            raise RateLimitExceeded(rate)
        post = SandboxPost.objects.create(
            account=account,
            text=text,
            link_url=first_link(text),
            idempotency_key=idempotency_key,
            created_at=now,
        )
        return PostCreated(post=post, replayed=False, rate=_rate_state(account, now=now))


def post_delete(*, account: SandboxAccount, public_id: str, now: datetime | None = None) -> None:
    now = now or timezone.now()
    deleted = SandboxPost.objects.filter(account=account, public_id=public_id, deleted_at__isnull=True).update(
        deleted_at=now
    )
    if not deleted:
        raise NotFound("There is no such post.")


def posts_recent(*, account: SandboxAccount, since: datetime | None = None, limit: int = 20) -> list[SandboxPost]:
    """The account's posts, newest first (for a client reconciling an uncertain post)."""
    posts = SandboxPost.objects.filter(account=account, deleted_at__isnull=True)
    if since is not None:
        posts = posts.filter(created_at__gte=since)
    return list(posts.select_related("account").order_by("-created_at", "-pk")[: max(1, min(limit, POSTS_LIST_LIMIT))])


def posts_of_user(*, user: User) -> QuerySet[SandboxPost]:
    return SandboxPost.objects.filter(account__user=user, deleted_at__isnull=True).select_related("account")


def posts_of_account(*, account: SandboxAccount) -> QuerySet[SandboxPost]:
    return SandboxPost.objects.filter(account=account, deleted_at__isnull=True).select_related("account")


# ---------------------------------------------------------------------------------
# Metrics


@dataclass(frozen=True)
class PostMetrics:
    impressions: int
    reactions: int
    comments: int
    reshares: int
    clicks: None = None  # Chorus counts clicks through its own tracked links

    def as_json(self) -> dict[str, Any]:
        return {
            "impressions": self.impressions,
            "reactions": self.reactions,
            "comments": self.comments,
            "reshares": self.reshares,
            "clicks": self.clicks,
        }


def post_metrics(post: SandboxPost, *, now: datetime | None = None) -> PostMetrics:
    """Plausible counters that only grow: each post draws an audience and engagement
    rates from a generator seeded by its id (the same post always tells the same
    story), and reaches its audience along a saturating curve of its age."""
    now = now or timezone.now()
    seed = int.from_bytes(hashlib.sha256(f"sandbox-metrics:{post.public_id}".encode()).digest()[:8], "big")
    draw = random.Random(seed)
    audience = draw.randint(200, 4000)
    half_life_hours = draw.uniform(2.0, 12.0)
    reaction_rate = draw.uniform(0.02, 0.08)
    comment_rate = reaction_rate * draw.uniform(0.05, 0.3)
    reshare_rate = reaction_rate * draw.uniform(0.05, 0.25)
    hours = max((now - post.created_at).total_seconds(), 0.0) / 3600
    reached = 1 - 0.5 ** (hours / half_life_hours)
    return PostMetrics(
        impressions=int(audience * reached),
        reactions=int(audience * reaction_rate * reached),
        comments=int(audience * comment_rate * reached),
        reshares=int(audience * reshare_rate * reached),
    )


def metrics_for(
    *, account: SandboxAccount, ids: Sequence[str], now: datetime | None = None
) -> dict[str, dict[str, Any]]:
    """Counters of the account's own live posts among `ids`; other ids are left out."""
    if len(ids) > METRICS_BATCH_LIMIT:
        raise SandboxError(f"Ask for at most {METRICS_BATCH_LIMIT} posts at a time.")
    now = now or timezone.now()
    # Ids that cannot be ours are left out before they reach the database.
    wanted = [value for value in ids if _PUBLIC_ID.fullmatch(value)]
    posts = SandboxPost.objects.filter(account=account, public_id__in=wanted, deleted_at__isnull=True)
    return {post.public_id: post_metrics(post, now=now).as_json() for post in posts}


@dataclass(frozen=True)
class PostEntry:
    """A post as the timeline shows it."""

    post: SandboxPost
    html: SafeString
    metrics: PostMetrics


def post_entries(posts: Sequence[SandboxPost], *, now: datetime | None = None) -> list[PostEntry]:
    now = now or timezone.now()
    return [PostEntry(post=post, html=post_text_html(post.text), metrics=post_metrics(post, now=now)) for post in posts]
