"""Reads of goals, KPIs and earned media value: the organisation's analytics settings,
its EMV over any day rollup, and each KPI's progress against its (prorated) target.

A KPI's target is set per its own period (a month, a quarter or a year). A report may
cover any period, so a summed KPI's target is prorated day by day over the calendar
periods the report overlaps: a whole calendar quarter gets the quarterly target, a
month of it 31/92 of it, "this quarter so far" the part due by today — which makes
`on_track` a pace check. A "latest value" KPI (a rate, a balance) is not prorated.

Where an actual comes from:
- `values`: KPI values entered by hand, imported from CSV or sent through the API. A
  summed KPI adds every source's values (each source is one contribution: the CSV
  import of the CRM's weekly figures, a manual correction); a "latest" KPI takes the
  latest day's value, a person's entry winning over the API's, the API's over a file's.
  Values are totals for the whole organisation: they cannot be split by segment.
- `conversion_count` / `conversion_value`: the attributed conversions of the KPI's kind
  (all kinds when none is set), which can be split by segment. Values in another
  currency than the organisation's are left out of a value, and counted.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from accounts.models import Membership, Organization
from analytics.lib.emv import EmvRates, EmvResult, NetworkTotals, earned_media_value
from analytics.lib.periods import Period
from analytics.lib.quarters import quarter_start
from analytics.models import (
    AnalyticsSettings,
    Goal,
    Kpi,
    KpiAggregation,
    KpiDirection,
    KpiMeasure,
    KpiPeriod,
    KpiValue,
    KpiValueSource,
    NetworkRate,
)
from analytics.selectors.conversions import conversion_days, conversions_for
from analytics.selectors.segments import Segment

HUNDRED = Decimal(100)
WEEKLY_SERIES_AFTER_DAYS = 92
# A "latest" KPI with values from several sources on its latest day: who wins.
LATEST_PRECEDENCE = (KpiValueSource.MANUAL, KpiValueSource.API, KpiValueSource.CSV)
CONVERSIONS_SOURCE = "conversions"


# Settings and EMV --------------------------------------------------------------------


def analytics_settings(*, organization: Organization) -> AnalyticsSettings:
    """The organisation's settings row, or an unsaved row of defaults when it has none."""
    found = AnalyticsSettings.objects.filter(organization=organization).first()
    return found or AnalyticsSettings(organization=organization)


def network_rates(*, organization: Organization) -> dict[str, Decimal]:
    """CPM per network, for the networks the organisation has set one for."""
    rows = NetworkRate.objects.filter(organization=organization).values_list("network", "cpm")
    return {network: cpm for network, cpm in rows}


def emv_rates(*, organization: Organization) -> EmvRates:
    settings = analytics_settings(organization=organization)
    return EmvRates(
        currency=settings.currency,
        cpc=settings.cpc,
        reaction_weight=settings.reaction_weight,
        cpm=network_rates(organization=organization),
    )


def emv_of_rollups(*, organization: Organization, rows: QuerySet[Any]) -> EmvResult:
    """The EMV of day rollup rows (OrgDay, MemberDay or ItemDay, already narrowed to a
    period and a segment): totals per network at the organisation's rates. A row whose
    impressions are NULL did not report them, so its network's value is a lower bound."""
    grouped = (
        rows.filter(organization=organization)
        .order_by()
        .values("network")
        .annotate(
            impressions_sum=Sum("impressions"),
            impressions_unknown=Count("pk", filter=Q(impressions__isnull=True)),
            reactions_sum=Sum("reactions"),
            clicks_sum=Sum("clicks"),
        )
    )
    totals = [
        NetworkTotals(
            network=row["network"],
            impressions=row["impressions_sum"],
            reactions=row["reactions_sum"],
            clicks=row["clicks_sum"] or 0,
            impressions_complete=row["impressions_unknown"] == 0,
        )
        for row in grouped
    ]
    return earned_media_value(totals, emv_rates(organization=organization))


# Targets -------------------------------------------------------------------------------


def _kpi_period_of(day: date, period: str) -> tuple[date, date]:
    """The calendar month, quarter or year `day` is in: (first day, last day)."""
    if period == KpiPeriod.MONTH:
        first = day.replace(day=1)
        return first, first.replace(day=calendar.monthrange(day.year, day.month)[1])
    if period == KpiPeriod.QUARTER:
        first = quarter_start(day)
        next_first = date(first.year + (first.month == 10), (first.month + 2) % 12 + 1, 1)
        return first, next_first - timedelta(days=1)
    return date(day.year, 1, 1), date(day.year, 12, 31)


