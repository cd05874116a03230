"""Reads about people: the 1 / 9 / 90 participation tiers, champions, leaders' activity,
recognition boards, a member's own impact and the program manager's scorecard.

Every figure comes from the rollups (`MemberDay` for shares posted, clicks and reach;
`Conversion` for attributed outcomes; `Share` for originality; `ShareMetrics` for a
share's latest totals), aggregated per member by the database in one grouped query
each. Python only combines the already-aggregated rows and ranks them
(`analytics.lib.recognition` holds the rules and their reasons).

Executives are not in the tiers, the champions or the main board: leaders' activity
is reported on its own, and executives have their own board.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Avg, Count, F, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import Membership, MembershipStatus, Organization, Role
from advocacy.models import Share, ShareState
from analytics.lib import recognition
from analytics.lib.periods import Period
from analytics.lib.recognition import Activity, Tier
from analytics.models import (
    AnalyticsSettings,
    Conversion,
    ConversionKind,
    Kpi,
    MemberDay,
    OrgDay,
    RankingPreference,
    ShareMetrics,
)
from analytics.selectors.conversions import organization_zone, period_bounds
from analytics.selectors.goals import KpiProgress, kpis_owned_by
from analytics.selectors.segments import Segment, SegmentError, segment_members
from content.lib.networks import Network

LAST_SHARES = 10
QUIET_SHARER_MIN_SHARES = 5
# In the 90 with at least that many shares and under a quarter of the usual impact per share.
QUIET_SHARER_RATIO = 0.25
ZERO = Decimal(0)


class RecognitionDisabled(Exception):
    """The organisation has not turned recognition boards on."""


# Members and their aggregated figures ----------------------------------------------------


@dataclass(frozen=True)
class PersonFigures:
    """One member's figures over a period, with their impact and tier."""

    membership_id: int
    public_id: uuid.UUID
    name: str
    role: str
    department: str
    shares: int
    clicks: int
    reach: int
    conversions: int
    conversion_value: Decimal
    originality: float | None
    impact: float
    tier: Tier = Tier.MAJORITY

    @property
    def is_executive(self) -> bool:
        return self.role == Role.EXECUTIVE


@dataclass(frozen=True)
class _Member:
    pk: int
    public_id: uuid.UUID
    name: str
    role: str
    department: str


def _members(rows: Iterable[dict[str, Any]]) -> dict[int, _Member]:
    return {
        row["pk"]: _Member(
            pk=row["pk"],
            public_id=row["public_id"],
            name=row["user__full_name"] or row["user__email"].split("@")[0],
            role=row["role"],
            department=row["department"],
        )
        for row in rows
    }


_MEMBER_FIELDS = ("pk", "public_id", "user__full_name", "user__email", "role", "department")


def _rollup_filter(segment: Segment | None) -> Q:
    if segment is not None and segment.dimension == "network":
        return Q(network=segment.value)
    return Q()


def _member_rollups(
    *, organization: Organization, period: Period, member_q: Q, row_q: Q, points_only: bool
) -> dict[int, dict[str, int]]:
    """Shares posted, tracked clicks and reach per member over `period` (one query)."""
    rows = MemberDay.objects.filter(
        row_q, member_q, organization=organization, day__gte=period.start, day__lte=period.end
    )
    if points_only:
        rows = rows.exclude(network__in=recognition.INCENTIVE_FORBIDDEN_NETWORKS)
    grouped = (
        rows.order_by()
        .values("membership_id")
        .annotate(
            shares_sum=Coalesce(Sum("shares_posted"), 0),
            clicks_sum=Coalesce(Sum("clicks"), 0),
            # Reach where the network reports it, its impressions where that is all it reports.
            reach_sum=Coalesce(Sum(Coalesce("reach", "impressions")), 0),
        )
    )
    return {
        row["membership_id"]: {"shares": row["shares_sum"], "clicks": row["clicks_sum"], "reach": row["reach_sum"]}
        for row in grouped
    }


