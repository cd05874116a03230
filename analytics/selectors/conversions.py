"""Reads of conversions: the period's list for drill-down (share → member → item →
network) and its summary (by kind, attributed or not, by network, per day).

A period is whole days on the organisation's calendar: a conversion belongs to the day
its `occurred_at` falls on in the organisation's time zone. A people, topic or network
segment keeps only attributed conversions (an unattributed one has no member, item or
network to belong to); the whole organisation counts both.
"""

from __future__ import annotations

import zoneinfo
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from accounts.models import Organization
from analytics.lib.periods import Period
from analytics.models import AnalyticsSettings, Conversion, ConversionKind
from analytics.selectors.segments import Segment, membership_filter


def organization_zone(organization: Organization) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(organization.timezone or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def organization_today(organization: Organization, *, now: datetime | None = None) -> date:
    """Today's date on the organisation's clock."""
    return (now or timezone.now()).astimezone(organization_zone(organization)).date()


def organization_currency(*, organization: Organization) -> str:
    found = AnalyticsSettings.objects.filter(organization=organization).values_list("currency", flat=True).first()
    return found or AnalyticsSettings._meta.get_field("currency").get_default()


def period_bounds(*, organization: Organization, period: Period) -> tuple[datetime, datetime]:
    """[from, until) of `period` as aware datetimes: its first day's midnight to the
    midnight after its last day, on the organisation's clock."""
    zone = organization_zone(organization)
    return (
        datetime.combine(period.start, time.min, tzinfo=zone),
        datetime.combine(period.end + timedelta(days=1), time.min, tzinfo=zone),
    )


def conversions_for(
    *,
    organization: Organization,
    period: Period | None,
    segment: Segment | None = None,
    kind: str | None = None,
    attributed: bool | None = None,
) -> QuerySet[Conversion]:
    """The organisation's conversions of `period` (all of them when None), newest first,
    narrowed to a segment, a kind and attributed (True), unattributed (False) or both."""
    conversions = Conversion.objects.filter(organization=organization)
    if period is not None:
        begin, until = period_bounds(organization=organization, period=period)
        conversions = conversions.filter(occurred_at__gte=begin, occurred_at__lt=until)
    if segment is not None:
        # An item has a topic once, so the topic join cannot repeat a conversion.
        conversions = conversions.filter(membership_filter(organization=organization, segment=segment))
    if kind:
        conversions = conversions.filter(kind=kind)
    if attributed is True:
        conversions = conversions.filter(share__isnull=False)
    elif attributed is False:
        conversions = conversions.filter(share__isnull=True)
    return conversions.select_related("membership__user", "item", "share").order_by("-occurred_at", "-pk")


def conversion_days(
    *, organization: Organization, conversions: QuerySet[Conversion]
) -> list[tuple[date, int, Decimal | None]]:
    """(day on the organisation's calendar, count, summed value) per day with conversions."""
    rows = (
        conversions.order_by()
        .annotate(day=TruncDate("occurred_at", tzinfo=organization_zone(organization)))
        .values("day")
        .annotate(count=Count("pk"), total=Sum("value"))
        .order_by("day")
    )
    return [(row["day"], row["count"], row["total"]) for row in rows]


@dataclass(frozen=True)
class KindFigure:
    kind: str
    label: str
    count: int
    value: Decimal


@dataclass(frozen=True)
class NetworkFigure:
    network: str
    count: int
    value: Decimal


@dataclass(frozen=True)
class ConversionSummary:
    count: int
    value: Decimal  # in `currency`; values in other currencies are left out (`other_currency_count`)
    currency: str
    attributed_count: int
    attributed_value: Decimal
    unattributed_count: int
    unattributed_value: Decimal
    other_currency_count: int
    by_kind: list[KindFigure] = field(default_factory=list)
    by_network: list[NetworkFigure] = field(default_factory=list)
    series: list[tuple[date, int, int]] = field(default_factory=list)  # (day, attributed, unattributed)

    @property
    def attributed_percent(self) -> int | None:
        return round(self.attributed_count * 100 / self.count) if self.count else None


def conversions_summary(
    *, organization: Organization, period: Period, segment: Segment | None = None
) -> ConversionSummary:
    """Counts and values of the period's conversions: in total, by kind, attributed or
    not, by network (attributed only), and per day for a chart."""
    currency = organization_currency(organization=organization)
    conversions = conversions_for(organization=organization, period=period, segment=segment).order_by()
    in_currency = Q(currency__in=["", currency])
    attributed = Q(share__isnull=False)
    totals: dict[str, Any] = conversions.aggregate(
        count=Count("pk"),
        value_total=Sum("value", filter=in_currency),
        attributed_count=Count("pk", filter=attributed),
        attributed_value_total=Sum("value", filter=attributed & in_currency),
        other_currency=Count("pk", filter=~in_currency & Q(value__isnull=False)),
    )
    labels = dict(ConversionKind.choices)
    by_kind = [
        KindFigure(
            kind=row["kind"], label=labels.get(row["kind"], row["kind"]), count=row["n"], value=row["v"] or Decimal(0)
        )
        for row in conversions.values("kind")
        .annotate(n=Count("pk"), v=Sum("value", filter=in_currency))
        .order_by("-n", "kind")
    ]
    by_network = [
        NetworkFigure(network=row["network"], count=row["n"], value=row["v"] or Decimal(0))
        for row in conversions.filter(attributed)
        .values("network")
        .annotate(n=Count("pk"), v=Sum("value", filter=in_currency))
        .order_by("-n", "network")
    ]
    per_day: dict[date, list[int]] = defaultdict(lambda: [0, 0])
    zone = organization_zone(organization)
    for row in (
        conversions.annotate(day=TruncDate("occurred_at", tzinfo=zone))
        .values("day")
        .annotate(a=Count("pk", filter=attributed), u=Count("pk", filter=~attributed))
    ):
        per_day[row["day"]] = [row["a"], row["u"]]
    value = totals["value_total"] or Decimal(0)
    attributed_value = totals["attributed_value_total"] or Decimal(0)
    return ConversionSummary(
        count=totals["count"],
        value=value,
        currency=currency,
        attributed_count=totals["attributed_count"],
        attributed_value=attributed_value,
        unattributed_count=totals["count"] - totals["attributed_count"],
        unattributed_value=value - attributed_value,
        other_currency_count=totals["other_currency"],
        by_kind=by_kind,
        by_network=by_network,
        series=[(day, *per_day.get(day, [0, 0])) for day in period.dates()],  # type: ignore[misc]
    )


def conversion_get(*, organization: Organization, public_id: Any) -> Conversion | None:
    return (
        Conversion.objects.filter(organization=organization, public_id=public_id)
        .select_related("membership__user", "item", "share")
        .first()
    )
