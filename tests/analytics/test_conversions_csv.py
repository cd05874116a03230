"""Conversions from CSV: all or nothing, every wrong row named, idempotent on event_id
(the same file twice records each conversion once), attributed like any other."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.tenancy import organization_scope, scopes_disabled
from analytics.models import Conversion
from analytics.services.conversions import conversions_import
from tests.analytics.goals_support import click_id_at, share_with_link
from tests.conftest import Tenant

pytestmark = pytest.mark.django_db


def _import(tenant: Tenant, text: str):  # type: ignore[no-untyped-def]
    with organization_scope(tenant.organization):
        return conversions_import(organization=tenant.organization, data=text.encode())


def rows_of(tenant: Tenant) -> list[tuple[str, str, bool]]:
    with scopes_disabled():  # reading back for the assertion
        return sorted(
            (c.event_id, c.kind, c.is_attributed) for c in Conversion.objects.filter(organization=tenant.organization)
        )


def test_importing_the_same_file_twice_records_each_conversion_once(tenant_a: Tenant) -> None:
    _share, link = share_with_link(tenant_a)
    click = click_id_at(link, timezone.now() - timedelta(days=1))
    occurred = timezone.now().replace(microsecond=0).isoformat()
    text = (
        "event_id,kind,occurred_at,value,currency,label,click_id\n"
        f"crm-1,lead,{occurred},120,EUR,,{click}\n"
        "crm-2,hire,2026-01-05,,,,\n"
        "crm-3,custom,2026-01-05,,,Demo booked,\n"
    )
    first = _import(tenant_a, text)
    assert first.saved and (first.created, first.unchanged) == (3, 0)
    second = _import(tenant_a, text)
    assert second.saved and (second.created, second.unchanged) == (0, 3)
    assert rows_of(tenant_a) == [("crm-1", "lead", True), ("crm-2", "hire", False), ("crm-3", "custom", False)]
    with scopes_disabled():
        assert Conversion.objects.get(event_id="crm-1").source == "csv"


def test_one_wrong_row_saves_nothing_and_names_each_wrong_row(tenant_a: Tenant) -> None:
    text = (
        "event_id,kind,occurred_at,value\n"
        "crm-1,lead,2026-01-05,10\n"
        ",lead,2026-01-05,\n"
        "crm-3,sale,2026-01-05,\n"
        "crm-4,lead,yesterday,\n"
        "crm-5,lead,2026-01-05,-4\n"
        "crm-1,lead,2026-01-06,\n"
    )
    report = _import(tenant_a, text)
    assert not report.saved
    messages = {error.line: error.message for error in report.errors}
    assert set(messages) == {3, 4, 5, 6, 7}
    assert "event_id" in messages[3]
    assert "kind" in messages[4]
    assert "yesterday" in messages[5]
    assert "negative" in messages[6]
    assert "line 2" in messages[7]
    assert rows_of(tenant_a) == []


def test_a_file_without_event_ids_is_refused_as_a_whole(tenant_a: Tenant) -> None:
    with pytest.raises(ValidationError, match="missing: event_id"):
        _import(tenant_a, "kind,occurred_at\nlead,2026-01-05\n")


def test_a_click_of_another_organisation_imports_as_unattributed(tenant_a: Tenant, tenant_b: Tenant) -> None:
    _share, link_b = share_with_link(tenant_b)
    click = click_id_at(link_b, timezone.now() - timedelta(days=1))
    report = _import(tenant_a, f"event_id,kind,click_id\ncrm-1,lead,{click}\n")
    assert report.saved and rows_of(tenant_a) == [("crm-1", "lead", False)]
    assert rows_of(tenant_b) == []
