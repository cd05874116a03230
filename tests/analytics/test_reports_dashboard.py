"""The executive dashboard and its KPI drill-down: outcomes first, figures that are the
sums of the day rollups, unknown never shown as zero, the previous period, segments,
participation, clear errors, roles, a constant number of queries, and organisation A
never seeing organisation B."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import MembershipStatus, Role
from accounts.tenancy import organization_scope, scopes_disabled
from analytics.lib.periods import Period
from analytics.models import KpiMeasure
from analytics.selectors.reports import certified_members, dashboard, kpi_drilldown
from analytics.selectors.segments import Segment
from content.models import ContentTopic
from tests.analytics.reports_support import (
    LAST_30,
    TODAY,
    conversion,
    cpm,
    day_rollups,
    goal_with_kpi,
    kpi_value,
    posted_share,
    url,
)
from tests.conftest import Tenant
from tests.factories import ContentItemFactory, GroupMembershipFactory, MembershipFactory
from tests.factories_onboarding import PolicyVersionFactory, certify, module_with_quiz

pytestmark = pytest.mark.django_db

PERIOD_QUERY = {"period": "custom", "start": LAST_30.start.isoformat(), "end": LAST_30.end.isoformat()}


def figures(d, section: str) -> dict[str, object]:  # type: ignore[no-untyped-def]
    return {figure.key: figure for figure in getattr(d, section)}


def report(tenant: Tenant, period: Period = LAST_30, segment: Segment | None = None):  # type: ignore[no-untyped-def]
    with organization_scope(tenant.organization):
        return dashboard(organization=tenant.organization, period=period, segment=segment)


def test_the_figures_are_the_sums_of_the_rollups_of_the_period(tenant_a: Tenant) -> None:
    member, item = tenant_a.employee, tenant_a.item
    day_rollups(member, item, day=TODAY, impressions=100, reactions=10, comments=2, reshares=1, clicks=5)
    day_rollups(
        member, item, day=TODAY - timedelta(days=3), impressions=50, reactions=4, comments=0, reshares=0, clicks=2
    )
    day_rollups(
        member, item, day=TODAY, network="mastodon", impressions=30, reactions=3, comments=1, reshares=2, clicks=1
    )
    day_rollups(member, item, day=LAST_30.start - timedelta(days=1), impressions=999, clicks=99)  # before the period

    d = report(tenant_a)

    reach, engagement, activity = figures(d, "reach"), figures(d, "engagement"), figures(d, "activity")
    assert reach["impressions"].value == 180
    assert engagement["reactions"].value == 17
    assert engagement["comments"].value == 3
    assert engagement["reshares"].value == 3
    assert activity["clicks"].value == 8
    assert activity["shares_posted"].value == 3
    by_network = {row.network: row for row in d.networks}
    assert by_network["linkedin"].impressions == 150 and by_network["mastodon"].clicks == 1
    assert sum(point.clicks for point in d.trend) == 8
    assert len(d.trend) == 30 and d.grain == "day"


def test_unknown_impressions_are_unknown_never_zero_and_the_emv_says_it_is_a_lower_bound(
    tenant_a: Tenant, client_for
) -> None:
    day_rollups(tenant_a.employee, tenant_a.item, network="x", impressions=None, reactions=8, clicks=10)
    cpm(tenant_a.organization, "x", "5.00")

    d = report(tenant_a)

    assert figures(d, "reach")["impressions"].value is None
    assert d.emv.lower_bound and d.unknown_impressions == ("X",)
    page = client_for(tenant_a.executive).get(url("analytics:reports_dashboard", tenant_a), PERIOD_QUERY)
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="figure-impressions-value"><span class="text-body-secondary"' in html
    assert "unknown" in html
    assert "Earned media value: at least" in html
    assert "Impressions are unknown on X" in html


def test_known_impressions_give_an_exact_emv(tenant_a: Tenant) -> None:
    day_rollups(tenant_a.employee, tenant_a.item, impressions=2000, reactions=4, clicks=10)
    cpm(tenant_a.organization, "linkedin", "10.00")

    d = report(tenant_a)

    # 10 × 2000 / 1000 + 0.80 × (0.25 × 4 + 10) = 20 + 8.80
    assert d.emv.value == Decimal("28.80") and not d.emv.lower_bound
    assert figures(d, "outcomes")["emv"].value == Decimal("28.80")


def test_each_figure_is_compared_with_the_previous_period(tenant_a: Tenant) -> None:
    day_rollups(tenant_a.employee, tenant_a.item, day=TODAY, clicks=15)
    day_rollups(tenant_a.employee, tenant_a.item, day=LAST_30.start - timedelta(days=10), clicks=10)
    share = posted_share(tenant_a.employee, tenant_a.item)
    conversion(tenant_a.organization, share=share)
    conversion(tenant_a.organization, share=share)
    conversion(tenant_a.organization, share=share, on=LAST_30.start - timedelta(days=2))

    d = report(tenant_a)

    clicks = figures(d, "activity")["clicks"]
    assert (clicks.value, clicks.previous, clicks.change_percent) == (15, 10, Decimal("50.0"))
    attributed = figures(d, "outcomes")["attributed_conversions"]
    assert (attributed.value, attributed.previous) == (2, 1)
    assert d.previous_period == Period(
        start=LAST_30.start - timedelta(days=30), end=LAST_30.start - timedelta(days=1), code="previous"
    )


def _two_sided(tenant: Tenant):  # type: ignore[no-untyped-def]
    """The employee (Engineering, London, in the group) shared item A on LinkedIn; a
    colleague (Sales, Paris) shared item B, of the tenant's topic, on Mastodon."""
    with scopes_disabled():
        tenant.employee.department, tenant.employee.location = "Engineering", "London"
        tenant.employee.save()
    colleague = MembershipFactory(organization=tenant.organization, department="Sales", location="Paris")
    topical = ContentItemFactory(organization=tenant.organization, title="Topical item")
    with scopes_disabled():
        ContentTopic.objects.create(organization=tenant.organization, item=topical, topic=tenant.topic)
    day_rollups(tenant.employee, tenant.item, network="linkedin", clicks=7)
    day_rollups(colleague, topical, network="mastodon", clicks=3)
    return colleague, topical


