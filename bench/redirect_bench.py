"""Redirect benchmark: `/s/<code>` against the trivial `/healthz`, and no lost clicks.

Sets up a PostgreSQL database and an organisation with `--links` tracked links, starts
gunicorn (sync workers, production settings minus TLS, Redis on loopback) through
bench/http_bench.py's helpers, and drives `/healthz` and `/s/<code>` with wrk at the
same concurrency and duration; the redirect run cycles through every code (a generated
wrk script). It does that twice: with the full middleware stack, and with
`advocacy.views_redirect.ShortLinkMiddleware` installed right after SecurityMiddleware,
which answers the redirect before the rest of the stack. It prints requests/s and
p50/p99 for each run, the ratios redirect/trivial, then flushes the click counters and
compares the clicks counted with the requests sent: first for the wrk runs, then
exactly, for a fixed number of requests of which every tenth is a bot.

    .venv/bin/python bench/redirect_bench.py
    .venv/bin/python bench/redirect_bench.py --links 5000 --duration 20s --connections 64

Everything listens on 127.0.0.1 only, every step has a time limit, and gunicorn is
stopped at the end, also after an error or Ctrl-C.

This module is also the gunicorn configuration of the benchmark's server (loaded with
`--config python:bench.redirect_bench` through GUNICORN_CMD_ARGS): its `post_fork` hook
mounts `advocacy.urls_public` when config/urls.py does not yet, and installs the
short-link middleware in the "lean" run. No other module-level name here may be a
gunicorn setting's name.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import http_bench as hb  # noqa: E402 - needs ROOT on sys.path when run as a script

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/chorus_bench_redirect"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/15"
BENCH_SLUG = "redirect-bench"
MODE_VARIABLE = "CHORUS_REDIRECT_BENCH_MODE"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
SHORT_LINK_MIDDLEWARE = "advocacy.views_redirect.ShortLinkMiddleware"
BROWSER_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36"
BOT_UA = "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)"
CLICK_KEY_PATTERNS = ("sl:*", "clicks:*", "bots:*", "uv:*", "clickdays")
GOAL_RATIO = 0.8
GOAL_P99_MS = 25.0


# gunicorn side -----------------------------------------------------------------------


def _short_links_mounted() -> None:
    """Serve /s/<code> in this process even before config/urls.py includes it."""
    from django.urls import NoReverseMatch, clear_url_caches, include, path, reverse

    try:
        reverse("tracked_link", args=["x"])
    except NoReverseMatch:
        import config.urls

        config.urls.urlpatterns.insert(0, path("", include("advocacy.urls_public")))
        clear_url_caches()


def post_fork(server: Any, worker: Any) -> None:
    """gunicorn hook, run in each worker before it loads the WSGI application."""
    import django
    from django.conf import settings

    django.setup()
    _short_links_mounted()
    if os.environ.get(MODE_VARIABLE) == "lean":
        settings.MIDDLEWARE = [settings.MIDDLEWARE[0], SHORT_LINK_MIDDLEWARE, *settings.MIDDLEWARE[1:]]


# Benchmark side ---------------------------------------------------------------------


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    cores = os.cpu_count() or 1
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--links", type=int, default=1000, help="tracked links, all hot (default: %(default)s)")
    parser.add_argument("--duration", default="10s", help="wrk duration per run (default: %(default)s)")
    parser.add_argument("--connections", type=int, default=32, help="open connections (default: %(default)s)")
    parser.add_argument("--threads", type=int, default=None, help="wrk threads (default: cores)")
    parser.add_argument(
        "--workers", type=int, default=2 * cores + 1, help="gunicorn sync workers (default: %(default)s)"
    )
    parser.add_argument("--rounds", type=int, default=2, help="trivial/redirect pairs per mode (default: %(default)s)")
    parser.add_argument("--warmup", default="2s", help="unmeasured wrk run before each (default: %(default)s)")
    parser.add_argument(
        "--exact-requests",
        type=int,
        default=4000,
        help="requests of the exact accounting run, every tenth a bot (default: %(default)s)",
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL),
        help="PostgreSQL URL; created if missing (default: $BENCH_DATABASE_URL or %(default)s)",
    )
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL),
        help="Redis for the app; its click keys are deleted first (default: $BENCH_REDIS_URL or %(default)s)",
    )
    parser.add_argument("--fresh", action="store_true", help="drop and recreate the database first")
    parser.add_argument("--skip-setup", action="store_true", help="skip migrate")
    parser.add_argument("--json", type=Path, default=None, help="also write the results to this JSON file")
    args = parser.parse_args(argv)
    args.threads = max(1, min(args.threads or cores, args.connections))
    for name in ("duration", "warmup"):
        hb.seconds_of(getattr(args, name), name)
    if args.links < 1 or args.rounds < 1:
        parser.error("--links and --rounds must be at least 1")
    return args


def require_loopback_redis(redis_url: str) -> None:
    from urllib.parse import urlsplit

    host = urlsplit(redis_url).hostname or ""
    if host not in {"127.0.0.1", "localhost", "::1"}:
        raise hb.BenchError(f"--redis-url must point at a loopback server, not {host!r}")


def django_script(env: dict[str, str], script: str, *arguments: str) -> str:
    """Run `script` with Django set up in a child process; return its last output line."""
    completed = subprocess.run(
        [sys.executable, "-c", script, *arguments],
        cwd=ROOT,
        env={**env, "ALLOWED_HOSTS": "testserver,127.0.0.1"},
        timeout=hb.SETUP_TIMEOUT_S,
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise hb.BenchError(f"a setup step failed:\n{completed.stdout}{completed.stderr}")
    return completed.stdout.strip().splitlines()[-1]


_PREAMBLE = """
import json, sys
import django
django.setup()
from accounts.models import Organization
from accounts.tenancy import organization_scope
from advocacy.models import LinkClickDay, TrackedLink
organization = Organization.objects.filter(slug=sys.argv[1]).first()
"""

_SETUP_LINKS = (
    _PREAMBLE
    + """
