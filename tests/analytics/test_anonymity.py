"""The anonymity threshold of the listening results: 4 respondents show nothing, 5 show
figures — for breakdown rows, pulse cells, filters (department ∩ location), free text,
the trend, the CSV and the API — and no page, file or answer names anyone."""

from __future__ import annotations

import json
from unittest import mock

import pytest

from accounts.models import Role
from accounts.tenancy import organization_scope
from analytics import selectors
from analytics.lib.anonymity import ANONYMITY_THRESHOLD, SUPPRESSED_LABEL, suppressed_positions
from tests.analytics.support import NOW, QUARTER, answers, promise, ratings, url
from tests.conftest import Tenant

pytestmark = pytest.mark.django_db


def results(tenant: Tenant, **filters):  # type: ignore[no-untyped-def]
    with organization_scope(tenant.organization):
        return selectors.listening_results(organization=tenant.organization, quarter=QUARTER, **filters)


def test_the_threshold_is_five() -> None:
    assert ANONYMITY_THRESHOLD == 5 and SUPPRESSED_LABEL == "Fewer than 5 responses"


def test_four_answers_show_nothing_and_five_show_the_reasons(tenant_a: Tenant) -> None:
    answers(tenant_a.organization, 4, department="Sales")
    four = results(tenant_a)
    assert not four.stopping_total.shown and four.stopping_total.respondents is None
    assert four.stopping_total.reasons == [] and four.stopping_total.hidden_why == SUPPRESSED_LABEL
    answers(tenant_a.organization, 1, department="Sales", not_relevant=True)
    five = results(tenant_a)
    assert five.stopping_total.shown and five.stopping_total.respondents == 5
    figures = {figure.reason: (figure.count, figure.percent) for figure in five.stopping_total.reasons}
    assert figures["no_time"] == (4, 80) and figures["not_relevant"] == (1, 20)


def test_a_department_of_four_is_hidden_and_so_is_the_next_smallest(tenant_a: Tenant) -> None:
    answers(tenant_a.organization, 4, department="Legal")
    answers(tenant_a.organization, 6, department="Sales")
    answers(tenant_a.organization, 9, department="Support")
    rows = {row.segment: row for row in results(tenant_a, by="department").stopping_rows}
    assert not rows["Legal"].shown and rows["Legal"].hidden_why == SUPPRESSED_LABEL
    # Total (19) minus Support (9) minus Sales (6) would give Legal's 4 away: Sales hides too.
    assert not rows["Sales"].shown and rows["Sales"].respondents is None
    assert rows["Support"].shown and rows["Support"].respondents == 9


def test_departments_nobody_answered_from_look_like_small_ones(tenant_a: Tenant) -> None:
    answers(tenant_a.organization, 5, department="Sales")
    rows = {row.segment: row for row in results(tenant_a, by="department").stopping_rows}
    # The shared fixture's members are in Engineering; nobody there answered.
    assert rows["Engineering"].hidden_why == SUPPRESSED_LABEL and rows["Sales"].shown


def test_a_filter_cannot_narrow_below_five(tenant_a: Tenant) -> None:
    answers(tenant_a.organization, 4, department="Sales", location="Paris")
    answers(tenant_a.organization, 6, department="Sales", location="London")
    answers(tenant_a.organization, 6, department="Support", location="Paris")
    narrowed = results(tenant_a, department="Sales", location="Paris", by="location")
    assert not narrowed.stopping_total.shown
    assert all(not row.shown for row in narrowed.stopping_rows)
    five = results(tenant_a, department="Sales", by="location")
    rows = {row.segment: row for row in five.stopping_rows}
    assert five.stopping_total.respondents == 10 and not rows["Paris"].shown
    assert not rows["London"].shown  # else 10 − 6 gives Paris away


def test_pulse_cells_follow_the_threshold_per_promise(tenant_a: Tenant) -> None:
    kept = promise(tenant_a.organization, "We keep our word")
    ratings(kept, 4, rating=2, department="Sales")
    ratings(kept, 5, rating=5, department="Support")
    ratings(kept, 5, rating=3, department="Engineering")
    shown = results(tenant_a, by="department")
    assert shown.pulse_total.cells[0].average == round((4 * 2 + 5 * 5 + 5 * 3) / 14, 1)
    rows = {row.segment: row.cells[0] for row in shown.pulse_rows}
    assert not rows["Sales"].shown and rows["Sales"].average is None
    assert sum(cell.shown for cell in rows.values()) == 1  # one 5-group also hidden, to protect Sales


def test_free_text_is_hidden_below_five_and_listed_without_names_at_five(tenant_a: Tenant) -> None:
    answers(tenant_a.organization, 4, other_text="Zebra crossing worries")
    kept = promise(tenant_a.organization)
    raters = ratings(kept, 4, comment="Bananas are yellow")
    four = results(tenant_a)
    assert not four.other_texts.shown and four.other_texts.texts == []
    assert not four.pulse_comments[0].shown and four.pulse_comments[0].texts == []
    answers(tenant_a.organization, 1, other_text="Apples first")
    raters += ratings(kept, 1, comment="")
    five = results(tenant_a)
    assert five.other_texts.texts == ["Apples first", *["Zebra crossing worries"] * 4]  # alphabetical
    assert five.pulse_comments[0].texts == ["Bananas are yellow"] * 4
    assert raters


