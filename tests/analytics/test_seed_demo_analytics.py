"""The demo organisation's history: months of plausible rollups, written once."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Max, Min, Sum

from accounts.models import Organization
from accounts.tenancy import organization_scope, scopes_disabled
from advocacy.models import LinkClickDay, Share, ShareState
from analytics.lib.recognition import Tier
from analytics.models import Conversion, Kpi, KpiValue, MemberDay, MetricSnapshot, OrgDay, ShareMetrics
from analytics.selectors import people
from analytics.selectors.reports import report_period

pytestmark = pytest.mark.django_db


def counts(organization: Organization) -> dict[str, int]:
    with scopes_disabled():  # reading what the command wrote, from outside any request
        return {
            "shares": Share.objects.filter(organization=organization).count(),
            "metrics": ShareMetrics.objects.filter(organization=organization).count(),
            "snapshots": MetricSnapshot.objects.filter(organization=organization).count(),
            "member_days": MemberDay.objects.filter(organization=organization).count(),
            "click_days": LinkClickDay.objects.filter(organization=organization).count(),
            "conversions": Conversion.objects.filter(organization=organization).count(),
            "kpis": Kpi.objects.filter(organization=organization).count(),
            "kpi_values": KpiValue.objects.filter(organization=organization).count(),
        }


def test_the_demo_gets_months_of_history_once() -> None:
    call_command("seed_demo", stdout=StringIO())
    call_command("seed_demo_content", stdout=StringIO())
    out = StringIO()
    call_command("seed_demo_analytics", stdout=out)
    assert "history is ready" in out.getvalue()
    organization = Organization.objects.get(slug="acme")
    first = counts(organization)
    assert first["shares"] > 300 and first["snapshots"] > first["shares"] * 3
    assert first["click_days"] > 0 and first["kpis"] == 4 and first["kpi_values"] > 20
    with scopes_disabled():  # reading what the command wrote, from outside any request
        span = OrgDay.objects.filter(organization=organization).aggregate(first=Min("day"), last=Max("day"))
        kinds = set(Conversion.objects.filter(organization=organization).values_list("kind", flat=True))
        unattributed = Conversion.objects.filter(organization=organization, share__isnull=True).count()
        clicks = OrgDay.objects.filter(organization=organization).aggregate(total=Sum("clicks"))
        posted = Share.objects.filter(organization=organization).exclude(state=ShareState.POSTED).count()
    assert (span["last"] - span["first"]).days > 150
    assert {"lead", "application", "hire", "purchase", "signup"} <= kinds and unattributed > 0
    assert clicks["total"] > 100 and posted == 0

    again = StringIO()
    call_command("seed_demo_analytics", stdout=again)
    assert "nothing added" in again.getvalue()
    assert counts(organization) == first

    with organization_scope(organization):
        tiers = people.participation_tiers(organization=organization, period=report_period(organization=organization))
    assert tiers.summary(Tier.TOP).members >= 1 and tiers.summary(Tier.MAJORITY).members > 30
    assert tiers.quiet_sharers


def test_the_history_needs_the_demo_organisation() -> None:
    with pytest.raises(CommandError, match="seed_demo"):
        call_command("seed_demo_analytics", stdout=StringIO())
