"""Connecting an employee's own social accounts, keeping their tokens fresh, and telling
people when an account needs them.

Tokens are stored encrypted (accounts.lib.crypto, rotated by `rotate_token_keys`) and
decrypted only here, for the posting and metrics workers. A refresh is serialised per
connection by a row lock, and the new pair is saved in the same transaction before it
is used: X's refresh tokens are single-use, so two workers refreshing at once, or a
refreshed pair that was used but not saved, would break the chain for good.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.lib import crypto
from accounts.models import Membership, Organization
from accounts.models.audit import AuditAction
from accounts.models.notifications import NotificationKind
from accounts.services.audit import audit_record
from accounts.services.notifications import notify
from advocacy.models import OPEN_STATES, ConnectionStatus, ProviderApp, Share, ShareState, SocialConnection
from advocacy.providers.base import (
    AuthorizationRequest,
    Identity,
    ProviderError,
    ReauthRequired,
    SocialProvider,
    TokenBundle,
)
from advocacy.registry import OAUTH_NETWORKS, network_available, provider_for
from content.lib.fetch import FetchError, FetchPolicy, vet_url
from content.lib.networks import Network

logger = logging.getLogger(__name__)

# Refresh when the access token has less than this left: a post must not start with a
# token that expires mid-call.
REFRESH_MARGIN = timedelta(minutes=5)
# The beat job refreshes refreshable tokens this long before they expire, and warns
# about tokens that cannot be refreshed (LinkedIn's 60-day tokens) this long before.
PROACTIVE_REFRESH = timedelta(hours=1)
EXPIRY_WARNING = timedelta(days=7)


# Tokens ------------------------------------------------------------------------------


def connection_token(connection: SocialConnection) -> TokenBundle:
    """The connection's tokens, decrypted (workers only: never shown, never logged)."""
    return TokenBundle(
        access_token=crypto.decrypt(connection.access_token_encrypted),
        refresh_token=crypto.decrypt(connection.refresh_token_encrypted) or None,
        expires_at=connection.token_expires_at,
        refresh_expires_at=connection.refresh_expires_at,
        scopes=frozenset(connection.scopes.split()),
        extra=dict(connection.token_extra),
    )


def connection_identity(connection: SocialConnection) -> Identity:
    return Identity(
        external_user_id=connection.external_user_id,
        author_ref=connection.author_ref,
        handle=connection.handle,
        display_name=connection.display_name,
        profile_url=connection.profile_url,
    )


def _store_token(connection: SocialConnection, token: TokenBundle) -> None:
    connection.access_token_encrypted = crypto.encrypt(token.access_token)
    # A network that does not send a new refresh token on refresh keeps the old one.
    if token.refresh_token is not None:
        connection.refresh_token_encrypted = crypto.encrypt(token.refresh_token)
    connection.token_expires_at = token.expires_at
    connection.refresh_expires_at = token.refresh_expires_at
    if token.scopes:
        connection.scopes = " ".join(sorted(token.scopes))
    connection.token_extra = {key: str(value) for key, value in token.extra.items()}


# Mastodon client registrations by (organisation, instance): a row is written once and
# never changed, so each worker process reads it once.
_mastodon_clients: dict[tuple[int, str], tuple[str, str]] = {}


def provider_for_connection(connection: SocialConnection) -> SocialProvider:
    if connection.network == Network.MASTODON:
        key = (connection.organization_id, connection.instance_url)
        if key not in _mastodon_clients:
            app = ProviderApp.objects.get(
                organization=connection.organization_id, network=Network.MASTODON, instance_url=connection.instance_url
            )
            _mastodon_clients[key] = (app.client_id, crypto.decrypt(app.client_secret_encrypted))
        client_id, client_secret = _mastodon_clients[key]
        return provider_for(
            Network.MASTODON, instance_url=connection.instance_url, client_id=client_id, client_secret=client_secret
        )
    return provider_for(connection.network, instance_url=connection.instance_url)


