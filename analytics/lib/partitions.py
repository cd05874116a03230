"""Monthly range partitions of the metric snapshot table on PostgreSQL.

Plain SQL on a DB-API cursor, so that the migration, the beat task and the benchmark
share one definition. Partitions are named `<table>_pYYYYMM` and cover
[first day of the month, first day of the next month) in UTC.
"""

from __future__ import annotations

from datetime import date
from typing import Any

SNAPSHOT_TABLE = "analytics_metricsnapshot"

# The parent table. The primary key carries the partition key (PostgreSQL requires it
# in every unique constraint) and organization_id first (Citus's distribution column).
# `id` comes from a plain sequence: identity columns on partitioned tables need
# PostgreSQL 17.
CREATE_PARENT = f"""
CREATE TABLE {SNAPSHOT_TABLE} (
    id bigserial NOT NULL,
    organization_id bigint NOT NULL REFERENCES accounts_organization (id) DEFERRABLE INITIALLY DEFERRED,
    share_id bigint NOT NULL,
    network varchar(16) NOT NULL,
    captured_at timestamp with time zone NOT NULL,
    impressions bigint NULL,
    reach bigint NULL,
    reactions bigint NULL,
    comments bigint NULL,
    reshares bigint NULL,
    network_clicks bigint NULL,
    PRIMARY KEY (organization_id, id, captured_at)
) PARTITION BY RANGE (captured_at);
CREATE INDEX analytics_snap_org_share_at ON {SNAPSHOT_TABLE} (organization_id, share_id, captured_at);
CREATE INDEX analytics_snap_at_brin ON {SNAPSHOT_TABLE} USING brin (captured_at);
"""

DROP_PARENT = f"DROP TABLE IF EXISTS {SNAPSHOT_TABLE} CASCADE;"


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(day: date) -> date:
    return date(day.year + (day.month == 12), day.month % 12 + 1, 1)


def months_between(first: date, last: date) -> list[date]:
    """The first days of every month from `first`'s to `last`'s, both included."""
    months, month = [], month_start(first)
    while month <= last:
        months.append(month)
        month = next_month(month)
    return months


def partition_name(month: date) -> str:
    return f"{SNAPSHOT_TABLE}_p{month:%Y%m}"


def create_partition_sql(month: date) -> str:
    start, end = month_start(month), next_month(month)
    return (
        f"CREATE TABLE IF NOT EXISTS {partition_name(start)} PARTITION OF {SNAPSHOT_TABLE} "
        f"FOR VALUES FROM ('{start.isoformat()} 00:00:00+00') TO ('{end.isoformat()} 00:00:00+00');"
    )


def existing_partitions(cursor: Any) -> set[str]:
    cursor.execute(
        "SELECT child.relname FROM pg_inherits "
        "JOIN pg_class parent ON parent.oid = pg_inherits.inhparent "
        "JOIN pg_class child ON child.oid = pg_inherits.inhrelid "
        "WHERE parent.relname = %s",
        [SNAPSHOT_TABLE],
    )
    return {row[0] for row in cursor.fetchall()}


def ensure_partitions(cursor: Any, first: date, last: date) -> list[str]:
    """Create the monthly partitions from `first`'s month to `last`'s that are missing;
    returns the names created."""
    have = existing_partitions(cursor)
    created = []
    for month in months_between(first, last):
        name = partition_name(month)
        if name not in have:
            cursor.execute(create_partition_sql(month))
            created.append(name)
    return created
