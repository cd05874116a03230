"""Report data through the API: the dashboard and a KPI's drill-down as JSON, the same
figures as the page; unknown is null; bad input is a 400 with the reason; report
readers only; another organisation's KPI or slug is 404 and its data never appears."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.urls import reverse

from analytics.models import KpiMeasure
from tests.analytics.reports_support import (
    LAST_30,
    TODAY,
    conversion,
    day_rollups,
    goal_with_kpi,
    kpi_value,
    posted_share,
)
from tests.conftest import Tenant
from tests.factories import ContentItemFactory

pytestmark = pytest.mark.django_db

PERIOD_QUERY = {"period": "custom", "start": LAST_30.start.isoformat(), "end": LAST_30.end.isoformat()}


def api(name: str, tenant: Tenant, **kwargs: object) -> str:
    return reverse(f"api:{name}", kwargs={"org_slug": tenant.organization.slug, **kwargs})


def test_the_dashboard_api_gives_the_dashboards_figures(tenant_a: Tenant, client_for) -> None:
    kpi = goal_with_kpi(tenant_a.organization, kpi_name="Qualified leads", target=30)
    share = posted_share(tenant_a.employee, tenant_a.item)
    conversion(tenant_a.organization, share=share, value=120)
    day_rollups(tenant_a.employee, tenant_a.item, impressions=500, reactions=20, clicks=9)
    day_rollups(tenant_a.employee, tenant_a.item, network="x", impressions=None, clicks=1)
    day_rollups(tenant_a.employee, tenant_a.item, day=LAST_30.start - timedelta(days=1), clicks=4)

    response = client_for(tenant_a.executive).get(api("reports_dashboard", tenant_a), PERIOD_QUERY)

    assert response.status_code == 200
    data = response.json()
    assert data["period"]["start"] == LAST_30.start.isoformat() and data["grain"] == "day"
    outcomes = {figure["key"]: figure for figure in data["outcomes"]}
    assert outcomes["attributed_conversions"]["value"] == "1.00"
    assert outcomes["attributed_value"]["value"] == "120.00"
    activity = {figure["key"]: figure for figure in data["activity"]}
    assert (activity["clicks"]["value"], activity["clicks"]["previous"]) == ("10.00", "4.00")
    networks = {row["network"]: row for row in data["networks"]}
    assert networks["x"]["impressions"] is None and networks["linkedin"]["impressions"] == 500
    assert data["emv"]["lower_bound"] is True and data["emv"]["unknown_impressions"] == ["x"]
    assert "at least" in data["emv"]["statement"]
    assert data["goals"][0]["kpis"][0]["id"] == str(kpi.public_id)
    assert data["goals"][0]["kpis"][0]["actual"] == "1.00"
    assert len(data["trend"]) == 30
    assert data["top_people"][0]["name"] == tenant_a.employee.user.display_name


def test_unknown_impressions_are_null_not_zero(tenant_a: Tenant, client_for) -> None:
    day_rollups(tenant_a.employee, tenant_a.item, network="x", impressions=None, clicks=2)

    data = client_for(tenant_a.manager).get(api("reports_dashboard", tenant_a), PERIOD_QUERY).json()

    reach = {figure["key"]: figure for figure in data["reach"]}
    assert reach["impressions"]["value"] is None
    assert data["trend"][-1]["impressions"] is None


def test_the_drilldown_api_lists_the_content_and_people_behind_a_kpi(tenant_a: Tenant, client_for) -> None:
    kpi = goal_with_kpi(tenant_a.organization)
    item = ContentItemFactory(organization=tenant_a.organization, title="Case study")
    share = posted_share(tenant_a.employee, item)
    conversion(tenant_a.organization, share=share, value=40)

    response = client_for(tenant_a.executive).get(
        api("reports_kpi_drilldown", tenant_a, kpi_id=kpi.public_id), PERIOD_QUERY
    )

    assert response.status_code == 200
    data = response.json()
    assert data["from_conversions"] is True
    assert [(row["title"], row["conversions"]) for row in data["content"]] == [("Case study", 1)]
    assert data["people"][0]["member_id"] == str(tenant_a.employee.public_id)
    assert data["recent_conversions"][0]["item_id"] == str(item.public_id)


def test_a_values_kpi_drilldown_says_the_value_came_from_imports(tenant_a: Tenant, client_for) -> None:
    kpi = goal_with_kpi(tenant_a.organization, measure=KpiMeasure.VALUES, kpi_name="CRM pipeline", unit="EUR")
    kpi_value(kpi, 1234, on=TODAY)

    data = (
        client_for(tenant_a.executive)
        .get(api("reports_kpi_drilldown", tenant_a, kpi_id=kpi.public_id), PERIOD_QUERY)
        .json()
    )

    assert data["from_conversions"] is False
    assert "imported" in data["note"]
    assert [value["value"] for value in data["values"]] == ["1234.00"]


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"period": "forever"}, "period", "is not a valid choice"),
        ({"period": "custom", "start": "2026-03-01"}, "start", "Choose both a start and an end date."),
        ({"period": "custom", "start": "2026-03-09", "end": "2026-03-01"}, "start", "on or after"),
        ({"segment": "planet:Mars"}, "segment", "Unknown segment"),
        ({"segment": "topic:nope"}, "segment", "No such topic."),
    ],
)
def test_bad_input_is_a_400_with_the_reason(tenant_a: Tenant, client_for, query, field: str, message: str) -> None:
    response = client_for(tenant_a.executive).get(api("reports_dashboard", tenant_a), query)

    assert response.status_code == 400
    assert message in json.dumps(response.json())
    assert field in json.dumps(response.json())


def test_an_employee_gets_403_from_the_report_api(tenant_a: Tenant, client_for) -> None:
    kpi = goal_with_kpi(tenant_a.organization)
    client = client_for(tenant_a.employee)

    assert client.get(api("reports_dashboard", tenant_a)).status_code == 403
    assert client.get(api("reports_kpi_drilldown", tenant_a, kpi_id=kpi.public_id)).status_code == 403


def test_organisation_a_never_gets_organisation_bs_report_data(tenant_a: Tenant, tenant_b: Tenant, client_for) -> None:
    kpi_b = goal_with_kpi(tenant_b.organization, name="Globex goal", kpi_name="Globex leads")
    share_b = posted_share(tenant_b.employee, tenant_b.item)
    for offset in range(10):
        day_rollups(
            tenant_b.employee, tenant_b.item, day=TODAY - timedelta(days=offset), impressions=55555, clicks=3333
        )
        conversion(tenant_b.organization, share=share_b, value=99999)
    day_rollups(tenant_a.employee, tenant_a.item, clicks=1)
    client = client_for(tenant_a.admin)

    mine = client.get(api("reports_dashboard", tenant_a), PERIOD_QUERY)

    assert mine.status_code == 200
    text = mine.content.decode()
    for secret in ("Globex", "55555", "3333", "99999", str(kpi_b.public_id)):
        assert secret not in text
    assert client.get(api("reports_kpi_drilldown", tenant_a, kpi_id=kpi_b.public_id)).status_code == 404
    assert client.get(api("reports_dashboard", tenant_b)).status_code == 404
    assert client.get(api("reports_kpi_drilldown", tenant_b, kpi_id=kpi_b.public_id)).status_code == 404
