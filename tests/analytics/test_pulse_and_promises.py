"""The brand-promise pulse (once per member per promise per quarter, replaced within the
quarter, offered again when the quarter turns) and the curators' promise pages."""

from __future__ import annotations

from datetime import UTC, date, datetime
from unittest import mock

import pytest

from accounts.models import Role
from accounts.tenancy import organization_scope, scopes_disabled
from analytics import selectors, services
from analytics.lib.quarters import quarter_of
from analytics.models import BrandPromise, PulseResponse
from tests.analytics.support import NOW, promise, url
from tests.conftest import Tenant

pytestmark = pytest.mark.django_db


def rate(member, kept: BrandPromise, rating: int, now: datetime, comment: str = "") -> None:  # type: ignore[no-untyped-def]
    with organization_scope(member.organization):
        services.pulse_submit(
            membership=member, ratings=[services.PulseRating(promise=kept, rating=rating, comment=comment)], now=now
        )


def stored(tenant: Tenant) -> list[tuple[date, int, str]]:
    with scopes_disabled():  # reading the rows
        return sorted(
            PulseResponse.objects.filter(organization=tenant.organization).values_list("quarter", "rating", "comment")
        )


def due(member, now: datetime) -> bool:  # type: ignore[no-untyped-def]
    with organization_scope(member.organization):
        return selectors.member_due_pulse(membership=member, now=now)


def test_answering_again_in_the_quarter_replaces_the_rating(tenant_a: Tenant) -> None:
    kept = promise(tenant_a.organization)
    assert due(tenant_a.employee, NOW)
    rate(tenant_a.employee, kept, 2, NOW, "meh")
    assert not due(tenant_a.employee, NOW)
    rate(tenant_a.employee, kept, 5, datetime(2025, 6, 30, 12, tzinfo=UTC), "better")
    assert stored(tenant_a) == [(date(2025, 4, 1), 5, "better")]


def test_a_new_quarter_asks_again_and_keeps_last_quarters_answer(tenant_a: Tenant) -> None:
    kept = promise(tenant_a.organization)
    rate(tenant_a.employee, kept, 2, NOW)
    july = datetime(2025, 7, 1, 9, tzinfo=UTC)
    assert due(tenant_a.employee, july)
    rate(tenant_a.employee, kept, 4, july)
    assert stored(tenant_a) == [(date(2025, 4, 1), 2, ""), (date(2025, 7, 1), 4, "")]


def test_the_quarter_turns_at_midnight_in_the_organisations_time_zone() -> None:
    # 23:30 UTC on 30 June is already 1 July in Tokyo, still 30 June in London… (BST: 00:30 1 July)
    moment = datetime(2025, 6, 30, 22, 30, tzinfo=UTC)
    assert quarter_of(moment, "Asia/Tokyo") == date(2025, 7, 1)
    assert quarter_of(moment, "America/New_York") == date(2025, 4, 1)
    assert quarter_of(datetime(2025, 12, 31, 23, 0, tzinfo=UTC), "UTC") == date(2025, 10, 1)


def test_no_active_promise_means_no_pulse(tenant_a: Tenant) -> None:
    kept = promise(tenant_a.organization)
    kept.is_active = False
    kept.save()
    assert not due(tenant_a.employee, NOW)


def test_an_inactive_promise_cannot_be_rated(tenant_a: Tenant) -> None:
    from django.core.exceptions import ValidationError

    kept = promise(tenant_a.organization)
    kept.is_active = False
    kept.save()
    with pytest.raises(ValidationError):
        rate(tenant_a.employee, kept, 3, NOW)


def test_not_now_hides_the_pulse_prompt(tenant_a: Tenant) -> None:
    promise(tenant_a.organization)
    with organization_scope(tenant_a.organization):
        services.pulse_dismiss(membership=tenant_a.employee, now=NOW)
    assert not due(tenant_a.employee, NOW)
    assert due(tenant_a.employee, datetime(2025, 7, 1, tzinfo=UTC))


