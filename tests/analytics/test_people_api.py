"""People through the API: tiers, champions, leaders, my impact, the ranking preference."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from accounts.models import Role
from accounts.tenancy import scopes_disabled
from analytics.models import RankingPreference
from tests.analytics.people_support import conversion, gains, member, posted_share, sharing, turn_recognition
from tests.conftest import Tenant

pytestmark = pytest.mark.django_db


def api(name: str, tenant: Tenant) -> str:
    return reverse(f"api:{name}", kwargs={"org_slug": tenant.organization.slug})


def test_a_report_reader_gets_the_tiers(tenant_a: Tenant, client_for) -> None:  # type: ignore[no-untyped-def]
    hirer = member(tenant_a, "Hana Hirer")
    share = sharing(hirer, shares=1, clicks=3)[0]
    for _ in range(3):
        conversion(hirer, kind="hire", share=share)
    sharing(member(tenant_a, "Bo Busy"), shares=40)
    body = client_for(tenant_a.executive).get(api("people_tiers", tenant_a), {"period": "30d"}).json()
    assert [person["name"] for person in body["top"]] == ["Hana Hirer"]
    assert body["top"][0]["member"] == str(hirer.public_id) and body["top"][0]["tier"] == "1"
    assert [person["name"] for person in body["quiet_sharers"]] == ["Bo Busy"]
    assert [summary["tier"] for summary in body["summaries"]] == ["1", "9", "90"]


def test_the_tiers_narrow_to_a_department(tenant_a: Tenant, client_for) -> None:  # type: ignore[no-untyped-def]
    sharing(member(tenant_a, "Sam Sales", department="Sales"), shares=1, clicks=4)
    sharing(tenant_a.employee, shares=1, clicks=9)
    body = (
        client_for(tenant_a.manager)
        .get(api("people_tiers", tenant_a), {"segment": "department", "segment_value": "Sales"})
        .json()
    )
    assert [person["name"] for person in body["top"]] == ["Sam Sales"]


def test_bad_input_gets_a_clear_400(tenant_a: Tenant, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for(tenant_a.manager)
    assert "period" in client.get(api("people_tiers", tenant_a), {"period": "forever"}).json()
    custom = client.get(api("people_tiers", tenant_a), {"period": "custom", "start": "2026-01-01"})
    assert custom.status_code == 400 and "start and an end" in custom.json()["period"][0]
    topic = client.get(
        api("people_tiers", tenant_a), {"segment": "topic", "segment_value": str(tenant_a.topic.public_id)}
    )
    assert topic.status_code == 400 and "not by topic" in topic.json()["segment"][0]
    assert client.get(api("people_champions", tenant_a), {"limit": "0"}).status_code == 400


@pytest.mark.parametrize("name", ["people_tiers", "people_champions", "people_leaders"])
def test_employees_may_not_read_people_reports(tenant_a: Tenant, client_for, name: str) -> None:  # type: ignore[no-untyped-def]
    assert client_for(tenant_a.employee).get(api(name, tenant_a)).status_code == 403


def test_champions_and_leaders(tenant_a: Tenant, client_for) -> None:  # type: ignore[no-untyped-def]
    steady = member(tenant_a, "Stella Steady")
    sharing(steady, shares=4, clicks=40)
    conversion(steady, kind="lead")
    sharing(member(tenant_a, "Bo Busy"), shares=50, clicks=10)
    sharing(tenant_a.executive, shares=2, clicks=6)
    client = client_for(tenant_a.admin)
    champions = client.get(api("people_champions", tenant_a), {"limit": 3}).json()
    assert [c["person"]["name"] for c in champions["champions"]] == ["Stella Steady"]
    leaders = client.get(api("people_leaders", tenant_a)).json()
    assert [p["name"] for p in leaders["leaders"]] == [tenant_a.executive.user.full_name]
    assert leaders["shares"] == 2 and leaders["clicks"] == 6


@pytest.mark.parametrize("role", [Role.ADMIN, Role.MANAGER, Role.EXECUTIVE, Role.EMPLOYEE])
def test_every_member_reads_their_impact(tenant_a: Tenant, client_for, role: str) -> None:  # type: ignore[no-untyped-def]
    someone = tenant_a.member(role)
    share = posted_share(someone, reach=700, clicks=9)
    gains(someone, shares=1, clicks=9, reach=700)
    conversion(someone, share=share, kind="signup")
    body = client_for(someone).get(api("my_impact", tenant_a), {"period": "30d"}).json()
    assert (body["clicks"], body["reach"], body["conversions"]) == (9, 700, 1)
    assert body["last_shares"][0]["share"] == str(share.public_id)
    assert body["last_shares"][0]["conversions"] == 1 and len(body["trend"]) == 30


def test_a_member_sets_their_ranking_preference(tenant_a: Tenant, client_for) -> None:  # type: ignore[no-untyped-def]
    turn_recognition(tenant_a, on=True)
    client = client_for(tenant_a.employee)
    path = api("my_ranking_preference", tenant_a)
    assert client.get(path).json() == {"hide_from_rankings": False, "recognition_enabled": True}
    put = client.put(path, json.dumps({"hide_from_rankings": True}), content_type="application/json")
    assert put.status_code == 200 and put.json()["hide_from_rankings"] is True
    assert client.get(api("my_impact", tenant_a)).json()["hidden_from_rankings"] is True
    unknown = client.put(path, json.dumps({"hide": True}), content_type="application/json")
    assert unknown.status_code == 400
    not_bool = client.put(path, json.dumps({"hide_from_rankings": "perhaps"}), content_type="application/json")
    assert not_bool.status_code == 400


def test_the_api_never_shows_or_changes_another_organisations_people(
    tenant_a: Tenant, tenant_b: Tenant, client_for
) -> None:  # type: ignore[no-untyped-def]
    sharing(tenant_b.employee, shares=3, clicks=99)
    conversion(tenant_b.employee, kind="hire")
    client = client_for(tenant_a.admin)
    tiers = client.get(api("people_tiers", tenant_a)).content.decode()
    assert tenant_b.employee.user.full_name not in tiers
    for name in ("people_tiers", "people_champions", "people_leaders", "my_impact", "my_ranking_preference"):
        assert client.get(api(name, tenant_b)).status_code == 404
    put = client.put(
        api("my_ranking_preference", tenant_b),
        json.dumps({"hide_from_rankings": True}),
        content_type="application/json",
    )
    assert put.status_code == 404
    group = client.get(
        api("people_tiers", tenant_a), {"segment": "group", "segment_value": str(tenant_b.group.public_id)}
    )
    assert group.status_code == 400
    with scopes_disabled():
        assert not RankingPreference.objects.filter(organization=tenant_b.organization).exists()
