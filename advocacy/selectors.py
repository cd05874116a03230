"""Advocacy's reads: an employee's connections and shares, the composer's context, the
managers' connection-health list, and the simple stats an employee sees."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from accounts.lib.availability import Availability
from accounts.models import Membership, Organization
from accounts.services.notifications import member_availability
from advocacy.lib import guardrails
from advocacy.models import (
    AdvocacySettings,
    ConnectionStatus,
    Share,
    ShareState,
    SocialConnection,
    TrackedLink,
)
from advocacy.registry import CONNECTABLE, network_available
from content.lib.networks import Network


def _get(queryset: QuerySet, public_id: object) -> object:  # type: ignore[type-arg]
    """One row by public id; 404 for a malformed id and for another organisation's row alike."""
    try:
        row = queryset.filter(public_id=public_id).first()
    except (ValueError, TypeError):
        row = None
    if row is None:
        raise Http404("No such object.")
    return row


def connections_of(*, membership: Membership, usable_only: bool = False) -> QuerySet[SocialConnection]:
    queryset = SocialConnection.objects.filter(organization=membership.organization, membership=membership).exclude(
        status=ConnectionStatus.DISCONNECTED
    )
    if usable_only:
        queryset = queryset.filter(status=ConnectionStatus.ACTIVE)
    return queryset.order_by("network", "handle")


def connection_of(*, membership: Membership, public_id: object) -> SocialConnection:
    """The member's own connection (404 for a colleague's or another organisation's)."""
    queryset = SocialConnection.objects.filter(organization=membership.organization, membership=membership)
    return _get(queryset, public_id)  # type: ignore[return-value]


@dataclass(frozen=True)
class NetworkOffer:
    network: str
    label: str
    available: bool
    connections: list[SocialConnection]


def network_offers(*, membership: Membership) -> list[NetworkOffer]:
    connected: dict[str, list[SocialConnection]] = {}
    for connection in connections_of(membership=membership):
        connected.setdefault(connection.network, []).append(connection)
    return [
        NetworkOffer(
            network=network.value,
            label=network.label,
            available=network_available(network),
            connections=connected.get(network.value, []),
        )
        for network in CONNECTABLE
    ]


def shares_of(*, membership: Membership, state: str = "") -> QuerySet[Share]:
    queryset = (
        Share.objects.filter(organization=membership.organization, membership=membership)
        .select_related("connection", "item", "tracked_link")
        .order_by("-created_at", "-pk")
    )
    if state == "open":
        queryset = queryset.filter(
            state__in=[
                ShareState.SCHEDULED,
                ShareState.QUEUED,
                ShareState.POSTING,
                ShareState.RETRY_WAIT,
                ShareState.NEEDS_RECONCILE,
            ]
        )
    elif state == "problems":
        queryset = queryset.filter(state__in=[ShareState.FAILED, ShareState.NEEDS_RECONNECT])
    elif state in ShareState.values:
        queryset = queryset.filter(state=state)
    return queryset


def share_of(*, membership: Membership, public_id: object) -> Share:
    queryset = Share.objects.filter(organization=membership.organization, membership=membership).select_related(
        "connection", "item", "tracked_link"
    )
    return _get(queryset, public_id)  # type: ignore[return-value]


@dataclass(frozen=True)
class MemberStats:
    shares_posted: int
    shares_30_days: int
    clicks: int
    unique_clicks: int
    scheduled: int
    problems: int


def member_stats(*, membership: Membership, now: datetime | None = None) -> MemberStats:
    now = now or timezone.now()
    shares = Share.objects.filter(organization=membership.organization, membership=membership)
    counts = shares.aggregate(
        posted=Count("pk", filter=Q(state=ShareState.POSTED)),
        recent=Count("pk", filter=Q(state=ShareState.POSTED, posted_at__gte=now - timedelta(days=30))),
        scheduled=Count("pk", filter=Q(state=ShareState.SCHEDULED)),
        problems=Count("pk", filter=Q(state__in=[ShareState.FAILED, ShareState.NEEDS_RECONNECT])),
    )
    clicks = TrackedLink.objects.filter(organization=membership.organization, share__membership=membership).aggregate(
        clicks=Sum("clicks"), unique=Sum("unique_clicks")
    )
    return MemberStats(
        shares_posted=counts["posted"],
        shares_30_days=counts["recent"],
        clicks=clicks["clicks"] or 0,
        unique_clicks=clicks["unique"] or 0,
        scheduled=counts["scheduled"],
        problems=counts["problems"],
    )