def prorated_target(*, target: Decimal, kpi_period: str, period: Period) -> Decimal:
    """`target` (per calendar `kpi_period`) for the days of `period`: each calendar
    period the report overlaps contributes target × overlapping days / its days."""
    total = Decimal(0)
    day = period.start
    while day <= period.end:
        first, last = _kpi_period_of(day, kpi_period)
        overlap_end = min(last, period.end)
        overlap = (overlap_end - day).days + 1
        total += target * Decimal(overlap) / Decimal((last - first).days + 1)
        day = overlap_end + timedelta(days=1)
    return total.quantize(Decimal("0.01"))


# Progress ------------------------------------------------------------------------------


@dataclass(frozen=True)
class KpiProgress:
    kpi: Kpi
    actual: Decimal | None  # None: no data in the period (or none that fits the segment)
    target: Decimal  # the KPI's target for the report's period (prorated when summed)
    target_per_period: Decimal  # as set, per the KPI's own period
    prorated: bool
    target_note: str
    percent_of_target: Decimal | None
    on_track: bool | None
    series: list[tuple[date, Decimal]]
    series_grain: str  # "day" or "week"
    sources: dict[str, Decimal]
    segmentable: bool
    segment_note: str = ""
    excluded_note: str = ""
    period: Period | None = None

    @property
    def direction_label(self) -> str:
        return "higher is better" if self.kpi.direction == KpiDirection.UP else "lower is better"


def _series_bucket(day: date, *, weekly: bool, period: Period) -> date:
    if not weekly:
        return day
    return max(day - timedelta(days=day.weekday()), period.start)


def _series_buckets(period: Period, *, weekly: bool) -> list[date]:
    return sorted({_series_bucket(day, weekly=weekly, period=period) for day in period.dates()})


def _target_note(kpi: Kpi, target: Decimal, prorated: bool, period: Period) -> str:
    per = f"{kpi.target.normalize():f} {kpi.unit} per {kpi.get_period_display().lower()}"
    if kpi.aggregation == KpiAggregation.LATEST:
        return f"Target {per} (a level, not prorated)."
    if not prorated:
        return f"Target {per}."
    return f"Target {per}, prorated to the {period.days} days shown: {target.normalize():f} {kpi.unit}."


def _values_actual(
    kpi: Kpi, period: Period, *, weekly: bool
) -> tuple[Decimal | None, dict[str, Decimal], dict[date, Decimal]]:
    rows = list(
        KpiValue.objects.filter(
            organization=kpi.organization_id, kpi=kpi, on_date__gte=period.start, on_date__lte=period.end
        ).values_list("on_date", "source", "value")
    )
    if not rows:
        return None, {}, {}
    if kpi.aggregation == KpiAggregation.SUM:
        sources: dict[str, Decimal] = defaultdict(Decimal)
        buckets: dict[date, Decimal] = defaultdict(Decimal)
        for on_date, source, value in rows:
            sources[source] += value
            buckets[_series_bucket(on_date, weekly=weekly, period=period)] += value
        return sum(sources.values(), Decimal(0)), dict(sources), dict(buckets)
    rank: dict[str, int] = {str(source): position for position, source in enumerate(LATEST_PRECEDENCE)}
    chosen_per_day: dict[date, tuple[str, Decimal]] = {}
    for on_date, source, value in rows:
        current = chosen_per_day.get(on_date)
        if current is None or rank.get(source, 99) < rank.get(current[0], 99):
            chosen_per_day[on_date] = (source, value)
    latest_day = max(chosen_per_day)
    source, value = chosen_per_day[latest_day]
    latest_buckets: dict[date, Decimal] = {}
    for on_date in sorted(chosen_per_day):
        latest_buckets[_series_bucket(on_date, weekly=weekly, period=period)] = chosen_per_day[on_date][1]
    return value, {source: value}, latest_buckets


def _conversions_actual(
    organization: Organization, kpi: Kpi, period: Period, segment: Segment | None, *, weekly: bool, currency: str
) -> tuple[Decimal, dict[date, Decimal], str]:
    conversions = conversions_for(
        organization=organization, period=period, segment=segment, kind=kpi.conversion_kind or None, attributed=True
    )
    note = ""
    if kpi.measure == KpiMeasure.CONVERSION_VALUE:
        other = conversions.exclude(currency__in=["", currency]).exclude(value__isnull=True).count()
        conversions = conversions.filter(currency__in=["", currency])
        if other:
            note = f"{other} conversion{'s' if other != 1 else ''} in another currency than {currency} left out."
    buckets: dict[date, Decimal] = defaultdict(Decimal)
    for day, count, value in conversion_days(organization=organization, conversions=conversions):
        amount = Decimal(count) if kpi.measure == KpiMeasure.CONVERSION_COUNT else (value or Decimal(0))
        buckets[_series_bucket(day, weekly=weekly, period=period)] += amount
    return sum(buckets.values(), Decimal(0)), dict(buckets), note


