"""Helpers of the report tests: day rollups, share totals, conversions, goals and KPIs
written as rows (what ingestion and attribution would have produced), and urls.

Everything is built with scopes disabled, like the shared fixtures; test bodies then
go through the views, the API or the selectors inside a scope."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.urls import reverse

from accounts.models import Membership, Organization
from accounts.tenancy import scopes_disabled
from advocacy.models import Share, ShareState, SocialConnection
from analytics.lib.periods import Period
from analytics.models import (
    Conversion,
    Goal,
    ItemDay,
    Kpi,
    KpiMeasure,
    KpiValue,
    MemberDay,
    NetworkRate,
    OrgDay,
    ShareMetrics,
)
from content.models import ContentItem
from tests.conftest import Tenant

TODAY = date(2026, 3, 31)
NOW = datetime.combine(TODAY, time(12, 0), tzinfo=UTC)
LAST_30 = Period(start=TODAY - timedelta(days=29), end=TODAY, code="30d")
_events = itertools.count(1)


def url(name: str, tenant: Tenant, **kwargs: object) -> str:
    return reverse(name, kwargs={"org_slug": tenant.organization.slug, **kwargs})


def connection_for(membership: Membership, network: str = "linkedin") -> SocialConnection:
    with scopes_disabled():  # test data
        found = SocialConnection.objects.filter(
            organization=membership.organization, membership=membership, network=network
        ).first()
        return found or SocialConnection.objects.create(
            organization=membership.organization,
            membership=membership,
            network=network,
            external_user_id=f"{membership.public_id}-{network}",
            author_ref=f"{membership.public_id}-{network}",
            handle=f"handle-{membership.pk}",
            display_name=f"Account {membership.pk}",
        )


def posted_share(
    membership: Membership,
    item: ContentItem | None,
    *,
    network: str = "linkedin",
    posted_on: date = TODAY,
    impressions: int | None = 100,
    reactions: int | None = 10,
    clicks: int = 5,
    unique_clicks: int | None = None,
) -> Share:
    """A posted share with its latest totals (ShareMetrics)."""
    posted_at = datetime.combine(posted_on, time(9, 0), tzinfo=UTC)
    with scopes_disabled():  # test data
        share = Share.objects.create(
            organization=membership.organization,
            membership=membership,
            connection=connection_for(membership, network),
            network=network,
            item=item,
            text="Proud of this",
            body="Proud of this https://chorus.example/s/x",
            state=ShareState.POSTED,
            posted_at=posted_at,
        )
        ShareMetrics.objects.create(
            organization=membership.organization,
            share=share,
            membership=membership,
            item=item,
            network=network,
            posted_at=posted_at,
            impressions=impressions,
            reactions=reactions,
            clicks=clicks,
            unique_clicks=clicks if unique_clicks is None else unique_clicks,
        )
    return share


def day_rollups(
    membership: Membership,
    item: ContentItem,
    *,
    day: date = TODAY,
    network: str = "linkedin",
    shares_posted: int = 1,
    impressions: int | None = 100,
    reach: int | None = None,
    reactions: int | None = 10,
    comments: int | None = 2,
    reshares: int | None = 1,
    clicks: int = 5,
    unique_clicks: int | None = None,
) -> None:
    """What one member gained on `day` through one item, added to the member's, the
    item's and the organisation's day rows (as ingestion would)."""
    gains: dict[str, Any] = {
        "impressions": impressions,
        "reach": reach,
        "reactions": reactions,
        "comments": comments,
        "reshares": reshares,
        "shares_posted": shares_posted,
        "clicks": clicks,
        "unique_clicks": clicks if unique_clicks is None else unique_clicks,
    }
    organization = membership.organization
    with scopes_disabled():  # test data
        for model, keys in (
            (MemberDay, {"membership": membership}),
            (ItemDay, {"item": item}),
            (OrgDay, {}),
        ):
            row, _ = model.objects.get_or_create(
                organization=organization, day=day, network=network, **keys, defaults={}
            )
            for name, gain in gains.items():
                if gain is None:
                    continue
                setattr(row, name, (getattr(row, name) or 0) + gain)
            row.save()


def conversion(
    organization: Organization,
    *,
    kind: str = "lead",
    value: Decimal | int | None = None,
    on: date = TODAY,
    share: Share | None = None,
    currency: str = "",
    label: str = "",
) -> Conversion:
    """A conversion, attributed to `share` (its member, item and network) when given."""
    with scopes_disabled():  # test data
        return Conversion.objects.create(
            organization=organization,
            event_id=f"event-{next(_events)}",
            kind=kind,
            label=label,
            value=None if value is None else Decimal(value),
            currency=currency,
            occurred_at=datetime.combine(on, time(15, 0), tzinfo=UTC),
            source="api",
            share=share,
            membership=share.membership if share else None,
            item=share.item if share else None,
            network=share.network if share else "",
            attribution_model="last_touch" if share else "",
            clicked_at=datetime.combine(on, time(14, 0), tzinfo=UTC) if share else None,
        )


def goal_with_kpi(
    organization: Organization,
    *,
    name: str = "Grow the pipeline",
    kpi_name: str = "Qualified leads",
    target: int = 40,
    measure: str = KpiMeasure.CONVERSION_COUNT,
    kind: str = "lead",
    unit: str = "leads",
    period: str = "month",
) -> Kpi:
    with scopes_disabled():  # test data
        goal = Goal.objects.create(organization=organization, name=name)
        return Kpi.objects.create(
            organization=organization,
            goal=goal,
            name=kpi_name,
            unit=unit,
            target=Decimal(target),
            period=period,
            measure=measure,
            conversion_kind=kind if measure != KpiMeasure.VALUES else "",
        )


def kpi_value(kpi: Kpi, value: int, *, on: date = TODAY, source: str = "csv") -> KpiValue:
    with scopes_disabled():  # test data
        return KpiValue.objects.create(
            organization=kpi.organization, kpi=kpi, on_date=on, value=Decimal(value), source=source
        )


def cpm(organization: Organization, network: str, value: str) -> None:
    with scopes_disabled():  # test data
        NetworkRate.objects.create(organization=organization, network=network, cpm=Decimal(value))