def connection_fresh_token(
    *, connection: SocialConnection, rejected_access_token: str = "", now: datetime | None = None
) -> TokenBundle:
    """A usable token for the connection, refreshed first when it is about to expire, or
    when the network rejected `rejected_access_token` (a 401) and nobody has replaced it
    since. Raises ReauthRequired (after flagging the connection) when only the person can
    fix it, and the adapter's Transient/RateLimited errors when the network is down."""
    now = now or timezone.now()
    if not rejected_access_token and connection.status == ConnectionStatus.ACTIVE:
        token = connection_token(connection)
        if not token.expires_within(REFRESH_MARGIN, now=now):
            return token  # the common case needs no lock: nothing is written
    try:
        with transaction.atomic():
            # The lock serialises refreshes: a second worker waits here, then sees the
            # pair the first one saved and uses it instead of spending the old refresh token.
            locked = SocialConnection.objects.select_for_update().get(pk=connection.pk)
            if locked.status != ConnectionStatus.ACTIVE:
                raise ReauthRequired(locked.status_reason or "This account is no longer connected.")
            token = connection_token(locked)
            rejected = bool(rejected_access_token) and token.access_token == rejected_access_token
            if not rejected and not token.expires_within(REFRESH_MARGIN, now=now):
                return token
            if not token.refresh_token and locked.network not in (Network.MASTODON,):
                raise ReauthRequired(_expired_message(locked))
            refreshed = provider_for_connection(locked).refresh(token)
            _store_token(locked, refreshed)
            locked.last_refreshed_at = now
            locked.save(
                update_fields=[
                    "access_token_encrypted",
                    "refresh_token_encrypted",
                    "token_expires_at",
                    "refresh_expires_at",
                    "scopes",
                    "token_extra",
                    "last_refreshed_at",
                ]
            )
            connection.access_token_encrypted = locked.access_token_encrypted
            connection.token_expires_at = locked.token_expires_at
            return refreshed
    except ReauthRequired as error:
        connection_mark_needs_reconnect(connection=connection, reason=error.message or _expired_message(connection))
        raise


def _expired_message(connection: SocialConnection) -> str:
    return f"Your {connection.get_network_display()} connection has expired. Reconnect it to keep sharing."


@transaction.atomic
def connection_mark_needs_reconnect(*, connection: SocialConnection, reason: str, now: datetime | None = None) -> bool:
    """Flag the connection and tell the employee once (in the app and by email, held
    for their working hours). Returns whether this call flagged it."""
    now = now or timezone.now()
    changed = SocialConnection.objects.filter(pk=connection.pk, status=ConnectionStatus.ACTIVE).update(
        status=ConnectionStatus.NEEDS_RECONNECT, status_reason=reason[:300], reconnect_notified_at=now
    )
    if not changed:
        return False
    connection.status = ConnectionStatus.NEEDS_RECONNECT
    connection.status_reason = reason[:300]
    membership = connection.membership
    notify(
        membership=membership,
        kind=NotificationKind.SYSTEM,
        title=f"Reconnect your {connection.get_network_display()} account",
        body=f"{reason} Scheduled posts to it wait until you do.",
        url=reverse("advocacy:connection_list", kwargs={"org_slug": membership.organization.slug}),
        email=True,
        now=now,
    )
    audit_record(
        organization=connection.organization,
        action=AuditAction.SOCIAL_NEEDS_RECONNECT,
        actor_label="Chorus",
        target=connection,
        target_label=str(connection),
        note=reason[:300],
    )
    return True


# Connecting --------------------------------------------------------------------------


class ConnectError(Exception):
    """A connection could not be made; the message is for the employee."""


def instance_url_normalise(raw: str) -> str:
    """`mastodon.social`, `https://mastodon.social/` → `https://mastodon.social`. Only
    public https addresses (the instance is reached from our servers: SSRF rules apply)."""
    text = raw.strip().rstrip("/")
    if not text:
        raise ValidationError({"instance": "Enter your Mastodon server, for example mastodon.social."})
    if "://" not in text:
        text = f"https://{text}"
    parts = urlsplit(text)
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ValidationError({"instance": "Enter just the server's address, for example mastodon.social."})
    allow = frozenset(settings.ADVOCACY_INSTANCE_ALLOW_HOSTS)
    try:
        target = vet_url(
            f"{parts.scheme}://{parts.netloc}/", FetchPolicy(schemes=frozenset({"https", "http"}), allow_hosts=allow)
        )
    except FetchError as error:
        raise ValidationError({"instance": str(error)}) from error
    if target.scheme != "https" and not target.allow_listed:
        raise ValidationError({"instance": "The server must be reached over https://."})
    return f"{target.scheme}://{parts.netloc.lower()}"


