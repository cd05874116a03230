"""Participation tiers, champions and leaders, as report readers see them."""

from __future__ import annotations

import pytest

from accounts.models import Role
from accounts.tenancy import organization_scope
from analytics.lib.recognition import Tier
from analytics.selectors import people
from analytics.selectors.segments import Segment, SegmentError
from tests.analytics.people_support import conversion, gains, last_30_days, member, sharing, turn_recognition
from tests.conftest import Tenant

pytestmark = pytest.mark.django_db


def names(rows: list[people.PersonFigures]) -> list[str]:
    return [row.name for row in rows]


def test_a_member_whose_one_share_brought_three_hires_is_in_the_1_percent(tenant_a: Tenant) -> None:
    hirer = member(tenant_a, "Hana Hirer")
    busy = member(tenant_a, "Bo Busy")
    share = sharing(hirer, shares=1, clicks=4, reach=300)[0]
    for _ in range(3):
        conversion(hirer, kind="hire", share=share)
    sharing(busy, shares=40, clicks=0, reach=None)
    with organization_scope(tenant_a.organization):
        report = people.participation_tiers(organization=tenant_a.organization, period=last_30_days())
    assert names(report.top) == ["Hana Hirer"]
    assert "Bo Busy" not in names(report.top) + names(report.contributors)
    assert names(report.quiet_sharers) == ["Bo Busy"]
    assert report.summary(Tier.TOP).conversions == 3


def test_executives_are_not_in_the_tiers_but_in_leaders_activity(tenant_a: Tenant) -> None:
    sharing(tenant_a.executive, shares=3, clicks=50, reach=9000)
    sharing(tenant_a.employee, shares=2, clicks=10, reach=1000)
    conversion(tenant_a.executive, kind="lead")
    with organization_scope(tenant_a.organization):
        tiers = people.participation_tiers(organization=tenant_a.organization, period=last_30_days())
        leaders = people.leaders_activity(organization=tenant_a.organization, period=last_30_days())
    everyone = names(tiers.top + tiers.contributors)
    assert tenant_a.executive.user.full_name not in everyone
    assert tenant_a.employee.user.full_name in everyone
    assert names(leaders.leaders) == [tenant_a.executive.user.full_name]
    assert leaders.shares == 3 and leaders.clicks == 50 and leaders.conversions == 1
    assert leaders.active_executives == 1 and leaders.reach_percent == 90.0


def test_champions_have_outsized_impact_for_their_effort(tenant_a: Tenant) -> None:
    steady = member(tenant_a, "Stella Steady")
    lucky = member(tenant_a, "Lou Lucky")
    busy = member(tenant_a, "Bo Busy")
    sharing(steady, shares=4, clicks=40)
    for _ in range(2):
        conversion(steady, kind="lead")
    sharing(lucky, shares=1)
    for _ in range(4):
        conversion(lucky, kind="lead")
    sharing(busy, shares=50, clicks=20, reach=4000)
    with organization_scope(tenant_a.organization):
        report = people.champions(organization=tenant_a.organization, period=last_30_days(), limit=5)
    assert [c.person.name for c in report.champions] == ["Stella Steady"]
    assert report.champions[0].ratio >= report.ratio


def test_tiers_narrow_to_a_department_and_refuse_a_topic(tenant_a: Tenant) -> None:
    sales = member(tenant_a, "Sam Sales", department="Sales")
    sharing(sales, shares=1, clicks=5)
    sharing(tenant_a.employee, shares=1, clicks=9)
    with organization_scope(tenant_a.organization):
        report = people.participation_tiers(
            organization=tenant_a.organization,
            period=last_30_days(),
            segment=Segment("department", "Sales", "Sales"),
        )
        assert names(report.top) == ["Sam Sales"]
        assert report.population == 1
        with pytest.raises(SegmentError):
            people.participation_tiers(
                organization=tenant_a.organization,
                period=last_30_days(),
                segment=Segment("topic", str(tenant_a.topic.public_id), "Topic"),
            )


def test_unknown_reach_counts_impressions_and_nothing_when_neither_is_known(tenant_a: Tenant) -> None:
    gains(tenant_a.employee, shares=1, impressions=2000, reach=None)
    gains(tenant_a.manager, shares=1, network="x")
    with organization_scope(tenant_a.organization):
        report = people.participation_tiers(organization=tenant_a.organization, period=last_30_days())
    assert [(p.name, p.reach) for p in report.top] == [(tenant_a.employee.user.full_name, 2000)]


def test_the_tiers_are_computed_in_a_few_queries_whatever_the_headcount(
    tenant_a: Tenant, django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    for n in range(30):
        someone = member(tenant_a, f"Person {n}")
        gains(someone, shares=n % 4, clicks=n, reach=100 * n)
        if n % 7 == 0:
            conversion(someone, value=100 + n)
    with organization_scope(tenant_a.organization), django_assert_max_num_queries(6):
        report = people.participation_tiers(organization=tenant_a.organization, period=last_30_days())
    assert report.population == 33  # the 30, the admin, the manager, the employee; not the executive or the invitee
    with organization_scope(tenant_a.organization), django_assert_max_num_queries(6):
        people.champions(organization=tenant_a.organization, period=last_30_days())
    with organization_scope(tenant_a.organization), django_assert_max_num_queries(7):
        people.leaders_activity(organization=tenant_a.organization, period=last_30_days())


def test_another_organisations_people_never_appear(tenant_a: Tenant, tenant_b: Tenant) -> None:
    sharing(tenant_b.employee, shares=3, clicks=99, reach=9000)
    conversion(tenant_b.employee, kind="hire")
    sharing(tenant_b.executive, shares=3, clicks=99)
    with organization_scope(tenant_a.organization):
        tiers = people.participation_tiers(organization=tenant_a.organization, period=last_30_days())
        leaders = people.leaders_activity(organization=tenant_a.organization, period=last_30_days())
        found = people.champions(organization=tenant_a.organization, period=last_30_days())
    assert tiers.top == [] and tiers.contributors == [] and found.champions == []
    assert leaders.shares == 0 and leaders.clicks == 0
    assert all(p.role == Role.EXECUTIVE for p in leaders.leaders)
    assert tenant_b.executive.public_id not in [p.public_id for p in leaders.leaders]


def test_the_board_and_my_impact_take_a_fixed_number_of_queries(
    tenant_a: Tenant, django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    turn_recognition(tenant_a, on=True)
    for n in range(20):
        sharing(member(tenant_a, f"Person {n}", department="Sales" if n % 2 else "Support"), shares=1, clicks=n)
    with organization_scope(tenant_a.organization), django_assert_max_num_queries(9):
        board = people.recognition_board(organization=tenant_a.organization, period=last_30_days(), group_by_team=True)
    assert len(board.members) == 19 and {team.team for team in board.teams} == {"Sales", "Support"}
    with organization_scope(tenant_a.organization), django_assert_max_num_queries(12):
        people.my_impact(membership=tenant_a.employee, period=last_30_days())
