"""Attribution: a conversion's click → share → member → content item → network, within
the organisation's window (inclusive at its edge) and under its model (last touch by
default, first touch as an option); anything else is kept as unattributed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from accounts.tenancy import organization_scope, scopes_disabled
from analytics.models import AnalyticsSettings, AttributionModel, Conversion, ConversionSource
from analytics.services.conversions import ConversionInput, conversion_record, conversions_reattribute
from tests.analytics.goals_support import click_id_at, share_with_link
from tests.conftest import Tenant

pytestmark = pytest.mark.django_db

CONVERTED = datetime(2026, 3, 31, 12, 0, tzinfo=UTC)
NOW = CONVERTED + timedelta(hours=1)


def record(tenant: Tenant, event_id: str = "lead-1", **fields: object) -> Conversion:
    data = ConversionInput(event_id=event_id, kind="lead", occurred_at=CONVERTED, **fields)  # type: ignore[arg-type]
    with organization_scope(tenant.organization):
        conversion, _created = conversion_record(
            organization=tenant.organization, data=data, source=ConversionSource.API, now=NOW
        )
        return conversion


def settings_of(tenant: Tenant, **fields: object) -> None:
    with scopes_disabled():  # test setup
        AnalyticsSettings.objects.update_or_create(organization=tenant.organization, defaults=fields)


def test_a_click_inside_the_window_credits_the_share_member_item_and_network(tenant_a: Tenant) -> None:
    share, link = share_with_link(tenant_a, network="linkedin")
    clicked = CONVERTED - timedelta(days=3)
    conversion = record(tenant_a, last_click_id=click_id_at(link, clicked))
    assert conversion.share_id == share.pk
    assert conversion.membership_id == tenant_a.employee.pk
    assert conversion.item_id == tenant_a.item.pk
    assert conversion.network == "linkedin"
    assert conversion.clicked_at == clicked
    assert conversion.attribution_model == AttributionModel.LAST_TOUCH


def test_a_click_exactly_at_the_edge_of_the_window_still_counts(tenant_a: Tenant) -> None:
    _share, link = share_with_link(tenant_a)
    conversion = record(tenant_a, last_click_id=click_id_at(link, CONVERTED - timedelta(days=30)))
    assert conversion.is_attributed


def test_a_click_a_second_before_the_window_leaves_the_conversion_unattributed(tenant_a: Tenant) -> None:
    _share, link = share_with_link(tenant_a)
    conversion = record(tenant_a, last_click_id=click_id_at(link, CONVERTED - timedelta(days=30, seconds=1)))
    assert not conversion.is_attributed
    assert conversion.attribution_model == "" and conversion.network == ""
    assert conversion.last_click_id  # kept as received, for a later re-attribution


def test_the_window_follows_the_organisations_setting(tenant_a: Tenant) -> None:
    settings_of(tenant_a, attribution_window_days=7)
    _share, link = share_with_link(tenant_a)
    assert not record(tenant_a, "a", last_click_id=click_id_at(link, CONVERTED - timedelta(days=8))).is_attributed
    assert record(tenant_a, "b", last_click_id=click_id_at(link, CONVERTED - timedelta(days=6))).is_attributed


def test_a_click_after_the_conversion_does_not_earn_it(tenant_a: Tenant) -> None:
    _share, link = share_with_link(tenant_a)
    conversion = record(tenant_a, last_click_id=click_id_at(link, CONVERTED + timedelta(hours=1)))
    assert not conversion.is_attributed


def test_last_touch_credits_the_latest_click(tenant_a: Tenant) -> None:
    _first_share, first_link = share_with_link(tenant_a, network="linkedin")
    last_share, last_link = share_with_link(tenant_a, network="mastodon", member=tenant_a.manager)
    conversion = record(
        tenant_a,
        first_click_id=click_id_at(first_link, CONVERTED - timedelta(days=10)),
        last_click_id=click_id_at(last_link, CONVERTED - timedelta(days=1)),
    )
    assert conversion.share_id == last_share.pk
    assert conversion.membership_id == tenant_a.manager.pk and conversion.network == "mastodon"


def test_last_touch_falls_back_to_the_first_click_when_the_latest_is_not_genuine(tenant_a: Tenant) -> None:
    first_share, first_link = share_with_link(tenant_a)
    conversion = record(
        tenant_a,
        first_click_id=click_id_at(first_link, CONVERTED - timedelta(days=10)),
        last_click_id="forged.abc.123456.AAAAAAAAAAAAAAAA",
    )
    assert conversion.share_id == first_share.pk


def test_first_touch_credits_the_first_click_in_the_window(tenant_a: Tenant) -> None:
    settings_of(tenant_a, attribution_model=AttributionModel.FIRST_TOUCH)
    first_share, first_link = share_with_link(tenant_a, network="linkedin")
    _last_share, last_link = share_with_link(tenant_a, network="mastodon")
    conversion = record(
        tenant_a,
        first_click_id=click_id_at(first_link, CONVERTED - timedelta(days=10)),
        last_click_id=click_id_at(last_link, CONVERTED - timedelta(days=1)),
    )
    assert conversion.share_id == first_share.pk
    assert conversion.attribution_model == AttributionModel.FIRST_TOUCH


def test_first_touch_falls_back_to_the_latest_click_when_the_first_is_outside_the_window(tenant_a: Tenant) -> None:
    settings_of(tenant_a, attribution_model=AttributionModel.FIRST_TOUCH)
    _first_share, first_link = share_with_link(tenant_a)
    last_share, last_link = share_with_link(tenant_a, network="mastodon")
    conversion = record(
        tenant_a,
        first_click_id=click_id_at(first_link, CONVERTED - timedelta(days=45)),
        last_click_id=click_id_at(last_link, CONVERTED - timedelta(days=2)),
    )
    assert conversion.share_id == last_share.pk


def test_a_click_id_of_another_organisation_leaves_the_conversion_unattributed(
    tenant_a: Tenant, tenant_b: Tenant
) -> None:
    _share_b, link_b = share_with_link(tenant_b)
    conversion = record(tenant_a, last_click_id=click_id_at(link_b, CONVERTED - timedelta(days=1)))
    assert not conversion.is_attributed
    with scopes_disabled():  # checking B from outside any request
        assert not Conversion.objects.filter(organization=tenant_b.organization).exists()


def test_a_conversion_without_a_click_is_kept_as_unattributed(tenant_a: Tenant) -> None:
    conversion = record(tenant_a, value=Decimal("99.5"))
    assert conversion.pk is not None and not conversion.is_attributed
    assert conversion.value == Decimal("99.50") and conversion.currency == "EUR"


def test_changing_the_window_attributes_past_conversions_again(tenant_a: Tenant) -> None:
    _share, link = share_with_link(tenant_a)
    conversion = record(tenant_a, last_click_id=click_id_at(link, CONVERTED - timedelta(days=40)))
    assert not conversion.is_attributed
    settings_of(tenant_a, attribution_window_days=60)
    with organization_scope(tenant_a.organization):
        assert conversions_reattribute(organization=tenant_a.organization) == 1
        assert conversions_reattribute(organization=tenant_a.organization) == 0
        conversion.refresh_from_db()
    assert conversion.is_attributed and conversion.network == "linkedin"
