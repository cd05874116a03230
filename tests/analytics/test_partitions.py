"""The snapshot log's monthly partitions on PostgreSQL: a snapshot in a month without a
partition gets a new one, the beat task keeps three months ready, retention drops
whole months; the naming helpers work the same on any database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection

from accounts.tenancy import scopes_disabled
from analytics import tasks
from analytics.lib import partitions
from analytics.models import MetricSnapshot
from analytics.services import rollups
from analytics.services.metrics import SnapshotRow, snapshots_ingest
from tests.analytics.metrics_support import posted_share
from tests.conftest import Tenant

postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite keeps a plain table")


def existing() -> set[str]:
    with connection.cursor() as cursor:
        return partitions.existing_partitions(cursor)


def partition_of_row(snapshot_id: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT tableoid::regclass::text FROM {partitions.SNAPSHOT_TABLE} WHERE id = %s",  # noqa: S608 - constant name
            [snapshot_id],
        )
        return str(cursor.fetchone()[0])


def test_months_and_names_are_computed_across_year_ends() -> None:
    assert partitions.months_between(date(2026, 11, 20), date(2027, 2, 1)) == [
        date(2026, 11, 1),
        date(2026, 12, 1),
        date(2027, 1, 1),
        date(2027, 2, 1),
    ]
    assert partitions.partition_name(date(2027, 1, 1)) == "analytics_metricsnapshot_p202701"
    assert partitions.partition_month("analytics_metricsnapshot_p202701") == date(2027, 1, 1)
    assert partitions.partition_month("analytics_metricsnapshot_default") is None


@postgresql_only
@pytest.mark.django_db
def test_the_migration_created_partitions_from_two_years_back_to_three_months_ahead() -> None:
    names = existing()
    today = date.today()
    assert partitions.partition_name(today) in names
    assert partitions.partition_name(date(today.year - 2, today.month, 1)) in names
    ahead = today.replace(day=1)
    for _ in range(3):
        ahead = partitions.next_month(ahead)
    assert partitions.partition_name(ahead) in names


@postgresql_only
@pytest.mark.django_db
def test_a_snapshot_in_a_month_without_a_partition_lands_in_a_new_one(tenant_a: Tenant) -> None:
    far = datetime(2031, 7, 14, 9, 30, tzinfo=UTC)
    name = partitions.partition_name(far.date())
    assert name not in existing()
    rollups._known_partitions.discard(name)
    share = posted_share(tenant_a.employee, posted_at=far - timedelta(hours=2))

    snapshots_ingest(
        rows=[
            SnapshotRow(
                organization_id=share.organization_id,
                share_id=share.pk,
                network="x",
                captured_at=far,
                impressions=12,
            )
        ]
    )

    assert name in existing()
    with scopes_disabled():
        snapshot = MetricSnapshot.objects.get(share_id=share.pk)
    assert partition_of_row(snapshot.pk) == name
    rollups._known_partitions.discard(name)


@postgresql_only
@pytest.mark.django_db
def test_the_beat_task_keeps_partitions_three_months_ahead(settings) -> None:  # type: ignore[no-untyped-def]
    settings.ANALYTICS_PARTITIONS_AHEAD_MONTHS = 5
    today = date.today()
    fifth = today.replace(day=1)
    for _ in range(5):
        fifth = partitions.next_month(fifth)
    assert partitions.partition_name(fifth) not in existing()

    created = tasks.partitions_extend()

    assert partitions.partition_name(fifth) in created
    assert partitions.partition_name(fifth) in existing()
    assert tasks.partitions_extend() == [], "running it again creates nothing"


@postgresql_only
@pytest.mark.django_db
def test_retention_drops_whole_months_past_the_setting_and_keeps_the_rest(settings) -> None:  # type: ignore[no-untyped-def]
    settings.ANALYTICS_SNAPSHOT_RETENTION_MONTHS = 12
    today = date.today()
    before = existing()
    oldest = min(partitions.partition_month(name) or today for name in before)
    assert oldest < date(today.year - 1, today.month, 1)

    dropped = tasks.partitions_extend()

    after = existing()
    assert partitions.partition_name(oldest) in dropped and partitions.partition_name(oldest) not in after
    oldest_kept = today.replace(day=1)
    for _ in range(11):  # this month and the eleven before it
        oldest_kept = (oldest_kept - timedelta(days=1)).replace(day=1)
    assert min(month for month in map(partitions.partition_month, after) if month) == oldest_kept
    assert partitions.partition_name(today) in after
