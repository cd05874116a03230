"""The people report page: who may open it, what it shows, bad input, other organisations."""

from __future__ import annotations

import pytest

from accounts.models import Role
from tests.analytics.people_support import conversion, member, sharing, url
from tests.conftest import Tenant

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("role", "status"), [(Role.ADMIN, 200), (Role.MANAGER, 200), (Role.EXECUTIVE, 200), (Role.EMPLOYEE, 403)]
)
def test_report_readers_open_the_people_report(tenant_a: Tenant, client_for, role: str, status: int) -> None:  # type: ignore[no-untyped-def]
    response = client_for(tenant_a.member(role)).get(url("analytics:people_report", tenant_a))
    assert response.status_code == status


def test_a_manager_sees_tiers_champions_and_leaders_apart(tenant_a: Tenant, client_for) -> None:  # type: ignore[no-untyped-def]
    hirer = member(tenant_a, "Hana Hirer")
    share = sharing(hirer, shares=1, clicks=3)[0]
    for _ in range(3):
        conversion(hirer, kind="hire", share=share)
    sharing(member(tenant_a, "Bo Busy"), shares=40)
    sharing(tenant_a.executive, shares=2, clicks=8, reach=1200)
    page = client_for(tenant_a.manager).get(url("analytics:people_report", tenant_a)).content.decode()
    top = page.split('data-testid="tier-top"')[1].split("</table>")[0]
    assert "Hana Hirer" in top and "Bo Busy" not in top
    quiet = page.split('data-testid="quiet-sharers"')[1].split("</table>")[0]
    assert "Bo Busy" in quiet
    leaders = page.split('data-testid="leaders"')[1].split("</table>")[0]
    assert tenant_a.executive.user.full_name in leaders
    assert tenant_a.executive.user.full_name not in top


def test_an_empty_period_says_what_to_do_next(tenant_a: Tenant, client_for) -> None:  # type: ignore[no-untyped-def]
    page = client_for(tenant_a.manager).get(url("analytics:people_report", tenant_a)).content.decode()
    assert "No measured impact in this period yet" in page


def test_a_bad_period_or_segment_is_explained_not_a_crash(tenant_a: Tenant, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for(tenant_a.manager)
    bad_period = client.get(url("analytics:people_report", tenant_a), {"period": "forever"})
    assert bad_period.status_code == 400 and "Unknown period" in bad_period.content.decode()
    custom = client.get(url("analytics:people_report", tenant_a), {"period": "custom", "start": "2026-02-01"})
    assert custom.status_code == 400 and "Choose both a start and an end date" in custom.content.decode()
    topic = client.get(url("analytics:people_report", tenant_a), {"segment": f"topic:{tenant_a.topic.public_id}"})
    assert topic.status_code == 400 and "not by topic" in topic.content.decode()


def test_the_people_report_narrows_to_a_department(tenant_a: Tenant, client_for) -> None:  # type: ignore[no-untyped-def]
    sharing(member(tenant_a, "Sam Sales", department="Sales"), shares=1, clicks=5)
    sharing(member(tenant_a, "Eve Engineer"), shares=1, clicks=9)
    page = (
        client_for(tenant_a.manager)
        .get(url("analytics:people_report", tenant_a), {"segment": "department:Sales"})
        .content.decode()
    )
    assert "Sam Sales" in page and "Eve Engineer" not in page


def test_another_organisations_people_never_show(tenant_a: Tenant, tenant_b: Tenant, client_for) -> None:  # type: ignore[no-untyped-def]
    sharing(tenant_b.employee, shares=2, clicks=50, reach=5000)
    conversion(tenant_b.employee, kind="hire")
    sharing(tenant_b.executive, shares=2, clicks=5)
    client = client_for(tenant_a.manager)
    page = client.get(url("analytics:people_report", tenant_a)).content.decode()
    assert tenant_b.employee.user.full_name not in page
    assert tenant_b.executive.user.full_name not in page
    assert client.get(url("analytics:people_report", tenant_b)).status_code == 404
    segment = client.get(url("analytics:people_report", tenant_a), {"segment": f"group:{tenant_b.group.public_id}"})
    assert segment.status_code == 400 and tenant_b.group.name not in segment.content.decode()


def test_the_picker_shows_the_period_the_page_shows(tenant_a: Tenant, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for(tenant_a.manager)
    page = client.get(url("analytics:people_report", tenant_a)).content.decode()
    assert '<option value="90d" selected>' in page
    page = client.get(url("analytics:people_report", tenant_a), {"period": "30d"}).content.decode()
    assert '<option value="30d" selected>' in page and "Last 30 days" in page
