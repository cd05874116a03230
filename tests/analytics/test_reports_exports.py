"""Exports of the executive dashboard: a CSV for every table of the dashboard and of
the drill-down, the PDF for a board pack; only known tables, safe cells, clear errors,
report readers only, and never another organisation's figures."""

from __future__ import annotations

import base64
import contextlib
import csv
import io
import re
import zlib
from datetime import timedelta

import pytest

from analytics.models import KpiMeasure
from analytics.report_exports import DASHBOARD_TABLES, DRILLDOWN_TABLES, csv_cell
from tests.analytics.reports_support import (
    LAST_30,
    TODAY,
    conversion,
    day_rollups,
    goal_with_kpi,
    kpi_value,
    posted_share,
    url,
)
from tests.conftest import Tenant
from tests.factories import ContentItemFactory

pytestmark = pytest.mark.django_db

PERIOD_QUERY = {"period": "custom", "start": LAST_30.start.isoformat(), "end": LAST_30.end.isoformat()}


def rows_of(response) -> list[list[str]]:  # type: ignore[no-untyped-def]
    return list(csv.reader(io.StringIO(response.content.decode())))


def pdf_text(data: bytes) -> str:
    """The text of a reportlab PDF: its content streams, decoded (reportlab compresses
    them with Flate and wraps them in ASCII85)."""
    chunks = []
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\n?endstream", data, re.S):
        body = match.group(1).strip()
        if body.endswith(b"~>"):
            body = base64.a85decode(body[:-2])
        with contextlib.suppress(zlib.error):
            body = zlib.decompress(body)
        chunks.append(body.decode("latin-1"))
    text = "\n".join(chunks)
    assert "BT" in text, "no text object found: the PDF could not be read"
    return text


def _activity(tenant: Tenant, prefix: str) -> None:
    goal_with_kpi(tenant.organization, name=f"{prefix} goal", kpi_name=f"{prefix} qualified leads")
    item = ContentItemFactory(organization=tenant.organization, title=f"{prefix} flagship story")
    share = posted_share(tenant.employee, item)
    day_rollups(tenant.employee, item, impressions=1200, reactions=30, clicks=44)
    day_rollups(tenant.employee, item, day=TODAY - timedelta(days=1), network="x", impressions=None, clicks=6)
    conversion(tenant.organization, share=share, value=250)
    conversion(tenant.organization, kind="hire")
    kpi_value(
        goal_with_kpi(
            tenant.organization, name=f"{prefix} money", kpi_name=f"{prefix} pipeline", measure=KpiMeasure.VALUES
        ),
        9000,
    )


@pytest.mark.parametrize("table", sorted(DASHBOARD_TABLES))
def test_every_dashboard_table_downloads_as_csv(tenant_a: Tenant, client_for, table: str) -> None:
    _activity(tenant_a, "Acme")

    response = client_for(tenant_a.executive).get(url("analytics:reports_export", tenant_a, table=table), PERIOD_QUERY)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment;" in response["Content-Disposition"] and ".csv" in response["Content-Disposition"]
    rows = rows_of(response)
    assert len(rows) >= 2, rows


def test_the_csv_figures_are_the_dashboards(tenant_a: Tenant, client_for) -> None:
    _activity(tenant_a, "Acme")
    client = client_for(tenant_a.manager)

    networks = rows_of(client.get(url("analytics:reports_export", tenant_a, table="networks"), PERIOD_QUERY))
    content = rows_of(client.get(url("analytics:reports_export", tenant_a, table="top_content"), PERIOD_QUERY))
    kpis = rows_of(client.get(url("analytics:reports_export", tenant_a, table="kpis"), PERIOD_QUERY))

    assert networks[0][:3] == ["Network", "Shares posted", "Impressions"]
    by_network = {row[0]: row for row in networks[1:]}
    assert by_network["LinkedIn"][2] == "1200" and by_network["LinkedIn"][8] == "44"
    assert by_network["X"][2] == ""  # unknown is an empty cell, never 0
    assert content[0][0] == "Content" and content[1][0] == "Acme flagship story"
    assert content[1][6:8] == ["1", "250.00"]
    assert [row[1] for row in kpis[1:]] == ["Acme qualified leads", "Acme pipeline"]


def test_an_unknown_table_is_404(tenant_a: Tenant, client_for) -> None:
    kpi = goal_with_kpi(tenant_a.organization)
    client = client_for(tenant_a.executive)

    assert client.get(url("analytics:reports_export", tenant_a, table="passwords")).status_code == 404
    assert (
        client.get(url("analytics:reports_kpi_export", tenant_a, kpi_id=kpi.public_id, table="kpis")).status_code == 404
    )


@pytest.mark.parametrize("table", sorted(DRILLDOWN_TABLES))
def test_every_drilldown_table_downloads_as_csv(tenant_a: Tenant, client_for, table: str) -> None:
    _activity(tenant_a, "Acme")
    kpi = goal_with_kpi(tenant_a.organization, kpi_name="Leads again")

    response = client_for(tenant_a.executive).get(
        url("analytics:reports_kpi_export", tenant_a, kpi_id=kpi.public_id, table=table), PERIOD_QUERY
    )

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert len(rows_of(response)) >= 1