@pytest.mark.parametrize(
    ("dimension", "value", "clicks"),
    [
        ("department", "Engineering", 7),
        ("department", "Sales", 3),
        ("location", "Paris", 3),
        ("group", "GROUP", 7),
        ("network", "mastodon", 3),
        ("topic", "TOPIC", 3),
    ],
)
def test_each_segment_narrows_the_figures_to_it(tenant_a: Tenant, dimension: str, value: str, clicks: int) -> None:
    _two_sided(tenant_a)
    value = {"GROUP": str(tenant_a.group.public_id), "TOPIC": str(tenant_a.topic.public_id)}.get(value, value)

    d = report(tenant_a, segment=Segment(dimension, value, value))

    assert figures(d, "activity")["clicks"].value == clicks
    assert figures(report(tenant_a), "activity")["clicks"].value == 10


def test_a_segment_chosen_on_the_page_narrows_the_figures(tenant_a: Tenant, client_for) -> None:
    _two_sided(tenant_a)
    client = client_for(tenant_a.manager)

    page = client.get(url("analytics:reports_dashboard", tenant_a), {**PERIOD_QUERY, "segment": "department:Sales"})

    assert page.status_code == 200
    assert page.context["dashboard"].segment.label == "Sales"
    assert figures(page.context["dashboard"], "activity")["clicks"].value == 3
    assert "Department: <strong>Sales</strong>" in page.content.decode()