def kpi_progress(
    *, organization: Organization, kpi: Kpi, period: Period, segment: Segment | None = None
) -> KpiProgress:
    """How `kpi` stands over `period` (optionally within `segment`), against its target
    for that period; see the module docstring for sources, prorating and segments."""
    if kpi.organization_id != organization.pk:
        raise ValueError("This KPI belongs to another organisation.")
    weekly = period.days > WEEKLY_SERIES_AFTER_DAYS
    summed = kpi.aggregation == KpiAggregation.SUM
    target = prorated_target(target=kpi.target, kpi_period=kpi.period, period=period) if summed else kpi.target
    prorated = summed and target != kpi.target
    segmentable = kpi.measure != KpiMeasure.VALUES
    segment_note = excluded_note = ""
    sources: dict[str, Decimal] = {}
    buckets: dict[date, Decimal] = {}
    actual: Decimal | None
    if not segmentable and segment is not None:
        actual = None
        segment_note = (
            f"{kpi.name} is measured by values entered for the whole organisation: "
            f"it cannot be split by {segment.dimension}."
        )
    elif kpi.measure == KpiMeasure.VALUES:
        actual, sources, buckets = _values_actual(kpi, period, weekly=weekly)
    else:
        currency = analytics_settings(organization=organization).currency
        actual, buckets, excluded_note = _conversions_actual(
            organization, kpi, period, segment, weekly=weekly, currency=currency
        )
        sources = {CONVERSIONS_SOURCE: actual}
    percent: Decimal | None = None
    on_track: bool | None = None
    if actual is not None:
        if target:
            percent = (actual / target * HUNDRED).quantize(Decimal("0.1"))
        on_track = actual >= target if kpi.direction == KpiDirection.UP else actual <= target
    if summed:
        series = [(day, buckets.get(day, Decimal(0))) for day in _series_buckets(period, weekly=weekly)]
    else:
        series = sorted(buckets.items())
    return KpiProgress(
        kpi=kpi,
        actual=actual,
        target=target,
        target_per_period=kpi.target,
        prorated=prorated,
        target_note=_target_note(kpi, target, prorated, period),
        percent_of_target=percent,
        on_track=on_track,
        series=series,
        series_grain="week" if weekly else "day",
        sources=sources,
        segmentable=segmentable,
        segment_note=segment_note,
        excluded_note=excluded_note,
        period=period,
    )


@dataclass(frozen=True)
class GoalProgress:
    goal: Goal
    kpis: list[KpiProgress] = field(default_factory=list)

    @property
    def on_track_count(self) -> int:
        return sum(1 for progress in self.kpis if progress.on_track)

    @property
    def measured_count(self) -> int:
        return sum(1 for progress in self.kpis if progress.on_track is not None)


def goal_list(*, organization: Organization, include_archived: bool = False) -> QuerySet[Goal]:
    goals = Goal.objects.filter(organization=organization).select_related("owner__user")
    return goals if include_archived else goals.filter(is_archived=False)


def kpi_list(*, organization: Organization, goal: Goal | None = None) -> QuerySet[Kpi]:
    kpis = Kpi.objects.filter(organization=organization).select_related("goal", "owner__user")
    return kpis.filter(goal=goal) if goal is not None else kpis


def goals_progress(*, organization: Organization, period: Period, segment: Segment | None = None) -> list[GoalProgress]:
    """Every active goal with the progress of each of its KPIs, in the goals' order."""
    kpis_by_goal: dict[int, list[Kpi]] = defaultdict(list)
    for kpi in kpi_list(organization=organization).filter(goal__is_archived=False):
        kpis_by_goal[kpi.goal_id].append(kpi)
    return [
        GoalProgress(
            goal=goal,
            kpis=[
                kpi_progress(organization=organization, kpi=kpi, period=period, segment=segment)
                for kpi in kpis_by_goal.get(goal.pk, [])
            ],
        )
        for goal in goal_list(organization=organization)
    ]


def kpis_owned_by(*, organization: Organization, membership: Membership, period: Period) -> list[KpiProgress]:
    """The progress of the KPIs `membership` is accountable for (active goals only)."""
    kpis = kpi_list(organization=organization).filter(owner=membership, goal__is_archived=False)
    return [kpi_progress(organization=organization, kpi=kpi, period=period) for kpi in kpis]


def kpi_values_of(*, kpi: Kpi) -> QuerySet[KpiValue]:
    return KpiValue.objects.filter(organization=kpi.organization_id, kpi=kpi).select_related("created_by__user")