def test_the_drilldown_csv_lists_the_people_behind_the_kpi(tenant_a: Tenant, client_for) -> None:
    kpi = goal_with_kpi(tenant_a.organization)
    share = posted_share(tenant_a.employee, tenant_a.item)
    conversion(tenant_a.organization, share=share, value=70)

    rows = rows_of(
        client_for(tenant_a.executive).get(
            url("analytics:reports_kpi_export", tenant_a, kpi_id=kpi.public_id, table="people"), PERIOD_QUERY
        )
    )

    assert rows[0][0] == "Member"
    assert rows[1][0] == tenant_a.employee.user.display_name
    assert rows[1][-2:] == ["1", "70.00"]


def test_cells_that_a_spreadsheet_would_run_as_formulas_are_quoted(tenant_a: Tenant, client_for) -> None:
    item = ContentItemFactory(organization=tenant_a.organization, title='=HYPERLINK("http://evil.example","x")')
    day_rollups(tenant_a.employee, item, clicks=3)

    rows = rows_of(
        client_for(tenant_a.executive).get(url("analytics:reports_export", tenant_a, table="top_content"), PERIOD_QUERY)
    )

    assert rows[1][0] == '\'=HYPERLINK("http://evil.example","x")'
    assert [csv_cell(text) for text in ("+1", "-1", "@sum", "\tx", "plain")] == ["'+1", "'-1", "'@sum", "'\tx", "plain"]
    assert csv_cell(-5) == -5  # numbers stay numbers


@pytest.mark.parametrize(
    "query", [{"period": "forever"}, {"period": "custom", "start": "2026-03-10"}, {"segment": "department:Nowhere"}]
)
def test_a_bad_period_or_segment_on_an_export_is_a_400_with_the_reason(tenant_a: Tenant, client_for, query) -> None:
    client = client_for(tenant_a.executive)

    for address in (
        url("analytics:reports_export", tenant_a, table="kpis"),
        url("analytics:reports_dashboard_pdf", tenant_a),
    ):
        response = client.get(address, query)
        assert response.status_code == 400
        assert response.content.decode().strip()
        assert response["Content-Type"].startswith("text/plain")


def test_the_pdf_is_a_pdf_with_the_organisations_kpis_and_headline_figures(tenant_a: Tenant, client_for) -> None:
    _activity(tenant_a, "Acme")

    response = client_for(tenant_a.executive).get(url("analytics:reports_dashboard_pdf", tenant_a), PERIOD_QUERY)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    assert response.content.rstrip().endswith(b"%%EOF")
    text = pdf_text(response.content)
    for expected in ("Acme qualified leads", "Acme pipeline", "Attributed conversions", "Earned media value", "Trend"):
        assert expected in text, expected


def test_the_pdf_of_an_empty_period_still_renders(tenant_a: Tenant, client_for) -> None:
    response = client_for(tenant_a.executive).get(url("analytics:reports_dashboard_pdf", tenant_a))

    assert response.status_code == 200 and response.content.startswith(b"%PDF-")
    assert "No goals or KPIs" in pdf_text(response.content)


def test_an_employee_cannot_export(tenant_a: Tenant, client_for) -> None:
    kpi = goal_with_kpi(tenant_a.organization)
    client = client_for(tenant_a.employee)

    assert client.get(url("analytics:reports_export", tenant_a, table="kpis")).status_code == 403
    assert client.get(url("analytics:reports_dashboard_pdf", tenant_a)).status_code == 403
    assert (
        client.get(url("analytics:reports_kpi_export", tenant_a, kpi_id=kpi.public_id, table="people")).status_code
        == 403
    )


# Cross-tenant ------------------------------------------------------------------------------


def test_no_export_of_organisation_a_contains_organisation_b(tenant_a: Tenant, tenant_b: Tenant, client_for) -> None:
    _activity(tenant_b, "Globex")
    for offset in range(5):
        day_rollups(
            tenant_b.employee, tenant_b.item, day=TODAY - timedelta(days=offset), impressions=987654, clicks=4321
        )
    _activity(tenant_a, "Acme")
    kpi_a = goal_with_kpi(tenant_a.organization, kpi_name="Acme drill")
    client = client_for(tenant_a.admin)

    bodies = [
        client.get(url("analytics:reports_export", tenant_a, table=table), PERIOD_QUERY) for table in DASHBOARD_TABLES
    ]
    bodies += [
        client.get(url("analytics:reports_kpi_export", tenant_a, kpi_id=kpi_a.public_id, table=table), PERIOD_QUERY)
        for table in DRILLDOWN_TABLES
    ]
    pdf = client.get(url("analytics:reports_dashboard_pdf", tenant_a), PERIOD_QUERY)

    texts = [response.content.decode() for response in bodies] + [pdf_text(pdf.content)]
    assert all(response.status_code == 200 for response in [*bodies, pdf])
    for text in texts:
        for secret in ("Globex", "987654", "4321", tenant_b.employee.user.display_name):
            assert secret not in text


def test_organisation_bs_kpi_or_slug_never_exports(tenant_a: Tenant, tenant_b: Tenant, client_for) -> None:
    kpi_b = goal_with_kpi(tenant_b.organization, kpi_name="Globex leads")
    client = client_for(tenant_a.executive)

    assert (
        client.get(url("analytics:reports_kpi_export", tenant_a, kpi_id=kpi_b.public_id, table="people")).status_code
        == 404
    )
    assert client.get(url("analytics:reports_export", tenant_b, table="kpis")).status_code == 404
    assert client.get(url("analytics:reports_dashboard_pdf", tenant_b)).status_code == 404
