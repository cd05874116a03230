"""Appending metric snapshots and keeping the day rollups current, incrementally.

Every report reads the rollups (ShareMetrics, ShareDay, MemberDay, ItemDay, OrgDay),
never the raw snapshot log, so the log can grow to billions of rows without reports
slowing down. An ingest touches only the rows its snapshots belong to:

1. The snapshots are appended. On PostgreSQL they are COPYed into a temporary staging
   table, then moved into the month-partitioned log with one INSERT … SELECT (missing
   month partitions are created first); elsewhere they are bulk-inserted.
2. The shares' previous cumulative values come from ShareMetrics, which is updated
   first, and only where its latest snapshot is still the one read: a concurrent
   ingest of the same share makes the batch start again (no gain is counted twice).
3. Per share and organisation-local day: the latest known value of each counter that
   day, and the gain since the previous known value (within the batch, else
   ShareMetrics). Gains go into MemberDay, ItemDay and OrgDay with additive upserts;
   ShareDay gets the cumulative values as of the end of the day; ShareMetrics gets the
   latest values. One set-based statement per table per batch.

Unknown is not zero. A counter a snapshot does not carry (NULL) adds no gain, leaves a
day row's counter as it was (NULL until some share of that row reports it) and leaves
ShareMetrics with the last value the network did report (X stops sending link clicks
after 30 days: the clicks counted until then remain the share's clicks). The first
known value of a counter counts from zero.

Order: snapshots of one share are assumed to arrive in time order (the collector
fetches each share at most once per round). A snapshot older than the share's latest
(ShareMetrics.captured_at) is still appended to the log, and counted in
ShareMetrics.snapshots, but moves no rollup: its gains were already counted by the
later one.

Tracked-link clicks come from advocacy's LinkClickDay instead (`clicks_rollup`):
absolute recomputations of given days, since clicks arrive as day totals.
"""

from __future__ import annotations

import io
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from django.db import OperationalError, connection, transaction
from django.db.models import Sum
from django.utils import timezone

from accounts.models import Organization
from advocacy.models import LinkClickDay, Share
from analytics.lib import partitions
from analytics.models import ItemDay, MemberDay, OrgDay, ShareDay, ShareMetrics
from analytics.models.metrics import COUNTERS, MetricSnapshot


@dataclass(frozen=True)
class SnapshotRow:
    """One fetch of one share's cumulative counters; None = the network did not say."""

    organization_id: int
    share_id: int
    network: str
    captured_at: datetime
    impressions: int | None = None
    reach: int | None = None
    reactions: int | None = None
    comments: int | None = None
    reshares: int | None = None
    network_clicks: int | None = None


SNAPSHOT_TABLE = partitions.SNAPSHOT_TABLE
STAGE_TABLE = "analytics_snapshot_stage"
DAYS_TABLE = "analytics_snapshot_days"

# Month partitions this process has seen exist: checking the catalogue once per month
# instead of once per batch. A partition is never dropped while it can receive rows
# (retention drops only months far in the past).
_known_partitions: set[str] = set()


def snapshots_ingest(*, rows: Sequence[SnapshotRow]) -> int:
    """Append `rows` to the snapshot log and roll them up (see the module docstring).
    Returns the number of snapshots written."""
    if not rows:
        return 0
    if connection.vendor == "postgresql":
        return _ingest_postgresql(rows)
    return _ingest_portable(rows)


# PostgreSQL: COPY into a staging table, then one statement per table ---------------------

_COUNTER_LIST = ", ".join(COUNTERS)


def _copy_value(value: object) -> str:
    return "\\N" if value is None else str(value)


