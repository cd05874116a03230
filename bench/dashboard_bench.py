"""The executive dashboard against tens of millions of metric snapshots: its response
time, as a ratio to the rollup query alone, and how it changes with the data's size.

    .venv/bin/python bench/dashboard_bench.py                                   # 100 organisations, 50 M snapshots
    .venv/bin/python bench/dashboard_bench.py --snapshots 5000000 \\
        --database-url postgres://postgres@127.0.0.1:5432/chorus_bench_dashboard_5m
    .venv/bin/python bench/dashboard_bench.py --skip-setup \\
        --database-url postgres://…/chorus_bench_dashboard_50m \\
        --compare-database-url postgres://…/chorus_bench_dashboard_5m --json dashboard.json

For each database (`--database-url`, and `--compare-database-url` when given):

1. Unless `--skip-setup`, builds it with `manage.py generate_analytics
   --organizations N --snapshots S --database-url …` (which creates and migrates it).
2. Picks the largest and the smallest generated organisation (by posted shares) and
   gives each an executive (`bench-exec@<slug>.example`, password `chorus-demo`) and a
   goal with two KPIs (attributed leads, and imported pipeline values), so the page
   does its KPI work too; then `collectstatic` and `ANALYZE`.
3. Times, in-process with production settings, the rollup query alone: the
   dashboard's main question (the period's and the previous period's totals per
   network from `OrgDay`), `--samples` times after a warm-up.
4. Serves the app with gunicorn (sync workers, production settings, as
   bench/http_bench.py) and requests `/o/<slug>/reports/?period=90d` and `365d` as
   the executive, one request at a time (latency, not throughput), `--samples` times
   after `--warmup` unmeasured requests; counts the SQL queries of one request.
5. Prints p50/p95 of both, the ratio dashboard p95 / rollup p95, and, with a second
   database, how each case's dashboard p95 changed between the two sizes.

Loopback PostgreSQL only. A 50 M build takes a while and several GB: reuse it with
`--skip-setup`.
"""

from __future__ import annotations

import argparse
import json
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import http_bench as hb  # noqa: E402 - needs ROOT on sys.path when run as a script

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/chorus_bench_dashboard"
PASSWORD = "chorus-demo"
PERIODS = ("90d", "365d")
BUILD_TIMEOUT_S = 6 * 3600
GOAL_P95_MS = 200.0

# Run in a child process with the app's settings: pick the organisations, give each an
# executive and KPIs (idempotent), and print them as JSON.
_PREPARE = r"""
import json, sys
from decimal import Decimal
import django
django.setup()
from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.db.models import Count
from accounts.models import Membership, MembershipStatus, Organization, Role, User
from accounts.tenancy import scopes_disabled
from analytics.models import Goal, Kpi, KpiMeasure, KpiValue, ShareMetrics
from django.utils import timezone

password = sys.argv[1]
# A benchmark's set-up across organisations, like a maintenance command.
with scopes_disabled():
    counted = ShareMetrics.objects.values("organization").annotate(n=Count("pk"))
    sizes = {row["organization"]: row["n"] for row in counted}
    if not sizes:
        raise SystemExit("no generated organisation with shares: build the database first")
    ranked = sorted(sizes, key=lambda pk: -sizes[pk])
    chosen = {"big": ranked[0], "small": ranked[-1]}
    out = {}
    for label, pk in chosen.items():
        organization = Organization.objects.get(pk=pk)
        email = f"bench-exec@{organization.slug}.example"
        user, _ = User.objects.get_or_create(email=email, defaults={"full_name": "Bench Executive"})
        user.password = make_password(password)
        user.save()
        # Signing in needs a verified address (allauth), as for every real member.
        EmailAddress.objects.update_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
        Membership.objects.update_or_create(
            organization=organization, user=user,
            defaults={"role": Role.EXECUTIVE, "status": MembershipStatus.ACTIVE},
        )
        goal, created = Goal.objects.get_or_create(organization=organization, name="Benchmark goal")
        if created:
            Kpi.objects.create(organization=organization, goal=goal, name="Attributed leads", unit="leads",
                               target=Decimal(100), measure=KpiMeasure.CONVERSION_COUNT, conversion_kind="lead")
            pipeline = Kpi.objects.create(organization=organization, goal=goal, name="Pipeline", unit="EUR",
                                          target=Decimal(500000), measure=KpiMeasure.VALUES)
            KpiValue.objects.create(organization=organization, kpi=pipeline, on_date=timezone.now().date(),
                                    value=Decimal(120000), source="csv")
        out[label] = {"slug": organization.slug, "email": email, "shares": sizes[pk]}
print("BENCH " + json.dumps(out))
"""