def _attributed_conversions(*, organization: Organization, period: Period) -> Any:
    since, until = period_bounds(organization=organization, period=period)
    return Conversion.objects.filter(
        organization=organization, occurred_at__gte=since, occurred_at__lt=until, membership__isnull=False
    )


def _member_conversions(
    *, organization: Organization, period: Period, member_q: Q, row_q: Q, points_only: bool
) -> dict[int, tuple[int, Decimal]]:
    rows = _attributed_conversions(organization=organization, period=period).filter(row_q).filter(member_q)
    if points_only:
        rows = rows.exclude(network__in=recognition.INCENTIVE_FORBIDDEN_NETWORKS)
    grouped = rows.order_by().values("membership_id").annotate(count=Count("pk"), value_sum=Sum("value"))
    return {row["membership_id"]: (row["count"], row["value_sum"] or ZERO) for row in grouped}


def average_conversion_value(*, organization: Organization, period: Period) -> Decimal | None:
    """The period's average value of an attributed conversion that has one: the
    organisation's own yardstick for conversion value (see analytics.lib.recognition)."""
    found = (
        _attributed_conversions(organization=organization, period=period)
        .filter(value__isnull=False, value__gt=0)
        .aggregate(average=Avg("value"))["average"]
    )
    return Decimal(found) if found is not None else None


def _member_originality(
    *, organization: Organization, period: Period, member_q: Q, row_q: Q, points_only: bool
) -> dict[int, float]:
    since, until = period_bounds(organization=organization, period=period)
    rows = Share.objects.filter(
        row_q,
        member_q,
        organization=organization,
        state=ShareState.POSTED,
        posted_at__gte=since,
        posted_at__lt=until,
        originality__isnull=False,
    )
    if points_only:
        rows = rows.exclude(network__in=recognition.INCENTIVE_FORBIDDEN_NETWORKS)
    grouped = rows.order_by().values("membership_id").annotate(average=Avg("originality"))
    return {row["membership_id"]: float(row["average"]) for row in grouped}


@dataclass(frozen=True)
class _Figures:
    members: dict[int, _Member]
    activities: list[Activity]
    average_value: Decimal | None


def _figures(
    *,
    organization: Organization,
    period: Period,
    segment: Segment | None = None,
    roles: Iterable[str] | None = None,
    exclude_roles: Iterable[str] = (),
    points_only: bool = False,
    with_originality: bool = False,
) -> _Figures:
    """Every member in scope (active members, and anyone else with activity in the
    period) with their aggregated figures: a handful of grouped queries in all."""
    members = Membership.objects.filter(organization=organization)
    if segment is not None and segment.is_people:
        members = segment_members(organization=organization, segment=segment)
    if roles is not None:
        members = members.filter(role__in=list(roles))
    members = members.exclude(role__in=list(exclude_roles))
    member_q = Q(membership_id__in=members.values("pk"))
    row_q = _rollup_filter(segment)
    rollups = _member_rollups(
        organization=organization, period=period, member_q=member_q, row_q=row_q, points_only=points_only
    )
    conversions = _member_conversions(
        organization=organization, period=period, member_q=member_q, row_q=row_q, points_only=points_only
    )
    originality = (
        _member_originality(
            organization=organization, period=period, member_q=member_q, row_q=row_q, points_only=points_only
        )
        if with_originality
        else {}
    )
    active_ids = set(rollups) | set(conversions)
    people = _members(
        members.filter(Q(status=MembershipStatus.ACTIVE) | Q(pk__in=active_ids)).order_by().values(*_MEMBER_FIELDS)
    )
    activities = []
    for pk in people:
        rollup = rollups.get(pk, {})
        count, value = conversions.get(pk, (0, ZERO))
        activities.append(
            Activity(
                key=pk,
                shares=rollup.get("shares", 0),
                clicks=rollup.get("clicks", 0),
                reach=rollup.get("reach", 0),
                conversions=count,
                conversion_value=value,
                originality=originality.get(pk),
            )
        )
    return _Figures(
        members=people,
        activities=activities,
        average_value=average_conversion_value(organization=organization, period=period),
    )