def test_participation_is_members_who_shared_over_certified_members(tenant_a: Tenant) -> None:
    organization = tenant_a.organization
    policy = PolicyVersionFactory(organization=organization)
    onboarding = module_with_quiz(organization)
    with scopes_disabled():
        certified = [tenant_a.employee, tenant_a.manager, MembershipFactory(organization=organization)]
        for member in certified:
            certify(member, policy, [onboarding])
    uncertified_sharer = MembershipFactory(organization=organization)
    MembershipFactory(organization=organization, status=MembershipStatus.DEACTIVATED)
    day_rollups(tenant_a.employee, tenant_a.item)
    day_rollups(uncertified_sharer, tenant_a.item, day=TODAY - timedelta(days=1))

    d = report(tenant_a)

    assert d.participation.certified_members == 3
    assert d.participation.active_sharers == 2
    assert d.participation.percent == Decimal("66.7")
    with organization_scope(organization):
        assert set(certified_members(organization=organization)) == set(certified)


def test_with_nothing_to_certify_against_every_active_member_is_certified(tenant_a: Tenant) -> None:
    d = report(tenant_a)

    assert d.participation.certified_members == 4  # admin, manager, executive, employee


def test_an_executive_sees_kpi_progress_against_target_before_engagement(tenant_a: Tenant, client_for) -> None:
    kpi = goal_with_kpi(tenant_a.organization, kpi_name="Qualified leads", target=31, period="month")
    share = posted_share(tenant_a.employee, tenant_a.item)
    for _ in range(3):
        conversion(tenant_a.organization, share=share, value=200)
    conversion(tenant_a.organization, kind="hire")
    day_rollups(tenant_a.employee, tenant_a.item, clicks=12)

    page = client_for(tenant_a.executive).get(
        url("analytics:reports_dashboard", tenant_a), {"period": "custom", "start": "2026-03-01", "end": "2026-03-31"}
    )

    html = page.content.decode()
    assert page.status_code == 200
    assert "Qualified leads" in html
    assert url("analytics:reports_kpi", tenant_a, kpi_id=kpi.public_id) in html
    progress = page.context["dashboard"].kpis[0]
    assert (progress.actual, progress.target) == (Decimal(3), Decimal(31))
    assert html.index('id="outcomes-heading"') < html.index('id="kpi-heading"') < html.index('id="reach-heading"')
    outcomes = figures(page.context["dashboard"], "outcomes")
    assert outcomes["attributed_conversions"].value == 3
    assert outcomes["conversions_hire"].value == 1
    assert outcomes["pipeline"].value == Decimal(600)


def test_a_period_without_shares_says_so_and_what_to_do_next(tenant_a: Tenant, client_for) -> None:
    page = client_for(tenant_a.executive).get(url("analytics:reports_dashboard", tenant_a))

    html = page.content.decode()
    assert page.status_code == 200
    assert "No shares posted in this period" in html
    assert "Choose a longer period" in html
    assert "No goals yet" in html


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"period": "forever"}, "Unknown period"),
        ({"period": "custom", "start": "2026-03-10"}, "Choose both a start and an end date."),
        ({"period": "custom", "start": "2026-03-10", "end": "2026-03-01"}, "The end date must be on or after"),
        ({"period": "custom", "start": "2020-01-01", "end": "2026-03-01"}, "at most"),
        ({"period": "custom", "start": "yesterday", "end": "2026-03-01"}, "Enter a valid date."),
        ({"segment": "planet:Mars"}, "Unknown segment"),
        ({"segment": "department:Nowhere"}, "No member is in the department"),
        ({"segment": "group:not-a-uuid"}, "No such group."),
        ({"segment": "network:myspace"}, "Unknown network"),
    ],
)
def test_a_bad_period_or_segment_gets_a_clear_message_not_a_500(
    tenant_a: Tenant, client_for, query: dict[str, str], message: str
) -> None:
    page = client_for(tenant_a.executive).get(url("analytics:reports_dashboard", tenant_a), query)

    assert page.status_code == 400
    assert message in page.content.decode()
    assert 'data-testid="report-error"' in page.content.decode()


@pytest.mark.parametrize("role", [Role.ADMIN, Role.MANAGER, Role.EXECUTIVE])
def test_report_readers_may_open_the_dashboard(tenant_a: Tenant, client_for, role: str) -> None:
    assert client_for(tenant_a.member(role)).get(url("analytics:reports_dashboard", tenant_a)).status_code == 200