# The rollup query alone, timed in a child process with the same settings.
_ROLLUP = r"""
import json, sys, time
import django
django.setup()
from django.db.models import Count, Q, Sum
from accounts.models import Organization
from accounts.tenancy import organization_scope
from analytics.lib.periods import Period
from analytics.selectors.reports import ROLLUP_SUMS, report_period
from analytics.selectors.segments import rollup_rows

slug, code, samples = sys.argv[1], sys.argv[2], int(sys.argv[3])
organization = Organization.objects.get(slug=slug)
with organization_scope(organization):
    period = report_period(organization=organization, code=code)
    previous = period.previous()
    span = Period(start=previous.start, end=period.end)
    current = Q(day__gte=period.start)

    def query():
        sums = {f"c_{n}": Sum(n, filter=current) for n in ROLLUP_SUMS}
        sums.update({f"p_{n}": Sum(n, filter=~current) for n in ROLLUP_SUMS})
        sums["unknown"] = Count("pk", filter=Q(impressions__isnull=True))
        rows = rollup_rows(organization=organization, segment=None, period=span)
        return list(rows.order_by().values("network").annotate(**sums))

    for _ in range(5):
        query()
    times = []
    for _ in range(samples):
        started = time.perf_counter()
        rows = query()
        times.append((time.perf_counter() - started) * 1000)
print("BENCH " + json.dumps({"times_ms": times, "networks": len(rows)}))
"""


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--compare-database-url", default="", help="A second build (another size) to compare with.")
    parser.add_argument("--skip-setup", action="store_true", help="Use the databases as they are (built before).")
    parser.add_argument("--organizations", type=int, default=100)
    parser.add_argument("--snapshots", type=int, default=50_000_000, help="For the build of --database-url.")
    parser.add_argument("--compare-snapshots", type=int, default=5_000_000, help="For the build of the second one.")
    parser.add_argument("--samples", type=int, default=40, help="Measured requests per case.")
    parser.add_argument("--warmup", type=int, default=5, help="Unmeasured requests per case first.")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--redis-url", default="")
    parser.add_argument("--json", type=Path, default=None)
    return parser.parse_args(argv)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return hb._percentile(ordered, fraction)


def child(env: dict[str, str], script: str, *arguments: str) -> dict[str, Any]:
    completed = subprocess.run(
        [sys.executable, "-c", script, *arguments],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True,
        text=True,
        timeout=hb.SETUP_TIMEOUT_S,
        check=False,
    )
    line = next((ln for ln in completed.stdout.splitlines() if ln.startswith("BENCH ")), None)
    if completed.returncode != 0 or line is None:
        raise hb.BenchError(f"child process failed:\n{completed.stdout}{completed.stderr}")
    result: dict[str, Any] = json.loads(line.removeprefix("BENCH "))
    return result


def build(database_url: str, *, organizations: int, snapshots: int) -> None:
    command = [
        sys.executable, "manage.py", "generate_analytics",
        "--organizations", str(organizations), "--snapshots", str(snapshots), "--database-url", database_url,
    ]  # fmt: skip
    print(f"bench: {' '.join(command[1:])}", flush=True)
    try:
        subprocess.run(command, cwd=ROOT, timeout=BUILD_TIMEOUT_S, check=True)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as error:
        raise hb.BenchError(f"generate_analytics failed: {error}") from None


def snapshot_count(database_url: str) -> int:
    import psycopg2

    connection = psycopg2.connect(database_url, connect_timeout=5)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM analytics_metricsnapshot")
            row = cursor.fetchone()
            return int(row[0]) if row else 0
    finally:
        connection.close()


def time_page(session: requests.Session, url: str, *, samples: int, warmup: int) -> list[float]:
    times = []
    for index in range(warmup + samples):
        started = time.perf_counter()
        response = session.get(url, timeout=60, allow_redirects=False)
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise hb.BenchError(f"GET {url} answered {response.status_code}")
        if index >= warmup:
            times.append(elapsed)
    return times