def _person(member: _Member, activity: Activity, impact: float, tier: Tier = Tier.MAJORITY) -> PersonFigures:
    return PersonFigures(
        membership_id=member.pk,
        public_id=member.public_id,
        name=member.name,
        role=member.role,
        department=member.department,
        shares=activity.shares,
        clicks=activity.clicks,
        reach=activity.reach,
        conversions=activity.conversions,
        conversion_value=activity.conversion_value,
        originality=activity.originality,
        impact=impact,
        tier=tier,
    )


def _check_people_segment(segment: Segment | None) -> None:
    if segment is not None and segment.dimension == "topic":
        raise SegmentError("People reports can be narrowed by department, location, group or network, not by topic.")


# Participation tiers ------------------------------------------------------------------


@dataclass(frozen=True)
class TiersReport:
    period: Period
    segment: Segment | None
    population: int  # members the percentages are of
    summaries: tuple[recognition.TierSummary, ...]
    top: list[PersonFigures]
    contributors: list[PersonFigures]
    # In the 90 despite sharing a lot, with little to show per share: people to help
    # (better content, better timing, their own words).
    quiet_sharers: list[PersonFigures]
    average_conversion_value: Decimal | None
    quiet_min_shares: int = QUIET_SHARER_MIN_SHARES

    @property
    def has_activity(self) -> bool:
        return bool(self.top or self.contributors or self.quiet_sharers)

    def summary(self, tier: Tier) -> recognition.TierSummary:
        return next(summary for summary in self.summaries if summary.tier == tier)


def participation_tiers(*, organization: Organization, period: Period, segment: Segment | None = None) -> TiersReport:
    """Members (executives aside) in the 1 / 9 / 90 by business impact over `period`."""
    _check_people_segment(segment)
    figures = _figures(organization=organization, period=period, segment=segment, exclude_roles=[Role.EXECUTIVE])
    split = recognition.participation_split(figures.activities, average_conversion_value=figures.average_value)
    people = [_person(figures.members[row.activity.key], row.activity, row.impact, row.tier) for row in split.ranked]
    shares = sum(p.shares for p in people)
    baseline = sum(p.impact for p in people) / shares if shares else 0.0
    quiet = [
        p
        for p in people
        if p.tier == Tier.MAJORITY
        and p.shares >= QUIET_SHARER_MIN_SHARES
        and p.impact < QUIET_SHARER_RATIO * baseline * p.shares
    ]
    quiet.sort(key=lambda person: (-person.shares, person.name))
    return TiersReport(
        period=period,
        segment=segment,
        population=len(people),
        summaries=split.summaries,
        top=[p for p in people if p.tier == Tier.TOP],
        contributors=[p for p in people if p.tier == Tier.CONTRIBUTORS],
        quiet_sharers=quiet,
        average_conversion_value=figures.average_value,
    )


# Champions ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChampionFigures:
    person: PersonFigures
    impact_per_share: float
    ratio: float


@dataclass(frozen=True)
class ChampionsReport:
    period: Period
    champions: list[ChampionFigures]
    baseline_impact_per_share: float
    min_shares: int = recognition.CHAMPION_MIN_SHARES
    ratio: float = recognition.CHAMPION_RATIO


def champions(*, organization: Organization, period: Period, limit: int = 10) -> ChampionsReport:
    """Members with outsized impact for their effort (analytics.lib.recognition)."""
    figures = _figures(organization=organization, period=period, exclude_roles=[Role.EXECUTIVE])
    found, baseline = recognition.champion_list(
        figures.activities, average_conversion_value=figures.average_value, limit=limit
    )
    return ChampionsReport(
        period=period,
        champions=[
            ChampionFigures(
                person=_person(figures.members[c.scored.activity.key], c.scored.activity, c.scored.impact),
                impact_per_share=c.impact_per_share,
                ratio=c.ratio,
            )
            for c in found
        ],
        baseline_impact_per_share=baseline,
    )