def copy_buffer(rows: Iterable[SnapshotRow]) -> io.StringIO:
    """The rows in COPY's text format (tab-separated, \\N for NULL). Networks are
    identifiers and timestamps ISO strings: nothing needs escaping."""
    lines = [
        f"{row.organization_id}\t{row.share_id}\t{row.network}\t{row.captured_at.isoformat()}\t"
        f"{_copy_value(row.impressions)}\t{_copy_value(row.reach)}\t{_copy_value(row.reactions)}\t"
        f"{_copy_value(row.comments)}\t{_copy_value(row.reshares)}\t{_copy_value(row.network_clicks)}\n"
        for row in rows
    ]
    return io.StringIO("".join(lines))


def ensure_snapshot_months(cursor: Any, moments: Iterable[datetime]) -> list[str]:
    """Create the month partitions `moments` fall in that do not exist yet."""
    months = {partitions.month_start(moment.astimezone(UTC).date()) for moment in moments}
    missing = [month for month in months if partitions.partition_name(month) not in _known_partitions]
    if not missing:
        return []
    existing = partitions.existing_partitions(cursor)
    created = []
    for month in sorted(missing):
        name = partitions.partition_name(month)
        if name not in existing:
            cursor.execute(partitions.create_partition_sql(month))
            created.append(name)
        _known_partitions.add(name)
    return created


class _Contended(Exception):
    """Another ingest rolled up one of the batch's shares meanwhile: start again."""


INGEST_ATTEMPTS = 5


def _ingest_postgresql(rows: Sequence[SnapshotRow]) -> int:
    for attempt in range(1, INGEST_ATTEMPTS + 1):
        try:
            with transaction.atomic():
                return _ingest_postgresql_once(rows)
        except _Contended:
            if attempt == INGEST_ATTEMPTS:
                raise
        except OperationalError as error:
            # Two ingests updating overlapping shares in different orders: PostgreSQL
            # aborts one of them; it runs again.
            if getattr(error.__cause__, "pgcode", None) != "40P01" or attempt == INGEST_ATTEMPTS:
                raise
    raise AssertionError("unreachable")


def _ingest_postgresql_once(rows: Sequence[SnapshotRow]) -> int:
    columns = f"organization_id, share_id, network, captured_at, {_COUNTER_LIST}"
    with connection.cursor() as cursor:
        ensure_snapshot_months(cursor, {row.captured_at for row in rows})
        cursor.execute(
            f"CREATE TEMPORARY TABLE {STAGE_TABLE} (organization_id bigint NOT NULL, share_id bigint NOT NULL, "
            "network varchar(16) NOT NULL, captured_at timestamptz NOT NULL, impressions bigint, reach bigint, "
            "reactions bigint, comments bigint, reshares bigint, network_clicks bigint) ON COMMIT DROP"
        )
        cursor.copy_expert(f"COPY {STAGE_TABLE} ({columns}) FROM STDIN", copy_buffer(rows))
        cursor.execute(f"ANALYZE {STAGE_TABLE}")
        cursor.execute(
            f"INSERT INTO {SNAPSHOT_TABLE} ({columns}) SELECT {columns} FROM {STAGE_TABLE}"  # noqa: S608 - constant names
        )
        _roll_up_staged(cursor)
        # ON COMMIT DROP alone is not enough: an ingest inside a caller's transaction
        # would find the previous batch's tables on its second call.
        cursor.execute(f"DROP TABLE {DAYS_TABLE}, {STAGE_TABLE}")
    return len(rows)