def measure(database_url: str, args: argparse.Namespace, *, snapshots: int) -> dict[str, Any]:
    hb.require_loopback(database_url)
    if not args.skip_setup:
        build(database_url, organizations=args.organizations, snapshots=snapshots)
    with tempfile.TemporaryDirectory(prefix="chorus-dashboard-bench-") as scratch:
        options = argparse.Namespace(database_url=database_url, redis_url=args.redis_url)
        env = hb.app_environment(options, Path(scratch) / "var")
        hb.manage(env, "migrate", "--noinput")
        hb.manage(env, "collectstatic", "--noinput")
        chosen = child(env, _PREPARE, PASSWORD)
        print("bench: ANALYZE", flush=True)
        hb.analyze(database_url)
        rows = snapshot_count(database_url)
        print(f"bench: {rows:,} metric snapshots in {database_url.rsplit('/', 1)[-1]}", flush=True)
        cases: list[dict[str, Any]] = []
        for label in ("big", "small"):
            organization = chosen[label]
            for code in PERIODS:
                rollup = child(env, _ROLLUP, organization["slug"], code, str(args.samples))["times_ms"]
                cases.append(
                    {
                        "organization": label,
                        "slug": organization["slug"],
                        "shares": organization["shares"],
                        "period": code,
                        "rollup_p50_ms": percentile(rollup, 0.5),
                        "rollup_p95_ms": percentile(rollup, 0.95),
                        "queries": hb.count_queries(
                            env, email=organization["email"], path=f"/o/{organization['slug']}/reports/?period={code}"
                        ),
                    }
                )
        port = hb.free_loopback_port()
        log_path = Path(scratch) / "gunicorn.log"
        print(f"bench: gunicorn on 127.0.0.1:{port} with {args.workers} sync workers", flush=True)
        server = hb.Gunicorn(env, port=port, workers=args.workers, log_path=log_path)
        try:
            server.wait_until_ready(hb.STARTUP_TIMEOUT_S)
            sessions: dict[str, requests.Session] = {}
            for label in ("big", "small"):
                organization = chosen[label]
                cookie, _size = hb.log_in(
                    server.base_url,
                    email=organization["email"],
                    password=PASSWORD,
                    path=f"/o/{organization['slug']}/reports/",
                )
                session = requests.Session()
                session.headers["Cookie"] = cookie
                sessions[label] = session
            for case in cases:
                url = f"{server.base_url}/o/{case['slug']}/reports/?period={case['period']}"
                print(
                    f"bench: {case['organization']} organisation, {case['period']}: {args.samples} requests", flush=True
                )
                times = time_page(sessions[case["organization"]], url, samples=args.samples, warmup=args.warmup)
                case["dashboard_p50_ms"] = percentile(times, 0.5)
                case["dashboard_p95_ms"] = percentile(times, 0.95)
                case["ratio_p95"] = case["dashboard_p95_ms"] / case["rollup_p95_ms"] if case["rollup_p95_ms"] else None
        except hb.BenchError:
            tail = log_path.read_text(errors="replace")[-3000:] if log_path.exists() else ""
            if tail:
                print(f"bench: last lines of the gunicorn log:\n{tail}", file=sys.stderr)
            raise
        finally:
            server.stop()
    return {"database": database_url.rsplit("/", 1)[-1], "snapshots": rows, "cases": cases}


def print_run(run: dict[str, Any]) -> None:
    print(f"\n{run['database']}: {run['snapshots']:,} snapshots")
    print(
        f"{'organisation':<14}{'shares':>10}{'period':>8}{'rollup p50':>12}{'rollup p95':>12}"
        f"{'page p50':>10}{'page p95':>10}{'ratio':>8}{'queries':>9}"
    )
    for case in run["cases"]:
        print(
            f"{case['organization']:<14}{case['shares']:>10,}{case['period']:>8}"
            f"{case['rollup_p50_ms']:>10.1f}ms{case['rollup_p95_ms']:>10.1f}ms"
            f"{case['dashboard_p50_ms']:>8.1f}ms{case['dashboard_p95_ms']:>8.1f}ms"
            f"{case['ratio_p95']:>8.1f}{case['queries']:>9}"
        )
    worst = max(case["dashboard_p95_ms"] for case in run["cases"])
    verdict = "met" if worst < GOAL_P95_MS else "NOT met"
    print(f"goal p95 < {GOAL_P95_MS:.0f} ms: {verdict} (worst p95 {worst:.1f} ms)")


def compare(large: dict[str, Any], small: dict[str, Any]) -> list[dict[str, Any]]:
    """Per case, dashboard p95 of the larger build over the smaller one (1.0 = flat)."""
    before = {(case["organization"], case["period"]): case for case in small["cases"]}
    rows = []
    print(
        f"\nGrowth from {small['snapshots']:,} to {large['snapshots']:,} snapshots (dashboard p95, larger / smaller):"
    )
    for case in large["cases"]:
        other = before.get((case["organization"], case["period"]))
        if other is None:
            continue
        change = case["dashboard_p95_ms"] / other["dashboard_p95_ms"]
        rows.append({"organization": case["organization"], "period": case["period"], "p95_change": change})
        print(
            f"  {case['organization']:<6} {case['period']:>5}: {other['dashboard_p95_ms']:.1f} ms → "
            f"{case['dashboard_p95_ms']:.1f} ms (× {change:.2f})"
        )
    return rows


def run(args: argparse.Namespace) -> int:
    runs = [measure(args.database_url, args, snapshots=args.snapshots)]
    if args.compare_database_url:
        runs.append(measure(args.compare_database_url, args, snapshots=args.compare_snapshots))
    for result in runs:
        print_run(result)
    summary: dict[str, Any] = {"runs": runs}
    if len(runs) == 2:
        large, small = sorted(runs, key=lambda result: -result["snapshots"])
        summary["growth"] = compare(large, small)
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2) + "\n")
        print(f"bench: wrote {args.json}")
    return 0


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        return run(args)
    except hb.BenchError as error:
        print(f"bench: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("bench: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
