"""Goals, KPIs, KPI values and conversions through the API: curators write, report
readers read, employees get 403, and another organisation's objects answer 404."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import Role
from accounts.tenancy import scopes_disabled
from analytics.models import Conversion, Goal, Kpi, KpiValue
from tests.analytics.goals_support import api_url, click_id_at, goal_of, kpi_of, share_with_link
from tests.conftest import Tenant

pytestmark = pytest.mark.django_db


def send(client: Client, method: str, path: str, body: Any = None) -> Any:
    return getattr(client, method)(
        path, json.dumps(body) if body is not None else None, content_type="application/json"
    )


def test_a_manager_creates_a_goal_and_a_kpi(tenant_a: Tenant, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for(tenant_a.manager)
    goal = send(
        client,
        "post",
        api_url("goal_list", tenant_a),
        {"name": "Hire engineers", "category": "recruiting", "owner": str(tenant_a.manager.public_id)},
    )
    assert goal.status_code == 201, goal.content
    kpi = send(
        client,
        "post",
        api_url("kpi_list", tenant_a),
        {"goal": goal.json()["id"], "name": "Hires", "unit": "hires", "target": "12", "period": "year"},
    )
    assert kpi.status_code == 201, kpi.content
    assert kpi.json()["goal"] == goal.json()["id"] and kpi.json()["target"] == "12.00"
    listed = client.get(api_url("kpi_list", tenant_a), {"goal": goal.json()["id"]}).json()
    assert [row["name"] for row in listed["results"]] == ["Hires"]


def test_a_kpi_by_conversions_with_an_unknown_kind_is_a_400(tenant_a: Tenant, client_for) -> None:  # type: ignore[no-untyped-def]
    goal = goal_of(tenant_a)
    client = client_for(tenant_a.manager)
    response = send(
        client,
        "post",
        api_url("kpi_list", tenant_a),
        {
            "goal": str(goal.public_id),
            "name": "X",
            "unit": "x",
            "target": "1",
            "measure": "conversion_count",
            "conversion_kind": "donation",
        },
    )
    assert response.status_code == 400 and "conversion_kind" in response.json()


def test_unknown_fields_are_refused(tenant_a: Tenant, client_for) -> None:  # type: ignore[no-untyped-def]
    response = send(
        client_for(tenant_a.manager), "post", api_url("goal_list", tenant_a), {"name": "G", "colour": "red"}
    )
    assert response.status_code == 400 and "colour" in response.json()


@pytest.mark.parametrize("role", [Role.EXECUTIVE, Role.EMPLOYEE])
def test_only_curators_write(tenant_a: Tenant, client_for, role: str) -> None:  # type: ignore[no-untyped-def]
    kpi = kpi_of(tenant_a)
    client = client_for(tenant_a.member(role))
    assert send(client, "post", api_url("goal_list", tenant_a), {"name": "G"}).status_code == 403
    path = api_url("kpi_value_list", tenant_a, kpi_id=kpi.public_id)
    assert send(client, "post", path, {"on_date": "2026-01-05", "value": "3"}).status_code == 403
    assert send(client, "delete", api_url("kpi_detail", tenant_a, kpi_id=kpi.public_id)).status_code == 403
    body = {"event_id": "e-1", "kind": "lead"}
    assert send(client, "post", api_url("conversion_list", tenant_a), body).status_code == 403


def test_an_executive_reads_goals_kpis_progress_and_conversions(tenant_a: Tenant, client_for) -> None:  # type: ignore[no-untyped-def]
    kpi = kpi_of(tenant_a)
    client = client_for(tenant_a.executive)
    assert client.get(api_url("goal_list", tenant_a)).status_code == 200
    assert client.get(api_url("kpi_detail", tenant_a, kpi_id=kpi.public_id)).status_code == 200
    progress = client.get(api_url("kpi_progress", tenant_a, kpi_id=kpi.public_id), {"period": "qtd"})
    assert progress.status_code == 200 and progress.json()["actual"] is None
    assert client.get(api_url("conversion_list", tenant_a)).status_code == 200


def test_an_employee_reads_nothing_here(tenant_a: Tenant, client_for) -> None:  # type: ignore[no-untyped-def]
    kpi = kpi_of(tenant_a)
    client = client_for(tenant_a.employee)
    assert client.get(api_url("goal_list", tenant_a)).status_code == 403
    assert client.get(api_url("kpi_progress", tenant_a, kpi_id=kpi.public_id)).status_code == 403
    assert client.get(api_url("conversion_list", tenant_a)).status_code == 403


def test_kpi_values_sent_through_the_api_are_idempotent_per_day(tenant_a: Tenant, client_for) -> None:  # type: ignore[no-untyped-def]
    kpi = kpi_of(tenant_a)
    client = client_for(tenant_a.manager)
    path = api_url("kpi_value_list", tenant_a, kpi_id=kpi.public_id)
    first = send(client, "post", path, {"on_date": "2026-01-05", "value": "3", "note": "CRM"})
    again = send(client, "post", path, {"on_date": "2026-01-05", "value": "5"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"] and again.json()["source"] == "api"
    with scopes_disabled():
        assert list(KpiValue.objects.filter(kpi=kpi).values_list("value", flat=True)) == [Decimal(5)]
    listed = client.get(path).json()
    assert listed["count"] == 1 and listed["results"][0]["value"] == "5.00"
    progress = client.get(
        api_url("kpi_progress", tenant_a, kpi_id=kpi.public_id),
        {"period": "custom", "start": "2026-01-01", "end": "2026-03-31"},
    ).json()
    assert progress["actual"] == "5.00" and progress["sources"] == {"api": "5.00"}
    assert progress["target"] == "300.00" and progress["prorated"] is False
    deleted = send(
        client, "delete", api_url("kpi_value_detail", tenant_a, kpi_id=kpi.public_id, kpi_value_id=first.json()["id"])
    )
    assert deleted.status_code == 204
    assert client.get(path).json()["count"] == 0


def test_a_bad_period_or_segment_is_a_400_with_a_message(tenant_a: Tenant, client_for) -> None:  # type: ignore[no-untyped-def]
    kpi = kpi_of(tenant_a)
    client = client_for(tenant_a.manager)
    path = api_url("kpi_progress", tenant_a, kpi_id=kpi.public_id)
    custom = client.get(path, {"period": "custom", "start": "2026-03-01"})
    assert custom.status_code == 400 and "end" in custom.json()["period"][0]
    segment = client.get(path, {"segment": "group", "segment_value": "nope"})
    assert segment.status_code == 400 and segment.json()["segment"] == ["No such group."]


def test_conversions_are_recorded_once_per_event_id_and_attributed(tenant_a: Tenant, client_for) -> None:  # type: ignore[no-untyped-def]
    share, link = share_with_link(tenant_a)
    click = click_id_at(link, timezone.now() - timedelta(days=1))
    client = client_for(tenant_a.manager)
    body = {"event_id": "crm-1", "kind": "lead", "value": "50", "click_id": click}
    first = send(client, "post", api_url("conversion_list", tenant_a), body)
    again = send(client, "post", api_url("conversion_list", tenant_a), body)
    assert (first.status_code, again.status_code) == (201, 200), first.content
    data = first.json()
    assert data["attributed"] is True and data["share"] == str(share.public_id)
    assert data["member"] == str(tenant_a.employee.public_id) and data["network"] == "linkedin"
    assert data["currency"] == "EUR" and data["source"] == "api"
    detail = client.get(api_url("conversion_detail", tenant_a, conversion_id=data["id"]))
    assert detail.json()["event_id"] == "crm-1"
    attributed = client.get(api_url("conversion_list", tenant_a), {"attributed": "true", "period": "30d"}).json()
    unattributed = client.get(api_url("conversion_list", tenant_a), {"attributed": "false"}).json()
    assert (attributed["count"], unattributed["count"]) == (1, 0)


def test_a_bad_conversion_is_a_400_per_field(tenant_a: Tenant, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for(tenant_a.manager)
    response = send(client, "post", api_url("conversion_list", tenant_a), {"event_id": "x", "kind": "custom"})
    assert response.status_code == 400 and "label" in response.json()
    future = (timezone.now() + timedelta(days=1)).isoformat()
    response = send(
        client, "post", api_url("conversion_list", tenant_a), {"event_id": "y", "kind": "lead", "occurred_at": future}
    )
    assert response.status_code == 400 and "occurred_at" in response.json()


def test_another_organisations_objects_answer_404_and_stay_unchanged(
    tenant_a: Tenant,
    tenant_b: Tenant,
    client_for,  # type: ignore[no-untyped-def]
) -> None:
    goal_b = goal_of(tenant_b, name="Globex goal")
    kpi_b = kpi_of(tenant_b, goal=goal_b, name="Globex KPI")
    with scopes_disabled():
        value_b = KpiValue.objects.create(
            organization=tenant_b.organization, kpi=kpi_b, on_date="2026-01-05", value=1, source="api"
        )
        conversion_b = Conversion.objects.create(
            organization=tenant_b.organization, event_id="b-1", kind="lead", occurred_at=timezone.now(), source="api"
        )
    client = client_for(tenant_a.admin)
    paths = [
        api_url("goal_detail", tenant_a, goal_id=goal_b.public_id),
        api_url("kpi_detail", tenant_a, kpi_id=kpi_b.public_id),
        api_url("kpi_progress", tenant_a, kpi_id=kpi_b.public_id),
        api_url("kpi_value_list", tenant_a, kpi_id=kpi_b.public_id),
        api_url("kpi_value_detail", tenant_a, kpi_id=kpi_b.public_id, kpi_value_id=value_b.public_id),
        api_url("conversion_detail", tenant_a, conversion_id=conversion_b.public_id),
    ]
    for path in paths:
        assert client.get(path).status_code == 404, path
        assert send(client, "delete", path).status_code in (403, 404, 405), path
    assert send(client, "patch", paths[0], {"name": "Taken"}).status_code == 404
    # B's goal as the parent of a new KPI in A: refused like an id that does not exist.
    created = send(
        client,
        "post",
        api_url("kpi_list", tenant_a),
        {"goal": str(goal_b.public_id), "name": "K", "unit": "u", "target": "1"},
    )
    assert created.status_code == 400 and "goal" in created.json()
    assert client.get(api_url("goal_list", tenant_a)).json()["count"] == 0
    assert client.get(api_url("conversion_list", tenant_a)).json()["count"] == 0
    with scopes_disabled():
        assert Goal.objects.get(pk=goal_b.pk).name == "Globex goal"
        assert Kpi.objects.filter(pk=kpi_b.pk).exists() and KpiValue.objects.filter(pk=value_b.pk).exists()
        assert Conversion.objects.filter(pk=conversion_b.pk).exists()
