"""My impact: every member sees what their own sharing achieved."""

from __future__ import annotations

import pytest

from accounts.models import Role
from accounts.tenancy import organization_scope, scopes_disabled
from analytics.models import RankingPreference
from analytics.selectors import people
from tests.analytics.people_support import (
    conversion,
    gains,
    last_30_days,
    member,
    posted_share,
    sharing,
    turn_recognition,
    url,
)
from tests.conftest import Tenant

pytestmark = pytest.mark.django_db


def test_a_member_sees_reach_clicks_outcomes_and_originality_against_colleagues(tenant_a: Tenant) -> None:
    sharing(tenant_a.employee, shares=2, clicks=12, reach=3000, originality=0.9)
    conversion(tenant_a.employee, kind="lead", value=200)
    conversion(tenant_a.employee, kind="hire")
    sharing(member(tenant_a, "Cody Copy"), shares=2, originality=0.1)
    with organization_scope(tenant_a.organization):
        impact = people.my_impact(membership=tenant_a.employee, period=last_30_days())
    assert (impact.shares, impact.clicks, impact.reach, impact.conversions) == (2, 12, 3000, 2)
    assert impact.conversion_value == 200
    assert {(e.kind, e.label, e.count) for e in impact.conversions_by_kind} == {
        ("lead", "Lead", 1),
        ("hire", "Hire", 1),
    }
    assert impact.originality == 0.9 and impact.organization_originality == 0.5
    assert sum(impact.trend["clicks"]) == 12 and len(impact.trend["days"]) == 30


def test_the_last_shares_show_their_latest_figures_and_conversions(
    tenant_a: Tenant, django_assert_max_num_queries
) -> None:  # type: ignore[no-untyped-def]
    older = posted_share(tenant_a.employee, days_ago=60, reach=50, clicks=1)
    newest = posted_share(tenant_a.employee, days_ago=1, reach=900, clicks=14, network="x")
    for _ in range(11):
        posted_share(tenant_a.employee, days_ago=30)
    conversion(tenant_a.employee, kind="lead", share=newest, value=80)
    with organization_scope(tenant_a.organization), django_assert_max_num_queries(3):
        effects = people.last_share_effects(membership=tenant_a.employee)
    assert len(effects) == 10
    assert effects[0].public_id == newest.public_id
    assert (effects[0].reach, effects[0].clicks, effects[0].conversions) == (900, 14, 1)
    assert older.public_id not in [effect.public_id for effect in effects]
    assert effects[1].reach is None and effects[1].measured_at is None


def test_facebook_shares_are_marked_as_earning_no_points(tenant_a: Tenant) -> None:
    posted_share(tenant_a.employee, network="facebook")
    with organization_scope(tenant_a.organization):
        effects = people.last_share_effects(membership=tenant_a.employee)
    assert [effect.earns_points for effect in effects] == [False]


@pytest.mark.parametrize("role", [Role.ADMIN, Role.MANAGER, Role.EXECUTIVE, Role.EMPLOYEE])
def test_every_member_opens_their_impact(tenant_a: Tenant, client_for, role: str) -> None:  # type: ignore[no-untyped-def]
    someone = tenant_a.member(role)
    gains(someone, shares=1, clicks=7, reach=1234)
    page = client_for(someone).get(url("analytics:my_impact", tenant_a)).content.decode()
    assert "1,234" in page and 'id="my-impact-data"' in page


def test_a_member_without_shares_is_told_what_to_do_next(tenant_a: Tenant, client_for) -> None:  # type: ignore[no-untyped-def]
    page = client_for(tenant_a.employee).get(url("analytics:my_impact", tenant_a)).content.decode()
    assert "Nothing measured yet" in page and "Open the feed" in page


def test_the_ranking_toggle_shows_only_when_recognition_is_on(tenant_a: Tenant, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for(tenant_a.employee)
    assert 'data-testid="ranking-preference"' not in client.get(url("analytics:my_impact", tenant_a)).content.decode()
    turn_recognition(tenant_a, on=True)
    assert "Hide me from the boards" in client.get(url("analytics:my_impact", tenant_a)).content.decode()


def test_a_member_opts_out_and_back_in(tenant_a: Tenant, client_for) -> None:  # type: ignore[no-untyped-def]
    turn_recognition(tenant_a, on=True)
    client = client_for(tenant_a.employee)
    response = client.post(url("analytics:my_impact", tenant_a), {"hide_from_rankings": "on"}, follow=True)
    assert "You no longer appear on recognition boards" in response.content.decode()
    assert "Show me on the boards" in response.content.decode()
    client.post(url("analytics:my_impact", tenant_a), {"hide_from_rankings": "on"})
    with scopes_disabled():  # reading the rows the requests wrote
        assert RankingPreference.objects.filter(membership=tenant_a.employee).count() == 1
    client.post(url("analytics:my_impact", tenant_a), {"hide_from_rankings": "off"})
    with scopes_disabled():
        assert not RankingPreference.objects.get(membership=tenant_a.employee).hide_from_rankings
    bad = client.post(url("analytics:my_impact", tenant_a), {"hide_from_rankings": "maybe"}, follow=True)
    assert "Choose whether to appear" in bad.content.decode()


def test_my_impact_never_shows_another_organisations_figures(tenant_a: Tenant, tenant_b: Tenant, client_for) -> None:  # type: ignore[no-untyped-def]
    gains(tenant_b.employee, shares=1, clicks=4321, reach=98765)
    client = client_for(tenant_a.employee)
    page = client.get(url("analytics:my_impact", tenant_a)).content.decode()
    assert "98,765" not in page and "4,321" not in page
    assert client.get(url("analytics:my_impact", tenant_b)).status_code == 404
    assert client.post(url("analytics:my_impact", tenant_b), {"hide_from_rankings": "on"}).status_code == 404
    with scopes_disabled():
        assert not RankingPreference.objects.filter(organization=tenant_b.organization).exists()
