"""Monthly range partitions of the metric snapshot table on PostgreSQL.

Plain SQL on a DB-API cursor, so that the migration, the beat task and the benchmark
share one definition. Partitions are named `<table>_pYYYYMM` and cover
[first day of the month, first day of the next month) in UTC.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

SNAPSHOT_TABLE = "analytics_metricsnapshot"
_ONE_DAY = timedelta(days=1)

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


def partition_month(name: str) -> date | None:
    """The month a partition named by `partition_name` covers (None for other names)."""
    prefix = f"{SNAPSHOT_TABLE}_p"
    digits = name.removeprefix(prefix)
    if not name.startswith(prefix) or len(digits) != 6 or not digits.isdigit():
        return None
    return date(int(digits[:4]), int(digits[4:]), 1)


def extend_ahead(cursor: Any, today: date, *, months: int = 3) -> list[str]:
    """Make sure this month and the next `months` months have partitions (the beat task:
    a snapshot must never arrive in a month without one)."""
    last = month_start(today)
    for _ in range(months):
        last = next_month(last)
    return ensure_partitions(cursor, today, last)


def drop_older_than(cursor: Any, today: date, *, keep_months: int) -> list[str]:
    """Detach and drop the partitions of months that ended more than `keep_months` months
    before this month: instant, unlike DELETE (no scan, no vacuum). Returns the names
    dropped. Rollups keep their own history: only raw snapshots leave."""
    if keep_months < 1:
        raise ValueError("keep_months must be at least 1.")
    oldest_kept = month_start(today)
    for _ in range(keep_months - 1):
        oldest_kept = month_start(oldest_kept.replace(day=1) - _ONE_DAY)
    dropped = []
    for name in sorted(existing_partitions(cursor)):
        month = partition_month(name)
        if month is not None and month < oldest_kept:
            cursor.execute(f"ALTER TABLE {SNAPSHOT_TABLE} DETACH PARTITION {name}")
            cursor.execute(f"DROP TABLE {name}")
            dropped.append(name)
    return dropped


# The snapshot table's primary key and indexes, as CREATE_PARENT declares them: a bulk
# load (the analytics generator) drops them, loads, and builds them once at the end,
# which is several times faster than maintaining them row by row.
SNAPSHOT_KEY_NAME = f"{SNAPSHOT_TABLE}_pkey"
SNAPSHOT_KEY_SQL = (
    f"ALTER TABLE {SNAPSHOT_TABLE} ADD CONSTRAINT {SNAPSHOT_KEY_NAME} PRIMARY KEY (organization_id, id, captured_at)"
)
SNAPSHOT_INDEX_SQL = {
    "analytics_snap_org_share_at": (
        f"CREATE INDEX analytics_snap_org_share_at ON {SNAPSHOT_TABLE} (organization_id, share_id, captured_at)"
    ),
    "analytics_snap_at_brin": f"CREATE INDEX analytics_snap_at_brin ON {SNAPSHOT_TABLE} USING brin (captured_at)",
}


def drop_snapshot_indexes(cursor: Any) -> None:
    cursor.execute(f"ALTER TABLE {SNAPSHOT_TABLE} DROP CONSTRAINT IF EXISTS {SNAPSHOT_KEY_NAME}")
    for name in SNAPSHOT_INDEX_SQL:
        cursor.execute(f"DROP INDEX IF EXISTS {name}")


def create_snapshot_indexes(cursor: Any) -> None:
    cursor.execute(SNAPSHOT_KEY_SQL)
    for statement in SNAPSHOT_INDEX_SQL.values():
        cursor.execute(statement)


# Rows the metric ingest updates in place on every snapshot. With room left on each
# page, PostgreSQL updates them as heap-only tuples (HOT: no new entry in any index, as
# long as no indexed column changes); on full pages every update rewrites all of the
# table's indexes (ShareMetrics has seven), which made updates several times slower
# than the snapshot insert itself (bench/ingest_bench.py).
ROLLUP_FILLFACTORS = {
    "analytics_sharemetrics": 60,
    "analytics_shareday": 80,
    "analytics_memberday": 70,
    "analytics_itemday": 70,
    "analytics_orgday": 70,
}


def rollup_tables_fillfactor(apps: Any, schema_editor: Any) -> None:
    """Migration step: leave room for HOT updates on PostgreSQL (a no-op elsewhere)."""
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for table, fillfactor in ROLLUP_FILLFACTORS.items():
            cursor.execute(f"ALTER TABLE {table} SET (fillfactor = {int(fillfactor)})")