def test_the_trend_hides_quarters_below_five(tenant_a: Tenant) -> None:
    from datetime import date

    answers(tenant_a.organization, 4, quarter=date(2025, 1, 1))
    answers(tenant_a.organization, 5, quarter=QUARTER)
    trend = results(tenant_a).trend
    assert [point.quarter for point in trend] == ["2024 Q3", "2024 Q4", "2025 Q1", "2025 Q2"]
    assert [point.stopping_respondents for point in trend] == [None, None, None, 5]


def test_suppression_adds_cells_until_the_hidden_ones_reach_five() -> None:
    assert suppressed_positions([4, 6, 9]) == {0, 1}
    assert suppressed_positions([4, 6, 9], total_shown=False) == {0}
    assert suppressed_positions([2, 3, 9]) == {0, 1}
    assert suppressed_positions([0, 5, 5]) == set()
    assert suppressed_positions([5, 5]) == set()


def _page_csv_and_json(tenant: Tenant, client, query: str = "") -> list[str]:  # type: ignore[no-untyped-def]
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        page = client.get(url("analytics:listening_results", tenant) + query).content.decode()
        csv_text = client.get(url("analytics:listening_results_export", tenant) + query).content.decode()
        data = client.get(url("api:listening_results", tenant) + query).content.decode()
    return [page, csv_text, data]


def test_no_names_and_no_small_groups_in_the_page_the_csv_or_the_api(tenant_a: Tenant, client_for) -> None:  # type: ignore[no-untyped-def]
    kept = promise(tenant_a.organization, "We keep our word")
    small = ratings(kept, 4, rating=1, department="Legal", comment="Legal secret")
    large = ratings(kept, 5, rating=5, department="Sales", comment="Sales comment")
    answers(tenant_a.organization, 4, department="Legal", other_text="Legal other")
    answers(tenant_a.organization, 6, department="Sales", other_text="Sales other")
    client = client_for(tenant_a.executive)
    for body in _page_csv_and_json(tenant_a, client):
        for member in small + large:
            assert member.user.full_name not in body and member.user.email not in body
        assert SUPPRESSED_LABEL in body
    page, csv_text, _data = _page_csv_and_json(tenant_a, client)
    assert "Sales comment" in page and "Legal secret" in page  # the org-wide list (9 raters) is ≥ 5
    assert "Sales comment" not in csv_text and "Sales other" not in csv_text  # the CSV holds no free text
    filtered_page, filtered_csv, filtered_data = _page_csv_and_json(tenant_a, client, "?department=Legal")
    for body in (filtered_page, filtered_csv, filtered_data):
        assert "Legal secret" not in body and "Legal other" not in body
    legal = json.loads(filtered_data)
    assert legal["stopping_total"] == {
        "segment": "All",
        "shown": False,
        "respondents": None,
        "reasons": [],
        "hidden_why": SUPPRESSED_LABEL,
    }
    assert legal["pulse_total"]["cells"][0]["average"] is None


def test_the_csv_download_is_in_the_audit_log(tenant_a: Tenant, client_for) -> None:  # type: ignore[no-untyped-def]
    from accounts.models import AuditAction, AuditEvent
    from accounts.tenancy import scopes_disabled

    client_for(tenant_a.manager).get(url("analytics:listening_results_export", tenant_a) + "?by=location")
    with scopes_disabled():
        event = AuditEvent.objects.get(organization=tenant_a.organization, action=AuditAction.EXPORT_DOWNLOADED)
    assert "Listening results" in event.note and "by location" in event.note


def test_the_page_draws_the_trend_from_a_static_script(tenant_a: Tenant, client_for) -> None:  # type: ignore[no-untyped-def]
    page = client_for(tenant_a.admin).get(url("analytics:listening_results", tenant_a)).content.decode()
    assert 'id="listening-trend-data" type="application/json"' in page
    assert "js/listening_results.js" in page and 'data-testid="trend-table"' in page
    assert "<script>" not in page


@pytest.mark.parametrize(
    ("role", "status"), [(Role.ADMIN, 200), (Role.MANAGER, 200), (Role.EXECUTIVE, 200), (Role.EMPLOYEE, 403)]
)
def test_results_are_for_report_readers(tenant_a: Tenant, client_for, role: str, status: int) -> None:  # type: ignore[no-untyped-def]
    client = client_for(tenant_a.member(role))
    assert client.get(url("analytics:listening_results", tenant_a)).status_code == status
    assert client.get(url("analytics:listening_results_export", tenant_a)).status_code == status
    assert client.get(url("api:listening_results", tenant_a)).status_code == status