def rollups_rebuild_from_log(*, organization_id: int) -> int:
    """Roll up every snapshot of an organisation in one set-based pass, into empty
    rollups (ShareMetrics counters NULL, no day rows): the bulk generator's one-off full
    rollup. It stages the organisation's whole log and runs the same statements as the
    incremental path, so both give the same rollups (tests/analytics/test_generate.py).
    PostgreSQL only. Returns the snapshots rolled up."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE {STAGE_TABLE} ON COMMIT DROP AS "  # noqa: S608 - constant names
            f"SELECT organization_id, share_id, network, captured_at, {_COUNTER_LIST} FROM {SNAPSHOT_TABLE} "
            "WHERE organization_id = %s",
            [organization_id],
        )
        count = cursor.rowcount
        cursor.execute(f"ANALYZE {STAGE_TABLE}")
        _roll_up_staged(cursor)
        cursor.execute(f"DROP TABLE {DAYS_TABLE}, {STAGE_TABLE}")
    return int(count)


def _roll_up_staged(cursor: Any) -> None:
    """The rollup statements over the staged batch (PostgreSQL)."""
    counters_of = ", ".join(f"m.{name}" for name in COUNTERS)
    # Per share and local day: the latest known value of each counter (max of
    # [time, value] pairs: the latest pair wins without sorting), and the latest known
    # value on the batch's earlier days of that share (a window over the day groups).
    day_latest = ",\n".join(
        f"(max(ARRAY[s.at_us, s.{name}]) FILTER (WHERE s.{name} IS NOT NULL))[2] AS {name}, "
        f"(max(max(ARRAY[s.at_us, s.{name}]) FILTER (WHERE s.{name} IS NOT NULL)) OVER earlier)[2] AS {name}_before"
        for name in COUNTERS
    )
    filled = ", ".join(f"COALESCE(d.{name}, d.{name}_before, p.{name}) AS {name}" for name in COUNTERS)
    gained = ", ".join(
        f"CASE WHEN d.{name} IS NULL THEN NULL ELSE d.{name} - COALESCE(d.{name}_before, p.{name}, 0) END "
        f"AS {name}_gain"
        for name in COUNTERS
    )
    prior = (
        "WITH prior AS ("  # noqa: S608 - constant names
        "  SELECT m.share_id, m.organization_id, m.membership_id, m.item_id, m.network, m.captured_at, "
        f"  o.timezone, {counters_of} FROM analytics_sharemetrics m "
        "  JOIN accounts_organization o ON o.id = m.organization_id "
        f"  WHERE (m.organization_id, m.share_id) IN (SELECT DISTINCT organization_id, share_id FROM {STAGE_TABLE})"
        ")"
    )
    cursor.execute(f"SELECT count(*) = count(DISTINCT share_id) FROM {STAGE_TABLE}")  # noqa: S608 - constant names
    if cursor.fetchone()[0]:
        # The collector's batches: each share once. Its snapshot is its only day, and the
        # previous values are ShareMetrics': no grouping, no window.
        cursor.execute(
            f"CREATE TEMPORARY TABLE {DAYS_TABLE} ON COMMIT DROP AS {prior} "  # noqa: S608 - constant names
            "SELECT p.organization_id, s.share_id, p.membership_id, p.item_id, p.network, "
            "(s.captured_at AT TIME ZONE p.timezone)::date AS day, s.captured_at AS last_at, true AS is_last, "
            "p.captured_at AS prior_captured_at, "
            + ", ".join(f"COALESCE(s.{name}, p.{name}) AS {name}" for name in COUNTERS)
            + ", "
            + ", ".join(f"s.{name} - COALESCE(p.{name}, 0) AS {name}_gain" for name in COUNTERS)
            + f" FROM {STAGE_TABLE} s JOIN prior p ON p.share_id = s.share_id "
            "AND p.organization_id = s.organization_id "
            "WHERE p.captured_at IS NULL OR s.captured_at > p.captured_at"
        )
        _roll_up_days(cursor)
        return
    cursor.execute(
        f"CREATE TEMPORARY TABLE {DAYS_TABLE} ON COMMIT DROP AS "  # noqa: S608 - constant names
        "WITH prior AS ("
        "  SELECT m.share_id, m.organization_id, m.membership_id, m.item_id, m.network, m.captured_at, "
        f"  o.timezone, {counters_of} FROM analytics_sharemetrics m "
        "  JOIN accounts_organization o ON o.id = m.organization_id "
        f"  WHERE (m.organization_id, m.share_id) IN (SELECT DISTINCT organization_id, share_id FROM {STAGE_TABLE})"
        "), staged AS ("
        "  SELECT s.*, (extract(epoch FROM s.captured_at) * 1000000)::bigint AS at_us, "
        "  (s.captured_at AT TIME ZONE p.timezone)::date AS day "
        f"  FROM {STAGE_TABLE} s JOIN prior p ON p.share_id = s.share_id "
        "  AND p.organization_id = s.organization_id "
        "  WHERE p.captured_at IS NULL OR s.captured_at > p.captured_at"
        "), days AS ("
        "  SELECT s.share_id, s.day, max(s.captured_at) AS last_at, "
        "  row_number() OVER (PARTITION BY s.share_id ORDER BY s.day DESC) = 1 AS is_last, "
        f"  {day_latest} "
        "  FROM staged s GROUP BY s.share_id, s.day "
        "  WINDOW earlier AS (PARTITION BY s.share_id ORDER BY s.day ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)"
        ") "
        "SELECT p.organization_id, d.share_id, p.membership_id, p.item_id, p.network, d.day, d.last_at, d.is_last, "
        f"p.captured_at AS prior_captured_at, {filled}, {gained} FROM days d JOIN prior p ON p.share_id = d.share_id"
    )
    _roll_up_days(cursor)


def _roll_up_days(cursor: Any) -> None:
    """From the batch's per share-day figures to ShareMetrics, ShareDay and the day rollups."""
    # ShareMetrics first, and only where its latest snapshot is still the one the gains
    # were computed from: a concurrent ingest of the same share makes this UPDATE wait
    # for it, then skip the row, and the whole batch starts again (optimistic, so the
    # common case locks nothing beyond the rows it updates anyway).
    cursor.execute(
        "WITH updated AS (UPDATE analytics_sharemetrics m SET snapshots = m.snapshots + n.count, "  # noqa: S608 - constant names
        "captured_at = COALESCE(d.last_at, m.captured_at), "
        + ", ".join(f"{name} = COALESCE(d.{name}, m.{name})" for name in COUNTERS)
        + f" FROM (SELECT organization_id, share_id, count(*) AS count FROM {STAGE_TABLE} "  # noqa: S608 - constant names
        f"GROUP BY organization_id, share_id) n LEFT JOIN {DAYS_TABLE} d ON d.share_id = n.share_id AND d.is_last "
        "WHERE m.organization_id = n.organization_id AND m.share_id = n.share_id "
        "AND (d.share_id IS NULL OR m.captured_at IS NOT DISTINCT FROM d.prior_captured_at) "
        "RETURNING d.share_id IS NOT NULL AS rolled) "
        f"SELECT (SELECT count(*) FROM updated WHERE rolled), (SELECT count(*) FROM {DAYS_TABLE} WHERE is_last)"
    )
    rolled, expected = cursor.fetchone()
    if rolled != expected:
        raise _Contended
    now = timezone.now()
    cursor.execute(
        f"INSERT INTO {ShareDay._meta.db_table} (organization_id, share_id, day, {_COUNTER_LIST}) "  # noqa: S608 - constant names
        f"SELECT organization_id, share_id, day, {_COUNTER_LIST} FROM {DAYS_TABLE} "
        "ORDER BY organization_id, share_id, day "
        "ON CONFLICT (organization_id, share_id, day) DO UPDATE SET "
        + ", ".join(f"{name} = COALESCE(EXCLUDED.{name}, {ShareDay._meta.db_table}.{name})" for name in COUNTERS)
    )
    for model, keys, where in (
        (MemberDay, ("membership_id",), ""),
        (ItemDay, ("item_id",), "WHERE item_id IS NOT NULL"),
        (OrgDay, (), ""),
    ):
        key_columns = ", ".join(("organization_id", *keys, "day", "network"))
        gains = ", ".join(f"sum({name}_gain)" for name in COUNTERS)
        cursor.execute(
            f"INSERT INTO {model._meta.db_table} ({key_columns}, {_COUNTER_LIST}, "  # noqa: S608 - constant names
            "shares_posted, clicks, unique_clicks, updated_at) "
            f"SELECT {key_columns}, {gains}, 0, 0, 0, %s FROM {DAYS_TABLE} {where} "
            f"GROUP BY {key_columns} ORDER BY {key_columns} "
            f"ON CONFLICT ({key_columns}) DO UPDATE SET {_additive(model._meta.db_table)}, "
            "updated_at = EXCLUDED.updated_at",
            [now],
        )