from django.db import transaction
from accounts.models import Membership, MembershipStatus, Role, User
from advocacy.models import Share, SocialConnection
from advocacy.services.links import tracked_link_create
from content.models import ContentItem
count = int(sys.argv[2])
if organization is None:
    organization = Organization.objects.create(slug=sys.argv[1], name="Redirect bench")
with organization_scope(organization), transaction.atomic():
    codes = list(TrackedLink.objects.filter(organization=organization).order_by("pk").values_list("code", flat=True))
    if len(codes) < count:
        user, _ = User.objects.get_or_create(email=f"bench@{organization.slug}.example")
        member, _ = Membership.objects.get_or_create(
            organization=organization, user=user, defaults={"role": Role.EMPLOYEE, "status": MembershipStatus.ACTIVE}
        )
        item, _ = ContentItem.objects.get_or_create(
            organization=organization, title="Bench item", defaults={"url": "https://acme.example/news?ref=bench#top"}
        )
        account, _ = SocialConnection.objects.get_or_create(
            organization=organization, membership=member, network="linkedin", external_user_id="bench",
            defaults={"author_ref": "bench"},
        )
        for _ in range(count - len(codes)):
            share = Share.objects.create(
                organization=organization, membership=member, connection=account, network="linkedin",
                item=item, text="bench", body="bench",
            )
            codes.append(tracked_link_create(share=share).code)
    # Start from zero, so the counted clicks are this run's.
    LinkClickDay.objects.filter(organization=organization).delete()
    TrackedLink.objects.filter(organization=organization).update(clicks=0, unique_clicks=0, bot_clicks=0)
print(json.dumps(codes[:count]))
"""
)

_FLUSH_AND_COUNT = (
    _PREAMBLE
    + """
from django.db.models import Sum
from django.utils import timezone
from advocacy.services.links import link_clicks_flush
link_clicks_flush(now=timezone.now())
with organization_scope(organization):
    totals = TrackedLink.objects.filter(organization=organization).aggregate(
        clicks=Sum("clicks"), bots=Sum("bot_clicks"), uniques=Sum("unique_clicks")
    )
print(json.dumps({key: value or 0 for key, value in totals.items()}))
"""
)

_COUNT_REDIRECT_QUERIES = (
    _PREAMBLE
    + """
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
sys.path.insert(0, ".")
from bench.redirect_bench import _short_links_mounted
_short_links_mounted()
client = Client(HTTP_USER_AGENT=sys.argv[3])
path = "/s/" + sys.argv[2]
client.get(path)  # fills the cache
with CaptureQueriesContext(connection) as captured:
    status = client.get(path).status_code
