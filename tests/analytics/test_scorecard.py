"""The program manager's scorecard: business KPIs owned, against target; engagement apart."""

from __future__ import annotations

from datetime import timedelta

import pytest

from accounts.models import Role
from accounts.tenancy import organization_scope
from analytics.models import Goal, Kpi, KpiPeriod, KpiValue
from analytics.selectors import people
from tests.analytics.people_support import gains, last_30_days, today, url
from tests.conftest import Tenant

pytestmark = pytest.mark.django_db


def owned_kpi(tenant: Tenant, owner, name: str = "Qualified leads", target: int = 300) -> Kpi:  # type: ignore[no-untyped-def]
    goal = Goal.objects.create(organization=tenant.organization, name=f"Grow pipeline {name}", owner=owner)
    kpi = Kpi.objects.create(
        organization=tenant.organization,
        goal=goal,
        name=name,
        unit="leads",
        target=target,
        period=KpiPeriod.MONTH,
        owner=owner,
    )
    KpiValue.objects.create(
        organization=tenant.organization, kpi=kpi, on_date=today() - timedelta(days=2), value=120, source="manual"
    )
    return kpi


def test_a_manager_sees_the_kpis_they_own_against_target(tenant_a: Tenant, client_for) -> None:  # type: ignore[no-untyped-def]
    owned_kpi(tenant_a, tenant_a.manager)
    owned_kpi(tenant_a, tenant_a.admin, name="Hires")
    gains(tenant_a.employee, shares=3, clicks=40, reach=5000)
    with organization_scope(tenant_a.organization):
        card = people.scorecard(organization=tenant_a.organization, membership=tenant_a.manager, period=last_30_days())
    assert [progress.kpi.name for goal in card.goals for progress in goal.kpis] == ["Qualified leads"]
    assert card.goals[0].kpis[0].actual == 120
    leading = {indicator.label: indicator.value for indicator in card.leading}
    assert leading["Tracked clicks"] == 40 and leading["Members who shared"] == 1
    page = client_for(tenant_a.manager).get(url("analytics:scorecard", tenant_a)).content.decode()
    assert "Qualified leads" in page and "Hires" not in page
    assert page.index("Qualified leads") < page.index('data-testid="leading-indicators"')


def test_a_manager_without_kpis_is_told_how_to_get_a_scorecard(tenant_a: Tenant, client_for) -> None:  # type: ignore[no-untyped-def]
    page = client_for(tenant_a.manager).get(url("analytics:scorecard", tenant_a)).content.decode()
    assert "No KPIs owned yet" in page


@pytest.mark.parametrize(("role", "status"), [(Role.EXECUTIVE, 403), (Role.EMPLOYEE, 403)])
def test_only_managers_and_admins_have_a_scorecard(tenant_a: Tenant, client_for, role: str, status: int) -> None:  # type: ignore[no-untyped-def]
    assert client_for(tenant_a.member(role)).get(url("analytics:scorecard", tenant_a)).status_code == status


def test_an_admin_opens_another_managers_scorecard(tenant_a: Tenant, client_for) -> None:  # type: ignore[no-untyped-def]
    owned_kpi(tenant_a, tenant_a.manager)
    client = client_for(tenant_a.admin)
    page = client.get(url("analytics:scorecard", tenant_a), {"member": str(tenant_a.manager.public_id)})
    assert page.status_code == 200 and "Qualified leads" in page.content.decode()
    assert tenant_a.manager.user.full_name in page.content.decode()


def test_a_manager_may_not_open_someone_elses_scorecard(tenant_a: Tenant, client_for) -> None:  # type: ignore[no-untyped-def]
    response = client_for(tenant_a.manager).get(
        url("analytics:scorecard", tenant_a), {"member": str(tenant_a.admin.public_id)}
    )
    assert response.status_code == 403


def test_another_organisations_member_id_is_not_found(tenant_a: Tenant, tenant_b: Tenant, client_for) -> None:  # type: ignore[no-untyped-def]
    owned_kpi(tenant_b, tenant_b.manager, name="Globex secret leads")
    client = client_for(tenant_a.admin)
    response = client.get(url("analytics:scorecard", tenant_a), {"member": str(tenant_b.manager.public_id)})
    assert response.status_code == 404
    assert client.get(url("analytics:scorecard", tenant_a), {"member": "not-a-uuid"}).status_code == 404
    assert client.get(url("analytics:scorecard", tenant_b)).status_code == 404
