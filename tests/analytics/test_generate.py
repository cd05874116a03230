"""The analytics generator: what it builds adds up, its one-off full rollup equals a
recomputation from the raw snapshots, and feeding the same snapshots through the live
incremental path gives the same rollups."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from accounts.models import Organization
from accounts.tenancy import scopes_disabled
from advocacy.models import LinkClickDay, Share, ShareState, TrackedLink
from analytics.models import ItemDay, MemberDay, MetricSnapshot, OrgDay, ShareDay, ShareMetrics
from analytics.models.metrics import COUNTERS
from analytics.services.metrics import SnapshotRow, snapshots_ingest
from tests.analytics.metrics_support import recomputed_rollups, rollups_of, without_empty_days

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="the generator needs PostgreSQL")


def generate(**options: object) -> str:
    out = StringIO()
    call_command("generate_analytics", stdout=out, **options)
    return out.getvalue()


@pytest.mark.django_db
def test_the_generator_builds_organisations_whose_rollups_equal_a_recomputation() -> None:
    output = generate(organizations=2, members=8, shares=30, snapshots=400, months=2, seed=3, jobs=1)

    assert "Done in" in output
    organizations = list(Organization.objects.filter(slug__startswith="gen3-").order_by("pk"))
    assert [organization.slug for organization in organizations] == ["gen3-1", "gen3-2"]
    with scopes_disabled():  # reading back across the generated organisations
        assert MetricSnapshot.objects.count() == 400
        assert Share.objects.filter(state=ShareState.POSTED).count() == 30
        assert TrackedLink.objects.count() == 30
        assert LinkClickDay.objects.exists()
        assert not ShareMetrics.objects.filter(next_collect_at__isnull=False).exists(), "history only"
        mastodon = MetricSnapshot.objects.filter(network__in=("mastodon", "bluesky"))
        assert not mastodon.exclude(impressions=None).exists(), "networks without impressions stay unknown"
    for organization in organizations:
        built, recomputed = rollups_of(organization.pk), recomputed_rollups(organization.pk, organization.timezone)
        assert without_empty_days(built) == without_empty_days(recomputed)


@pytest.mark.django_db
def test_the_live_incremental_path_gives_the_generators_rollups() -> None:
    generate(organizations=2, members=6, shares=24, snapshots=300, months=2, seed=4, jobs=1)
    organizations = list(Organization.objects.filter(slug__startswith="gen4-"))
    built = {organization.pk: rollups_of(organization.pk) for organization in organizations}

    with scopes_disabled():  # starting the rollups again from the raw log
        snapshots = list(MetricSnapshot.objects.order_by("captured_at", "id"))
        MetricSnapshot.objects.all().delete()
        ShareDay.objects.all().delete()
        ShareMetrics.objects.update(snapshots=0, captured_at=None, **dict.fromkeys(COUNTERS))
        for model in (MemberDay, ItemDay, OrgDay):
            model.objects.update(**dict.fromkeys(COUNTERS))
    rows = [
        SnapshotRow(
            organization_id=snapshot.organization_id,
            share_id=snapshot.share_id,
            network=snapshot.network,
            captured_at=snapshot.captured_at,
            **{name: getattr(snapshot, name) for name in COUNTERS},
        )
        for snapshot in snapshots
    ]
    for start in range(0, len(rows), 37):  # rounds of unequal size, in time order
        snapshots_ingest(rows=rows[start : start + 37])

    for organization in organizations:
        assert rollups_of(organization.pk) == built[organization.pk]


@pytest.mark.django_db
def test_the_generator_refuses_impossible_sizes_with_a_message() -> None:
    with pytest.raises(CommandError, match="at least one per organisation"):
        generate(organizations=5, members=2, shares=10, snapshots=10)
    with pytest.raises(CommandError, match="--database-url must be a PostgreSQL database on this machine"):
        generate(database_url="postgres://postgres@db.example.com/x")