print(len(captured.captured_queries) if status == 302 else -status)
"""
)


def click_keys_delete(redis_url: str) -> None:
    import redis

    client = redis.Redis.from_url(redis_url, socket_connect_timeout=5)
    try:
        for pattern in CLICK_KEY_PATTERNS:
            keys = list(client.scan_iter(match=pattern, count=1000))
            for start in range(0, len(keys), 1000):
                client.delete(*keys[start : start + 1000])
    except redis.RedisError as error:
        raise hb.BenchError(f"cannot reach Redis at {redis_url}: {error}") from None
    finally:
        client.close()


def wrk_script(path: Path, codes: list[str]) -> Path:
    """A wrk script that sends GET /s/<code> for every code in turn (each thread starts
    at its own offset), pre-formatted so the Lua side costs next to nothing, followed by
    http_bench's report hook."""
    listed = ",\n".join(f'  "{code}"' for code in codes)
    path.write_text(
        "-- Generated by bench/redirect_bench.py.\n"
        f"local codes = {{\n{listed}\n}}\n"
        "local prepared = {}\n"
        "local counter = 0\n"
        "local thread_number = 0\n"
        "setup = function(thread)\n"
        "  thread_number = thread_number + 1\n"
        '  thread:set("offset", thread_number * 7919)\n'
        "end\n"
        "init = function(args)\n"
        "  for i, code in ipairs(codes) do\n"
        f'    prepared[i] = wrk.format("GET", "/s/" .. code, {{["User-Agent"] = "{BROWSER_UA}"}})\n'
        "  end\n"
        "  counter = (tonumber(wrk.thread:get('offset')) or 0) % #prepared\n"
        "end\n"
        "request = function()\n"
        "  counter = counter % #prepared + 1\n"
        "  return prepared[counter]\n"
        "end\n\n" + hb.LUA_SCRIPT.read_text()
    )
    return path


@dataclass(frozen=True)
class ExactRun:
    people: int
    bots: int
    failures: int


def exact_requests(base_url: str, codes: list[str], *, total: int, senders: int = 8) -> ExactRun:
    """Send exactly `total` requests, every tenth as a bot, and check each answer."""
    import requests

    failures = [0] * senders
    people = [0] * senders
    bots = [0] * senders

    def send(index: int) -> None:
        session = requests.Session()
        for number in range(index, total, senders):
            bot = number % 10 == 9
            response = session.get(
                f"{base_url}/s/{codes[number % len(codes)]}",
                headers={"User-Agent": BOT_UA if bot else BROWSER_UA},
                allow_redirects=False,
                timeout=10,
            )
            if response.status_code != 302:
                failures[index] += 1
            elif bot:
                bots[index] += 1
            else:
                people[index] += 1
        session.close()

    workers = [threading.Thread(target=send, args=(index,)) for index in range(senders)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=300)
    return ExactRun(people=sum(people), bots=sum(bots), failures=sum(failures))


def wrk_run(
    wrk: str, base_url: str, *, label: str, path: str, args: argparse.Namespace, duration: str, script: Path | None
) -> hb.WrkResult:
    default_script = hb.LUA_SCRIPT
    try:
        if script is not None:
            # http_bench.run_wrk always passes its module's LUA_SCRIPT.
            hb.LUA_SCRIPT = script
        return hb.run_wrk(wrk, f"{base_url}{path}", label=label, path=path, args=args, duration=duration, cookie=None)
    finally:
        hb.LUA_SCRIPT = default_script


