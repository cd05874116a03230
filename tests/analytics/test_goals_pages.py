"""The managers' pages: analytics settings (rates, attribution, snippet, webhook secret
shown once), goals and KPIs, a KPI's values with their sources, CSV imports with
row-by-row errors, and the conversions list with its filters."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.tenancy import scopes_disabled
from analytics.models import AnalyticsSettings, Conversion, Goal, Kpi, KpiValue, NetworkRate
from tests.analytics.goals_support import goal_of, kpi_of, url
from tests.conftest import Tenant

pytestmark = pytest.mark.django_db


def settings_form(**changes: str) -> dict[str, str]:
    return {
        "currency": "usd",
        "cpc": "1.20",
        "reaction_weight": "0.5",
        "attribution_window_days": "14",
        "attribution_model": "first_touch",
        "snippet_origins": "https://www.acme.example/\nhttps://shop.acme.example",
        "cpm_linkedin": "32.5",
        "cpm_x": "",
        **changes,
    }


def test_a_manager_sets_the_emv_rates_and_attribution_rules(  # type: ignore[no-untyped-def]
    tenant_a: Tenant, client_for, broker, django_capture_on_commit_callbacks
) -> None:
    client = client_for(tenant_a.manager)
    assert client.get(url("analytics:analytics_settings", tenant_a)).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("analytics:analytics_settings", tenant_a), settings_form())
    assert response.status_code == 302
    with scopes_disabled():
        row = AnalyticsSettings.objects.get(organization=tenant_a.organization)
        rates = dict(NetworkRate.objects.filter(organization=tenant_a.organization).values_list("network", "cpm"))
    assert (row.currency, row.cpc, row.attribution_window_days, row.attribution_model) == (
        "USD",
        Decimal("1.2"),
        14,
        "first_touch",
    )
    assert row.snippet_origins == "https://www.acme.example\nhttps://shop.acme.example"
    assert rates == {"linkedin": Decimal("32.5")}
    # The attribution rules changed, so past conversions are attributed again.
    assert any(name == "analytics.tasks.conversions_reattribute" for name, _ in broker.drain())


def test_a_bad_origin_is_a_form_error_naming_the_line(tenant_a: Tenant, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for(tenant_a.manager)
    response = client.post(
        url("analytics:analytics_settings", tenant_a),
        settings_form(snippet_origins="https://ok.example\nacme.example/x"),
    )
    assert response.status_code == 400
    assert "Line 2" in response.content.decode()


def test_the_webhook_secret_is_shown_once(tenant_a: Tenant, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for(tenant_a.admin)
    response = client.post(url("analytics:analytics_webhook_secret", tenant_a))
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    page = response.content.decode()
    assert "whsec_" in page and "shown only this once" in page
    assert "whsec_" not in client.get(url("analytics:analytics_settings", tenant_a)).content.decode()


def test_a_manager_sets_up_the_snippet_and_gets_the_tag_to_copy(tenant_a: Tenant, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for(tenant_a.manager)
    assert client.post(url("analytics:analytics_snippet_key", tenant_a)).status_code == 302
    with scopes_disabled():
        key = AnalyticsSettings.objects.get(organization=tenant_a.organization).snippet_key
    page = client.get(url("analytics:analytics_settings", tenant_a)).content.decode()
    assert f"/t/{key}/chorus.js" in page and "window.chorus.convert" in page


@pytest.mark.parametrize("who", ["executive", "employee"])
def test_settings_are_for_curators_only(tenant_a: Tenant, client_for, who: str) -> None:  # type: ignore[no-untyped-def]
    client = client_for(getattr(tenant_a, who))
    assert client.get(url("analytics:analytics_settings", tenant_a)).status_code == 403
    assert client.post(url("analytics:analytics_webhook_secret", tenant_a)).status_code == 403


def test_the_goals_page_has_an_empty_state(tenant_a: Tenant, client_for) -> None:  # type: ignore[no-untyped-def]
    page = client_for(tenant_a.manager).get(url("analytics:goal_list", tenant_a)).content.decode()
    assert "No goals yet" in page and "New goal" in page


def test_a_manager_creates_a_goal_then_a_kpi_then_adds_a_value_with_a_note(tenant_a: Tenant, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for(tenant_a.manager)
    response = client.post(
        url("analytics:goal_list", tenant_a),
        {"name": "Hire engineers", "category": "recruiting", "owner": str(tenant_a.manager.public_id)},
    )
    with scopes_disabled():
        goal = Goal.objects.get(organization=tenant_a.organization)
    assert response.status_code == 302 and response["Location"].endswith(f"/goals/{goal.public_id}/kpis/new/")
    response = client.post(
        url("analytics:kpi_create", tenant_a, goal_id=goal.public_id),
        {
            "goal": str(goal.public_id),
            "name": "Hires",
            "unit": "hires",
            "measure": "values",
            "aggregation": "sum",
            "direction": "up",
            "target": "12",
            "period": "year",
            "owner": str(tenant_a.manager.public_id),
        },
    )
    with scopes_disabled():
        kpi = Kpi.objects.get(goal=goal)
    assert response.status_code == 302
    detail = url("analytics:kpi_detail", tenant_a, kpi_id=kpi.public_id)
    no_note = client.post(detail, {"on_date": "2026-01-05", "value": "2", "note": ""})
    assert no_note.status_code == 400
    assert client.post(detail, {"on_date": "2026-01-05", "value": "2", "note": "ATS report"}).status_code == 302
    page = client.get(detail, {"period": "ytd"}).content.decode()
    assert "ATS report" in page and "Entered by hand" in page
    assert "Hires" in client.get(url("analytics:goal_list", tenant_a)).content.decode()
    with scopes_disabled():
        value = KpiValue.objects.get(kpi=kpi)
    delete = url("analytics:kpi_value_delete", tenant_a, kpi_id=kpi.public_id, kpi_value_id=value.public_id)
    assert client.post(delete).status_code == 302
    with scopes_disabled():
        assert not KpiValue.objects.filter(kpi=kpi).exists()


def test_a_goal_is_archived_and_restored(tenant_a: Tenant, client_for) -> None:  # type: ignore[no-untyped-def]
    goal = goal_of(tenant_a, name="Employer brand")
    client = client_for(tenant_a.manager)
    client.post(url("analytics:goal_archive", tenant_a, goal_id=goal.public_id), {"archived": "1"})
    page = client.get(url("analytics:goal_list", tenant_a)).content.decode()
    assert "Archived goals (1)" in page
    client.post(url("analytics:goal_archive", tenant_a, goal_id=goal.public_id), {"archived": "0"})
    with scopes_disabled():
        assert Goal.objects.get(pk=goal.pk).is_archived is False


def test_an_executive_reads_goals_and_kpis_but_cannot_change_them(tenant_a: Tenant, client_for) -> None:  # type: ignore[no-untyped-def]
    kpi = kpi_of(tenant_a, name="Qualified leads")
    client = client_for(tenant_a.executive)
    page = client.get(url("analytics:goal_list", tenant_a)).content.decode()
    assert "Qualified leads" in page and "New goal" not in page
    assert client.get(url("analytics:kpi_detail", tenant_a, kpi_id=kpi.public_id)).status_code == 200
    assert client.post(url("analytics:goal_list", tenant_a), {"name": "X"}).status_code == 403
    detail = url("analytics:kpi_detail", tenant_a, kpi_id=kpi.public_id)
    assert client.post(detail, {"on_date": "2026-01-05", "value": "2", "note": "n"}).status_code == 403


def test_an_employee_cannot_see_goals(tenant_a: Tenant, client_for) -> None:  # type: ignore[no-untyped-def]
    assert client_for(tenant_a.employee).get(url("analytics:goal_list", tenant_a)).status_code == 403


def test_the_kpi_import_page_lists_every_wrong_row_and_saves_nothing(tenant_a: Tenant, client_for) -> None:  # type: ignore[no-untyped-def]
    kpi_of(tenant_a, name="Qualified leads")
    client = client_for(tenant_a.manager)
    template = client.get(url("analytics:kpi_values_import", tenant_a), {"template": "1"})
    assert template["Content-Type"].startswith("text/csv") and template.content.startswith(b"kpi,date,value,note")
    bad = SimpleUploadedFile("v.csv", b"kpi,date,value\nQualified leads,2026-01-05,x\nNope,2026-01-06,1\n")
    response = client.post(url("analytics:kpi_values_import", tenant_a), {"file": bad})
    page = response.content.decode()
    assert response.status_code == 400 and "Nothing was imported" in page
    assert "Line 2" in page and "Line 3" in page
    good = b"kpi,date,value\nQualified leads,2026-01-05,4\n"
    for _ in range(2):
        response = client.post(
            url("analytics:kpi_values_import", tenant_a), {"file": SimpleUploadedFile("v.csv", good)}
        )
        assert response.status_code == 302
    with scopes_disabled():
        assert KpiValue.objects.filter(organization=tenant_a.organization).count() == 1


def _conversion(tenant: Tenant, event: str, kind: str = "lead", *, at: datetime | None = None) -> None:
    with scopes_disabled():
        Conversion.objects.create(
            organization=tenant.organization,
            event_id=event,
            kind=kind,
            occurred_at=at or timezone.now() - timedelta(days=1),
            source="api",
        )


def test_the_conversions_list_filters_and_pages(tenant_a: Tenant, tenant_b: Tenant, client_for) -> None:  # type: ignore[no-untyped-def]
    for number in range(55):
        _conversion(tenant_a, f"lead-{number}")
    _conversion(tenant_a, "hire-1", "hire")
    _conversion(tenant_a, "old-1", at=datetime(2020, 1, 1, tzinfo=UTC))
    _conversion(tenant_b, "globex-secret-event")
    client = client_for(tenant_a.executive)
    page = client.get(url("analytics:conversion_list", tenant_a), {"period": "30d"}).content.decode()
    assert "Page 1 of 2" in page and "globex-secret-event" not in page and "old-1" not in page
    hires = client.get(url("analytics:conversion_list", tenant_a), {"period": "30d", "kind": "hire"}).content.decode()
    assert "hire-1" in hires and "lead-3<" not in hires
    none = client.get(url("analytics:conversion_list", tenant_a), {"attributed": "yes"}).content.decode()
    assert "No conversions match these filters" in none
    assert "Record a conversion" not in page  # executives read only


def test_the_conversions_list_has_an_empty_state(tenant_a: Tenant, client_for) -> None:  # type: ignore[no-untyped-def]
    page = client_for(tenant_a.manager).get(url("analytics:conversion_list", tenant_a)).content.decode()
    assert "No conversions yet" in page


def test_a_manager_records_a_conversion_by_hand_once(tenant_a: Tenant, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for(tenant_a.manager)
    assert client.get(url("analytics:conversion_create", tenant_a)).status_code == 200
    form = {"kind": "hire", "occurred_at": "2026-01-05T10:00", "value": "", "currency": "", "event_id": "ats-77"}
    assert client.post(url("analytics:conversion_create", tenant_a), form).status_code == 302
    assert client.post(url("analytics:conversion_create", tenant_a), form).status_code == 302
    custom = client.post(url("analytics:conversion_create", tenant_a), {**form, "kind": "custom", "event_id": "c-1"})
    assert custom.status_code == 400 and "Name the custom conversion" in custom.content.decode()
    with scopes_disabled():
        [conversion] = Conversion.objects.filter(organization=tenant_a.organization)
    assert conversion.source == "manual" and conversion.event_id == "ats-77"
    delete = url("analytics:conversion_delete", tenant_a, conversion_id=conversion.public_id)
    assert client.post(delete).status_code == 302
    with scopes_disabled():
        assert not Conversion.objects.filter(organization=tenant_a.organization).exists()


def test_the_conversion_import_page_is_idempotent_on_event_ids(tenant_a: Tenant, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for(tenant_a.manager)
    template = client.get(url("analytics:conversion_import", tenant_a), {"template": "1"})
    assert template.content.startswith(b"event_id,kind,occurred_at")
    data = b"event_id,kind,occurred_at\ncrm-1,lead,2026-01-05\ncrm-2,signup,2026-01-06\n"
    for _ in range(2):
        response = client.post(
            url("analytics:conversion_import", tenant_a), {"file": SimpleUploadedFile("c.csv", data)}
        )
        assert response.status_code == 302
    with scopes_disabled():
        assert Conversion.objects.filter(organization=tenant_a.organization).count() == 2
    bad = client.post(
        url("analytics:conversion_import", tenant_a), {"file": SimpleUploadedFile("c.csv", b"event_id,kind\nx,nope\n")}
    )
    assert bad.status_code == 400 and "Line 2" in bad.content.decode()


def test_another_organisations_goal_kpi_and_conversion_pages_answer_404(
    tenant_a: Tenant,
    tenant_b: Tenant,
    client_for,  # type: ignore[no-untyped-def]
) -> None:
    kpi_b = kpi_of(tenant_b, name="Globex KPI")
    _conversion(tenant_b, "globex-1")
    with scopes_disabled():
        conversion_b = Conversion.objects.get(organization=tenant_b.organization)
    client = client_for(tenant_a.admin)
    assert client.get(url("analytics:kpi_detail", tenant_a, kpi_id=kpi_b.public_id)).status_code == 404
    assert client.get(url("analytics:goal_edit", tenant_a, goal_id=kpi_b.goal.public_id)).status_code == 404
    assert client.post(url("analytics:goal_archive", tenant_a, goal_id=kpi_b.goal.public_id)).status_code == 404
    delete = url("analytics:conversion_delete", tenant_a, conversion_id=conversion_b.public_id)
    assert client.post(delete).status_code == 404
    with scopes_disabled():
        assert Conversion.objects.filter(pk=conversion_b.pk).exists()
        assert Goal.objects.get(pk=kpi_b.goal_id).is_archived is False


def test_a_conversion_kpi_page_links_to_its_attributed_conversions(tenant_a: Tenant, client_for) -> None:  # type: ignore[no-untyped-def]
    kpi = kpi_of(tenant_a, name="Applications", measure="conversion_count", conversion_kind="application")
    page = client_for(tenant_a.executive).get(url("analytics:kpi_detail", tenant_a, kpi_id=kpi.public_id)).content
    text = page.decode()
    assert "attributed to shares" in text and "kind=application" in text and "Add a value" not in text
