"""Metric snapshot ingest: `snapshots_ingest` (append to the partitioned log AND roll up
incrementally) against a raw COPY of the same rows into a scratch copy of the table,
in the same run, batch by batch. Goal: ratio >= 0.5.

    .venv/bin/python bench/ingest_bench.py                           # 200,000 rows in batches of 10,000
    .venv/bin/python bench/ingest_bench.py --rows 1000000 --batch 50000 --shares 200000

It builds a database (`--database-url`, created when missing; `--fresh` rebuilds it)
with `generate_analytics --snapshots 0` (organisations, members and `--shares` posted
shares with their ShareMetrics), then makes `--rows` snapshots: each batch is one
collection round (every share at most once, counters growing, a few counters unknown
as the networks leave them). Each batch is written twice, alternately first: with
psycopg2 `copy_expert` into `bench_snapshot_copy` (partitioned like the real table, same
key and indexes: the floor), and with `snapshots_ingest`. Both include turning the rows
into COPY text; both commit per batch. Prints rows/s of each and the ratio, and checks
that the rollups add up (the sum of day gains equals the latest cumulative values).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import psycopg2
from psycopg2 import sql

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--batch", type=int, default=10_000, help="rows per ingest call (one collection round)")
    parser.add_argument("--shares", type=int, default=100_000)
    parser.add_argument("--organizations", type=int, default=4)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/chorus_bench_ingest")
    parser.add_argument("--fresh", action="store_true", help="drop and rebuild the database first")
    parser.add_argument("--json", default="", help="also write the figures to this file")
    return parser.parse_args()


def database_prepare(args: argparse.Namespace) -> None:
    parts = urlsplit(args.database_url)
    if parts.hostname not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit("--database-url must point at this machine.")
    name = parts.path.lstrip("/")
    admin = psycopg2.connect(args.database_url.rsplit("/", 1)[0] + "/postgres", connect_timeout=5)
    admin.autocommit = True
    with admin.cursor() as cursor:
        if args.fresh:
            cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        exists = cursor.fetchone() is not None
    admin.close()
    if exists:
        check = psycopg2.connect(args.database_url)
        with check.cursor() as cursor:
            cursor.execute("SELECT to_regclass('analytics_sharemetrics') IS NOT NULL")
            ready = cursor.fetchone()[0]
            if ready:
                cursor.execute("SELECT count(*) FROM analytics_sharemetrics")
                ready = cursor.fetchone()[0] >= args.shares
        check.close()
        if ready:
            print(f"Reusing {name} (pass --fresh to rebuild it).", flush=True)
            return
    print(f"Building {name}: {args.organizations} organisations, {args.shares:,} shares…", flush=True)
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "generate_analytics",
            f"--organizations={args.organizations}",
            f"--shares={args.shares}",
            "--snapshots=0",
            f"--seed={int(time.time()) % 100_000}",
            f"--database-url={args.database_url}",
        ],
        cwd=ROOT,
        env={**os.environ, "DEBUG": "true", "LOG_LEVEL": "WARNING"},
        check=True,
        timeout=1800,
    )


def main() -> int:
    args = parse_args()
    if args.batch < 1 or args.rows < args.batch:
        raise SystemExit("--rows must be at least --batch, and --batch at least 1.")
    database_prepare(args)
    os.environ.update(
        {
            "DATABASE_URL": args.database_url,
            "DEBUG": "false",
            "SECRET_KEY": "ingest-bench-" + "x" * 50,
            "TOKEN_ENCRYPTION_KEYS": "ZGV2ZWxvcG1lbnQtb25seS1rZXktbm90LXNlY3JldCE=",
            "ALLOWED_HOSTS": "127.0.0.1",
            "LOG_LEVEL": "WARNING",
            "DJANGO_SETTINGS_MODULE": "config.settings",
        }
    )
    import django

    django.setup()
    from django.db import connection, transaction
    from django.utils import timezone

    from analytics.lib import partitions
    from analytics.services.rollups import SnapshotRow, copy_buffer, snapshots_ingest

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT m.organization_id, m.share_id, m.network FROM analytics_sharemetrics m "
            "ORDER BY m.share_id DESC LIMIT %s",
            [args.shares],
        )
        shares = cursor.fetchall()
        cursor.execute("SELECT coalesce(max(captured_at), now()) FROM analytics_metricsnapshot")
        start = max(cursor.fetchone()[0], timezone.now()) + timedelta(minutes=1)
    if len(shares) < args.batch:
        raise SystemExit(f"The database has {len(shares)} shares: fewer than one batch ({args.batch}).")

    batches: list[list[SnapshotRow]] = []
    for number in range(args.rows // args.batch):
        at = start + timedelta(minutes=number)
        first = number * args.batch % len(shares)
        chosen = [shares[(first + offset) % len(shares)] for offset in range(args.batch)]
        batches.append(
            [
                SnapshotRow(
                    organization_id=organization_id,
                    share_id=share_id,
                    network=network,
                    captured_at=at,
                    impressions=None if network in ("mastodon", "bluesky") else 100 * (number + 1) + share_id % 97,
                    reach=(60 * (number + 1)) if network == "linkedin" else None,
                    reactions=4 * (number + 1) + share_id % 7,
                    comments=number // 2,
                    reshares=number // 3,
                    network_clicks=(2 * (number + 1)) if network == "x" else None,
                )
                for organization_id, share_id, network in chosen
            ]
        )

    columns = (
        "organization_id, share_id, network, captured_at, impressions, reach, reactions, comments, reshares, "
        "network_clicks"
    )
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_snapshot_copy")
        cursor.execute(
            f"CREATE TABLE bench_snapshot_copy (LIKE {partitions.SNAPSHOT_TABLE} INCLUDING ALL) "
            "PARTITION BY RANGE (captured_at)"
        )
        months = partitions.months_between(start.date(), (start + timedelta(minutes=len(batches))).date())
        for month in months:
            partitions.ensure_partitions(cursor, month, month)
            cursor.execute(
                f"CREATE TABLE bench_snapshot_copy_p{month:%Y%m} PARTITION OF bench_snapshot_copy "
                f"FOR VALUES FROM ('{month.isoformat()} 00:00:00+00') TO "
                f"('{partitions.next_month(month).isoformat()} 00:00:00+00')"
            )

    def raw_copy(rows: list[SnapshotRow]) -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.copy_expert(f"COPY bench_snapshot_copy ({columns}) FROM STDIN", copy_buffer(rows))

    # Production runs autovacuum; a bench cluster may not. Without it the rollup tables'
    # dead row versions pile up and in-place (HOT) updates stop finding room on their pages.
    with connection.cursor() as cursor:
        cursor.execute("SHOW autovacuum")
        autovacuum = cursor.fetchone()[0]
    vacuum = connection.cursor()
    vacuum.execute(
        "VACUUM ANALYZE analytics_sharemetrics, analytics_shareday, analytics_memberday, analytics_itemday, "
        "analytics_orgday"
    )
    vacuum.close()
    timings = {"copy": 0.0, "ingest": 0.0}
    print(f"Writing {len(batches)} batches of {args.batch:,} rows each way…", flush=True)
    for number, rows in enumerate(batches):
        order = [("copy", raw_copy), ("ingest", lambda rows: snapshots_ingest(rows=rows))]
        if number % 2:
            order.reverse()
        for name, write in order:
            began = time.perf_counter()
            write(rows)
            timings[name] += time.perf_counter() - began
    total = len(batches) * args.batch
    copy_rate, ingest_rate = total / timings["copy"], total / timings["ingest"]
    ratio = ingest_rate / copy_rate

    # Where an ingest's time goes: one more batch, statement by statement, against the
    # same batch's raw COPY.
    breakdown: list[tuple[str, float]] = []

    def timed(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            breakdown.append((" ".join(sql.split()[:4]), time.perf_counter() - began))

    extra = [
        SnapshotRow(**{**row.__dict__, "captured_at": row.captured_at + timedelta(minutes=len(batches))})
        for row in batches[-1]
    ]
    began = time.perf_counter()
    raw_copy(extra)
    copy_seconds = time.perf_counter() - began
    with connection.execute_wrapper(timed):
        began = time.perf_counter()
        snapshots_ingest(rows=extra)
        ingest_seconds = time.perf_counter() - began

    with connection.cursor() as cursor:
        cursor.execute("SELECT sum(reactions) FROM analytics_orgday")
        gained = cursor.fetchone()[0] or 0
        cursor.execute("SELECT sum(reactions) FROM analytics_sharemetrics")
        latest = cursor.fetchone()[0] or 0
        cursor.execute("DROP TABLE bench_snapshot_copy")
    consistent = gained == latest
    figures = {
        "rows": total,
        "batch": args.batch,
        "copy_rows_per_s": round(copy_rate),
        "ingest_rows_per_s": round(ingest_rate),
        "ratio": round(ratio, 3),
        "rollups_consistent": consistent,
    }
    print(f"raw COPY into a scratch copy of the table: {copy_rate:>10,.0f} rows/s")
    print(f"snapshots_ingest (log + rollups):          {ingest_rate:>10,.0f} rows/s")
    print(f"ratio ingest / COPY: {ratio:.2f} (goal >= 0.5)")
    print(f"rollups add up (sum of daily reaction gains = latest reactions): {'yes' if consistent else 'NO'}")
    print(f"\nOne more batch: raw COPY {copy_seconds:.3f} s, snapshots_ingest {ingest_seconds:.3f} s, of which:")
    for statement, seconds in breakdown:
        if seconds >= 0.001:
            print(f"  {seconds:7.3f} s  {seconds / copy_seconds:5.2f} x COPY  {statement}")
    if autovacuum != "on":
        print("(autovacuum is off on this server: the rollup tables were vacuumed once before the run)")
    figures["breakdown"] = [[statement, round(seconds, 4)] for statement, seconds in breakdown]
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2) + "\n")
    return 0 if consistent else 1


if __name__ == "__main__":
    sys.exit(main())