def member_availability_for_sharing(
    membership: Membership, rules: AdvocacySettings
) -> tuple[Availability, time | None, time | None]:
    """The member's own rules, and the organisation's quiet hours on top."""
    return member_availability(membership), rules.quiet_hours_start, rules.quiet_hours_end


def best_time_for(
    *, membership: Membership, network: str, rules: AdvocacySettings, now: datetime
) -> guardrails.BestTime:
    """The suggested moment from the member's own past results on that network."""
    history = [
        (posted_at, float(clicks or 0))
        for posted_at, clicks in Share.objects.filter(
            organization=membership.organization,
            membership=membership,
            network=network,
            state=ShareState.POSTED,
            posted_at__isnull=False,
        )
        .order_by("-posted_at")
        .values_list("posted_at", "tracked_link__clicks")[:200]
    ]
    availability, quiet_start, quiet_end = member_availability_for_sharing(membership, rules)
    return guardrails.best_time(
        now=now,
        availability=availability,
        quiet_start=quiet_start,
        quiet_end=quiet_end,
        history=history,
        network=network,
    )


# Managers: connection health -------------------------------------------------------------


@dataclass(frozen=True)
class HealthRow:
    connection: SocialConnection
    problem: str  # "needs_reconnect", "expired", "expiring", "paused"
    detail: str


def connection_health(*, organization: Organization, now: datetime | None = None) -> list[HealthRow]:
    """Accounts that need attention: revoked or failing, expired, expiring within 7 days,
    paused by a rate limit. Healthy accounts are counted, not listed."""
    now = now or timezone.now()
    soon = now + timedelta(days=7)
    rows = (
        SocialConnection.objects.filter(organization=organization)
        .exclude(status=ConnectionStatus.DISCONNECTED)
        .filter(
            Q(status=ConnectionStatus.NEEDS_RECONNECT)
            | Q(token_expires_at__lte=soon, refresh_token_encrypted="")
            | Q(paused_until__gt=now)
        )
        .select_related("membership__user")
        .order_by("status", "token_expires_at")
    )
    result = []
    for connection in rows:
        if connection.status == ConnectionStatus.NEEDS_RECONNECT:
            result.append(HealthRow(connection, "needs_reconnect", connection.status_reason or "Revoked or refused."))
        elif connection.token_expires_at and connection.token_expires_at <= now:
            result.append(HealthRow(connection, "expired", "The token has expired."))
        elif (
            connection.token_expires_at
            and connection.token_expires_at <= soon
            and not connection.refresh_token_encrypted
        ):
            days = max((connection.token_expires_at - now).days, 0)
            result.append(HealthRow(connection, "expiring", f"Expires in {days} day{'s' if days != 1 else ''}."))
        elif connection.paused_until and connection.paused_until > now:
            result.append(HealthRow(connection, "paused", "Paused by the network's rate limit."))
    return result


def connection_health_counts(*, organization: Organization) -> dict[str, int]:
    counts = (
        SocialConnection.objects.filter(organization=organization)
        .exclude(status=ConnectionStatus.DISCONNECTED)
        .values_list("network")
        .annotate(n=Count("pk"))
    )
    return {Network(network).label: n for network, n in counts}


def mix_for(*, membership: Membership, now: datetime | None = None) -> guardrails.MixStatus:
    from advocacy.services.shares import advocacy_settings_get, member_mix

    now = now or timezone.now()
    brand, personal = member_mix(membership, now)
    rules = advocacy_settings_get(organization=membership.organization)
    return guardrails.content_mix(brand=brand, personal=personal, threshold_percent=rules.brand_mix_percent)
