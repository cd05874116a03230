"""Who makes a difference, framework-free: the impact score, the 1 / 9 / 90 participation
tiers, champions, and the recognition boards' points.

Everything here ranks people by what their sharing *achieved* for the business, never
by how much they shared: the number of shares is not a term of any score (it is only
the denominator of the champion rule, "impact per share", which rewards doing more
with less).

**The impact score** of a member over a period:

    impact = 100 × conversions
           + 100 × (attributed conversion value / the period's average value of a valued conversion)
           + 1 × tracked clicks
           + 2 × people reached / 1,000

Why these weights:

- **Outcomes first.** A conversion (a lead, an application, a hire, a purchase) is what
  the program exists for. At the 1–2 % click-to-conversion rates of social traffic it
  takes 50–100 clicks to bring one, so 100 points puts one outcome above everything
  but an exceptional amount of traffic.
- **Value without a currency.** Value is measured against the organisation's own
  average valued conversion in the period, so a conversion of average value earns a
  second 100 points, a deal ten times the average earns 1,000, and the score means the
  same in euros or yen, in a small firm or a large one. A conversion without a value
  earns its 100 points only.
- **Then reach, through the people it brings.** A tracked click is a person arriving
  on the company's site: 1 point. Reach is worth less than the clicks it usually brings
  (LinkedIn's typical 0.5–1 % click-through makes 1,000 people reached worth 5–10
  clicks): 2 points per 1,000 rewards being seen, but mostly being seen by people who
  then act.
- **Unknown is not zero, and is not guessed.** Reach is the network's reach where it
  reports one, its impressions where that is all it reports (an upper estimate of
  the people reached, never more than the network counted), and nothing where it
  reports neither.

**Tiers.** Members are ranked by impact; the top 1 % (at least one person) form the
"1", the next 9 % (at least one person as soon as there are three members) the "9",
everyone else the "90" — including every member with no impact at all, however much
they shared. Only a member with some impact can be in the 1 or the 9. Ties at a
boundary go to the higher tier, so nobody sits below someone with the same impact.

**Champions** have outsized impact relative to effort: impact per share at least
twice the organisation's, with at least three shares in the period so that one lucky
post does not make a champion.

**Recognition boards** (when the organisation turns them on) score each person by
impact weighted by originality, `impact × (½ + ½ × average originality)`: own words
count in full, a copied caption half. Executives are ranked on their own board.
Teams are compared per head (points divided by the team's active members), and only
teams of at least `TEAM_MINIMUM` members are shown, so a team's figure never stands
for one person. Shares on networks in `INCENTIVE_FORBIDDEN_NETWORKS` earn no points.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from enum import StrEnum
from typing import Any

from content.lib.networks import Network

CONVERSION_POINTS = 100.0
VALUE_POINTS = 100.0  # per average valued conversion's worth of value
CLICK_POINTS = 1.0
REACH_POINTS_PER_THOUSAND = 2.0

TOP_PERCENT = 1
CONTRIBUTOR_PERCENT = 9
MIN_MEMBERS_FOR_CONTRIBUTORS = 3

CHAMPION_MIN_SHARES = 3
CHAMPION_RATIO = 2.0

ORIGINALITY_FLOOR = 0.5  # a fully copied caption still earns half its impact
TEAM_MINIMUM = 5

# Networks on which shares earn no recognition points.
#
# FACEBOOK: Meta's Platform Policy forbids incentivising people to post to Facebook
# ("Don't incentivize other actions": rewards are allowed only for logging in to an
# app, entering a promotion on the app's Page or checking in at a place; see the
# policies deep dive, developers.facebook.com/docs/apps/policies/policies-deep-dive).
# Points, badges and board places for Facebook shares are such a reward, so those
# shares still count in the organisation's reports (what was achieved) but never in
# anyone's recognition score (what is rewarded).
INCENTIVE_FORBIDDEN_NETWORKS: frozenset[str] = frozenset({Network.FACEBOOK.value})


def earns_points(network: str) -> bool:
    """Whether a share on `network` may earn recognition points."""
    return network not in INCENTIVE_FORBIDDEN_NETWORKS


class Tier(StrEnum):
    TOP = "1"
    CONTRIBUTORS = "9"
    MAJORITY = "90"

    @property
    def label(self) -> str:
        return {
            Tier.TOP: "The 1 %: highest impact",
            Tier.CONTRIBUTORS: "The 9 %: regular impact",
            Tier.MAJORITY: "The 90 %: little or no impact yet",
        }[self]


@dataclass(frozen=True)
class Activity:
    """A member's aggregated figures for a period: the input of every rule here."""

    key: Any  # the caller's id of the member
    shares: int = 0
    clicks: int = 0
    reach: int = 0  # reach where reported, else impressions, else nothing
    conversions: int = 0
    conversion_value: Decimal = Decimal(0)
    originality: float | None = None  # average over the period's shares; None without shares