def _additive(table: str) -> str:
    """Gains are added; an unknown gain leaves the counter as it was (NULL stays NULL)."""
    return ", ".join(
        f"{name} = CASE WHEN EXCLUDED.{name} IS NULL THEN {table}.{name} "
        f"ELSE COALESCE({table}.{name}, 0) + EXCLUDED.{name} END"
        for name in COUNTERS
    )


# Other databases (SQLite, the embedded mode): the same arithmetic in Python -----------


@dataclass
class _DayFigures:
    organization_id: int
    share_id: int
    membership_id: int
    item_id: int | None
    network: str
    day: date
    last_at: datetime
    values: dict[str, int | None]
    gains: dict[str, int | None]


def _ingest_portable(rows: Sequence[SnapshotRow]) -> int:
    """Bulk insert and upserts with the same arithmetic as the PostgreSQL path; also
    runs on PostgreSQL (the tests compare both paths)."""
    with transaction.atomic():
        MetricSnapshot.objects.bulk_create(
            [
                MetricSnapshot(
                    organization_id=row.organization_id,
                    share_id=row.share_id,
                    network=row.network,
                    captured_at=row.captured_at,
                    **{name: getattr(row, name) for name in COUNTERS},
                )
                for row in rows
            ],
            batch_size=500,
        )
        share_ids = sorted({row.share_id for row in rows})
        organization_ids = {row.organization_id for row in rows}
        # Locked like the PostgreSQL path (select_for_update is a no-op on SQLite, where
        # the IMMEDIATE transaction already serialises writers).
        prior = {
            metrics.share_id: metrics
            for metrics in ShareMetrics._base_manager.select_for_update()
            .filter(share_id__in=share_ids, organization_id__in=organization_ids)
            .order_by("share_id")
        }
        zones = {
            organization.pk: zoneinfo.ZoneInfo(organization.timezone or "UTC")
            for organization in Organization.objects.filter(pk__in=organization_ids)
        }
        counts: dict[int, int] = defaultdict(int)
        per_share: dict[int, list[SnapshotRow]] = defaultdict(list)
        for row in rows:
            counts[row.share_id] += 1
            metrics = prior.get(row.share_id)
            if metrics is None or metrics.organization_id != row.organization_id:
                continue
            if metrics.captured_at is not None and row.captured_at <= metrics.captured_at:
                continue
            per_share[row.share_id].append(row)
        figures: list[_DayFigures] = []
        for share_id, share_rows in per_share.items():
            metrics = prior[share_id]
            known = {name: getattr(metrics, name) for name in COUNTERS}
            zone = zones[metrics.organization_id]
            by_day: dict[date, list[SnapshotRow]] = defaultdict(list)
            for row in sorted(share_rows, key=lambda row: row.captured_at):
                by_day[row.captured_at.astimezone(zone).date()].append(row)
            for day in sorted(by_day):
                day_rows = by_day[day]
                gains: dict[str, int | None] = {}
                for name in COUNTERS:
                    latest = next(
                        (getattr(row, name) for row in reversed(day_rows) if getattr(row, name) is not None), None
                    )
                    if latest is None:
                        gains[name] = None
                    else:
                        gains[name] = latest - (known[name] or 0)
                        known[name] = latest
                figures.append(
                    _DayFigures(
                        organization_id=metrics.organization_id,
                        share_id=share_id,
                        membership_id=metrics.membership_id,
                        item_id=metrics.item_id,
                        network=metrics.network,
                        day=day,
                        last_at=day_rows[-1].captured_at,
                        values=dict(known),
                        gains=gains,
                    )
                )
        _write_figures(figures, prior, counts)
    return len(rows)


