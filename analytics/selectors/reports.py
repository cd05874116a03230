"""The executive dashboard and its drill-down: outcomes first (goals and KPI progress,
conversions, earned media value), then reach, engagement, clicks, shares posted and
participation, each against the previous period of the same length, with a trend.

Every figure comes from day rollups (`OrgDay`, `MemberDay`, `ItemDay`, through
`segments.rollup_rows`) and from conversions, never from the snapshot log, in a fixed
number of queries: one per rollup question (totals by network for both periods at
once, the trend per day, participation, the top tables), whatever the number of days,
members or items. KPIs add the queries of their own progress.

Unknown is not zero: a counter none of a period's rows reported stays None (shown as
"unknown", never 0), the networks that did not report impressions are named, and the
earned media value then says it is a lower bound.
"""

from __future__ import annotations

import zoneinfo
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from accounts.models import Membership, MembershipStatus, Organization
from accounts.models.onboarding import PolicyAcknowledgement, QuizAttempt, TrainingModule
from accounts.selectors.onboarding import current_policy
from analytics.lib.emv import EmvResult, NetworkTotals, earned_media_value
from analytics.lib.periods import DEFAULT_PERIOD, Period, period_from_code
from analytics.models import Conversion, ConversionKind, ItemDay, Kpi, KpiMeasure, KpiValue, MemberDay, ShareMetrics
from analytics.selectors.conversions import (
    ConversionSummary,
    KindFigure,
    NetworkFigure,
    conversions_for,
    organization_zone,
    period_bounds,
)
from analytics.selectors.goals import WEEKLY_SERIES_AFTER_DAYS, GoalProgress, KpiProgress, emv_rates, goals_progress
from analytics.selectors.goals import kpi_progress as goal_kpi_progress
from analytics.selectors.segments import Segment, membership_filter, rollup_rows, segment_members
from content.lib.networks import Network
from content.models import ContentItem

TOP_ROWS = 10  # rows of a top table on the dashboard; the CSV has up to EXPORT_ROWS
EXPORT_ROWS = 1000
HUNDRED = Decimal(100)
ROLLUP_SUMS = ("impressions", "reach", "reactions", "comments", "reshares", "shares_posted", "clicks", "unique_clicks")
# Counters a network may not report (NULL = unknown); shares, clicks are always counted.
NULLABLE = frozenset({"impressions", "reach", "reactions", "comments", "reshares"})
OUTCOME_KINDS = (ConversionKind.LEAD, ConversionKind.HIRE, ConversionKind.APPLICATION, ConversionKind.PURCHASE)