# Leaders -------------------------------------------------------------------------------


@dataclass(frozen=True)
class LeadersReport:
    period: Period
    leaders: list[PersonFigures]  # every executive, most impact first
    executives: int
    active_executives: int  # who posted at least once in the period
    shares: int
    reach: int
    clicks: int
    conversions: int
    reach_percent: float | None  # of the organisation's reach; None when it has none
    clicks_percent: float | None


def leaders_activity(*, organization: Organization, period: Period) -> LeadersReport:
    """Executives' participation: their shares, reach, clicks and outcomes, and their part
    of the organisation's reach."""
    figures = _figures(organization=organization, period=period, roles=[Role.EXECUTIVE])
    leaders = [
        _person(
            figures.members[a.key],
            a,
            recognition.impact_score(a, average_conversion_value=figures.average_value),
        )
        for a in figures.activities
    ]
    leaders.sort(key=lambda person: (-person.impact, -person.shares, person.name))
    totals = OrgDay.objects.filter(organization=organization, day__gte=period.start, day__lte=period.end).aggregate(
        reach_sum=Sum(Coalesce("reach", "impressions")), clicks_sum=Sum("clicks")
    )
    reach, clicks = sum(p.reach for p in leaders), sum(p.clicks for p in leaders)
    org_reach, org_clicks = totals["reach_sum"] or 0, totals["clicks_sum"] or 0
    return LeadersReport(
        period=period,
        leaders=leaders,
        executives=len(leaders),
        active_executives=sum(1 for p in leaders if p.shares),
        shares=sum(p.shares for p in leaders),
        reach=reach,
        clicks=clicks,
        conversions=sum(p.conversions for p in leaders),
        reach_percent=round(100 * reach / org_reach, 1) if org_reach else None,
        clicks_percent=round(100 * clicks / org_clicks, 1) if org_clicks else None,
    )


# Recognition ----------------------------------------------------------------------------


def recognition_enabled(*, organization: Organization) -> bool:
    found = (
        AnalyticsSettings.objects.filter(organization=organization)
        .values_list("recognition_enabled", flat=True)
        .first()
    )
    return bool(found)


def hidden_from_rankings(*, membership: Membership) -> bool:
    found = (
        RankingPreference.objects.filter(organization=membership.organization_id, membership=membership)
        .values_list("hide_from_rankings", flat=True)
        .first()
    )
    return bool(found)


@dataclass(frozen=True)
class BoardEntry:
    rank: int
    person: PersonFigures
    points: float


@dataclass(frozen=True)
class RecognitionBoard:
    period: Period
    members: list[BoardEntry]
    executives: list[BoardEntry]
    teams: list[recognition.TeamRow]
    group_by_team: bool
    hidden_count: int  # members who chose to stay off the board
    team_minimum: int = recognition.TEAM_MINIMUM
    forbidden_networks: tuple[str, ...] = field(
        default_factory=lambda: tuple(sorted(recognition.INCENTIVE_FORBIDDEN_NETWORKS))
    )


