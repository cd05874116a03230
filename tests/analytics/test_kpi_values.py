"""KPI values: each keeps its source; manual entries need a note; one value per KPI, day
and source, so re-entering or re-importing replaces instead of adding; CSV imports are
all or nothing, name every wrong row by line, and importing the same file twice
leaves the same values."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from accounts.tenancy import organization_scope, scopes_disabled
from analytics.models import KpiValue
from analytics.services.goals import kpi_value_record, kpi_values_import
from tests.analytics.goals_support import kpi_of
from tests.conftest import Tenant

pytestmark = pytest.mark.django_db


def values_of(tenant: Tenant) -> list[tuple[str, date, Decimal, str, str]]:
    with scopes_disabled():  # reading back for the assertion
        return sorted(
            KpiValue.objects.filter(organization=tenant.organization).values_list(
                "kpi__name", "on_date", "value", "source", "note"
            )
        )


def test_a_manual_value_needs_a_note(tenant_a: Tenant) -> None:
    kpi = kpi_of(tenant_a)
    with organization_scope(tenant_a.organization), pytest.raises(ValidationError) as refused:
        kpi_value_record(kpi=kpi, on_date=date(2026, 1, 5), value=Decimal(3), source="manual", note=" ")
    assert "note" in refused.value.message_dict


def test_entering_the_same_day_again_replaces_the_value_of_that_source_only(tenant_a: Tenant) -> None:
    kpi = kpi_of(tenant_a)
    with organization_scope(tenant_a.organization):
        _, created = kpi_value_record(kpi=kpi, on_date=date(2026, 1, 5), value=Decimal(3), source="api")
        _, again = kpi_value_record(kpi=kpi, on_date=date(2026, 1, 5), value=Decimal(4), source="api")
        kpi_value_record(kpi=kpi, on_date=date(2026, 1, 5), value=Decimal(1), source="manual", note="from the CRM")
    assert (created, again) == (True, False)
    assert {(v[2], v[3]) for v in values_of(tenant_a)} == {(Decimal(4), "api"), (Decimal(1), "manual")}


def test_a_kpi_measured_by_conversions_takes_no_values(tenant_a: Tenant) -> None:
    kpi = kpi_of(tenant_a, measure="conversion_count", conversion_kind="lead")
    with organization_scope(tenant_a.organization), pytest.raises(ValidationError, match="conversions"):
        kpi_value_record(kpi=kpi, on_date=date(2026, 1, 5), value=Decimal(3), source="api")


def _import(tenant: Tenant, text: str, **options):  # type: ignore[no-untyped-def]
    with organization_scope(tenant.organization):
        return kpi_values_import(organization=tenant.organization, data=text.encode(), **options)


def test_importing_the_same_file_twice_leaves_the_same_values(tenant_a: Tenant) -> None:
    leads = kpi_of(tenant_a, name="Qualified leads")
    hires = kpi_of(tenant_a, name="Hires")
    text = (
        "kpi,date,value,note\n"
        f"Qualified leads,2026-01-05,12,CRM week 1\n"
        f"{hires.public_id},2026-01-05,2,\n"
        "qualified leads,2026-01-12,15.5,CRM week 2\n"
    )
    first = _import(tenant_a, text)
    assert first.saved and (first.created, first.updated, first.unchanged) == (3, 0, 0)
    after_first = values_of(tenant_a)
    second = _import(tenant_a, text)
    assert second.saved and (second.created, second.updated, second.unchanged) == (0, 0, 3)
    assert values_of(tenant_a) == after_first
    assert ("Qualified leads", date(2026, 1, 12), Decimal("15.50"), "csv", "CRM week 2") in after_first
    assert leads.pk != hires.pk


def test_a_corrected_figure_replaces_the_days_imported_value(tenant_a: Tenant) -> None:
    kpi_of(tenant_a, name="Qualified leads")
    _import(tenant_a, "kpi,date,value\nQualified leads,2026-01-05,12\n")
    report = _import(tenant_a, "kpi,date,value\nQualified leads,2026-01-05,14\n")
    assert (report.created, report.updated) == (0, 1)
    assert [v[2] for v in values_of(tenant_a)] == [Decimal(14)]


def test_one_wrong_row_saves_nothing_and_every_wrong_row_is_named(tenant_a: Tenant) -> None:
    kpi_of(tenant_a, name="Qualified leads")
    text = (
        "kpi,date,value,note\n"
        "Qualified leads,2026-01-05,12,\n"
        "Qualified leads,05/01/2026,12,\n"
        "Qualified leads,2026-01-06,twelve,\n"
        "Nope,2026-01-07,3,\n"
        "Qualified leads,2026-01-05,13,\n"
    )
    report = _import(tenant_a, text)
    assert not report.saved
    messages = {error.line: error.message for error in report.errors}
    assert set(messages) == {3, 4, 5, 6}
    assert "05/01/2026" in messages[3] and "date" in messages[3]
    assert "twelve" in messages[4] and "not a number" in messages[4]
    assert "Nope" in messages[5]
    assert "line 2" in messages[6]
    assert values_of(tenant_a) == []


def test_a_number_with_a_comma_is_refused_with_a_hint(tenant_a: Tenant) -> None:
    kpi_of(tenant_a, name="Pipeline")
    report = _import(tenant_a, 'kpi,date,value\nPipeline,2026-01-05,"1,234.50"\n')
    assert not report.saved and "point for decimals" in report.errors[0].message


def test_semicolon_files_with_a_byte_order_mark_are_read(tenant_a: Tenant) -> None:
    kpi_of(tenant_a, name="Pipeline")
    with organization_scope(tenant_a.organization):
        report = kpi_values_import(
            organization=tenant_a.organization, data="\ufeffkpi;date;value\nPipeline;2026-01-05;7\n".encode()
        )
    assert report.saved and report.created == 1


def test_a_file_without_the_needed_columns_is_refused_as_a_whole(tenant_a: Tenant) -> None:
    with pytest.raises(ValidationError, match="missing: kpi, value"):
        _import(tenant_a, "date\n2026-01-05\n")
    with pytest.raises(ValidationError, match="UTF-8"), organization_scope(tenant_a.organization):
        kpi_values_import(organization=tenant_a.organization, data=b"\xff\xfe\x00k")


def test_an_import_for_one_kpi_needs_no_kpi_column(tenant_a: Tenant) -> None:
    kpi = kpi_of(tenant_a, name="Pipeline")
    report = _import(tenant_a, "date,value\n2026-01-05,7\n", kpi=kpi)
    assert report.saved and values_of(tenant_a)[0][0] == "Pipeline"


def test_another_organisations_kpi_cannot_be_imported_into(tenant_a: Tenant, tenant_b: Tenant) -> None:
    kpi_b = kpi_of(tenant_b, name="Globex leads")
    report = _import(tenant_a, f"kpi,date,value\n{kpi_b.public_id},2026-01-05,7\nGlobex leads,2026-01-06,1\n")
    assert not report.saved and len(report.errors) == 2
    assert values_of(tenant_b) == []