def organization_today(organization: Organization, *, now: datetime | None = None) -> date:
    """Today on the organisation's calendar: periods are whole days of its clock."""
    try:
        zone = zoneinfo.ZoneInfo(organization.timezone or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("UTC")
    return (now or timezone.now()).astimezone(zone).date()


def report_period(
    *, organization: Organization, code: str = DEFAULT_PERIOD, start: date | None = None, end: date | None = None
) -> Period:
    """The period a report's query string names, as of the organisation's today.
    Raises PeriodError with a sentence for the person."""
    return period_from_code(code or DEFAULT_PERIOD, today=organization_today(organization), start=start, end=end)


# Figures -------------------------------------------------------------------------------


Number = int | Decimal


@dataclass(frozen=True)
class Figure:
    """One headline number and the same number for the previous period. `value` None
    means unknown (no row of the period reported it), never zero."""

    key: str
    label: str
    value: Number | None
    previous: Number | None
    unit: str = ""
    note: str = ""

    @property
    def known(self) -> bool:
        return self.value is not None

    @property
    def change_percent(self) -> Decimal | None:
        """The change against the previous period, in percent (None when either is
        unknown or the previous is zero: a change from nothing has no percentage)."""
        if self.value is None or self.previous is None or not self.previous:
            return None
        return ((Decimal(self.value) - Decimal(self.previous)) * HUNDRED / Decimal(self.previous)).quantize(
            Decimal("0.1")
        )

    @property
    def direction(self) -> str:
        if self.value is None or self.previous is None:
            return "unknown"
        if self.value > self.previous:
            return "up"
        return "down" if self.value < self.previous else "flat"


@dataclass(frozen=True)
class NetworkRow:
    network: str
    label: str
    shares_posted: int
    impressions: int | None
    impressions_complete: bool
    reach: int | None
    reactions: int | None
    comments: int | None
    reshares: int | None
    clicks: int
    unique_clicks: int
    emv: Decimal


@dataclass(frozen=True)
class TrendPoint:
    """One day (or, for long periods, one week starting on `start`) of the trend."""

    start: date
    shares_posted: int
    impressions: int | None
    reactions: int | None
    comments: int | None
    reshares: int | None
    clicks: int
    unique_clicks: int
    conversions_attributed: int
    conversions_unattributed: int

    @property
    def engagement(self) -> int | None:
        known = [v for v in (self.reactions, self.comments, self.reshares) if v is not None]
        return sum(known) if known else None


@dataclass(frozen=True)
class Participation:
    """Members with a posted share in the period over certified members (the segment's)."""

    active_sharers: int
    previous_active_sharers: int
    certified_members: int

    @staticmethod
    def _percent(part: int, whole: int) -> Decimal | None:
        return (Decimal(part) * HUNDRED / Decimal(whole)).quantize(Decimal("0.1")) if whole else None

    @property
    def percent(self) -> Decimal | None:
        return self._percent(self.active_sharers, self.certified_members)

    @property
    def previous_percent(self) -> Decimal | None:
        return self._percent(self.previous_active_sharers, self.certified_members)

    @property
    def figure(self) -> Figure:
        return Figure(
            "participation",
            "Participation",
            self.percent,
            self.previous_percent,
            unit="%",
            note=f"{self.active_sharers} of {self.certified_members} certified members posted a share",
        )


@dataclass(frozen=True)
class ContentRow:
    item_id: str
    title: str
    shares_posted: int
    impressions: int | None
    reactions: int | None
    clicks: int
    unique_clicks: int
    conversions: int
    conversion_value: Decimal


@dataclass(frozen=True)
class PersonRow:
    member_id: str
    name: str
    department: str
    location: str
    shares_posted: int
    impressions: int | None
    reactions: int | None
    clicks: int
    unique_clicks: int
    conversions: int
    conversion_value: Decimal


@dataclass(frozen=True)
class Dashboard:
    organization: Organization
    period: Period
    previous_period: Period
    segment: Segment | None
    grain: str  # "day" or "week"
    currency: str
    goals: list[GoalProgress]
    conversions: ConversionSummary
    previous_conversions: ConversionSummary
    outcomes: list[Figure]
    emv: EmvResult
    previous_emv: EmvResult
    reach: list[Figure]
    engagement: list[Figure]
    activity: list[Figure]  # clicks, unique clicks, shares posted
    participation: Participation
    networks: list[NetworkRow]
    trend: list[TrendPoint]
    top_content: list[ContentRow]
    top_people: list[PersonRow]
    top_note: str = ""

    @property
    def kpis(self) -> list[KpiProgress]:
        return [progress for goal in self.goals for progress in goal.kpis]

    @property
    def unknown_impressions(self) -> tuple[str, ...]:
        """Labels of the networks whose impressions are (partly) unknown in the period."""
        return tuple(row.label for row in self.networks if not row.impressions_complete)

    @property
    def has_shares(self) -> bool:
        return any(row.shares_posted for row in self.networks)

    @property
    def has_activity(self) -> bool:
        return self.has_shares or any(row.clicks for row in self.networks) or bool(self.conversions.count)


# Rollup reads ---------------------------------------------------------------------------


def _sums(prefix: str, condition: Q | None) -> dict[str, Any]:
    sums: dict[str, Any] = {f"{prefix}{name}": Sum(name, filter=condition) for name in ROLLUP_SUMS}
    sums[f"{prefix}impressions_unknown"] = Count("pk", filter=(condition or Q()) & Q(impressions__isnull=True))
    sums[f"{prefix}rows"] = Count("pk", filter=condition)
    return sums


def _network_totals(
    *, organization: Organization, segment: Segment | None, period: Period, previous: Period
) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    """Per network, the sums of both periods, in one query over the span of both."""
    span = Period(start=previous.start, end=period.end)
    current = Q(day__gte=period.start)
    before = Q(day__lt=period.start)
    rows = (
        rollup_rows(organization=organization, segment=segment, period=span)
        .order_by()
        .values("network")
        .annotate(**_sums("cur_", current), **_sums("pre_", before))
    )
    now: dict[str, dict[str, Any]] = {}
    then: dict[str, dict[str, Any]] = {}
    for row in rows:
        for prefix, target in (("cur_", now), ("pre_", then)):
            if row[f"{prefix}rows"]:
                target[row["network"]] = {
                    key[len(prefix) :]: value for key, value in row.items() if key.startswith(prefix)
                }
    return now, then


def _total(per_network: Mapping[str, Mapping[str, Any]], name: str) -> int | None:
    values = [row[name] for row in per_network.values() if row[name] is not None]
    if not values:
        return None if name in NULLABLE else 0
    return int(sum(values))


def _emv(per_network: Mapping[str, Mapping[str, Any]], rates: Any) -> EmvResult:
    totals = [
        NetworkTotals(
            network=network,
            impressions=row["impressions"],
            reactions=row["reactions"],
            clicks=row["clicks"] or 0,
            impressions_complete=row["impressions_unknown"] == 0,
        )
        for network, row in per_network.items()
    ]
    return earned_media_value(totals, rates)


def _network_label(network: str) -> str:
    try:
        return Network(network).label
    except ValueError:
        return network


def _network_rows(per_network: Mapping[str, Mapping[str, Any]], emv: EmvResult) -> list[NetworkRow]:
    emv_by_network = {row.network: row.value for row in emv.by_network}
    rows = [
        NetworkRow(
            network=network,
            label=_network_label(network),
            shares_posted=int(row["shares_posted"] or 0),
            impressions=row["impressions"],
            impressions_complete=row["impressions_unknown"] == 0,
            reach=row["reach"],
            reactions=row["reactions"],
            comments=row["comments"],
            reshares=row["reshares"],
            clicks=int(row["clicks"] or 0),
            unique_clicks=int(row["unique_clicks"] or 0),
            emv=emv_by_network.get(network, Decimal(0)),
        )
        for network, row in per_network.items()
    ]
    return sorted(rows, key=lambda row: (-row.clicks, -row.shares_posted, row.label))


def _bucket(day: date, *, weekly: bool, period: Period) -> date:
    # Weeks start on Monday, the first one on the period's first day (as KPI series do).
    return max(day - timedelta(days=day.weekday()), period.start) if weekly else day


def _buckets(period: Period, *, weekly: bool) -> list[date]:
    return sorted({_bucket(day, weekly=weekly, period=period) for day in period.dates()})


def _add(total: int | None, value: int | None) -> int | None:
    if value is None:
        return total
    return (total or 0) + int(value)


def _trend(
    *,
    organization: Organization,
    segment: Segment | None,
    period: Period,
    weekly: bool,
    conversions: ConversionSummary,
) -> list[TrendPoint]:
    """The period's rollups per day (one query, at most MAX_PERIOD_DAYS rows), summed
    into days or weeks here so the trend's grain matches the KPI series."""
    per_day = (
        rollup_rows(organization=organization, segment=segment, period=period)
        .order_by()
        .values("day")
        .annotate(**{name: Sum(name) for name in ROLLUP_SUMS})
    )
    empty: dict[str, int | None] = {name: (None if name in NULLABLE else 0) for name in ROLLUP_SUMS}
    buckets: dict[date, dict[str, int | None]] = {start: dict(empty) for start in _buckets(period, weekly=weekly)}
    for row in per_day:
        bucket = buckets[_bucket(row["day"], weekly=weekly, period=period)]
        for name in ROLLUP_SUMS:
            bucket[name] = _add(bucket[name], row[name])
    attributed: dict[date, int] = defaultdict(int)
    unattributed: dict[date, int] = defaultdict(int)
    for day, with_share, without in conversions.series:
        start = _bucket(day, weekly=weekly, period=period)
        attributed[start] += with_share
        unattributed[start] += without
    return [
        TrendPoint(
            start=start,
            shares_posted=int(values["shares_posted"] or 0),
            impressions=values["impressions"],
            reactions=values["reactions"],
            comments=values["comments"],
            reshares=values["reshares"],
            clicks=int(values["clicks"] or 0),
            unique_clicks=int(values["unique_clicks"] or 0),
            conversions_attributed=attributed.get(start, 0),
            conversions_unattributed=unattributed.get(start, 0),
        )
        for start, values in buckets.items()
    ]


# Conversions ---------------------------------------------------------------------------


def conversion_summaries(
    *, organization: Organization, period: Period, previous: Period, segment: Segment | None, currency: str
) -> tuple[ConversionSummary, ConversionSummary]:
    """The conversions of `period` and of `previous`, each as
    `analytics.selectors.conversions.ConversionSummary` (same definitions: a segment
    keeps attributed conversions only, values in another currency than `currency` are
    left out and counted), in four queries for both: totals and kinds with conditional
    sums over the span of the two periods, then the current period's networks and days."""
    span = conversions_for(
        organization=organization, period=Period(start=previous.start, end=period.end), segment=segment
    ).order_by()
    begin, _until = period_bounds(organization=organization, period=period)
    in_currency = Q(currency__in=["", currency])
    attributed = Q(share__isnull=False)
    sides = {"now": Q(occurred_at__gte=begin), "then": Q(occurred_at__lt=begin)}
    sums: dict[str, Any] = {}
    for side, when in sides.items():
        sums[f"{side}_n"] = Count("pk", filter=when)
        sums[f"{side}_v"] = Sum("value", filter=when & in_currency)
        sums[f"{side}_na"] = Count("pk", filter=when & attributed)
        sums[f"{side}_va"] = Sum("value", filter=when & attributed & in_currency)
        sums[f"{side}_other"] = Count("pk", filter=when & ~in_currency & Q(value__isnull=False))
    totals: dict[str, Any] = span.aggregate(**sums)
    if not totals["now_n"] and not totals["then_n"]:
        # Most periods of most organisations have no conversion yet: nothing to break down.
        span = span.none()
    labels = dict(ConversionKind.choices)
    kinds: dict[str, list[KindFigure]] = {"now": [], "then": []}
    per_kind = span.values("kind").annotate(
        **{f"{side}_n": Count("pk", filter=when) for side, when in sides.items()},
        **{f"{side}_v": Sum("value", filter=when & in_currency) for side, when in sides.items()},
    )
    for row in per_kind:
        for side in sides:
            if row[f"{side}_n"]:
                label = labels.get(row["kind"], row["kind"])
                kinds[side].append(KindFigure(row["kind"], label, row[f"{side}_n"], row[f"{side}_v"] or Decimal(0)))
    current = span.filter(sides["now"])
    by_network = [
        NetworkFigure(network=row["network"], count=row["n"], value=row["v"] or Decimal(0))
        for row in current.filter(attributed)
        .values("network")
        .annotate(n=Count("pk"), v=Sum("value", filter=in_currency))
        .order_by("-n", "network")
    ]
    per_day: dict[date, tuple[int, int]] = {}
    for row in (
        current.annotate(day=TruncDate("occurred_at", tzinfo=organization_zone(organization)))
        .values("day")
        .annotate(a=Count("pk", filter=attributed), u=Count("pk", filter=~attributed))
    ):
        per_day[row["day"]] = (row["a"], row["u"])

    def summary(side: str, days: Period) -> ConversionSummary:
        value = totals[f"{side}_v"] or Decimal(0)
        attributed_value = totals[f"{side}_va"] or Decimal(0)
        return ConversionSummary(
            count=totals[f"{side}_n"],
            value=value,
            currency=currency,
            attributed_count=totals[f"{side}_na"],
            attributed_value=attributed_value,
            unattributed_count=totals[f"{side}_n"] - totals[f"{side}_na"],
            unattributed_value=value - attributed_value,
            other_currency_count=totals[f"{side}_other"],
            by_kind=sorted(kinds[side], key=lambda figure: (-figure.count, figure.kind)),
            by_network=by_network if side == "now" else [],
            series=[(day, *per_day.get(day, (0, 0))) for day in days.dates()] if side == "now" else [],
        )

    return summary("now", period), summary("then", previous)


# Participation ----------------------------------------------------------------------------


def certified_members(*, organization: Organization, segment: Segment | None = None) -> QuerySet[Membership]:
    """Active members who are certified, as one query (no per-member loop).

    The same definition as `accounts.selectors.onboarding.onboarding_status`:
    acknowledged the current published policy (when there is one) and passed every
    published required module; with nothing published everyone is certified. People
    segments narrow to their members; a network or topic segment covers everyone."""
    if segment is not None and segment.is_people:
        members = segment_members(organization=organization, segment=segment)
    else:
        members = Membership.objects.filter(organization=organization)
    members = members.filter(organization=organization, status=MembershipStatus.ACTIVE)
    policy = current_policy(organization=organization)
    if policy is not None:
        members = members.filter(
            Exists(
                PolicyAcknowledgement.objects.filter(
                    organization=organization, version=policy, membership=OuterRef("pk")
                )
            )
        )
    required = TrainingModule.objects.filter(organization=organization, published_at__isnull=False, is_required=True)
    passed = QuizAttempt.objects.filter(
        organization=organization, membership=OuterRef(OuterRef("pk")), module=OuterRef("pk"), passed=True
    )
    # Certified = no required module left without a passed attempt.
    return members.exclude(Exists(required.exclude(Exists(passed))))


def _shared_between(*, organization: Organization, segment: Segment | None, first: date, last: date) -> Exists:
    """Whether the outer member posted a share between two days (included): one index
    probe per member on the member-day key (organization, membership, day, …), which
    stops at the first day with a share, instead of a scan of every member-day row of
    the period. A topic segment asks the shares of the topic's items instead."""
    if segment is not None and segment.dimension == "topic":
        begin, until = period_bounds(organization=organization, period=Period(start=first, end=last))
        shares = ShareMetrics.objects.filter(
            organization=organization,
            membership=OuterRef("pk"),
            posted_at__gte=begin,
            posted_at__lt=until,
            item__topics__public_id=segment.value,
        )
        return Exists(shares)
    days = MemberDay.objects.filter(
        organization=organization, membership=OuterRef("pk"), day__gte=first, day__lte=last, shares_posted__gt=0
    )
    if segment is not None and segment.dimension == "network":
        days = days.filter(network=segment.value)
    return Exists(days)


def _participation(
    *, organization: Organization, segment: Segment | None, period: Period, previous: Period
) -> Participation:
    """Members with a posted share in each period (any status: a member who has left
    still shared then), over the segment's certified members."""
    if segment is not None and segment.is_people:
        members = segment_members(organization=organization, segment=segment)
    else:
        members = Membership.objects.filter(organization=organization)
    counts = members.filter(organization=organization).aggregate(
        now=Count(
            "pk",
            filter=_shared_between(organization=organization, segment=segment, first=period.start, last=period.end),
        ),
        then=Count(
            "pk",
            filter=_shared_between(organization=organization, segment=segment, first=previous.start, last=previous.end),
        ),
    )
    return Participation(
        active_sharers=counts["now"] or 0,
        previous_active_sharers=counts["then"] or 0,
        certified_members=certified_members(organization=organization, segment=segment).count(),
    )


# Top content and people ---------------------------------------------------------------------


def _conversions_by(
    conversions: QuerySet[Conversion], key: str, currency: str, limit: int | None = None
) -> dict[int, tuple[int, Decimal]]:
    rows = (
        conversions.filter(**{f"{key}__isnull": False})
        .order_by()
        .values(key)
        .annotate(n=Count("pk"), v=Sum("value", filter=Q(currency__in=["", currency])))
        .order_by("-n", key)
    )
    if limit is not None:
        rows = rows[:limit]
    return {row[key]: (row["n"], row["v"] or Decimal(0)) for row in rows}


def _engagement_by(
    rows: QuerySet[Any], key: str, limit: int, converted: Mapping[int, Any], *, shares_counted: bool
) -> dict[int, dict[str, Any]]:
    """Sums per `key` of the rows: the `limit` keys with the most clicks, plus (one more
    query, only when needed) the keys with conversions that are not among them, so a
    row ranked by its conversions shows its real clicks."""
    sums = {
        "shares": Count("pk") if shares_counted else Sum("shares_posted"),
        "impressions_sum": Sum("impressions"),
        "reactions_sum": Sum("reactions"),
        "clicks_sum": Sum("clicks"),
        "unique_sum": Sum("unique_clicks"),
    }
    grouped = rows.order_by().values(key).annotate(**sums)
    found = {row[key]: row for row in grouped.order_by("-clicks_sum", "-shares", key)[:limit]}
    missing = [pk for pk in converted if pk not in found]
    if missing:
        found.update({row[key]: row for row in grouped.filter(**{f"{key}__in": missing})})
    return found


def _ranked(
    engagement: Mapping[int, Mapping[str, Any]], conversions: Mapping[int, tuple[int, Decimal]], limit: int
) -> list[int]:
    """Outcomes first: most conversions, then most clicks, then most shares."""
    keys = set(engagement) | set(conversions)

    def rank(key: int) -> tuple[int, int, int, int]:
        row = engagement.get(key, {})
        return (-conversions.get(key, (0, 0))[0], -int(row.get("clicks_sum") or 0), -int(row.get("shares") or 0), key)

    return sorted(keys, key=rank)[:limit]


def top_content(
    *,
    organization: Organization,
    segment: Segment | None,
    period: Period,
    currency: str,
    limit: int = TOP_ROWS,
    conversions: QuerySet[Conversion] | None = None,
) -> list[ContentRow]:
    """The content items with the most attributed conversions, then clicks, in the
    period (a people segment counts the shares its members posted in the period)."""
    if segment is not None and segment.is_people:
        begin, until = period_bounds(organization=organization, period=period)
        shares = ShareMetrics.objects.filter(
            membership_filter(organization=organization, segment=segment),
            organization=organization,
            posted_at__gte=begin,
            posted_at__lt=until,
            item__isnull=False,
        )
        rows: QuerySet[Any] = shares
    else:
        rows = ItemDay.objects.filter(organization=organization, day__gte=period.start, day__lte=period.end)
        if segment is not None:
            rows = rows.filter(membership_filter(organization=organization, segment=segment))
    if conversions is None:
        conversions = conversions_for(organization=organization, period=period, segment=segment, attributed=True)
    converted = _conversions_by(conversions, "item", currency, limit)
    people_segment = segment is not None and segment.is_people
    engagement = _engagement_by(rows, "item", limit, converted, shares_counted=people_segment)
    keys = _ranked(engagement, converted, limit)
    items = {
        pk: (title, public_id)
        for pk, title, public_id in ContentItem.objects.filter(organization=organization, pk__in=keys).values_list(
            "pk", "title", "public_id"
        )
    }
    result = []
    for key in keys:
        if key not in items:
            continue
        title, public_id = items[key]
        row = engagement.get(key, {})
        count, value = converted.get(key, (0, Decimal(0)))
        result.append(
            ContentRow(
                item_id=str(public_id),
                title=title or "(untitled)",
                **_row_figures(row, count, value),
            )
        )
    return result


def _row_figures(row: dict[str, Any], count: int, value: Decimal) -> dict[str, Any]:
    """The figures a top-content or top-people row shows, from its grouped rollups."""
    return {
        "shares_posted": int(row.get("shares") or 0),
        "impressions": row.get("impressions_sum"),
        "reactions": row.get("reactions_sum"),
        "clicks": int(row.get("clicks_sum") or 0),
        "unique_clicks": int(row.get("unique_sum") or 0),
        "conversions": count,
        "conversion_value": value,
    }


def top_people(
    *,
    organization: Organization,
    segment: Segment | None,
    period: Period,
    currency: str,
    limit: int = TOP_ROWS,
    conversions: QuerySet[Conversion] | None = None,
) -> list[PersonRow]:
    """The members whose shares brought the most attributed conversions, then clicks,
    in the period (a topic segment counts the shares of its items posted in the period)."""
    if segment is not None and segment.dimension == "topic":
        begin, until = period_bounds(organization=organization, period=period)
        shares = ShareMetrics.objects.filter(
            organization=organization,
            posted_at__gte=begin,
            posted_at__lt=until,
            item__topics__public_id=segment.value,
        )
        rows: QuerySet[Any] = shares
    else:
        rows = MemberDay.objects.filter(organization=organization, day__gte=period.start, day__lte=period.end)
        rows = rows.filter(membership_filter(organization=organization, segment=segment))
    if conversions is None:
        conversions = conversions_for(organization=organization, period=period, segment=segment, attributed=True)
    converted = _conversions_by(conversions, "membership", currency, limit)
    topic_segment = segment is not None and segment.dimension == "topic"
    engagement = _engagement_by(rows, "membership", limit, converted, shares_counted=topic_segment)
    keys = _ranked(engagement, converted, limit)
    members = {
        member.pk: member
        for member in Membership.objects.filter(organization=organization, pk__in=keys).select_related("user")
    }
    result = []
    for key in keys:
        member = members.get(key)
        if member is None:
            continue
        row = engagement.get(key, {})
        count, value = converted.get(key, (0, Decimal(0)))
        result.append(
            PersonRow(
                member_id=str(member.public_id),
                name=member.user.display_name,
                department=member.department,
                location=member.location,
                **_row_figures(row, count, value),
            )
        )
    return result


# The dashboard ----------------------------------------------------------------------------


def _kind_figures(now: ConversionSummary, then: ConversionSummary, kpis: Iterable[Kpi]) -> list[Figure]:
    """A figure per outcome kind the organisation has: one with conversions in either
    period, or one a KPI is measured by (so "Hires: 0" shows when hiring is a goal)."""
    labels = dict(ConversionKind.choices)
    now_by_kind = {figure.kind: figure for figure in now.by_kind}
    then_by_kind = {figure.kind: figure for figure in then.by_kind}
    defined = {kpi.conversion_kind for kpi in kpis if kpi.measure != KpiMeasure.VALUES and kpi.conversion_kind}
    kinds = [kind for kind in ConversionKind.values if kind in now_by_kind or kind in then_by_kind or kind in defined]
    figures = []
    for kind in kinds:
        current, before = now_by_kind.get(kind), then_by_kind.get(kind)
        plural = {
            "lead": "Leads",
            "signup": "Sign-ups",
            "application": "Job applications",
            "hire": "Hires",
            "purchase": "Purchases",
            "custom": "Other conversions",
        }
        label = plural.get(kind, labels.get(kind, kind))
        value_note = ""
        if current is not None and current.value:
            value_note = f"worth {current.value:,.2f} {now.currency}"
        figures.append(
            Figure(
                f"conversions_{kind}",
                label,
                current.count if current else 0,
                before.count if before else 0,
                note=value_note,
            )
        )
    return figures


def emv_lower_bound_note(emv: EmvResult) -> str:
    """Why the earned media value is a lower bound, naming the networks; "" when it is not."""
    reasons = []
    if emv.unknown_impressions:
        reasons.append(f"impressions unknown on {', '.join(map(_network_label, emv.unknown_impressions))}")
    if emv.unrated:
        reasons.append(f"no CPM set for {', '.join(map(_network_label, emv.unrated))}")
    return f"A lower bound: {'; '.join(reasons)}." if reasons else ""


def emv_statement(emv: EmvResult) -> str:
    """The EMV in one sentence, with the lower-bound statement when it applies."""
    amount = f"{emv.value:,.2f} {emv.currency}"
    note = emv_lower_bound_note(emv)
    return f"Earned media value: at least {amount}. {note}" if note else f"Earned media value: {amount}."


def _pipeline_figure(now: ConversionSummary, then: ConversionSummary) -> Figure | None:
    """Pipeline: the value of the period's leads, shown when leads carry a value."""
    current = next((figure for figure in now.by_kind if figure.kind == ConversionKind.LEAD), None)
    before = next((figure for figure in then.by_kind if figure.kind == ConversionKind.LEAD), None)
    if not (current and current.value) and not (before and before.value):
        return None
    return Figure(
        "pipeline",
        "Pipeline from leads",
        current.value if current else Decimal(0),
        before.value if before else Decimal(0),
        unit=now.currency,
        note="the value of the leads reported with the conversion",
    )


def dashboard(*, organization: Organization, period: Period, segment: Segment | None) -> Dashboard:
    """Everything the executive dashboard, its exports, its PDF and its API show."""
    previous = period.previous()
    weekly = period.days > WEEKLY_SERIES_AFTER_DAYS
    goals = goals_progress(organization=organization, period=period, segment=segment)
    rates = emv_rates(organization=organization)
    currency = rates.currency
    conversions_now, conversions_then = conversion_summaries(
        organization=organization, period=period, previous=previous, segment=segment, currency=currency
    )
    now, then = _network_totals(organization=organization, segment=segment, period=period, previous=previous)
    emv_now, emv_then = _emv(now, rates), _emv(then, rates)
    participation = _participation(organization=organization, segment=segment, period=period, previous=previous)
    attributed = conversions_for(organization=organization, period=period, segment=segment, attributed=True)
    if not conversions_now.attributed_count:
        attributed = attributed.none()  # the top tables need not ask again
    kpis = [progress.kpi for goal in goals for progress in goal.kpis]

    def figure(key: str, label: str, note: str = "") -> Figure:
        return Figure(key, label, _total(now, key), _total(then, key), note=note)

    unknown = sorted(_network_label(network) for network, row in now.items() if row["impressions_unknown"])
    impressions_note = f"not reported by {', '.join(unknown)}" if unknown else ""
    outcomes = [
        Figure(
            "attributed_conversions",
            "Attributed conversions",
            conversions_now.attributed_count,
            conversions_then.attributed_count,
            note=f"{conversions_now.unattributed_count} more not attributed to a share"
            if conversions_now.unattributed_count
            else "",
        ),
        Figure(
            "attributed_value",
            "Attributed value",
            conversions_now.attributed_value,
            conversions_then.attributed_value,
            unit=currency,
        ),
        *_kind_figures(conversions_now, conversions_then, kpis),
    ]
    pipeline = _pipeline_figure(conversions_now, conversions_then)
    if pipeline is not None:
        outcomes.append(pipeline)
    outcomes.append(
        Figure(
            "emv",
            "Earned media value",
            emv_now.value,
            emv_then.value,
            unit=emv_now.currency,
            note=emv_lower_bound_note(emv_now),
        )
    )
    top_note = ""
    if segment is not None and segment.is_people:
        top_note = "Content: lifetime totals of the shares these members posted in the period."
    elif segment is not None and segment.dimension == "topic":
        top_note = "People: lifetime totals of the shares of this topic's content posted in the period."
    return Dashboard(
        organization=organization,
        period=period,
        previous_period=previous,
        segment=segment,
        grain="week" if weekly else "day",
        currency=currency,
        goals=goals,
        conversions=conversions_now,
        previous_conversions=conversions_then,
        outcomes=outcomes,
        emv=emv_now,
        previous_emv=emv_then,
        reach=[
            figure("impressions", "Impressions", impressions_note),
            figure("reach", "Reach", "people reached, where the network says"),
        ],
        engagement=[
            figure("reactions", "Reactions"),
            figure("comments", "Comments"),
            figure("reshares", "Reshares"),
        ],
        activity=[
            figure("clicks", "Clicks", "on tracked links, bots excluded"),
            figure("unique_clicks", "Unique clicks"),
            figure("shares_posted", "Shares posted"),
            participation.figure,
        ],
        participation=participation,
        networks=_network_rows(now, emv_now),
        trend=_trend(
            organization=organization,
            segment=segment,
            period=period,
            weekly=weekly,
            conversions=conversions_now,
        ),
        top_content=top_content(
            organization=organization, segment=segment, period=period, currency=currency, conversions=attributed
        ),
        top_people=top_people(
            organization=organization, segment=segment, period=period, currency=currency, conversions=attributed
        ),
        top_note=top_note,
    )


# Drill-down -------------------------------------------------------------------------------


@dataclass(frozen=True)
class KpiDrilldown:
    kpi: Kpi
    progress: KpiProgress
    period: Period
    segment: Segment | None
    from_conversions: bool
    note: str
    content: list[ContentRow]
    people: list[PersonRow]
    by_network: list[tuple[str, int, Decimal]] = field(default_factory=list)  # (label, count, value)
    recent_conversions: list[Conversion] = field(default_factory=list)
    values: list[KpiValue] = field(default_factory=list)


def kpi_drilldown(
    *, organization: Organization, kpi: Kpi, period: Period, segment: Segment | None, limit: int = TOP_ROWS
) -> KpiDrilldown:
    """The content and people behind a KPI in the period. A KPI measured by conversions
    lists the attributed conversions of its kind by item, by member and by network; a
    KPI measured by values entered or imported cannot be traced to a share, so it lists
    those values and the content and people with the most conversions and clicks instead."""
    if kpi.organization_id != organization.pk:
        raise ValueError("This KPI belongs to another organisation.")
    progress = goal_kpi_progress(organization=organization, kpi=kpi, period=period, segment=segment)
    currency = emv_rates(organization=organization).currency
    if kpi.measure == KpiMeasure.VALUES:
        values = list(
            KpiValue.objects.filter(
                organization=organization, kpi=kpi, on_date__gte=period.start, on_date__lte=period.end
            )
            .select_related("created_by__user")
            .order_by("-on_date", "source")[:100]
        )
        return KpiDrilldown(
            kpi=kpi,
            progress=progress,
            period=period,
            segment=segment,
            from_conversions=False,
            note=(
                f"{kpi.name} comes from values entered, imported or sent through the API, not from tracked "
                "shares, so it cannot be traced to content or people. Below: the content and people with the "
                "most attributed conversions and clicks in the period."
            ),
            content=top_content(
                organization=organization, segment=segment, period=period, currency=currency, limit=limit
            ),
            people=top_people(
                organization=organization, segment=segment, period=period, currency=currency, limit=limit
            ),
            values=values,
        )
    conversions = conversions_for(
        organization=organization, period=period, segment=segment, kind=kpi.conversion_kind or None, attributed=True
    )
    by_network = [
        (_network_label(row["network"]), row["n"], row["v"] or Decimal(0))
        for row in conversions.order_by()
        .values("network")
        .annotate(n=Count("pk"), v=Sum("value", filter=Q(currency__in=["", currency])))
        .order_by("-n", "network")
    ]
    kind_label = dict(ConversionKind.choices).get(kpi.conversion_kind, "").lower() or "conversion"
    return KpiDrilldown(
        kpi=kpi,
        progress=progress,
        period=period,
        segment=segment,
        from_conversions=True,
        note=f"Each {kind_label} below was attributed to a tracked click on a share: the share's member, "
        "its content item and its network.",
        content=[
            row
            for row in top_content(
                organization=organization,
                segment=segment,
                period=period,
                currency=currency,
                limit=limit,
                conversions=conversions,
            )
            if row.conversions
        ],
        people=[
            row
            for row in top_people(
                organization=organization,
                segment=segment,
                period=period,
                currency=currency,
                limit=limit,
                conversions=conversions,
            )
            if row.conversions
        ],
        by_network=by_network,
        recent_conversions=list(conversions[:50]),
    )
