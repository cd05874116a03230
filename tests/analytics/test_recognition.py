"""The recognition rules on their own: impact, tiers, champions, boards, Facebook."""

from __future__ import annotations

from decimal import Decimal

from analytics.lib import recognition
from analytics.lib.recognition import Activity, Tier


def test_share_count_alone_earns_no_impact() -> None:
    assert recognition.impact_score(Activity(key=1, shares=40), average_conversion_value=None) == 0


def test_outcomes_weigh_more_than_a_lot_of_reach() -> None:
    hires = Activity(key=1, shares=1, conversions=3)
    busy = Activity(key=2, shares=40, reach=20_000, clicks=0)
    assert recognition.impact_score(hires, average_conversion_value=None) > recognition.impact_score(
        busy, average_conversion_value=None
    )


def test_conversion_value_is_measured_against_the_average_valued_conversion() -> None:
    average = Decimal(500)
    ordinary = Activity(key=1, conversions=1, conversion_value=Decimal(500))
    big_deal = Activity(key=2, conversions=1, conversion_value=Decimal(5000))
    assert recognition.impact_score(ordinary, average_conversion_value=average) == 200
    assert recognition.impact_score(big_deal, average_conversion_value=average) == 1100


def test_a_member_with_one_share_that_brought_three_hires_is_in_the_1_percent() -> None:
    activities = [Activity(key="hirer", shares=1, conversions=3), Activity(key="busy", shares=40, reach=5000)]
    activities += [Activity(key=f"quiet-{n}") for n in range(98)]
    split = recognition.participation_split(activities, average_conversion_value=None)
    assert [row.activity.key for row in split.of(Tier.TOP)] == ["hirer"]
    assert "busy" not in [row.activity.key for row in split.of(Tier.TOP)]


def test_a_member_with_forty_shares_and_no_clicks_or_reach_stays_in_the_90() -> None:
    activities = [Activity(key="busy", shares=40), Activity(key="one", shares=1, clicks=2)]
    split = recognition.participation_split(activities, average_conversion_value=None)
    tiers = {row.activity.key: row.tier for row in split.ranked}
    assert tiers == {"one": Tier.TOP, "busy": Tier.MAJORITY}


def test_tier_sizes_follow_1_9_90_and_stay_sensible_in_small_organisations() -> None:
    assert recognition.tier_sizes(1000) == (10, 90)
    assert recognition.tier_sizes(100) == (1, 9)
    assert recognition.tier_sizes(15) == (1, 1)
    assert recognition.tier_sizes(5) == (1, 1)
    assert recognition.tier_sizes(2) == (1, 0)
    assert recognition.tier_sizes(0) == (0, 0)


def test_ties_at_a_boundary_go_to_the_higher_tier() -> None:
    activities = [Activity(key=n, clicks=10) for n in range(3)] + [Activity(key=f"q{n}") for n in range(7)]
    split = recognition.participation_split(activities, average_conversion_value=None)
    assert len(split.of(Tier.TOP)) == 3
    assert split.of(Tier.CONTRIBUTORS) == []


def test_members_without_rows_count_in_the_population() -> None:
    split = recognition.participation_split([Activity(key=1, clicks=5)], average_conversion_value=None, population=200)
    majority = next(summary for summary in split.summaries if summary.tier == Tier.MAJORITY)
    assert majority.members == 199
    top = next(summary for summary in split.summaries if summary.tier == Tier.TOP)
    assert top.impact_percent == 100.0


def test_one_lucky_share_does_not_make_a_champion() -> None:
    activities = [
        Activity(key="lucky", shares=1, conversions=5),
        Activity(key="steady", shares=4, conversions=4),
        Activity(key="busy", shares=60, clicks=30),
    ]
    found, baseline = recognition.champion_list(activities, average_conversion_value=None)
    assert [champion.scored.activity.key for champion in found] == ["steady"]
    assert baseline > 0 and found[0].ratio >= recognition.CHAMPION_RATIO


def test_originality_weights_recognition_points() -> None:
    own = Activity(key=1, clicks=100, originality=1.0)
    copied = Activity(key=2, clicks=100, originality=0.0)
    assert recognition.recognition_points(own, average_conversion_value=None) == 100
    assert recognition.recognition_points(copied, average_conversion_value=None) == 50


def test_equal_points_share_a_rank() -> None:
    rows = recognition.board(
        [Activity(key="a", clicks=10, originality=1), Activity(key="b", clicks=10, originality=1)],
        average_conversion_value=None,
    )
    assert [row.rank for row in rows] == [1, 1]


def test_teams_are_compared_per_head_and_small_teams_are_left_out() -> None:
    rows = recognition.team_board(
        {"Sales": 400.0, "Design": 300.0, "Legal": 900.0}, {"Sales": 40, "Design": 5, "Legal": 2}
    )
    assert [(row.team, row.points_per_head) for row in rows] == [("Design", 60.0), ("Sales", 10.0)]


def test_facebook_shares_earn_no_points() -> None:
    assert not recognition.earns_points("facebook")
    assert recognition.earns_points("linkedin")
    assert "facebook" in recognition.INCENTIVE_FORBIDDEN_NETWORKS