def _write_figures(figures: list[_DayFigures], prior: dict[int, ShareMetrics], counts: dict[int, int]) -> None:
    now = timezone.now()
    with connection.cursor() as cursor:
        table = ShareDay._meta.db_table
        cursor.executemany(
            f"INSERT INTO {table} (organization_id, share_id, day, {_COUNTER_LIST}) "  # noqa: S608 - constant names
            f"VALUES (%s, %s, %s, {', '.join(['%s'] * len(COUNTERS))}) "
            "ON CONFLICT (organization_id, share_id, day) DO UPDATE SET "
            + ", ".join(f"{name} = COALESCE(EXCLUDED.{name}, {table}.{name})" for name in COUNTERS),
            [
                [figure.organization_id, figure.share_id, figure.day, *(figure.values[name] for name in COUNTERS)]
                for figure in figures
            ],
        )
        for model, key in ((MemberDay, "membership_id"), (ItemDay, "item_id"), (OrgDay, None)):
            totals: dict[tuple[Any, ...], dict[str, int | None]] = {}
            for figure in figures:
                if key == "item_id" and figure.item_id is None:
                    continue
                group = (
                    figure.organization_id,
                    *((getattr(figure, key),) if key else ()),
                    figure.day,
                    figure.network,
                )
                total = totals.setdefault(group, dict.fromkeys(COUNTERS))
                for name in COUNTERS:
                    gain = figure.gains[name]
                    if gain is not None:
                        total[name] = (total[name] or 0) + gain
            day_upsert(
                cursor, model, key=key, rows=[(*group, total, 0) for group, total in sorted(totals.items())], now=now
            )
    last_per_share: dict[int, _DayFigures] = {}
    for figure in figures:
        last_per_share[figure.share_id] = figure
    updated = []
    for share_id, count in counts.items():
        metrics = prior.get(share_id)
        if metrics is None:
            continue
        metrics.snapshots += count
        last = last_per_share.get(share_id)
        if last is not None:
            metrics.captured_at = last.last_at
            for name in COUNTERS:
                setattr(metrics, name, last.values[name])
        updated.append(metrics)
    ShareMetrics._base_manager.bulk_update(updated, ["snapshots", "captured_at", *COUNTERS], batch_size=500)