def test_an_employee_gets_403(tenant_a: Tenant, client_for) -> None:
    kpi = goal_with_kpi(tenant_a.organization)
    client = client_for(tenant_a.employee)

    assert client.get(url("analytics:reports_dashboard", tenant_a)).status_code == 403
    assert client.get(url("analytics:reports_kpi", tenant_a, kpi_id=kpi.public_id)).status_code == 403


def _activity(tenant: Tenant, *, days: int, members: int, items: int) -> None:
    people = [tenant.employee] + [MembershipFactory(organization=tenant.organization) for _ in range(members - 1)]
    things = [tenant.item] + [ContentItemFactory(organization=tenant.organization) for _ in range(items - 1)]
    for offset in range(days):
        for index, member in enumerate(people):
            item = things[(offset + index) % len(things)]
            day_rollups(member, item, day=TODAY - timedelta(days=offset), network=("linkedin", "x")[index % 2])
    for index, member in enumerate(people[:items]):
        share = posted_share(member, things[index % len(things)])
        conversion(tenant.organization, share=share, value=10)


def test_the_number_of_queries_does_not_grow_with_days_members_or_items(tenant_a: Tenant, tenant_b: Tenant) -> None:
    goal_with_kpi(tenant_a.organization)
    goal_with_kpi(tenant_b.organization)
    _activity(tenant_a, days=2, members=2, items=2)
    _activity(tenant_b, days=20, members=8, items=6)

    def count(tenant: Tenant) -> int:
        with organization_scope(tenant.organization), CaptureQueriesContext(connection) as queries:
            dashboard(organization=tenant.organization, period=LAST_30, segment=None)
        return len(queries)

    small, large = count(tenant_a), count(tenant_b)
    assert small == large
    assert large <= 30


def test_the_drilldown_lists_the_content_and_people_behind_a_kpi(tenant_a: Tenant, client_for) -> None:
    kpi = goal_with_kpi(tenant_a.organization, kpi_name="Qualified leads")
    winner = ContentItemFactory(organization=tenant_a.organization, title="The report that sells")
    share = posted_share(tenant_a.employee, winner, network="linkedin")
    other = posted_share(tenant_a.manager, tenant_a.item, network="mastodon")
    for _ in range(2):
        conversion(tenant_a.organization, share=share, value=100)
    conversion(tenant_a.organization, share=other)
    conversion(tenant_a.organization, share=other, kind="hire")  # another kind: not this KPI's
    conversion(tenant_a.organization)  # unattributed: no one behind it

    page = client_for(tenant_a.executive).get(
        url("analytics:reports_kpi", tenant_a, kpi_id=kpi.public_id), PERIOD_QUERY
    )

    assert page.status_code == 200
    drill = page.context["drilldown"]
    assert [(row.title, row.conversions) for row in drill.content] == [
        ("The report that sells", 2),
        (tenant_a.item.title, 1),
    ]
    assert [(row.name, row.conversions, row.conversion_value) for row in drill.people] == [
        (tenant_a.employee.user.display_name, 2, Decimal(200)),
        (tenant_a.manager.user.display_name, 1, Decimal(0)),
    ]
    assert {label: count for label, count, _value in drill.by_network} == {"LinkedIn": 2, "Mastodon": 1}
    assert len(drill.recent_conversions) == 3
    assert "The report that sells" in page.content.decode()


def test_a_kpi_measured_by_imported_values_says_so_and_shows_the_top_content_instead(tenant_a: Tenant) -> None:
    kpi = goal_with_kpi(tenant_a.organization, kpi_name="Pipeline (CRM)", measure=KpiMeasure.VALUES, unit="EUR")
    kpi_value(kpi, 50000, on=TODAY - timedelta(days=2))
    share = posted_share(tenant_a.employee, tenant_a.item)
    conversion(tenant_a.organization, share=share)
    day_rollups(tenant_a.employee, tenant_a.item, clicks=9)

    with organization_scope(tenant_a.organization):
        drill = kpi_drilldown(organization=tenant_a.organization, kpi=kpi, period=LAST_30, segment=None)

    assert not drill.from_conversions
    assert "values entered, imported or sent through the API" in drill.note
    assert [value.value for value in drill.values] == [Decimal(50000)]
    assert [(row.title, row.clicks, row.conversions) for row in drill.content] == [(tenant_a.item.title, 9, 1)]
    assert drill.people[0].name == tenant_a.employee.user.display_name


