"""Recognition boards: only when turned on, opt-out respected, executives apart, teams
per head, Facebook shares earn nothing."""

from __future__ import annotations

import pytest

from accounts.models import Role
from accounts.tenancy import organization_scope
from analytics.selectors import people
from analytics.services.people import ranking_preference_set
from tests.analytics.people_support import conversion, last_30_days, member, sharing, turn_recognition, url
from tests.conftest import Tenant

pytestmark = pytest.mark.django_db


def board_names(entries: list[people.BoardEntry]) -> list[str]:
    return [entry.person.name for entry in entries]


def test_recognition_off_means_no_board(tenant_a: Tenant, client_for) -> None:  # type: ignore[no-untyped-def]
    with organization_scope(tenant_a.organization), pytest.raises(people.RecognitionDisabled):
        people.recognition_board(organization=tenant_a.organization, period=last_30_days())
    assert client_for(tenant_a.employee).get(url("analytics:recognition", tenant_a)).status_code == 404


def test_an_admin_is_told_boards_are_off_and_where_to_turn_them_on(tenant_a: Tenant, client_for) -> None:  # type: ignore[no-untyped-def]
    response = client_for(tenant_a.admin).get(url("analytics:recognition", tenant_a))
    assert response.status_code == 200
    assert "Recognition boards are off" in response.content.decode()
    assert url("analytics:analytics_settings", tenant_a) in response.content.decode()


@pytest.mark.parametrize("role", [Role.ADMIN, Role.MANAGER, Role.EXECUTIVE, Role.EMPLOYEE])
def test_everyone_sees_the_board_once_it_is_on(tenant_a: Tenant, client_for, role: str) -> None:  # type: ignore[no-untyped-def]
    turn_recognition(tenant_a, on=True)
    sharing(member(tenant_a, "Ola Original"), shares=2, clicks=30, originality=1.0)
    response = client_for(tenant_a.member(role)).get(url("analytics:recognition", tenant_a))
    assert response.status_code == 200 and "Ola Original" in response.content.decode()


def test_opting_out_hides_a_member_from_the_board_but_not_from_their_own_impact(tenant_a: Tenant, client_for) -> None:  # type: ignore[no-untyped-def]
    turn_recognition(tenant_a, on=True)
    sharing(tenant_a.employee, shares=2, clicks=30, reach=4000)
    sharing(member(tenant_a, "Pat Public"), shares=1, clicks=5)
    with organization_scope(tenant_a.organization):
        ranking_preference_set(membership=tenant_a.employee, hide=True)
        board = people.recognition_board(organization=tenant_a.organization, period=last_30_days())
        mine = people.my_impact(membership=tenant_a.employee, period=last_30_days())
    assert board_names(board.members) == ["Pat Public"]
    assert board.hidden_count == 1
    assert mine.clicks == 30 and mine.reach == 4000 and mine.hidden_from_rankings
    page = client_for(tenant_a.manager).get(url("analytics:recognition", tenant_a)).content.decode()
    assert tenant_a.employee.user.full_name not in page


def test_executives_are_ranked_on_their_own_board(tenant_a: Tenant) -> None:
    turn_recognition(tenant_a, on=True)
    sharing(tenant_a.executive, shares=2, clicks=500)
    sharing(tenant_a.employee, shares=2, clicks=5)
    with organization_scope(tenant_a.organization):
        board = people.recognition_board(organization=tenant_a.organization, period=last_30_days())
    assert board_names(board.executives) == [tenant_a.executive.user.full_name]
    assert board_names(board.members) == [tenant_a.employee.user.full_name]


def test_facebook_shares_earn_no_points(tenant_a: Tenant) -> None:
    turn_recognition(tenant_a, on=True)
    fan = member(tenant_a, "Fay Facebook")
    shares = sharing(fan, shares=3, clicks=400, reach=90_000, network="facebook")
    conversion(fan, kind="hire", share=shares[0], network="facebook")
    sharing(member(tenant_a, "Lin LinkedIn"), shares=1, clicks=2)
    with organization_scope(tenant_a.organization):
        board = people.recognition_board(organization=tenant_a.organization, period=last_30_days())
        tiers = people.participation_tiers(organization=tenant_a.organization, period=last_30_days())
    assert board_names(board.members) == ["Lin LinkedIn"]
    # What Facebook shares achieved still counts in the organisation's reports.
    assert "Fay Facebook" in [person.name for person in tiers.top + tiers.contributors]


def test_originality_lifts_points(tenant_a: Tenant) -> None:
    turn_recognition(tenant_a, on=True)
    sharing(member(tenant_a, "Cody Copy"), shares=2, clicks=100, originality=0.0)
    sharing(member(tenant_a, "Ola Original"), shares=2, clicks=80, originality=1.0)
    with organization_scope(tenant_a.organization):
        board = people.recognition_board(organization=tenant_a.organization, period=last_30_days())
    assert board_names(board.members) == ["Ola Original", "Cody Copy"]
    assert [entry.points for entry in board.members] == [80.0, 50.0]


def test_teams_are_scored_per_head_and_small_teams_are_not_shown(tenant_a: Tenant, client_for) -> None:  # type: ignore[no-untyped-def]
    turn_recognition(tenant_a, on=True)
    sales = [member(tenant_a, f"Sales {n}", department="Sales") for n in range(5)]
    sharing(sales[0], shares=1, clicks=100, originality=1.0)
    lone = member(tenant_a, "Lee Legal", department="Legal")
    sharing(lone, shares=1, clicks=900, originality=1.0)
    with organization_scope(tenant_a.organization):
        board = people.recognition_board(organization=tenant_a.organization, period=last_30_days(), group_by_team=True)
    assert [(team.team, team.points_per_head) for team in board.teams] == [("Sales", 20.0)]
    page = client_for(tenant_a.employee).get(url("analytics:recognition", tenant_a), {"view": "teams"})
    assert "Sales" in page.content.decode() and "Legal" not in page.content.decode()


def test_another_organisations_people_are_never_on_the_board(tenant_a: Tenant, tenant_b: Tenant, client_for) -> None:  # type: ignore[no-untyped-def]
    turn_recognition(tenant_a, on=True)
    turn_recognition(tenant_b, on=True)
    sharing(tenant_b.employee, shares=2, clicks=300)
    client = client_for(tenant_a.employee)
    page = client.get(url("analytics:recognition", tenant_a)).content.decode()
    assert tenant_b.employee.user.full_name not in page
    assert client.get(url("analytics:recognition", tenant_b)).status_code == 404
