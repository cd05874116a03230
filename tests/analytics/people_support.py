"""Helpers of the people tests: posted shares, day rollups and conversions as rows, built
directly (the rollup pipeline has its own tests), and the report period."""

from __future__ import annotations

import itertools
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership, Role
from accounts.tenancy import scopes_disabled
from advocacy.models import Share, ShareState, SocialConnection
from analytics.lib.periods import Period
from analytics.models import AnalyticsSettings, Conversion, MemberDay, OrgDay, ShareMetrics
from tests.conftest import Tenant
from tests.factories import MembershipFactory

_events = itertools.count(1)


def today() -> date:
    return timezone.localdate()


def last_30_days() -> Period:
    return Period(start=today() - timedelta(days=29), end=today(), code="30d")


def url(name: str, tenant: Tenant, **kwargs: object) -> str:
    return reverse(name, kwargs={"org_slug": tenant.organization.slug, **kwargs})


def member(tenant: Tenant, name: str, *, role: str = Role.EMPLOYEE, department: str = "Engineering") -> Membership:
    return MembershipFactory(organization=tenant.organization, role=role, department=department, user__full_name=name)


def _connection(membership: Membership, network: str) -> SocialConnection:
    with scopes_disabled():  # test data, built outside any request like the fixtures
        found = SocialConnection.objects.filter(
            organization=membership.organization_id, membership=membership, network=network
        ).first()
        return found or SocialConnection.objects.create(
            organization_id=membership.organization_id,
            membership=membership,
            network=network,
            external_user_id=f"{membership.pk}-{network}",
            author_ref=f"{membership.pk}-{network}",
            handle=f"handle-{membership.pk}",
        )


def posted_share(
    membership: Membership,
    *,
    network: str = "linkedin",
    days_ago: int = 1,
    originality: float | None = 0.8,
    text: str = "My own words about our launch",
    reach: int | None = None,
    clicks: int = 0,
) -> Share:
    """A posted share, with its latest totals when `reach` or `clicks` is given."""
    posted_at = timezone.now() - timedelta(days=days_ago)
    share = Share.objects.create(
        organization_id=membership.organization_id,
        membership=membership,
        connection=_connection(membership, network),
        network=network,
        text=text,
        body=text,
        originality=originality,
        state=ShareState.POSTED,
        posted_at=posted_at,
        scheduled_for=posted_at,
    )
    if reach is not None or clicks:
        ShareMetrics.objects.create(
            organization_id=membership.organization_id,
            share=share,
            membership=membership,
            network=network,
            posted_at=posted_at,
            captured_at=timezone.now(),
            reach=reach,
            impressions=reach,
            clicks=clicks,
        )
    return share


def gains(
    membership: Membership,
    *,
    days_ago: int = 1,
    network: str = "linkedin",
    shares: int = 0,
    clicks: int = 0,
    reach: int | None = None,
    impressions: int | None = None,
    reactions: int | None = None,
) -> None:
    """What `membership` gained on one day: their MemberDay row and the organisation's OrgDay."""
    day = today() - timedelta(days=days_ago)
    figures = {
        "shares_posted": shares,
        "clicks": clicks,
        "unique_clicks": clicks,
        "reach": reach,
        "impressions": impressions,
        "reactions": reactions,
    }
    MemberDay.objects.create(
        organization_id=membership.organization_id, membership=membership, day=day, network=network, **figures
    )
    with scopes_disabled():  # test data, built outside any request like the fixtures
        org_day = OrgDay.objects.filter(organization=membership.organization_id, day=day, network=network).first()
    if org_day is None:
        OrgDay.objects.create(organization_id=membership.organization_id, day=day, network=network, **figures)
        return
    for name, value in figures.items():
        current = getattr(org_day, name)
        if value is not None:
            setattr(org_day, name, (current or 0) + value)
    org_day.save()


def sharing(
    membership: Membership,
    *,
    shares: int,
    clicks: int = 0,
    reach: int | None = None,
    network: str = "linkedin",
    originality: float | None = 0.8,
    days_ago: int = 1,
) -> list[Share]:
    """`shares` posted shares on one day, with the day's gains."""
    made = [
        posted_share(membership, network=network, days_ago=days_ago, originality=originality) for _ in range(shares)
    ]
    gains(membership, days_ago=days_ago, network=network, shares=shares, clicks=clicks, reach=reach)
    return made


def conversion(
    membership: Membership | None,
    *,
    kind: str = "lead",
    value: Decimal | int | None = None,
    share: Share | None = None,
    network: str = "linkedin",
    days_ago: int = 1,
) -> Conversion:
    occurred_at = datetime.combine(
        today() - timedelta(days=days_ago), time(12, 0), tzinfo=timezone.get_current_timezone()
    )
    organization_id = membership.organization_id if membership else share.organization_id  # type: ignore[union-attr]
    return Conversion.objects.create(
        organization_id=organization_id,
        event_id=f"event-{next(_events)}",
        kind=kind,
        value=Decimal(value) if value is not None else None,
        currency="EUR" if value is not None else "",
        occurred_at=occurred_at,
        source="api",
        membership=membership,
        share=share,
        network=network if membership else "",
        attribution_model="last_touch" if membership else "",
    )


def turn_recognition(tenant: Tenant, *, on: bool) -> None:
    with scopes_disabled():  # test data, built outside any request like the fixtures
        AnalyticsSettings.objects.update_or_create(
            organization=tenant.organization, defaults={"recognition_enabled": on}
        )
