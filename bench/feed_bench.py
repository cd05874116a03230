"""Feed benchmark: the employee feed of a 20,000-member organisation with 5,000
published items, against /healthz, measured two ways. See bench/README.md.

    .venv/bin/python bench/feed_bench.py                 # builds chorus_bench_feed once
    .venv/bin/python bench/feed_bench.py --skip-setup --rate 300

1. Builds the database (`migrate`, `seed_demo`, `seed_load --members 20000 --items
   5000`, `collectstatic`, ANALYZE) unless the organisation "loadtest" is already
   there (or with --skip-setup).
2. In-process, production settings, Django's test client: the CPU time of one warm
   feed request and of one /healthz, and the SQL statements of a warm feed request on
   the first page, the second page and a topic filter. CPU time of this one process
   hardly depends on what else the machine runs, so its ratio is the steady figure on
   a busy machine (it leaves out PostgreSQL's and Redis's share, and gunicorn's).
3. Over HTTP: bench/http_bench.py's gunicorn, wrk and open-loop runs on the feed
   (requests/s and p95 as a ratio to /healthz in the same run, p95 at --rate).
4. Prints both, and the goal: at least 0.3x /healthz's requests/s and p95 under
   30 ms at 300 requests/s.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import psycopg2

sys.path.insert(0, str(Path(__file__).resolve().parent))

import http_bench

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/chorus_bench_feed"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/6"
FEED_PATH = "/o/loadtest/feed/"
FEED_USER = "member1@loadtest.example"
GOAL_RATIO = 0.3
GOAL_P95_MS = 30.0

_IN_PROCESS = r"""
import json, statistics, sys, time
import django
django.setup()
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from accounts.models import Topic, User
from accounts.tenancy import scopes_disabled

email, path, rounds, per_round = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
client = Client()
client.force_login(User.objects.get(email__iexact=email))
anonymous = Client()
with scopes_disabled():  # the benchmark picks a topic of the load-test organisation
    topic = Topic.objects.filter(organization__slug="loadtest").order_by("name").first()
pages = {"first page": path, "second page": path + "?page=2"}
if topic is not None:
    pages["topic filter"] = f"{path}?topic={topic.public_id}"
queries = {}
for label, url in pages.items():
    for _ in range(3):  # warm: the session, the ranking, the window, the cards, the page
        assert client.get(url).status_code == 200, url
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    queries[label] = len(captured.captured_queries)

def cpu_per_request(c, url):
    start = time.process_time()
    for _ in range(per_round):
        c.get(url)
    return (time.process_time() - start) / per_round * 1e6

for _ in range(50):
    client.get(path)
    anonymous.get("/healthz")
healthz, feed = [], []
for _ in range(rounds):  # alternated, so a burst of other load falls on both
    healthz.append(cpu_per_request(anonymous, "/healthz"))
    feed.append(cpu_per_request(client, path))
