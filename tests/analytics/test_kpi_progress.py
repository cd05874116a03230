"""KPI progress: the actual over a period from its sources, the target prorated to the
period, on track by direction, a series for the chart, and segments that values
(organisation totals) cannot be split by."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from accounts.tenancy import organization_scope, scopes_disabled
from analytics.lib.periods import Period
from analytics.models import Conversion, KpiValue
from analytics.selectors.goals import goals_progress, kpi_progress, kpis_owned_by, prorated_target
from analytics.selectors.segments import Segment
from tests.analytics.goals_support import goal_of, kpi_of, share_with_link
from tests.conftest import Tenant

pytestmark = pytest.mark.django_db

Q1 = Period(start=date(2026, 1, 1), end=date(2026, 3, 31))
JANUARY = Period(start=date(2026, 1, 1), end=date(2026, 1, 31))


def value(tenant: Tenant, kpi, on: date, amount: str, source: str = "manual") -> None:  # type: ignore[no-untyped-def]
    with scopes_disabled():  # test data
        KpiValue.objects.create(
            organization=tenant.organization, kpi=kpi, on_date=on, value=Decimal(amount), source=source, note="n"
        )


def progress(tenant: Tenant, kpi, period: Period = Q1, segment: Segment | None = None):  # type: ignore[no-untyped-def]
    with organization_scope(tenant.organization):
        return kpi_progress(organization=tenant.organization, kpi=kpi, period=period, segment=segment)


def test_a_whole_calendar_quarter_gets_the_quarterly_target() -> None:
    assert prorated_target(target=Decimal(300), kpi_period="quarter", period=Q1) == Decimal("300.00")


def test_a_month_gets_its_days_share_of_a_quarterly_target() -> None:
    assert prorated_target(target=Decimal(90), kpi_period="quarter", period=JANUARY) == Decimal("31.00")


def test_a_period_across_two_months_adds_each_months_share() -> None:
    period = Period(start=date(2026, 1, 17), end=date(2026, 2, 14))  # 15 of 31 days + 14 of 28 days
    assert prorated_target(target=Decimal(62), kpi_period="month", period=period) == Decimal("61.00")


def test_a_yearly_target_over_a_leap_year_quarter() -> None:
    period = Period(start=date(2028, 1, 1), end=date(2028, 3, 31))  # 91 of 366 days
    assert prorated_target(target=Decimal(366), kpi_period="year", period=period) == Decimal("91.00")


def test_an_executive_sees_kpi_progress_against_the_target(tenant_a: Tenant) -> None:
    kpi = kpi_of(tenant_a, target=Decimal(300))
    value(tenant_a, kpi, date(2026, 1, 10), "100", "csv")
    value(tenant_a, kpi, date(2026, 2, 10), "80", "api")
    value(tenant_a, kpi, date(2026, 3, 10), "20", "manual")
    value(tenant_a, kpi, date(2026, 4, 1), "999", "manual")  # outside the quarter
    result = progress(tenant_a, kpi)
    assert result.actual == Decimal(200)
    assert result.target == Decimal("300.00") and result.prorated is False
    assert result.percent_of_target == Decimal("66.7")
    assert result.on_track is False
    assert result.sources == {"csv": Decimal(100), "api": Decimal(80), "manual": Decimal(20)}
    assert result.segmentable is False  # values are organisation totals


def test_the_target_is_prorated_and_the_page_says_so(tenant_a: Tenant) -> None:
    kpi = kpi_of(tenant_a, target=Decimal(90))
    value(tenant_a, kpi, date(2026, 1, 5), "40")
    result = progress(tenant_a, kpi, JANUARY)
    assert result.target == Decimal("31.00") and result.prorated
    assert "prorated" in result.target_note and "31" in result.target_note
    assert result.on_track is True


def test_lower_is_better_is_on_track_under_the_target(tenant_a: Tenant) -> None:
    kpi = kpi_of(
        tenant_a, name="Cost per hire", unit="EUR", target=Decimal(3000), direction="down", aggregation="latest"
    )
    value(tenant_a, kpi, date(2026, 1, 31), "3500")
    value(tenant_a, kpi, date(2026, 3, 31), "2800")
    result = progress(tenant_a, kpi)
    assert result.actual == Decimal(2800)  # the latest, not the sum
    assert result.target == Decimal(3000) and not result.prorated  # a level is not prorated
    assert result.on_track is True


def test_a_latest_value_prefers_a_persons_correction_on_the_same_day(tenant_a: Tenant) -> None:
    kpi = kpi_of(tenant_a, aggregation="latest", target=Decimal(10))
    value(tenant_a, kpi, date(2026, 3, 1), "7", "csv")
    value(tenant_a, kpi, date(2026, 3, 1), "8", "manual")
    result = progress(tenant_a, kpi)
    assert result.actual == Decimal(8) and result.sources == {"manual": Decimal(8)}


def test_no_values_means_no_data_not_zero(tenant_a: Tenant) -> None:
    result = progress(tenant_a, kpi_of(tenant_a))
    assert result.actual is None and result.on_track is None and result.percent_of_target is None


def test_the_series_has_a_point_per_day_for_a_month_and_per_week_for_a_year(tenant_a: Tenant) -> None:
    kpi = kpi_of(tenant_a)
    value(tenant_a, kpi, date(2026, 1, 7), "5")
    daily = progress(tenant_a, kpi, JANUARY)
    assert daily.series_grain == "day" and len(daily.series) == 31
    assert daily.series[6] == (date(2026, 1, 7), Decimal(5))
    weekly = progress(tenant_a, kpi, Period(start=date(2026, 1, 1), end=date(2026, 12, 31)))
    assert weekly.series_grain == "week" and 52 <= len(weekly.series) <= 54
    assert sum(amount for _, amount in weekly.series) == Decimal(5)


def test_values_cannot_be_split_by_segment_and_the_progress_says_so(tenant_a: Tenant) -> None:
    kpi = kpi_of(tenant_a)
    value(tenant_a, kpi, date(2026, 1, 7), "5")
    segment = Segment("department", "Sales", "Sales")
    result = progress(tenant_a, kpi, segment=segment)
    assert result.actual is None and result.segmentable is False
    assert "cannot be split" in result.segment_note


def _conversion(
    tenant: Tenant, event: str, *, share=None, kind: str = "lead", value: str | None = None, day: int = 5
) -> None:  # type: ignore[no-untyped-def]
    with scopes_disabled():  # test data
        Conversion.objects.create(
            organization=tenant.organization,
            event_id=event,
            kind=kind,
            occurred_at=datetime(2026, 1, day, 12, tzinfo=UTC),
            source="api",
            value=Decimal(value) if value else None,
            currency="EUR" if value else "",
            share=share,
            membership=share.membership if share else None,
            item=share.item if share else None,
            network=share.network if share else "",
            clicked_at=datetime(2026, 1, day, 11, tzinfo=UTC) - timedelta(days=1) if share else None,
        )


def test_a_conversion_kpi_counts_attributed_conversions_of_its_kind(tenant_a: Tenant) -> None:
    share, _link = share_with_link(tenant_a)
    _conversion(tenant_a, "a", share=share)
    _conversion(tenant_a, "b", share=share)
    _conversion(tenant_a, "c", share=share, kind="hire")
    _conversion(tenant_a, "d")  # unattributed: not the program's
    kpi = kpi_of(tenant_a, measure="conversion_count", conversion_kind="lead", target=Decimal(10))
    result = progress(tenant_a, kpi)
    assert result.actual == Decimal(2) and result.sources == {"conversions": Decimal(2)}
    assert result.segmentable is True


def test_a_conversion_value_kpi_sums_values_and_splits_by_group(tenant_a: Tenant) -> None:
    share, _link = share_with_link(tenant_a)  # by the employee, who is in the group
    other, _ = share_with_link(tenant_a, member=tenant_a.manager)
    _conversion(tenant_a, "a", share=share, kind="purchase", value="100.50")
    _conversion(tenant_a, "b", share=other, kind="purchase", value="50")
    kpi = kpi_of(tenant_a, measure="conversion_value", conversion_kind="purchase", unit="EUR", target=Decimal(1000))
    assert progress(tenant_a, kpi).actual == Decimal("150.50")
    group = Segment("group", str(tenant_a.group.public_id), tenant_a.group.name)
    assert progress(tenant_a, kpi, segment=group).actual == Decimal("100.50")


def test_goals_progress_lists_active_goals_with_their_kpis(tenant_a: Tenant, tenant_b: Tenant) -> None:
    goal = goal_of(tenant_a, name="Hire engineers")
    kpi_of(tenant_a, goal=goal, name="Hires")
    goal_of(tenant_a, name="Old goal", is_archived=True)
    kpi_of(tenant_b, name="Globex KPI")
    with organization_scope(tenant_a.organization):
        result = goals_progress(organization=tenant_a.organization, period=Q1)
        owned = kpis_owned_by(organization=tenant_a.organization, membership=tenant_a.manager, period=Q1)
    assert [entry.goal.name for entry in result] == ["Hire engineers"]
    assert [p.kpi.name for p in result[0].kpis] == ["Hires"]
    assert [p.kpi.name for p in owned] == ["Hires"]


def test_another_organisations_kpi_is_refused(tenant_a: Tenant, tenant_b: Tenant) -> None:
    kpi_b = kpi_of(tenant_b)
    with organization_scope(tenant_a.organization), pytest.raises(ValueError):
        kpi_progress(organization=tenant_a.organization, kpi=kpi_b, period=Q1)