def test_long_periods_are_charted_by_week(tenant_a: Tenant) -> None:
    year = Period(start=TODAY - timedelta(days=364), end=TODAY, code="365d")
    day_rollups(tenant_a.employee, tenant_a.item, day=TODAY, clicks=4)
    day_rollups(tenant_a.employee, tenant_a.item, day=TODAY - timedelta(days=1), clicks=6)

    d = report(tenant_a, period=year)

    assert d.grain == "week"
    assert len(d.trend) in (53, 54)
    assert d.trend[-1].clicks == 10  # 30 and 31 March 2026 are Monday and Tuesday


# Cross-tenant -------------------------------------------------------------------------------


def _busy(tenant: Tenant) -> None:
    """Far more activity than the other organisation, under memorable names."""
    kpi = goal_with_kpi(tenant.organization, name=f"{tenant.organization.name} secret goal", kpi_name="Globex leads")
    item = ContentItemFactory(organization=tenant.organization, title="Globex confidential launch")
    share = posted_share(tenant.employee, item)
    for offset in range(10):
        day_rollups(tenant.employee, item, day=TODAY - timedelta(days=offset), impressions=77777, clicks=4242)
        conversion(tenant.organization, share=share, value=31337)
    kpi_value(kpi, 1)


def test_organisation_a_never_sees_organisation_b_even_when_b_has_far_more_data(
    tenant_a: Tenant, tenant_b: Tenant, client_for
) -> None:
    _busy(tenant_b)
    day_rollups(tenant_a.employee, tenant_a.item, clicks=1)
    client = client_for(tenant_a.admin)

    page = client.get(url("analytics:reports_dashboard", tenant_a), PERIOD_QUERY)

    html = page.content.decode()
    assert page.status_code == 200
    for secret in ("Globex", "4242", "42,420", "77777", "777,770", "31337", "313,370"):
        assert secret not in html
    assert figures(page.context["dashboard"], "activity")["clicks"].value == 1


def test_another_organisations_kpi_under_our_slug_is_404(tenant_a: Tenant, tenant_b: Tenant, client_for) -> None:
    kpi_b = goal_with_kpi(tenant_b.organization, kpi_name="Globex leads")
    client = client_for(tenant_a.executive)

    assert client.get(url("analytics:reports_kpi", tenant_a, kpi_id=kpi_b.public_id)).status_code == 404
    assert client.get(url("analytics:reports_kpi", tenant_b, kpi_id=kpi_b.public_id)).status_code == 404


def test_another_organisations_group_or_topic_as_a_segment_is_refused(
    tenant_a: Tenant, tenant_b: Tenant, client_for
) -> None:
    client = client_for(tenant_a.executive)

    for segment in (f"group:{tenant_b.group.public_id}", f"topic:{tenant_b.topic.public_id}"):
        page = client.get(url("analytics:reports_dashboard", tenant_a), {"segment": segment})
        assert page.status_code == 400
        assert "Globex" not in page.content.decode()


def test_a_group_segment_counts_its_members_only(tenant_a: Tenant) -> None:
    newcomer = MembershipFactory(organization=tenant_a.organization)
    GroupMembershipFactory(organization=tenant_a.organization, group=tenant_a.group, membership=newcomer)
    day_rollups(newcomer, tenant_a.item, clicks=2)
    day_rollups(tenant_a.manager, tenant_a.item, clicks=50)
    group = Segment("group", str(tenant_a.group.public_id), tenant_a.group.name)

    d = report(tenant_a, segment=group)

    assert figures(d, "activity")["clicks"].value == 2
    assert [row.name for row in d.top_people] == [newcomer.user.display_name]