def process_cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process so far (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def children_of(parent: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rpartition(")")[2].split()
            except OSError:
                continue
            if int(fields[1]) == parent:
                found.append(int(entry.name))
    return found


@dataclass(frozen=True)
class CpuProbe:
    """The server side's CPU time: the gunicorn workers and Redis. Requests/s move with
    whatever else the shared machine runs; CPU time per request mostly does not."""

    workers: list[int]
    redis_pid: int | None

    def seconds(self) -> tuple[float, float]:
        redis_seconds = process_cpu_seconds(self.redis_pid) if self.redis_pid else 0.0
        return sum(process_cpu_seconds(pid) for pid in self.workers), redis_seconds


def redis_process_id(redis_url: str) -> int | None:
    import redis

    client = redis.Redis.from_url(redis_url, socket_connect_timeout=5)
    try:
        pid = int(client.info("server")["process_id"])
    finally:
        client.close()
    return pid if Path(f"/proc/{pid}").exists() else None  # a Redis in a container is not ours to read


@dataclass(frozen=True)
class Measured:
    result: hb.WrkResult
    worker_cpu_us: float  # per request
    redis_cpu_us: float

    @property
    def server_cpu_us(self) -> float:
        return self.worker_cpu_us + self.redis_cpu_us


@dataclass(frozen=True)
class Round:
    mode: str
    trivial: Measured
    redirect: Measured

    @property
    def ratio(self) -> float:
        return self.redirect.result.rps / self.trivial.result.rps if self.trivial.result.rps else 0.0

    @property
    def cpu_ratio(self) -> float:
        """The trivial request's server CPU over the redirect's: the throughput ratio
        when server CPU is the only limit, whatever else the machine is doing."""
        return self.trivial.server_cpu_us / self.redirect.server_cpu_us if self.redirect.server_cpu_us else 0.0


def measured_run(
    probe: CpuProbe,
    wrk: str,
    base_url: str,
    *,
    label: str,
    path: str,
    args: argparse.Namespace,
    script: Path | None,
) -> Measured:
    workers_before, redis_before = probe.seconds()
    result = wrk_run(wrk, base_url, label=label, path=path, args=args, duration=args.duration, script=script)
    workers_after, redis_after = probe.seconds()
    per_request = 1e6 / result.requests if result.requests else 0.0
    return Measured(
        result=result,
        worker_cpu_us=(workers_after - workers_before) * per_request,
        redis_cpu_us=(redis_after - redis_before) * per_request,
    )


def measure_mode(
    wrk: str, base_url: str, *, mode: str, args: argparse.Namespace, script: Path, probe: CpuProbe
) -> tuple[list[Round], int]:
    """Warm both URLs, then alternate trivial and redirect runs: other load on the machine
    then weighs on both sides of each round's ratio alike. Returns the rounds and the
    redirects answered in all runs (warm-up included: those clicks count too)."""
    sent = 0
    if hb.seconds_of(args.warmup, "warmup") > 0:
        wrk_run(wrk, base_url, label="warm-up", path="/healthz", args=args, duration=args.warmup, script=None)
        warm = wrk_run(wrk, base_url, label="warm-up", path="/s/<code>", args=args, duration=args.warmup, script=script)
        sent += warm.requests
    rounds = []
    for number in range(1, args.rounds + 1):
        print(f"bench: {mode} round {number}/{args.rounds}: wrk /healthz, then /s/<code>, {args.duration} each")
        trivial = measured_run(probe, wrk, base_url, label=f"trivial/{mode}", path="/healthz", args=args, script=None)
        redirect = measured_run(
            probe, wrk, base_url, label=f"redirect/{mode}", path="/s/<code>", args=args, script=script
        )
        sent += redirect.result.requests
        rounds.append(Round(mode=mode, trivial=trivial, redirect=redirect))
    return rounds, sent


def run(args: argparse.Namespace) -> int:
    wrk = hb.require_wrk()
    hb.require_loopback(args.database_url)
    require_loopback_redis(args.redis_url)
    hb.ensure_database(args.database_url, fresh=args.fresh)
    with tempfile.TemporaryDirectory(prefix="chorus-redirect-bench-") as scratch_dir:
        scratch = Path(scratch_dir)
        env = hb.app_environment(args, scratch / "var")
        if not args.skip_setup:
            hb.manage(env, "migrate", "--noinput")
        click_keys_delete(args.redis_url)
        print(f"bench: {args.links} tracked links in organisation {BENCH_SLUG}")
        codes: list[str] = json.loads(django_script(env, _SETUP_LINKS, BENCH_SLUG, str(args.links)))
        queries = int(django_script(env, _COUNT_REDIRECT_QUERIES, BENCH_SLUG, codes[0], BROWSER_UA))
        click_keys_delete(args.redis_url)  # the query count's click is no part of the run
        script = wrk_script(scratch / "redirect.lua", codes)
        redis_pid = redis_process_id(args.redis_url)
        rounds: list[Round] = []
        sent = 0
        exact: ExactRun | None = None
        counted_wrk: dict[str, int] = {}
        counted_exact: dict[str, int] = {}
        for mode in ("stack", "lean"):
            server_env = {**env, MODE_VARIABLE: mode, "GUNICORN_CMD_ARGS": "--config python:bench.redirect_bench"}
            port = hb.free_loopback_port()
            log_path = scratch / f"gunicorn-{mode}.log"
            print(f"bench: gunicorn on 127.0.0.1:{port}, {args.workers} sync workers, middleware: {mode}")
            server = hb.Gunicorn(server_env, port=port, workers=args.workers, log_path=log_path)
            try:
                server.wait_until_ready(hb.STARTUP_TIMEOUT_S)
                probe = CpuProbe(workers=children_of(server.process.pid), redis_pid=redis_pid)
                mode_rounds, mode_sent = measure_mode(
                    wrk, server.base_url, mode=mode, args=args, script=script, probe=probe
                )
                rounds += mode_rounds
                sent += mode_sent
                if mode == "lean":
                    counted_wrk = json.loads(django_script(env, _FLUSH_AND_COUNT, BENCH_SLUG))
                    print(f"bench: {args.exact_requests} counted requests, every tenth a bot")
                    exact = exact_requests(server.base_url, codes, total=args.exact_requests)
                    counted_exact = json.loads(django_script(env, _FLUSH_AND_COUNT, BENCH_SLUG))
            except hb.BenchError:
                tail = log_path.read_text(errors="replace")[-3000:] if log_path.exists() else ""
                if tail:
                    print(f"bench: last lines of the gunicorn log:\n{tail}", file=sys.stderr)
                raise
            finally:
                server.stop()
    if exact is None:
        raise hb.BenchError("the exact accounting run did not happen")
    summary = report(
        rounds, args, queries=queries, sent=sent, counted_wrk=counted_wrk, exact=exact, counted_exact=counted_exact
    )
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2) + "\n")
        print(f"bench: wrote {args.json}")
    return 0