def recognition_board(
    *, organization: Organization, period: Period, group_by_team: bool = False, limit: int = 50
) -> RecognitionBoard:
    """The recognition board: points for impact and originality per head, executives on
    their own board, optionally teams (departments) per head. Members who opted out are
    not listed; shares on networks that forbid incentives earn nothing. Raises
    RecognitionDisabled unless the organisation turned boards on."""
    if not recognition_enabled(organization=organization):
        raise RecognitionDisabled("Recognition boards are not turned on for this organisation.")
    figures = _figures(organization=organization, period=period, points_only=True, with_originality=True)
    hidden = set(
        RankingPreference.objects.filter(organization=organization, hide_from_rankings=True).values_list(
            "membership_id", flat=True
        )
    )
    average = figures.average_value

    def entries(activities: list[Activity]) -> list[BoardEntry]:
        by_key = {activity.key: activity for activity in activities}
        rows = recognition.board(activities, average_conversion_value=average)[:limit]
        return [
            BoardEntry(
                rank=row.rank,
                person=_person(figures.members[row.key], by_key[row.key], row.impact),
                points=row.points,
            )
            for row in rows
        ]

    executives = [a for a in figures.activities if figures.members[a.key].role == Role.EXECUTIVE]
    others = [a for a in figures.activities if figures.members[a.key].role != Role.EXECUTIVE]
    teams: list[recognition.TeamRow] = []
    if group_by_team:
        points_by_team: dict[str, float] = defaultdict(float)
        for activity in others:
            department = figures.members[activity.key].department
            points_by_team[department] += recognition.recognition_points(activity, average_conversion_value=average)
        sizes = dict(
            Membership.objects.filter(organization=organization, status=MembershipStatus.ACTIVE)
            .exclude(role=Role.EXECUTIVE)
            .exclude(department="")
            .order_by()
            .values("department")
            .annotate(size=Count("pk"))
            .values_list("department", "size")
        )
        teams = recognition.team_board(dict(points_by_team), sizes)
    return RecognitionBoard(
        period=period,
        members=entries([a for a in others if a.key not in hidden]),
        executives=entries([a for a in executives if a.key not in hidden]),
        teams=teams,
        group_by_team=group_by_team,
        hidden_count=sum(1 for a in figures.activities if a.key in hidden),
    )


# My impact -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ShareEffect:
    public_id: uuid.UUID
    network: str
    network_label: str
    posted_at: Any
    item_title: str
    text: str
    external_url: str
    originality: float | None
    impressions: int | None
    reach: int | None
    reactions: int | None
    comments: int | None
    reshares: int | None
    clicks: int
    conversions: int
    conversion_value: Decimal
    measured_at: Any
    earns_points: bool


@dataclass(frozen=True)
class KindCount:
    kind: str
    label: str
    count: int


@dataclass(frozen=True)
class MyImpact:
    period: Period
    shares: int
    reach: int
    impressions: int | None
    reactions: int | None
    clicks: int
    conversions: int
    conversion_value: Decimal
    conversions_by_kind: list[KindCount]
    originality: float | None
    organization_originality: float | None
    last_shares: list[ShareEffect]
    trend: dict[str, list[Any]]  # days, reach, clicks: for the chart
    recognition_enabled: bool
    hidden_from_rankings: bool

    @property
    def has_activity(self) -> bool:
        return bool(self.shares or self.clicks or self.conversions or self.last_shares or self.reach)