def day_upsert(
    cursor: Any,
    model: type[MemberDay] | type[ItemDay] | type[OrgDay],
    *,
    key: str | None,
    rows: Sequence[tuple[Any, ...]],
    now: datetime,
) -> None:
    """Add gains and shares posted to day rows: each row is (organization_id, [key id,]
    day, network, {counter: gain or None}, shares_posted)."""
    if not rows:
        return
    table = model._meta.db_table
    key_columns = ", ".join(("organization_id", *((key,) if key else ()), "day", "network"))
    width = 4 if key else 3
    cursor.executemany(
        f"INSERT INTO {table} ({key_columns}, {_COUNTER_LIST}, shares_posted, clicks, unique_clicks, updated_at) "  # noqa: S608 - constant names
        f"VALUES ({', '.join(['%s'] * (width + len(COUNTERS) + 4))}) "
        f"ON CONFLICT ({key_columns}) DO UPDATE SET {_additive(table)}, "
        f"shares_posted = {table}.shares_posted + EXCLUDED.shares_posted, updated_at = EXCLUDED.updated_at",
        [[*row[:width], *(row[width][name] for name in COUNTERS), row[width + 1], 0, 0, now] for row in rows],
    )


# Tracked-link clicks -----------------------------------------------------------------


def clicks_rollup(*, organization: Organization, days: Sequence[date]) -> None:
    """Recompute the tracked-link clicks (bots excluded: LinkClickDay counts bots apart)
    of MemberDay, ItemDay and OrgDay for `days`, and the totals of the shares clicked on
    those days. Absolute and idempotent: run it again and nothing changes.

    LinkClickDay buckets clicks by UTC day; they are credited to the same calendar day
    of the rollups (which are the organisation's local days), so in far-off time zones
    a late-evening click can land on the neighbouring day."""
    days = sorted(set(days))
    if not days:
        return
    now = timezone.now()
    link_days = list(
        LinkClickDay.objects.filter(organization=organization, day__in=days)
        .values("day", "link_id")
        .annotate(clicks=Sum("clicks"), unique_clicks=Sum("unique_clicks"))
    )
    link_ids = {row["link_id"] for row in link_days}
    shares = {
        share["pk"]: share
        for share in Share.objects.filter(organization=organization, pk__in=link_ids).values(
            "pk", "membership_id", "item_id", "network"
        )
    }
    with transaction.atomic():
        totals: dict[str, dict[tuple[Any, ...], list[int]]] = {"member": {}, "item": {}, "org": {}}
        for row in link_days:
            share = shares.get(row["link_id"])
            if share is None:
                continue
            for kind, group in (
                ("member", (share["membership_id"], row["day"], share["network"])),
                ("item", (share["item_id"], row["day"], share["network"])),
                ("org", (row["day"], share["network"])),
            ):
                if kind == "item" and share["item_id"] is None:
                    continue
                pair = totals[kind].setdefault(group, [0, 0])
                pair[0] += row["clicks"] or 0
                pair[1] += row["unique_clicks"] or 0
        for kind, model, key in (
            ("member", MemberDay, "membership_id"),
            ("item", ItemDay, "item_id"),
            ("org", OrgDay, None),
        ):
            # Rows of these days that no longer have clicks go back to zero (absolute).
            model.objects.filter(organization=organization, day__in=days).exclude(clicks=0, unique_clicks=0).update(
                clicks=0, unique_clicks=0, updated_at=now
            )
            _clicks_upsert(model, organization=organization, key=key, totals=totals[kind], now=now)
        share_totals = {
            row["link_id"]: (row["clicks"] or 0, row["unique_clicks"] or 0)
            for row in LinkClickDay.objects.filter(organization=organization, link_id__in=link_ids)
            .values("link_id")
            .annotate(clicks=Sum("clicks"), unique_clicks=Sum("unique_clicks"))
        }
        changed = []
        for metrics in ShareMetrics.objects.filter(organization=organization, share_id__in=share_totals).only(
            "share_id", "clicks", "unique_clicks"
        ):
            if (metrics.clicks, metrics.unique_clicks) != share_totals[metrics.share_id]:
                metrics.clicks, metrics.unique_clicks = share_totals[metrics.share_id]
                changed.append(metrics)
        ShareMetrics.objects.bulk_update(changed, ["clicks", "unique_clicks"], batch_size=500)


def _clicks_upsert(
    model: type[MemberDay] | type[ItemDay] | type[OrgDay],
    *,
    organization: Organization,
    key: str | None,
    totals: dict[tuple[Any, ...], list[int]],
    now: datetime,
) -> None:
    if not totals:
        return
    table = model._meta.db_table
    key_columns = ", ".join(("organization_id", *((key,) if key else ()), "day", "network"))
    width = 3 if key else 2
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} ({key_columns}, shares_posted, clicks, unique_clicks, updated_at) "  # noqa: S608 - constant names
            f"VALUES (%s, {', '.join(['%s'] * (width + 4))}) "
            f"ON CONFLICT ({key_columns}) DO UPDATE SET clicks = EXCLUDED.clicks, "
            "unique_clicks = EXCLUDED.unique_clicks, updated_at = EXCLUDED.updated_at",
            [[organization.pk, *group, 0, clicks, unique, now] for group, (clicks, unique) in sorted(totals.items())],
        )
