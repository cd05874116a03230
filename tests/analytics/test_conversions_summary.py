"""The conversions summary and drill-down: counts and values by kind, attributed and
unattributed, by network, per day on the organisation's calendar, and by segment."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from accounts.tenancy import organization_scope, scopes_disabled
from analytics.lib.periods import Period
from analytics.models import Conversion
from analytics.selectors.conversions import conversions_for, conversions_summary
from analytics.selectors.segments import Segment
from tests.analytics.goals_support import share_with_link
from tests.conftest import Tenant

pytestmark = pytest.mark.django_db
MARCH = Period(start=date(2026, 3, 1), end=date(2026, 3, 31))


def conversion(
    tenant: Tenant, event: str, at: datetime, *, share=None, kind: str = "lead", value: str = "", currency: str = "EUR"
) -> None:  # type: ignore[no-untyped-def]
    with scopes_disabled():  # test data
        Conversion.objects.create(
            organization=tenant.organization,
            event_id=event,
            kind=kind,
            occurred_at=at,
            source="api",
            value=Decimal(value) if value else None,
            currency=currency if value else "",
            share=share,
            membership=share.membership if share else None,
            item=share.item if share else None,
            network=share.network if share else "",
        )


def test_the_summary_counts_by_kind_attribution_and_network(tenant_a: Tenant, tenant_b: Tenant) -> None:
    linkedin, _ = share_with_link(tenant_a, network="linkedin")
    mastodon, _ = share_with_link(tenant_a, network="mastodon", member=tenant_a.manager)
    conversion(tenant_a, "1", datetime(2026, 3, 2, 9, tzinfo=UTC), share=linkedin, kind="purchase", value="100")
    conversion(tenant_a, "2", datetime(2026, 3, 2, 10, tzinfo=UTC), share=mastodon)
    conversion(tenant_a, "3", datetime(2026, 3, 3, 10, tzinfo=UTC), kind="purchase", value="40")
    conversion(tenant_a, "4", datetime(2026, 3, 4, 10, tzinfo=UTC), kind="purchase", value="70", currency="USD")
    conversion(tenant_a, "5", datetime(2026, 4, 1, 10, tzinfo=UTC))  # April
    conversion(tenant_b, "b", datetime(2026, 3, 2, 10, tzinfo=UTC), kind="hire")
    with organization_scope(tenant_a.organization):
        summary = conversions_summary(organization=tenant_a.organization, period=MARCH)
    assert (summary.count, summary.attributed_count, summary.unattributed_count) == (4, 2, 2)
    assert summary.value == Decimal(140) and summary.attributed_value == Decimal(100)
    assert summary.other_currency_count == 1
    assert summary.attributed_percent == 50
    assert [(k.kind, k.count, k.value) for k in summary.by_kind] == [
        ("purchase", 3, Decimal(140)),
        ("lead", 1, Decimal(0)),
    ]
    assert {(n.network, n.count) for n in summary.by_network} == {("linkedin", 1), ("mastodon", 1)}
    assert len(summary.series) == 31
    assert summary.series[1] == (date(2026, 3, 2), 2, 0) and summary.series[2] == (date(2026, 3, 3), 0, 1)


def test_days_follow_the_organisations_time_zone(tenant_a: Tenant) -> None:
    organization = tenant_a.organization
    organization.timezone = "America/New_York"
    organization.save(update_fields=["timezone"])
    # 02:00 UTC on 1 March is still 28 February in New York.
    conversion(tenant_a, "late", datetime(2026, 3, 1, 2, tzinfo=UTC))
    with organization_scope(organization):
        assert conversions_for(organization=organization, period=MARCH).count() == 0
        february = Period(start=date(2026, 2, 28), end=date(2026, 2, 28))
        assert conversions_for(organization=organization, period=february).count() == 1


def test_a_segment_keeps_the_attributed_conversions_of_its_people(tenant_a: Tenant) -> None:
    by_employee, _ = share_with_link(tenant_a)
    by_manager, _ = share_with_link(tenant_a, member=tenant_a.manager, network="mastodon")
    conversion(tenant_a, "1", datetime(2026, 3, 2, tzinfo=UTC), share=by_employee)
    conversion(tenant_a, "2", datetime(2026, 3, 2, tzinfo=UTC), share=by_manager)
    conversion(tenant_a, "3", datetime(2026, 3, 2, tzinfo=UTC))
    group = Segment("group", str(tenant_a.group.public_id), tenant_a.group.name)
    network = Segment("network", "mastodon", "Mastodon")
    with organization_scope(tenant_a.organization):
        assert [
            c.event_id for c in conversions_for(organization=tenant_a.organization, period=MARCH, segment=group)
        ] == ["1"]
        assert [
            c.event_id for c in conversions_for(organization=tenant_a.organization, period=MARCH, segment=network)
        ] == ["2"]
        assert conversions_for(organization=tenant_a.organization, period=MARCH, attributed=False).count() == 1
        summary = conversions_summary(organization=tenant_a.organization, period=MARCH, segment=group)
    assert summary.count == 1 and summary.unattributed_count == 0