def my_impact(*, membership: Membership, period: Period) -> MyImpact:
    """What one member's sharing achieved: reach, clicks, attributed outcomes, their
    originality against the organisation's, and the effect of their last shares.
    Opting out of rankings changes nothing here: it is the member's own view."""
    organization = membership.organization
    days = MemberDay.objects.filter(
        organization=organization, membership=membership, day__gte=period.start, day__lte=period.end
    )
    totals = days.aggregate(
        shares_sum=Sum("shares_posted"),
        reach_sum=Sum(Coalesce("reach", "impressions")),
        impressions_sum=Sum("impressions"),
        reactions_sum=Sum("reactions"),
        clicks_sum=Sum("clicks"),
    )
    trend_rows = (
        days.order_by("day")
        .values("day")
        .annotate(reach_day=Sum(Coalesce("reach", "impressions")), clicks_day=Sum("clicks"))
    )
    trend: dict[str, list[Any]] = {"days": [], "reach": [], "clicks": []}
    by_day = {row["day"]: row for row in trend_rows}
    for day in period.dates():
        row = by_day.get(day)
        trend["days"].append(day.isoformat())
        trend["reach"].append((row["reach_day"] or 0) if row else 0)
        trend["clicks"].append((row["clicks_day"] or 0) if row else 0)
    conversions = _attributed_conversions(organization=organization, period=period).filter(membership=membership)
    by_kind = list(conversions.order_by().values("kind").annotate(count=Count("pk")).order_by("-count", "kind"))
    conversion_totals = conversions.aggregate(count=Count("pk"), value_sum=Sum("value"))
    since, until = period_bounds(organization=organization, period=period)
    posted = Share.objects.filter(
        organization=organization,
        state=ShareState.POSTED,
        posted_at__gte=since,
        posted_at__lt=until,
        originality__isnull=False,
    )
    mine = posted.filter(membership=membership).aggregate(average=Avg("originality"))["average"]
    everyone = posted.aggregate(average=Avg("originality"))["average"]
    return MyImpact(
        period=period,
        shares=totals["shares_sum"] or 0,
        reach=totals["reach_sum"] or 0,
        impressions=totals["impressions_sum"],
        reactions=totals["reactions_sum"],
        clicks=totals["clicks_sum"] or 0,
        conversions=conversion_totals["count"] or 0,
        conversion_value=conversion_totals["value_sum"] or ZERO,
        conversions_by_kind=[KindCount(row["kind"], _kind_label(row["kind"]), row["count"]) for row in by_kind],
        originality=round(float(mine), 2) if mine is not None else None,
        organization_originality=round(float(everyone), 2) if everyone is not None else None,
        last_shares=last_share_effects(membership=membership),
        trend=trend,
        recognition_enabled=recognition_enabled(organization=organization),
        hidden_from_rankings=hidden_from_rankings(membership=membership),
    )


def _kind_label(kind: str) -> str:
    labels = dict(ConversionKind.choices)
    return str(labels.get(kind, kind))


def last_share_effects(*, membership: Membership, limit: int = LAST_SHARES) -> list[ShareEffect]:
    """The member's latest posted shares with their latest totals and conversions
    (three queries whatever `limit` is)."""
    shares = list(
        Share.objects.filter(organization=membership.organization_id, membership=membership, state=ShareState.POSTED)
        .select_related("item")
        .order_by(F("posted_at").desc(nulls_last=True), "-pk")[:limit]
    )
    ids = [share.pk for share in shares]
    metrics = {
        row.share_id: row
        for row in ShareMetrics.objects.filter(organization=membership.organization_id, share_id__in=ids)
    }
    outcomes = {
        row["share_id"]: (row["count"], row["value_sum"] or ZERO)
        for row in Conversion.objects.filter(organization=membership.organization_id, share_id__in=ids)
        .order_by()
        .values("share_id")
        .annotate(count=Count("pk"), value_sum=Sum("value"))
    }
    effects = []
    for share in shares:
        measured = metrics.get(share.pk)
        count, value = outcomes.get(share.pk, (0, ZERO))
        effects.append(
            ShareEffect(
                public_id=share.public_id,
                network=share.network,
                network_label=Network(share.network).label,
                posted_at=share.posted_at,
                item_title=share.item.title if share.item else "",
                text=share.text,
                external_url=share.external_url,
                originality=share.originality,
                impressions=measured.impressions if measured else None,
                reach=measured.reach if measured else None,
                reactions=measured.reactions if measured else None,
                comments=measured.comments if measured else None,
                reshares=measured.reshares if measured else None,
                clicks=measured.clicks if measured else 0,
                conversions=count,
                conversion_value=value,
                measured_at=measured.captured_at if measured else None,
                earns_points=recognition.earns_points(share.network),
            )
        )
    return effects


# Scorecard -------------------------------------------------------------------------------


@dataclass(frozen=True)
class GoalKpis:
    goal_name: str
    goal_public_id: uuid.UUID
    kpis: list[KpiProgress]

    @property
    def on_track(self) -> int:
        return sum(1 for progress in self.kpis if progress.on_track)


@dataclass(frozen=True)
class LeadingIndicator:
    label: str
    value: int | None
    previous: int | None
    help: str

    @property
    def change_percent(self) -> float | None:
        if self.value is None or not self.previous:
            return None
        return round(100 * (self.value - self.previous) / self.previous, 1)