def _result_row(m: Measured) -> dict[str, Any]:
    r = m.result
    return {
        "label": r.label,
        "requests_per_s": round(r.rps, 1),
        "p50_ms": r.p50_ms,
        "p90_ms": r.p90_ms,
        "p99_ms": r.p99_ms,
        "max_ms": r.max_ms,
        "errors": r.errors,
        "non_2xx_3xx": r.non_2xx_3xx,
        "worker_cpu_us_per_request": round(m.worker_cpu_us, 1),
        "redis_cpu_us_per_request": round(m.redis_cpu_us, 1),
    }


def report(
    rounds: list[Round],
    args: argparse.Namespace,
    *,
    queries: int,
    sent: int,
    counted_wrk: dict[str, int],
    exact: ExactRun,
    counted_exact: dict[str, int],
) -> dict[str, Any]:
    print()
    print(
        f"gunicorn {args.workers} sync workers; wrk {args.threads} threads, {args.connections} connections, "
        f"{args.duration} per run, {args.rounds} rounds per mode; {args.links} hot codes; {os.cpu_count()} cores "
        "shared by wrk, gunicorn, PostgreSQL and Redis"
    )
    print(
        f"{'run':18} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'non-2xx':>8} "
        f"{'worker µs':>10} {'redis µs':>9}  ratio  cpu ratio"
    )
    for r in rounds:
        for m in (r.trivial, r.redirect):
            res = m.result
            ratios = f"  {r.ratio:.3f}  {r.cpu_ratio:.3f}" if m is r.redirect else ""
            print(
                f"{res.label:18} {res.rps:9.1f} {res.p50_ms:8.2f} {res.p99_ms:8.2f} {res.errors:7d} "
                f"{res.non_2xx_3xx:8d} {m.worker_cpu_us:10.1f} {m.redis_cpu_us:9.1f}{ratios}"
            )
    modes: dict[str, dict[str, float]] = {}
    for mode in ("stack", "lean"):
        of_mode = [r for r in rounds if r.mode == mode]
        modes[mode] = {
            "ratio_median": statistics.median(r.ratio for r in of_mode),
            "cpu_ratio_median": statistics.median(r.cpu_ratio for r in of_mode),
            "redirect_rps_median": statistics.median(r.redirect.result.rps for r in of_mode),
            "trivial_rps_median": statistics.median(r.trivial.result.rps for r in of_mode),
            "redirect_p50_ms_median": statistics.median(r.redirect.result.p50_ms for r in of_mode),
            "redirect_p99_ms_median": statistics.median(r.redirect.result.p99_ms for r in of_mode),
            "redirect_p99_ms_worst": max(r.redirect.result.p99_ms for r in of_mode),
            "trivial_p99_ms_median": statistics.median(r.trivial.result.p99_ms for r in of_mode),
        }
    print("worker/redis µs: server CPU time per request; cpu ratio: trivial's server CPU over the redirect's")
    for mode, label in (("stack", "full middleware stack "), ("lean", "short-link middleware")):
        figures = modes[mode]
        print(
            f"{label}: ratio redirect/trivial {figures['ratio_median']:.3f} req/s, {figures['cpu_ratio_median']:.3f} "
            f"CPU (medians; goal >= {GOAL_RATIO}); redirect {figures['redirect_rps_median']:.0f} req/s, "
            f"p50 {figures['redirect_p50_ms_median']:.2f} ms, p99 {figures['redirect_p99_ms_median']:.2f} ms "
            f"(worst {figures['redirect_p99_ms_worst']:.2f}; goal < {GOAL_P99_MS:.0f})"
        )
    print(f"SQL queries per warm redirect (measured in-process): {queries}")
    # wrk does not record the answers to requests still in flight when it stops, but the
    # server has counted them: up to one per connection per run may show as extra.
    runs = 2 * (args.rounds + (1 if hb.seconds_of(args.warmup, "warmup") > 0 else 0))
    counted = counted_wrk.get("clicks", 0)
    lost_wrk = max(0, sent - counted)
    print(
        f"wrk runs: {sent} redirects answered, {counted} clicks counted after the flush, "
        f"{counted_wrk.get('bots', 0)} bots; lost {lost_wrk}; in flight when wrk stopped {max(0, counted - sent)} "
        f"(at most {runs * args.connections})"
    )
    people = counted_exact.get("clicks", 0) - counted
    bots = counted_exact.get("bots", 0) - counted_wrk.get("bots", 0)
    lost_exact = exact.people - people
    print(
        f"exact run: {exact.people} people and {exact.bots} bots sent ({exact.failures} failed); counted "
        f"{people} clicks and {bots} bots; lost {lost_exact}"
    )
    failed = any(m.result.errors or m.result.non_2xx_3xx for r in rounds for m in (r.trivial, r.redirect))
    if failed or exact.failures:
        print("WARNING: errors or non-2xx/3xx responses during the run; the figures are not clean.")
    return {
        "settings": {
            "workers": args.workers,
            "threads": args.threads,
            "connections": args.connections,
            "duration": args.duration,
            "rounds": args.rounds,
            "links": args.links,
            "cores": os.cpu_count(),
        },
        "rounds": [
            {
                "mode": r.mode,
                "ratio": round(r.ratio, 4),
                "cpu_ratio": round(r.cpu_ratio, 4),
                "trivial": _result_row(r.trivial),
                "redirect": _result_row(r.redirect),
            }
            for r in rounds
        ],
        "modes": {mode: {key: round(value, 4) for key, value in figures.items()} for mode, figures in modes.items()},
        "sql_queries_per_warm_redirect": queries,
        "wrk_redirects_answered": sent,
        "wrk_clicks_counted": counted,
        "wrk_clicks_lost": lost_wrk,
        "exact": {
            "people_sent": exact.people,
            "bots_sent": exact.bots,
            "failed": exact.failures,
            "people_counted": people,
            "bots_counted": bots,
            "lost": lost_exact,
        },
        "clean": not failed and not exact.failures,
    }


def _interrupt(signum: int, frame: object) -> None:
    # SIGTERM becomes the same exception as Ctrl-C, so `finally` stops gunicorn.
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    args = parse_arguments(argv)
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