def test_a_member_takes_the_pulse_from_the_dashboard_prompt(tenant_a: Tenant, client_for) -> None:  # type: ignore[no-untyped-def]
    first = promise(tenant_a.organization, "We answer within a day", 1)
    second = promise(tenant_a.organization, "We tell the truth", 2)
    client = client_for(tenant_a.employee)
    prompt = client.get(url("analytics:listening_prompt", tenant_a)).content.decode()
    assert 'data-testid="pulse-prompt"' in prompt
    page = client.get(url("analytics:listening_pulse", tenant_a)).content.decode()
    assert page.index("We answer within a day") < page.index("We tell the truth")
    response = client.post(
        url("analytics:listening_pulse", tenant_a),
        {f"rating_{first.public_id}": "4", f"comment_{first.public_id}": "Mostly", f"rating_{second.public_id}": "5"},
    )
    assert response.status_code == 302
    assert [row[1:] for row in stored(tenant_a)] == [(4, "Mostly"), (5, "")]
    assert client.get(url("analytics:listening_prompt", tenant_a)).content == b""
    again = client.get(url("analytics:listening_pulse", tenant_a)).content.decode()
    assert "You answered this quarter" in again and 'value="4" id' in again.replace("\n", "")


def test_an_empty_pulse_is_refused(tenant_a: Tenant, client_for) -> None:  # type: ignore[no-untyped-def]
    promise(tenant_a.organization)
    response = client_for(tenant_a.employee).post(url("analytics:listening_pulse", tenant_a), {})
    assert response.status_code == 400 and "Rate at least one promise" in response.content.decode()


def test_curators_add_edit_reorder_and_deactivate_promises(tenant_a: Tenant, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for(tenant_a.manager)
    client.post(url("analytics:promise_list", tenant_a), {"text": "First promise", "is_active": "on"})
    client.post(url("analytics:promise_list", tenant_a), {"text": "Second promise", "is_active": "on"})
    with scopes_disabled():
        first, second = BrandPromise.objects.filter(organization=tenant_a.organization).order_by("position")
    client.post(url("analytics:promise_move", tenant_a, promise_id=second.public_id), {"direction": "up"})
    page = client.get(url("analytics:promise_list", tenant_a)).content.decode()
    assert page.index("Second promise") < page.index("First promise")
    client.post(url("analytics:promise_edit", tenant_a, promise_id=first.public_id), {"text": "First, reworded"})
    first.refresh_from_db()
    assert (first.text, first.is_active) == ("First, reworded", False)  # the box was not ticked
    client.post(url("analytics:promise_active", tenant_a, promise_id=first.public_id), {"active": "1"})
    first.refresh_from_db()
    assert first.is_active


@pytest.mark.parametrize(
    ("role", "status"), [(Role.ADMIN, 200), (Role.MANAGER, 200), (Role.EXECUTIVE, 403), (Role.EMPLOYEE, 403)]
)
def test_promise_pages_are_for_curators(tenant_a: Tenant, client_for, role: str, status: int) -> None:  # type: ignore[no-untyped-def]
    kept = promise(tenant_a.organization)
    client = client_for(tenant_a.member(role))
    assert client.get(url("analytics:promise_list", tenant_a)).status_code == status
    assert client.get(url("analytics:promise_edit", tenant_a, promise_id=kept.public_id)).status_code == status
    assert client.get(url("api:listening_promise_list", tenant_a)).status_code == status
    post = client.post(url("analytics:promise_active", tenant_a, promise_id=kept.public_id), {"active": "0"})
    assert post.status_code == (302 if status == 200 else 403)


@pytest.mark.parametrize("role", Role.values)
def test_every_member_may_answer(tenant_a: Tenant, client_for, role: str) -> None:  # type: ignore[no-untyped-def]
    promise(tenant_a.organization)
    client = client_for(tenant_a.member(role))
    assert client.get(url("analytics:listening_pulse", tenant_a)).status_code == 200
    assert client.get(url("analytics:listening_stopping", tenant_a)).status_code == 200
    assert client.get(url("analytics:listening_prompt", tenant_a)).status_code == 200


def test_another_organisations_promise_is_not_found(tenant_a: Tenant, tenant_b: Tenant, client_for) -> None:  # type: ignore[no-untyped-def]
    theirs = promise(tenant_b.organization, "Globex promise")
    client = client_for(tenant_a.admin)
    assert client.get(url("analytics:promise_edit", tenant_a, promise_id=theirs.public_id)).status_code == 404
    assert client.post(url("analytics:promise_move", tenant_a, promise_id=theirs.public_id)).status_code == 404
    assert client.get(url("api:listening_promise_detail", tenant_a, promise_id=theirs.public_id)).status_code == 404
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        response = client.post(
            url("api:listening_pulse", tenant_a),
            {"ratings": [{"promise": str(theirs.public_id), "rating": 5}]},
            content_type="application/json",
        )
    assert response.status_code == 400 and "Globex" not in response.content.decode()