@dataclass(frozen=True)
class Scorecard:
    period: Period
    membership: Membership
    goals: list[GoalKpis]
    leading: list[LeadingIndicator]

    @property
    def kpi_count(self) -> int:
        return sum(len(goal.kpis) for goal in self.goals)

    @property
    def on_track(self) -> int:
        return sum(goal.on_track for goal in self.goals)

    @property
    def measured(self) -> int:
        return sum(1 for goal in self.goals for progress in goal.kpis if progress.on_track is not None)


def _engagement(*, organization: Organization, period: Period) -> dict[str, int | None]:
    rows = OrgDay.objects.filter(organization=organization, day__gte=period.start, day__lte=period.end)
    totals = rows.aggregate(
        shares_sum=Sum("shares_posted"),
        reach_sum=Sum(Coalesce("reach", "impressions")),
        clicks_sum=Sum("clicks"),
        reactions_sum=Sum("reactions"),
        comments_sum=Sum("comments"),
        reshares_sum=Sum("reshares"),
    )
    sharers = (
        MemberDay.objects.filter(
            organization=organization, day__gte=period.start, day__lte=period.end, shares_posted__gt=0
        )
        .values("membership_id")
        .distinct()
        .count()
    )
    engaged = [totals[name] for name in ("reactions_sum", "comments_sum", "reshares_sum")]
    return {
        "sharers": sharers,
        "shares": totals["shares_sum"] or 0,
        "reach": totals["reach_sum"] or 0,
        "clicks": totals["clicks_sum"] or 0,
        "engagement": None if all(v is None for v in engaged) else sum(v or 0 for v in engaged),
    }


def scorecard(*, organization: Organization, membership: Membership, period: Period) -> Scorecard:
    """The program manager's scorecard: per goal, the KPIs `membership` owns against their
    target over `period`; engagement follows as leading indicators only (it predicts
    outcomes, it is not one)."""
    if membership.organization_id != organization.pk:
        raise ValueError("This member belongs to another organisation.")
    progress = kpis_owned_by(organization=organization, membership=membership, period=period)
    by_goal: dict[int, list[KpiProgress]] = defaultdict(list)
    goals = {}
    for item in progress:
        by_goal[item.kpi.goal_id].append(item)
        goals[item.kpi.goal_id] = item.kpi.goal
    ordered = sorted(goals.values(), key=lambda goal: (goal.position, goal.created_at))
    now_figures = _engagement(organization=organization, period=period)
    before = _engagement(organization=organization, period=period.previous())
    labels = {
        "sharers": ("Members who shared", "People who posted at least once."),
        "shares": ("Shares posted", "Posts by members on every network."),
        "reach": ("People reached", "Reach where networks report it, else impressions."),
        "clicks": ("Tracked clicks", "Visits to the company's pages through members' links, bots excluded."),
        "engagement": ("Reactions, comments and reshares", "As the networks count them."),
    }
    leading = [
        LeadingIndicator(label=label, value=now_figures[key], previous=before[key], help=text)
        for key, (label, text) in labels.items()
    ]
    return Scorecard(
        period=period,
        membership=membership,
        goals=[GoalKpis(goal.name, goal.public_id, by_goal[goal.pk]) for goal in ordered],
        leading=leading,
    )


def scorecard_owners(*, organization: Organization) -> list[Membership]:
    """Members a scorecard can be shown for: active managers and admins, and anyone who
    owns a KPI."""
    owner_ids = Kpi.objects.filter(organization=organization, owner__isnull=False).values("owner_id")
    return list(
        Membership.objects.filter(organization=organization)
        .filter(Q(status=MembershipStatus.ACTIVE, role__in=[Role.ADMIN, Role.MANAGER]) | Q(pk__in=owner_ids))
        .select_related("user")
    )


def period_today(*, organization: Organization) -> date:
    """Today on the organisation's calendar."""
    return timezone.localdate(timezone.now(), organization_zone(organization))