print("CHORUS_IN_PROCESS " + json.dumps({
    "healthz_cpu_us": statistics.median(healthz),
    "feed_cpu_us": statistics.median(feed),
    "sql_queries": queries,
}))
"""


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_FEED_DATABASE_URL", DEFAULT_DATABASE_URL))
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL))
    parser.add_argument("--members", type=int, default=20_000)
    parser.add_argument("--items", type=int, default=5_000)
    parser.add_argument("--skip-setup", action="store_true", help="use the database as it is")
    parser.add_argument("--rate", type=float, default=300.0, help="open-loop rate (default: %(default)s)")
    parser.add_argument("--duration", default="10s", help="wrk duration per URL (default: %(default)s)")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=7, help="in-process rounds (default: %(default)s)")
    parser.add_argument("--per-round", type=int, default=200, help="requests per in-process round")
    parser.add_argument("--in-process-only", action="store_true", help="skip the HTTP runs")
    parser.add_argument("--json", type=Path, default=None, help="also write the results to this file")
    return parser.parse_args(argv)


def has_load_organisation(database_url: str) -> bool:
    try:
        connection = psycopg2.connect(database_url, connect_timeout=5)
    except psycopg2.Error:
        return False
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM accounts_organization WHERE slug = 'loadtest'")
            return cursor.fetchone() is not None
    except psycopg2.Error:
        return False
    finally:
        connection.close()


def set_up(args: argparse.Namespace, env: dict[str, str]) -> None:
    http_bench.ensure_database(args.database_url, fresh=False)
    if args.skip_setup or has_load_organisation(args.database_url):
        return
    http_bench.manage(env, "migrate", "--noinput")
    http_bench.manage(env, "seed_demo")
    http_bench.manage(env, "seed_load", "--members", str(args.members), "--items", str(args.items))
    http_bench.manage(env, "collectstatic", "--noinput")
    print("bench: ANALYZE")
    http_bench.analyze(args.database_url)


def in_process(args: argparse.Namespace, env: dict[str, str]) -> dict[str, Any]:
    print(f"bench: in-process, {args.rounds} rounds of {args.per_round} requests each")
    environment = {**env, "ALLOWED_HOSTS": "testserver"}
    command = [sys.executable, "-c", _IN_PROCESS, FEED_USER, FEED_PATH, str(args.rounds), str(args.per_round)]
    completed = subprocess.run(
        command,
        cwd=http_bench.ROOT,
        env=environment,
        timeout=http_bench.SETUP_TIMEOUT_S,
        capture_output=True,
        text=True,
        check=False,
    )
    line = next((ln for ln in completed.stdout.splitlines() if ln.startswith("CHORUS_IN_PROCESS ")), None)
    if completed.returncode != 0 or line is None:
        raise http_bench.BenchError(f"the in-process run failed:\n{completed.stdout}{completed.stderr}")
    result: dict[str, Any] = json.loads(line.removeprefix("CHORUS_IN_PROCESS "))
    return result


def run(args: argparse.Namespace) -> int:
    http_bench.require_loopback(args.database_url)
    http_args = http_bench.parse_args(
        [
            "--database-url", args.database_url, "--redis-url", args.redis_url, "--path", FEED_PATH,
            "--user", FEED_USER, "--duration", args.duration, "--connections", str(args.connections),
            "--skip-setup", "--rate", str(args.rate),
        ]
    )  # fmt: skip
    summary: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="chorus-feed-bench-") as scratch:
        env = http_bench.app_environment(http_args, Path(scratch) / "var")
        set_up(args, env)
        measured = in_process(args, env)
    summary["in_process"] = measured
    if not args.in_process_only:
        with tempfile.NamedTemporaryFile(suffix=".json") as http_json:
            http_args.json = Path(http_json.name)
            status = http_bench.run(http_args)
            if status != 0:
                return status
            summary["http"] = json.loads(Path(http_json.name).read_text())

    print()
    cpu_ratio = measured["healthz_cpu_us"] / measured["feed_cpu_us"]
    print(
        f"in-process CPU per request: /healthz {measured['healthz_cpu_us']:.0f} us, feed "
        f"{measured['feed_cpu_us']:.0f} us: the feed costs {1 / cpu_ratio:.1f}x /healthz (ratio {cpu_ratio:.3f})"
    )
    print("SQL per warm feed request: " + ", ".join(f"{k} {v}" for k, v in measured["sql_queries"].items()))
    summary["cpu_ratio_feed_to_trivial"] = round(cpu_ratio, 4)
    if "http" in summary:
        ratio = summary["http"]["ratio_page_to_trivial"]
        feed_open = next((r for r in summary["http"].get("open_loop", []) if r["path"] == FEED_PATH), None)
        p95 = feed_open["p95_ms"] if feed_open else None
        keeps_up = bool(feed_open) and feed_open["overdue_not_sent"] == 0
        print(
            f"goal: requests/s ratio {ratio:.3f} (goal >= {GOAL_RATIO}): "
            f"{'met' if ratio >= GOAL_RATIO else 'not met'}; "
            f"p95 at {args.rate:g}/s {p95} ms (goal < {GOAL_P95_MS:g} ms): "
            f"{'met' if keeps_up and p95 is not None and p95 < GOAL_P95_MS else 'not met'}"
        )
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2) + "\n")
        print(f"bench: wrote {args.json}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, http_bench._interrupt)  # stops gunicorn on the way out
    try:
        return run(args)
    except http_bench.BenchError as error:
        print(f"bench: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("bench: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
