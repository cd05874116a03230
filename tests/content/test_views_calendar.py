"""The publishing calendar: a month of approved and published items by publish time."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.utils import timezone

from content.models import ContentState
from tests.content.views_support import CURATOR_ROLES, OTHER_ROLES, url
from tests.factories import ContentItemFactory

pytestmark = pytest.mark.django_db


def scheduled(tenant, title, when, state=ContentState.APPROVED):  # type: ignore[no-untyped-def]
    return ContentItemFactory(organization=tenant.organization, title=title, state=state, publish_at=when)


@pytest.mark.parametrize("role", CURATOR_ROLES)
def test_admins_and_managers_can_open_the_calendar(tenant_a, client_for, role):
    assert client_for(tenant_a.member(role)).get(url("calendar")).status_code == 200


@pytest.mark.parametrize("role", OTHER_ROLES)
def test_executives_and_employees_get_forbidden(tenant_a, client_for, role):
    assert client_for(tenant_a.member(role)).get(url("calendar")).status_code == 403


def test_the_month_parameter_picks_the_month_with_previous_and_next_links(tenant_a, client_for):
    response = client_for(tenant_a.manager).get(url("calendar"), {"month": "2026-11"})
    body = response.content.decode()
    assert response.status_code == 200
    assert response.context["month"] == date(2026, 11, 1)
    assert "November 2026" in body
    assert "?month=2026-10" in body and "?month=2026-12" in body


def test_december_links_to_january_of_the_next_year(tenant_a, client_for):
    body = client_for(tenant_a.manager).get(url("calendar"), {"month": "2026-12"}).content.decode()
    assert "?month=2027-01" in body and "?month=2026-11" in body


@pytest.mark.parametrize("bad", ["2026-13", "november", "2026-1", "0000-01", "2026-11-05", "99999-01"])
def test_a_bad_month_answers_400_with_a_clear_message_and_shows_this_month(tenant_a, client_for, bad):
    response = client_for(tenant_a.manager).get(url("calendar"), {"month": bad})
    assert response.status_code == 400
    assert "is not a month" in response.content.decode()
    assert response.context["month"] == timezone.localdate().replace(day=1)


def test_items_appear_on_their_publish_day_in_the_organizations_time_zone(tenant_a, tenant_b, client_for):
    tenant_a.organization.timezone = "Asia/Tokyo"
    tenant_a.organization.save()
    # 20:00 UTC on 4 November is 05:00 on 5 November in Tokyo.
    scheduled(tenant_a, "Launch post", datetime(2026, 11, 4, 20, 0, tzinfo=UTC))
    scheduled(tenant_a, "Still a draft", datetime(2026, 11, 10, 9, 0, tzinfo=UTC), state=ContentState.DRAFT)
    scheduled(tenant_b, "Globex plan", datetime(2026, 11, 6, 9, 0, tzinfo=UTC))
    response = client_for(tenant_a.manager).get(url("calendar"), {"month": "2026-11"})
    days = {day.day: [item.title for item in day.items] for week in response.context["weeks"] for day in week}
    assert days[date(2026, 11, 5)] == ["Launch post"]
    body = response.content.decode()
    assert "05:00" in body
    assert "Still a draft" not in body and "Globex plan" not in body


def test_phones_get_a_list_of_the_days_with_items(tenant_a, client_for):
    scheduled(tenant_a, "Launch post", datetime(2030, 3, 4, 12, 0, tzinfo=UTC))
    response = client_for(tenant_a.manager).get(url("calendar"), {"month": "2030-03"})
    body = response.content.decode()
    assert 'class="d-sm-none" data-testid="calendar-list"' in body
    assert [day.day for day in response.context["month_days"]] == [date(2030, 3, 4)]


def test_an_item_published_on_approval_shows_on_its_publish_day(tenant_a, client_for):
    today = timezone.localdate()
    body = client_for(tenant_a.manager).get(url("calendar"), {"month": f"{today:%Y-%m}"}).content.decode()
    assert tenant_a.item.title in body  # published now, with no publish time set
