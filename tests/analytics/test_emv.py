"""Earned media value: the documented formula, per network, in Decimal, and a lower
bound that says so when impressions are unknown or a network has no CPM."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from accounts.tenancy import organization_scope
from analytics.lib.emv import EmvRates, NetworkTotals, earned_media_value
from analytics.lib.periods import Period
from analytics.models import AnalyticsSettings, MemberDay, NetworkRate, OrgDay
from analytics.selectors.goals import analytics_settings, emv_of_rollups, network_rates
from analytics.selectors.segments import Segment, rollup_rows
from tests.conftest import Tenant

RATES = EmvRates(
    currency="EUR",
    cpc=Decimal("0.80"),
    reaction_weight=Decimal("0.25"),
    cpm={"linkedin": Decimal("30"), "x": Decimal("6")},
)


def test_the_formula_is_cpm_times_impressions_per_thousand_plus_cpc_times_weighted_reactions_and_clicks() -> None:
    result = earned_media_value([NetworkTotals("linkedin", impressions=12_000, reactions=40, clicks=25)], RATES)
    # 30 × 12000 / 1000 + 0.80 × (0.25 × 40 + 25) = 360 + 28 = 388
    assert result.value == Decimal("388.00")
    assert result.currency == "EUR"
    assert result.lower_bound is False
    assert result.statement == "Earned media value: 388.00 EUR."


def test_networks_add_up_and_each_keeps_its_own_cpm() -> None:
    result = earned_media_value(
        [
            NetworkTotals("linkedin", impressions=1_000, reactions=0, clicks=0),
            NetworkTotals("x", impressions=1_000, reactions=4, clicks=1),
        ],
        RATES,
    )
    by_network = {row.network: row for row in result.by_network}
    assert by_network["linkedin"].value == Decimal("30.00")
    assert by_network["x"].value == Decimal("7.60")  # 6 + 0.8 × (1 + 1)
    assert result.value == Decimal("37.60")


def test_decimal_arithmetic_rounds_half_up_to_cents_once() -> None:
    rates = EmvRates(currency="USD", cpc=Decimal("0.333"), reaction_weight=Decimal("1"), cpm={})
    result = earned_media_value([NetworkTotals("mastodon", impressions=None, reactions=3, clicks=0)], rates)
    assert result.value == Decimal("1.00")  # 0.999 rounded once, not 0.33 × 3


def test_unknown_impressions_make_the_value_a_lower_bound_and_name_the_network() -> None:
    result = earned_media_value(
        [
            NetworkTotals("linkedin", impressions=1_000, reactions=0, clicks=0),
            NetworkTotals("x", impressions=None, reactions=0, clicks=10),
        ],
        RATES,
    )
    assert result.lower_bound is True
    assert result.unknown_impressions == ("x",)
    assert result.value == Decimal("38.00")
    assert result.statement == "Earned media value: at least 38.00 EUR (impressions are unknown on x)."


def test_impressions_known_only_on_some_days_still_make_a_lower_bound() -> None:
    result = earned_media_value(
        [NetworkTotals("linkedin", impressions=500, reactions=0, clicks=0, impressions_complete=False)], RATES
    )
    assert result.lower_bound is True and result.unknown_impressions == ("linkedin",)


def test_impressions_on_a_network_without_a_cpm_are_not_valued_and_say_so() -> None:
    result = earned_media_value([NetworkTotals("bluesky", impressions=5_000, reactions=0, clicks=5)], RATES)
    assert result.value == Decimal("4.00")
    assert result.unrated == ("bluesky",)
    assert "no CPM is set for bluesky" in result.statement


def test_nothing_earned_is_zero_and_exact() -> None:
    result = earned_media_value([], RATES)
    assert result.value == Decimal("0.00") and result.lower_bound is False


def _org_day(tenant: Tenant, network: str, day: date, **counters: int | None) -> None:
    OrgDay.objects.create(organization=tenant.organization, day=day, network=network, **counters)


@pytest.mark.django_db
def test_an_organisation_without_settings_gets_the_documented_defaults(tenant_a: Tenant) -> None:
    with organization_scope(tenant_a.organization):
        settings = analytics_settings(organization=tenant_a.organization)
        assert settings.pk is None
        assert (settings.currency, settings.cpc, settings.reaction_weight) == ("EUR", Decimal("0.80"), Decimal("0.25"))
        assert settings.attribution_window_days == 30
        assert network_rates(organization=tenant_a.organization) == {}


@pytest.mark.django_db
def test_emv_of_rollups_sums_each_network_and_applies_the_organisations_rates(
    tenant_a: Tenant, tenant_b: Tenant
) -> None:
    org = tenant_a.organization
    with organization_scope(org):
        AnalyticsSettings.objects.create(
            organization=org, currency="GBP", cpc=Decimal("1.00"), reaction_weight=Decimal("0.5")
        )
        NetworkRate.objects.create(organization=org, network="linkedin", cpm=Decimal("20"))
        _org_day(tenant_a, "linkedin", date(2026, 3, 1), impressions=1_000, reactions=10, clicks=2)
        _org_day(tenant_a, "linkedin", date(2026, 3, 2), impressions=2_000, reactions=0, clicks=3)
        _org_day(tenant_a, "x", date(2026, 3, 2), impressions=None, reactions=2, clicks=1)
    with organization_scope(tenant_b.organization):
        _org_day(tenant_b, "linkedin", date(2026, 3, 1), impressions=1_000_000, reactions=0, clicks=0)
    with organization_scope(org):
        period = Period(start=date(2026, 3, 1), end=date(2026, 3, 31))
        result = emv_of_rollups(organization=org, rows=rollup_rows(organization=org, segment=None, period=period))
    # linkedin: 20 × 3000 / 1000 + 1 × (0.5 × 10 + 5) = 70; x: 1 × (0.5 × 2 + 1) = 2
    assert result.value == Decimal("72.00")
    assert result.currency == "GBP"
    assert result.lower_bound is True and result.unknown_impressions == ("x",)


@pytest.mark.django_db
def test_emv_of_member_rollups_follows_a_people_segment(tenant_a: Tenant) -> None:
    org = tenant_a.organization
    with organization_scope(org):
        NetworkRate.objects.create(organization=org, network="linkedin", cpm=Decimal("10"))
        MemberDay.objects.create(
            organization=org,
            membership=tenant_a.employee,
            day=date(2026, 3, 1),
            network="linkedin",
            impressions=1_000,
            clicks=0,
        )
        MemberDay.objects.create(
            organization=org,
            membership=tenant_a.manager,
            day=date(2026, 3, 1),
            network="linkedin",
            impressions=9_000,
            clicks=0,
        )
        segment = Segment("group", str(tenant_a.group.public_id), tenant_a.group.name)
        period = Period(start=date(2026, 3, 1), end=date(2026, 3, 1))
        result = emv_of_rollups(organization=org, rows=rollup_rows(organization=org, segment=segment, period=period))
    assert result.value == Decimal("10.00")  # the employee is in the group, the manager is not
    assert result.lower_bound is False