@dataclass(frozen=True)
class Scored:
    activity: Activity
    impact: float
    tier: Tier = Tier.MAJORITY


@dataclass(frozen=True)
class TierSummary:
    tier: Tier
    members: int
    impact: float
    impact_percent: float  # of the organisation's impact, 0–100
    conversions: int
    clicks: int
    reach: int
    min_impact: float | None  # the lowest impact in the tier; None when empty


@dataclass(frozen=True)
class TierSplit:
    ranked: tuple[Scored, ...]  # highest impact first
    summaries: tuple[TierSummary, ...] = field(default_factory=tuple)

    def of(self, tier: Tier) -> list[Scored]:
        return [row for row in self.ranked if row.tier == tier]


def impact_score(activity: Activity, *, average_conversion_value: Decimal | None) -> float:
    """The impact score (module docstring); share count is deliberately not a term."""
    score = CONVERSION_POINTS * activity.conversions
    if average_conversion_value and average_conversion_value > 0 and activity.conversion_value > 0:
        score += VALUE_POINTS * float(activity.conversion_value / average_conversion_value)
    score += CLICK_POINTS * activity.clicks
    score += REACH_POINTS_PER_THOUSAND * activity.reach / 1000
    return round(score, 2)


def tier_sizes(population: int) -> tuple[int, int]:
    """How many places the 1 and the 9 have among `population` members (before ties and
    before leaving out members without impact)."""
    if population <= 0:
        return 0, 0
    top = max(1, math.ceil(population * TOP_PERCENT / 100))
    cumulative = math.ceil(population * (TOP_PERCENT + CONTRIBUTOR_PERCENT) / 100)
    if population >= MIN_MEMBERS_FOR_CONTRIBUTORS:
        cumulative = max(cumulative, top + 1)
    return top, max(0, cumulative - top)


def participation_split(
    activities: Iterable[Activity], *, average_conversion_value: Decimal | None, population: int | None = None
) -> TierSplit:
    """Members ranked by impact and split into the 1 / 9 / 90. `population` is the
    number of members the percentages are of (default: the activities given; members
    without a row count as having no impact)."""
    scored = [Scored(a, impact_score(a, average_conversion_value=average_conversion_value)) for a in activities]
    scored.sort(key=lambda row: -row.impact)
    size = max(population if population is not None else len(scored), len(scored))
    top_places, contributor_places = tier_sizes(size)
    ranked: list[Scored] = []
    for index, row in enumerate(scored):
        if row.impact <= 0:
            tier = Tier.MAJORITY
        elif index < top_places or (ranked and ranked[-1].tier == Tier.TOP and ranked[-1].impact == row.impact):
            tier = Tier.TOP
        elif index < top_places + contributor_places or (
            ranked and ranked[-1].tier == Tier.CONTRIBUTORS and ranked[-1].impact == row.impact
        ):
            tier = Tier.CONTRIBUTORS
        else:
            tier = Tier.MAJORITY
        ranked.append(replace(row, tier=tier))
    silent = size - len(ranked)
    return TierSplit(ranked=tuple(ranked), summaries=_summaries(ranked, silent=silent))