def mastodon_app(*, organization: Organization, instance_url: str) -> ProviderApp:
    """The organisation's client registration on a Mastodon instance, registered on
    first use (each instance has its own OAuth clients)."""
    app = ProviderApp.objects.filter(
        organization=organization, network=Network.MASTODON, instance_url=instance_url
    ).first()
    if app is not None:
        return app
    from advocacy.providers.mastodon import register_app
    from advocacy.registry import callback_url

    try:
        client_id, client_secret = register_app(
            instance_url=instance_url,
            redirect_uri=callback_url(Network.MASTODON),
            scopes="read:statuses write:statuses write:media profile",
            client_name="Chorus",
            website=settings.SITE_URL,
        )
    except ProviderError as error:
        raise ConnectError(f"{urlsplit(instance_url).netloc} did not accept Chorus: {error.message}") from error
    app, _ = ProviderApp.objects.get_or_create(
        organization=organization,
        network=Network.MASTODON,
        instance_url=instance_url,
        defaults={"client_id": client_id, "client_secret_encrypted": crypto.encrypt(client_secret)},
    )
    return app


@dataclass(frozen=True)
class ConnectStart:
    """What the connect view keeps in the session until the network redirects back."""

    authorization: AuthorizationRequest
    network: str
    instance_url: str = ""


def connection_start(*, membership: Membership, network: str, instance_url: str = "") -> ConnectStart:
    if network not in OAUTH_NETWORKS or not network_available(network):
        raise ConnectError("This network cannot be connected here.")
    if network == Network.MASTODON:
        instance_url = instance_url_normalise(instance_url)
        app = mastodon_app(organization=membership.organization, instance_url=instance_url)
        provider = provider_for(
            Network.MASTODON,
            instance_url=instance_url,
            client_id=app.client_id,
            client_secret=crypto.decrypt(app.client_secret_encrypted),
        )
    else:
        provider = provider_for(network)
    try:
        authorization = provider.authorization_url()
    except ProviderError as error:
        raise ConnectError(error.message or "The network could not be reached. Try again in a minute.") from error
    return ConnectStart(authorization=authorization, network=network, instance_url=instance_url)


def connection_complete(
    *, membership: Membership, network: str, code: str, code_verifier: str, instance_url: str = ""
) -> SocialConnection:
    """Exchange the authorisation code and save the connection (reconnecting the same
    account updates its row, so its share history stays attached)."""
    if network == Network.MASTODON:
        app = ProviderApp.objects.get(
            organization=membership.organization, network=Network.MASTODON, instance_url=instance_url
        )
        provider = provider_for(
            Network.MASTODON,
            instance_url=instance_url,
            client_id=app.client_id,
            client_secret=crypto.decrypt(app.client_secret_encrypted),
        )
    else:
        provider = provider_for(network)
    try:
        token = provider.exchange_code(code=code, code_verifier=code_verifier)
        identity = provider.get_identity(token)
    except ProviderError as error:
        raise ConnectError(error.message or "The network refused the connection. Try again.") from error
    return _connection_save(
        membership=membership, network=network, instance_url=instance_url, token=token, identity=identity
    )


def connection_connect_bluesky(*, membership: Membership, identifier: str, app_password: str) -> SocialConnection:
    """Bluesky connects with an app password (created in Bluesky's settings), which is
    exchanged for a session at once and never stored."""
    identifier = identifier.strip().lstrip("@")
    if not identifier or not app_password.strip():
        raise ValidationError({"identifier": "Enter your Bluesky handle and an app password."})
    from advocacy.providers.bluesky import BlueskyProvider
    from advocacy.registry import provider_config

    provider = BlueskyProvider(provider_config(Network.BLUESKY))
    try:
        token, identity = provider.password_login(identifier=identifier, app_password=app_password.strip())
    except ProviderError as error:
        raise ConnectError(error.message or "Bluesky refused the sign-in.") from error
    return _connection_save(
        membership=membership,
        network=Network.BLUESKY,
        instance_url=token.extra.get("pds", "") or settings.BLUESKY_PDS_URL,
        token=token,
        identity=identity,
    )


@transaction.atomic
def _connection_save(
    *, membership: Membership, network: str, instance_url: str, token: TokenBundle, identity: Identity
) -> SocialConnection:
    connection = (
        SocialConnection.objects.select_for_update()
        .filter(
            membership=membership,
            network=network,
            instance_url=instance_url,
            external_user_id=identity.external_user_id,
        )
        .first()
    )
    if connection is None:
        connection = SocialConnection(
            organization=membership.organization,
            membership=membership,
            network=network,
            instance_url=instance_url,
            external_user_id=identity.external_user_id,
        )
    connection.author_ref = identity.author_ref
    connection.handle = identity.handle[:200]
    connection.display_name = identity.display_name[:200]
    connection.profile_url = identity.profile_url[:500]
    _store_token(connection, token)
    connection.status = ConnectionStatus.ACTIVE
    connection.status_reason = ""
    connection.paused_until = None
    connection.connected_at = timezone.now()
    connection.reconnect_notified_at = None
    connection.expiry_warned_at = None
    connection.save()
    # Posts that waited for this account to be reconnected go out now.
    waiting = list(
        Share.objects.filter(connection=connection, state=ShareState.NEEDS_RECONNECT).values_list("pk", flat=True)
    )
    if waiting:
        from advocacy.services.posting import shares_requeue

        shares_requeue(organization=membership.organization, share_ids=waiting)
    audit_record(
        organization=membership.organization,
        action=AuditAction.SOCIAL_CONNECTED,
        actor=membership,
        target=connection,
        target_label=str(connection),
    )
    return connection


def connection_disconnect(*, connection: SocialConnection, actor: Membership) -> None:
    """Forget the tokens (revoking them at the network when it offers that) and cancel the
    posts still waiting for this account. The row stays, so past shares keep their account."""
    token = connection_token(connection) if connection.access_token_encrypted else None
    with transaction.atomic():
        locked = SocialConnection.objects.select_for_update().get(pk=connection.pk)
        locked.status = ConnectionStatus.DISCONNECTED
        locked.status_reason = "Disconnected by you."
        locked.access_token_encrypted = ""
        locked.refresh_token_encrypted = ""
        locked.save(update_fields=["status", "status_reason", "access_token_encrypted", "refresh_token_encrypted"])
        Share.objects.filter(connection=locked, state__in=OPEN_STATES - {ShareState.POSTING}).update(
            state=ShareState.CANCELLED, last_error="The account was disconnected.", error_action=""
        )
        audit_record(
            organization=connection.organization,
            action=AuditAction.SOCIAL_DISCONNECTED,
            actor=actor,
            target=locked,
            target_label=str(locked),
        )
    connection.status = ConnectionStatus.DISCONNECTED
    if token is not None:
        # After the commit: the tokens are gone from our side whatever the network says.
        try:
            provider_for_connection(connection).revoke(token)
        except (ProviderError, ProviderApp.DoesNotExist, NotImplementedError):
            logger.info("Revoking the tokens of connection %s at the network failed", connection.pk)


# The beat job: refresh ahead, warn ahead -------------------------------------------


@dataclass(frozen=True)
class RefreshReport:
    refreshed: int = 0
    flagged: int = 0
    warned: int = 0
    failed: int = 0


def connections_refresh_due(*, organization: Organization, now: datetime | None = None) -> RefreshReport:
    """Refresh tokens that expire within the hour; warn, once, the people whose tokens
    cannot be refreshed (LinkedIn self-serve: 60 days) a week before they expire."""
    now = now or timezone.now()
    refreshed = flagged = warned = failed = 0
    due = SocialConnection.objects.filter(
        organization=organization,
        status=ConnectionStatus.ACTIVE,
        token_expires_at__isnull=False,
        token_expires_at__lte=now + EXPIRY_WARNING,
    ).select_related("membership__organization", "organization")
    for connection in due:
        has_refresh = bool(connection.refresh_token_encrypted)
        if has_refresh:
            if connection.token_expires_at and connection.token_expires_at > now + PROACTIVE_REFRESH:
                continue
            try:
                connection_fresh_token(
                    connection=connection, rejected_access_token=_current_access(connection), now=now
                )
                refreshed += 1
            except ReauthRequired:
                flagged += 1
            except ProviderError:
                failed += 1  # the network is down: the next run tries again
            continue
        if connection.token_expires_at and connection.token_expires_at <= now:
            if connection_mark_needs_reconnect(connection=connection, reason=_expired_message(connection), now=now):
                flagged += 1
        elif connection.expiry_warned_at is None and _warn_expiring(connection, now):
            warned += 1
    return RefreshReport(refreshed=refreshed, flagged=flagged, warned=warned, failed=failed)


def _current_access(connection: SocialConnection) -> str:
    # Passing the current token as "rejected" forces the refresh under the lock, unless
    # another worker refreshed it meanwhile.
    return crypto.decrypt(connection.access_token_encrypted)


@transaction.atomic
def _warn_expiring(connection: SocialConnection, now: datetime) -> bool:
    if not SocialConnection.objects.filter(pk=connection.pk, expiry_warned_at__isnull=True).update(
        expiry_warned_at=now
    ):
        return False
    membership = connection.membership
    expires = timezone.localtime(connection.token_expires_at).strftime("%-d %B")
    notify(
        membership=membership,
        kind=NotificationKind.SYSTEM,
        title=f"Your {connection.get_network_display()} connection expires on {expires}",
        body="Reconnect it before then so your scheduled posts go out.",
        url=reverse("advocacy:connection_list", kwargs={"org_slug": membership.organization.slug}),
        email=True,
        now=now,
    )
    return True