def _summaries(ranked: Sequence[Scored], *, silent: int) -> tuple[TierSummary, ...]:
    total = sum(row.impact for row in ranked)
    summaries = []
    for tier in Tier:
        rows = [row for row in ranked if row.tier == tier]
        impact = sum(row.impact for row in rows)
        summaries.append(
            TierSummary(
                tier=tier,
                members=len(rows) + (silent if tier == Tier.MAJORITY else 0),
                impact=round(impact, 2),
                impact_percent=round(100 * impact / total, 1) if total else 0.0,
                conversions=sum(row.activity.conversions for row in rows),
                clicks=sum(row.activity.clicks for row in rows),
                reach=sum(row.activity.reach for row in rows),
                min_impact=min((row.impact for row in rows), default=None),
            )
        )
    return tuple(summaries)


@dataclass(frozen=True)
class Champion:
    scored: Scored
    impact_per_share: float
    ratio: float  # impact per share over the organisation's


def champion_list(
    activities: Iterable[Activity], *, average_conversion_value: Decimal | None, limit: int | None = None
) -> tuple[list[Champion], float]:
    """Champions (module docstring), best ratio first, and the organisation's impact per
    share they were compared with."""
    rows = [Scored(a, impact_score(a, average_conversion_value=average_conversion_value)) for a in activities]
    shares = sum(row.activity.shares for row in rows)
    baseline = sum(row.impact for row in rows) / shares if shares else 0.0
    found = []
    for row in rows:
        if row.activity.shares < CHAMPION_MIN_SHARES or row.impact <= 0 or baseline <= 0:
            continue
        per_share = row.impact / row.activity.shares
        ratio = per_share / baseline
        if ratio >= CHAMPION_RATIO:
            found.append(Champion(scored=row, impact_per_share=round(per_share, 2), ratio=round(ratio, 2)))
    found.sort(key=lambda champion: (-champion.ratio, -champion.scored.impact))
    return (found[:limit] if limit is not None else found), round(baseline, 2)


def recognition_points(activity: Activity, *, average_conversion_value: Decimal | None) -> float:
    """Points on a recognition board: impact weighted by originality. The activity must
    already leave out shares on networks that forbid incentives."""
    impact = impact_score(activity, average_conversion_value=average_conversion_value)
    if impact <= 0:
        return 0.0
    originality = activity.originality if activity.originality is not None else 0.0
    originality = min(1.0, max(0.0, originality))
    return round(impact * (ORIGINALITY_FLOOR + (1 - ORIGINALITY_FLOOR) * originality), 2)


@dataclass(frozen=True)
class BoardRow:
    key: Any
    points: float
    impact: float
    originality: float | None
    rank: int  # 1 for the best; equal points share a rank


def board(activities: Iterable[Activity], *, average_conversion_value: Decimal | None) -> list[BoardRow]:
    """A recognition board: members with points, best first; equal points share a rank."""
    rows = []
    for activity in activities:
        points = recognition_points(activity, average_conversion_value=average_conversion_value)
        if points > 0:
            impact = impact_score(activity, average_conversion_value=average_conversion_value)
            rows.append((activity, points, impact))
    rows.sort(key=lambda row: -row[1])
    ranked: list[BoardRow] = []
    for index, (activity, points, impact) in enumerate(rows):
        rank = ranked[-1].rank if ranked and ranked[-1].points == points else index + 1
        ranked.append(BoardRow(activity.key, points, impact, activity.originality, rank))
    return ranked


@dataclass(frozen=True)
class TeamRow:
    team: str
    members: int
    points: float
    points_per_head: float
    rank: int


def team_board(points_by_team: dict[str, float], sizes: dict[str, int]) -> list[TeamRow]:
    """Teams ranked by points per head (a team of 40 does not win by headcount); teams
    smaller than TEAM_MINIMUM are left out so that a figure never stands for one person."""
    rows = [
        (team, size, points_by_team.get(team, 0.0), points_by_team.get(team, 0.0) / size)
        for team, size in sizes.items()
        if team and size >= TEAM_MINIMUM
    ]
    rows.sort(key=lambda row: (-row[3], row[0]))
    ranked: list[TeamRow] = []
    for index, (team, size, points, per_head) in enumerate(rows):
        per_head = round(per_head, 2)
        rank = ranked[-1].rank if ranked and ranked[-1].points_per_head == per_head else index + 1
        ranked.append(TeamRow(team, size, round(points, 2), per_head, rank))
    return ranked
