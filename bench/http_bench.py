"""HTTP benchmark: one Chorus page against the trivial /healthz, in one run.

Sets up a PostgreSQL database, starts gunicorn on a free loopback port with
production settings (DEBUG=false) minus TLS, logs in as a demo user, and drives
both URLs with wrk at the same concurrency and duration. Prints requests/s and
p50/p95/p99 latency for each, and the ratio page/trivial: how much of the
framework's ceiling the page keeps. See bench/README.md.

    .venv/bin/python bench/http_bench.py --user employee1 --path /o/acme/

With --rate, the page is also driven open-loop: requests are sent at a fixed arrival
rate, whether or not earlier ones have been answered, and each latency is measured
from the moment its request was due. That is the figure for "p95 at N requests/s";
wrk's closed-loop latencies measure queueing at saturation instead.

Everything listens on 127.0.0.1 only, every step has a time limit, and gunicorn
is stopped at the end, also after an error or Ctrl-C.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from http.client import HTTPConnection, HTTPException
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg2
import requests
from cryptography.fernet import Fernet
from psycopg2 import sql

ROOT = Path(__file__).resolve().parent.parent
LUA_SCRIPT = Path(__file__).resolve().parent / "latency.lua"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/chorus_bench"
DEMO_PASSWORD = "chorus-demo"
DEMO_DOMAIN = "acme.example"
SETUP_TIMEOUT_S = 600
STARTUP_TIMEOUT_S = 60


class BenchError(Exception):
    """A step failed; the message says which and why."""


@dataclass(frozen=True)
class WrkResult:
    label: str
    path: str
    requests: int
    duration_s: float
    bytes: int
    p50_ms: float
    p90_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    errors: int
    non_2xx_3xx: int

    @property
    def rps(self) -> float:
        return self.requests / self.duration_s if self.duration_s else 0.0

    @property
    def bytes_per_response(self) -> float:
        return self.bytes / self.requests if self.requests else 0.0


@dataclass(frozen=True)
class OpenLoopResult:
    path: str
    rate: float  # the arrival rate asked for
    sent: int
    duration_s: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    errors: int
    non_2xx_3xx: int
    late_starts: int  # requests started more than LATE_START_MS after they were due
    overdue: int  # requests not sent at all: due more than OPEN_LOOP_TIMEOUT_S ago, every sender busy

    @property
    def achieved_rate(self) -> float:
        return self.sent / self.duration_s if self.duration_s else 0.0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    cores = os.cpu_count() or 1
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--path", default="/o/acme/", help="page under test (default: %(default)s)")
    parser.add_argument(
        "--user",
        default="admin",
        help="demo user: an email, or the part before @acme.example (default: %(default)s)",
    )
    parser.add_argument("--password", default=DEMO_PASSWORD, help="password of --user (default: the demo password)")
    parser.add_argument("--duration", default="10s", help="wrk duration per URL, e.g. 10s, 1m (default: %(default)s)")
    parser.add_argument("--connections", type=int, default=16, help="open connections (default: %(default)s)")
    parser.add_argument(
        "--threads", type=int, default=None, help="wrk threads (default: number of cores, at most --connections)"
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=2 * cores + 1,
        help="gunicorn sync workers (default: 2 x cores + 1 = %(default)s)",
    )
    parser.add_argument(
        "--warmup", default="2s", help="unmeasured wrk run before each URL (default: %(default)s; 0 to skip)"
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL),
        help="PostgreSQL URL; the database is created if missing (default: $BENCH_DATABASE_URL or %(default)s)",
    )
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("BENCH_REDIS_URL", ""),
        help="REDIS_URL for the app (default: empty, i.e. local-memory cache as in the embedded setup)",
    )
    parser.add_argument("--fresh", action="store_true", help="drop and recreate the database first")
    parser.add_argument(
        "--load",
        metavar="MEMBERS:ITEMS",
        default=None,
        help="also build the organisation 'loadtest' with seed_load (e.g. 20000:5000); "
        "then bench e.g. --path /o/loadtest/feed/ --user member1@loadtest.example",
    )
    parser.add_argument(
        "--rate",
        type=float,
        default=None,
        help="also drive --path open-loop at this many requests/s and report its latency (e.g. 300)",
    )
    parser.add_argument("--rate-duration", default="20s", help="length of the open-loop run (default: %(default)s)")
    parser.add_argument(
        "--rate-senders",
        type=int,
        default=64,
        help="open-loop sender threads: enough to keep sending while the server queues (default: %(default)s)",
    )
    parser.add_argument("--skip-setup", action="store_true", help="skip migrate, seed_demo and collectstatic")
    parser.add_argument("--json", type=Path, default=None, help="also write the results to this JSON file")
    args = parser.parse_args(argv)
    if args.threads is None:
        args.threads = cores
    args.threads = max(1, min(args.threads, args.connections))
    if "@" not in args.user:
        args.user = f"{args.user}@{DEMO_DOMAIN}"
    if not args.path.startswith("/"):
        parser.error("--path must start with /")
    for name in ("duration", "warmup", "rate_duration"):
        seconds_of(getattr(args, name), name.replace("_", "-"))
    if args.rate is not None and not 0 < args.rate <= 5000:
        parser.error("--rate must be between 0 and 5000 requests/s")
    return args


def seconds_of(value: str, name: str) -> float:
    """wrk's duration syntax: a number with an optional s, m or h suffix."""
    units = {"s": 1, "m": 60, "h": 3600}
    text = value.strip().lower()
    try:
        if text and text[-1] in units:
            return float(text[:-1]) * units[text[-1]]
        return float(text)
    except ValueError:
        raise SystemExit(f"--{name}: {value!r} is not a duration such as 10s or 1m") from None


def require_wrk() -> str:
    wrk = shutil.which("wrk")
    if wrk is None:
        raise BenchError("wrk is not installed. Install it with: apt-get install -y wrk")
    return wrk


def require_loopback(database_url: str) -> None:
    host = urlsplit(database_url).hostname or ""
    if host not in {"127.0.0.1", "localhost", "::1"}:
        raise BenchError(f"--database-url must point at a loopback server, not {host!r}")


def ensure_database(database_url: str, *, fresh: bool) -> None:
    """Create the benchmark database (or drop and recreate it with --fresh)."""
    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    if not name:
        raise BenchError("--database-url has no database name")
    maintenance_url = urlunsplit(parts._replace(path="/postgres"))
    try:
        connection = psycopg2.connect(maintenance_url, connect_timeout=5)
    except psycopg2.Error as error:
        raise BenchError(f"cannot connect to PostgreSQL at {parts.hostname}:{parts.port or 5432}: {error}") from None
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            if fresh:
                cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone() is None:
                cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
                print(f"bench: created database {name}")
    finally:
        connection.close()


def app_environment(args: argparse.Namespace, var_dir: Path) -> dict[str, str]:
    """Production settings, minus what needs TLS: plain HTTP on loopback."""
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": args.database_url,
            "REDIS_URL": args.redis_url,
            "CELERY_BROKER_URL": args.redis_url,
            "DEBUG": "false",
            # Throwaway values, new on every run, never stored.
            "SECRET_KEY": secrets.token_urlsafe(50),
            "TOKEN_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
            "ALLOWED_HOSTS": "127.0.0.1",
            "CSRF_TRUSTED_ORIGINS": "http://127.0.0.1",
            "SECURE_SSL_REDIRECT": "false",
            "SECURE_HSTS_SECONDS": "0",
            "SECURE_COOKIES": "false",
            "SECURE_PROXY_SSL_HEADER_ENABLED": "false",
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "LOG_LEVEL": "WARNING",
            "CHORUS_VAR_DIR": str(var_dir),
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.pop("SECRET_KEY_FALLBACKS", None)
    return env


def manage(env: dict[str, str], *arguments: str) -> None:
    command = [sys.executable, "manage.py", *arguments]
    print(f"bench: {' '.join(command[1:])}")
    try:
        completed = subprocess.run(
            command, cwd=ROOT, env=env, timeout=SETUP_TIMEOUT_S, capture_output=True, text=True, check=False
        )
    except subprocess.TimeoutExpired:
        raise BenchError(f"manage.py {arguments[0]} took more than {SETUP_TIMEOUT_S} s") from None
    if completed.returncode != 0:
        raise BenchError(f"manage.py {' '.join(arguments)} failed:\n{completed.stdout}{completed.stderr}")


_COUNT_QUERIES = """
import django, sys
django.setup()
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from accounts.models import User
client = Client()
client.force_login(User.objects.get(email__iexact=sys.argv[1]))
client.get(sys.argv[2])  # warm caches, as the benchmark's warm-up does
with CaptureQueriesContext(connection) as captured:
    status = client.get(sys.argv[2]).status_code
print(len(captured.captured_queries) if status == 200 else -status)
"""


def count_queries(env: dict[str, str], *, email: str, path: str) -> int:
    """SQL queries of one warm request to `path`, counted in a separate process."""
    email = email if "@" in email else f"{email}@acme.example"
    environment = {**env, "ALLOWED_HOSTS": "testserver", "DJANGO_SETTINGS_MODULE": "config.settings"}
    completed = subprocess.run(
        [sys.executable, "-c", _COUNT_QUERIES, email, path],
        cwd=ROOT,
        env=environment,
        timeout=SETUP_TIMEOUT_S,
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise BenchError(f"counting queries failed:\n{completed.stdout}{completed.stderr}")
    return int(completed.stdout.strip().splitlines()[-1])


def free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Gunicorn:
    """gunicorn in its own process group, so stopping it stops its workers too."""

    def __init__(self, env: dict[str, str], *, port: int, workers: int, log_path: Path) -> None:
        self.base_url = f"http://127.0.0.1:{port}"
        self._log = log_path.open("wb")
        command = [
            sys.executable, "-m", "gunicorn", "config.wsgi:application",
            "--bind", f"127.0.0.1:{port}",
            "--workers", str(workers),
            "--worker-class", "sync",
            "--log-level", "warning",
            "--timeout", "60",
            # The default control socket is one per user ($HOME/.gunicorn); a
            # benchmark must neither take it from nor collide with another gunicorn.
            "--no-control-socket",
        ]  # fmt: skip
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def wait_until_ready(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BenchError(f"gunicorn exited with status {self.process.returncode}")
            try:
                response = requests.get(f"{self.base_url}/healthz", timeout=2, allow_redirects=False)
                if response.status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise BenchError(f"gunicorn did not answer /healthz within {timeout_s:.0f} s")

    def stop(self) -> None:
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)
            except ProcessLookupError:
                pass
        self._log.close()


def log_in(base_url: str, *, email: str, password: str, path: str) -> tuple[str, int]:
    """Log in through allauth's form; return the Cookie header and the page size."""
    session = requests.Session()
    login_url = f"{base_url}/accounts/login/"
    form = session.get(login_url, timeout=10)
    if form.status_code != 200:
        raise BenchError(f"GET /accounts/login/ answered {form.status_code}")
    csrf_name = next((n for n in ("csrftoken", "__Host-csrftoken") if n in session.cookies), None)
    if csrf_name is None:
        raise BenchError("the login page set no CSRF cookie")
    response = session.post(
        login_url,
        data={"login": email, "password": password, "csrfmiddlewaretoken": session.cookies[csrf_name]},
        headers={"Referer": login_url},
        timeout=10,
        allow_redirects=False,
    )
    if response.status_code != 302:
        raise BenchError(f"login as {email} failed: HTTP {response.status_code} (wrong user or password?)")
    page = session.get(f"{base_url}{path}", timeout=10, allow_redirects=False)
    if page.status_code != 200:
        where = page.headers.get("Location", "")
        raise BenchError(f"GET {path} as {email} answered {page.status_code} {where}".rstrip())
    cookie = "; ".join(f"{c.name}={c.value}" for c in session.cookies)
    return cookie, len(page.content)


def run_wrk(
    wrk: str, url: str, *, label: str, path: str, args: argparse.Namespace, duration: str, cookie: str | None
) -> WrkResult:
    command = [
        wrk, "--threads", str(args.threads), "--connections", str(args.connections),
        "--duration", duration, "--timeout", "10s", "--script", str(LUA_SCRIPT),
    ]  # fmt: skip
    if cookie:
        command += ["--header", f"Cookie: {cookie}"]
    command.append(url)
    time_limit = seconds_of(duration, "duration") + 30
    try:
        completed = subprocess.run(command, capture_output=True, text=True, timeout=time_limit, check=False)
    except subprocess.TimeoutExpired:
        raise BenchError(f"wrk on {path} did not finish within {time_limit:.0f} s") from None
    if completed.returncode != 0:
        raise BenchError(f"wrk on {path} failed:\n{completed.stdout}{completed.stderr}")
    line = next((ln for ln in completed.stdout.splitlines() if ln.startswith("CHORUS_RESULT ")), None)
    if line is None:
        raise BenchError(f"wrk printed no result line:\n{completed.stdout}")
    data: dict[str, Any] = json.loads(line.removeprefix("CHORUS_RESULT "))
    errors = sum(data[k] for k in ("connect_errors", "read_errors", "write_errors", "timeouts"))
    return WrkResult(
        label=label,
        path=path,
        requests=data["requests"],
        duration_s=data["duration_us"] / 1e6,
        bytes=data["bytes"],
        p50_ms=data["p50_us"] / 1000,
        p90_ms=data["p90_us"] / 1000,
        p95_ms=data["p95_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        max_ms=data["max_us"] / 1000,
        errors=errors,
        non_2xx_3xx=data["non_2xx_3xx"],
    )


LATE_START_MS = 5.0
OPEN_LOOP_TIMEOUT_S = 10


def _percentile(sorted_values: list[float], fraction: float) -> float:
    if not sorted_values:
        return 0.0
    index = min(len(sorted_values) - 1, max(0, round(fraction * len(sorted_values)) - 1))
    return sorted_values[index]


def run_open_loop(
    base_url: str, *, path: str, cookie: str | None, rate: float, duration_s: float, senders: int
) -> OpenLoopResult:
    """Send GET `path` at a fixed arrival rate for `duration_s`, each request on its own
    connection (gunicorn's sync workers close every connection after one response), and
    measure each latency from when the request was due, not from when it was sent: a
    server that falls behind shows as latency, as it would to users, instead of slowing
    the generator down (coordinated omission). Requests started late are counted: every
    sender was waiting for a slow server, or the generator was short of CPU (then the
    figures are partly the generator's). A request overdue by more than the timeout is
    not sent but counted, so a saturated server ends the run on time."""
    parts = urlsplit(base_url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    total = max(1, int(rate * duration_s))
    headers = {"Cookie": cookie} if cookie else {}
    lock = threading.Lock()
    next_index = 0
    latencies: list[float] = []
    counts = {"errors": 0, "non_2xx_3xx": 0, "late": 0, "overdue": 0}
    start = time.perf_counter() + 0.2

    def send() -> None:
        nonlocal next_index
        while True:
            with lock:
                index = next_index
                next_index += 1
            if index >= total:
                return
            due = start + index / rate
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            elif -delay > OPEN_LOOP_TIMEOUT_S:
                with lock:
                    counts["overdue"] += 1
                continue
            late = -delay * 1000 > LATE_START_MS
            connection = HTTPConnection(host, port, timeout=OPEN_LOOP_TIMEOUT_S)
            try:
                connection.request("GET", path, headers=headers)
                response = connection.getresponse()
                response.read()
                status = response.status
            except (OSError, HTTPException):
                with lock:
                    counts["errors"] += 1
                continue
            finally:
                connection.close()
            elapsed = time.perf_counter() - due
            with lock:
                latencies.append(elapsed)
                counts["late"] += late
                counts["non_2xx_3xx"] += not 200 <= status < 400

    threads = [threading.Thread(target=send, daemon=True) for _ in range(senders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=duration_s + OPEN_LOOP_TIMEOUT_S + 30)
    if any(thread.is_alive() for thread in threads):
        raise BenchError(f"the open-loop run on {path} did not finish in time")
    finished = time.perf_counter() - start
    ordered = sorted(latencies)
    return OpenLoopResult(
        path=path,
        rate=rate,
        sent=len(ordered) + counts["errors"],
        overdue=counts["overdue"],
        duration_s=max(finished, duration_s),
        p50_ms=_percentile(ordered, 0.50) * 1000,
        p95_ms=_percentile(ordered, 0.95) * 1000,
        p99_ms=_percentile(ordered, 0.99) * 1000,
        max_ms=(ordered[-1] if ordered else 0.0) * 1000,
        errors=counts["errors"],
        non_2xx_3xx=counts["non_2xx_3xx"],
        late_starts=counts["late"],
    )


def report_open_loop(results: list[OpenLoopResult]) -> list[dict[str, Any]]:
    print()
    print("open loop: a fixed arrival rate, latency from when each request was due; one connection per request")
    print(f"{'path':<24} {'asked/s':>8} {'done/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8} "
          f"{'errors':>7} {'non-2xx':>8} {'late':>6}")  # fmt: skip
    for r in results:
        print(
            f"{r.path:<24} {r.rate:8.0f} {r.achieved_rate:8.1f} {r.p50_ms:8.2f} {r.p95_ms:8.2f} {r.p99_ms:8.2f} "
            f"{r.max_ms:8.1f} {r.errors:7d} {r.non_2xx_3xx:8d} {r.late_starts:6d}"
        )
        if r.overdue:
            print(
                f"WARNING: {r.path} did not keep up with {r.rate:g} requests/s: {r.overdue} requests were never "
                f"sent, more than {OPEN_LOOP_TIMEOUT_S} s overdue; the latencies are of a saturated server."
            )
        elif r.late_starts > 0.01 * r.sent:
            print(
                f"WARNING: {r.late_starts} requests on {r.path} started more than {LATE_START_MS:g} ms late: "
                "the server fell behind or the generator was short of CPU."
            )
    return [
        {
            "path": r.path,
            "rate_asked": r.rate,
            "rate_done": round(r.achieved_rate, 1),
            "p50_ms": round(r.p50_ms, 2),
            "p95_ms": round(r.p95_ms, 2),
            "p99_ms": round(r.p99_ms, 2),
            "max_ms": round(r.max_ms, 1),
            "errors": r.errors,
            "non_2xx_3xx": r.non_2xx_3xx,
            "late_starts": r.late_starts,
            "overdue_not_sent": r.overdue,
        }
        for r in results
    ]


def analyze(database_url: str) -> None:
    """Refresh the planner's statistics: tables filled in bulk a moment ago have none
    yet, and PostgreSQL then picks plans no production database would."""
    try:
        connection = psycopg2.connect(database_url, connect_timeout=5)
    except psycopg2.Error as error:
        raise BenchError(f"cannot connect to {database_url}: {error}") from None
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    finally:
        connection.close()


def report(results: list[WrkResult], args: argparse.Namespace, page_size: int) -> dict[str, Any]:
    trivial, page = results
    print()
    print(
        f"gunicorn {args.workers} sync workers; wrk {args.threads} threads, {args.connections} connections, "
        f"{args.duration} per URL; user {args.user}; {os.cpu_count()} cores shared by wrk, gunicorn and PostgreSQL"
    )
    header = f"{'':8} {'path':<24} {'req/s':>9} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7} {'non-2xx':>8}"
    print(header)
    for r in results:
        print(
            f"{r.label:8} {r.path:<24} {r.rps:9.1f} {r.p50_ms:8.2f} {r.p95_ms:8.2f} {r.p99_ms:8.2f} "
            f"{r.errors:7d} {r.non_2xx_3xx:8d}"
        )
    ratio = page.rps / trivial.rps if trivial.rps else 0.0
    if ratio:
        print(f"ratio page/trivial: {ratio:.3f} of the requests/s (the trivial view serves {1 / ratio:.1f}x as many)")
    # wrk counts a 302 as success: a session that stopped working would show up
    # as a much smaller response than the page fetched while logged in.
    if page.bytes_per_response < 0.5 * page_size:
        print(
            f"WARNING: {page.path} averaged {page.bytes_per_response:.0f} bytes per response against "
            f"{page_size} bytes when logged in; the session may have been lost (redirects to login)."
        )
    failed = any(r.errors or r.non_2xx_3xx for r in results)
    if failed:
        print("WARNING: errors or non-2xx/3xx responses during the run; the figures are not clean.")
    return {
        "settings": {
            "workers": args.workers,
            "threads": args.threads,
            "connections": args.connections,
            "duration": args.duration,
            "user": args.user,
            "cores": os.cpu_count(),
        },
        "results": [
            {
                "label": r.label,
                "path": r.path,
                "requests_per_s": round(r.rps, 1),
                "p50_ms": r.p50_ms,
                "p90_ms": r.p90_ms,
                "p95_ms": r.p95_ms,
                "p99_ms": r.p99_ms,
                "max_ms": r.max_ms,
                "errors": r.errors,
                "non_2xx_3xx": r.non_2xx_3xx,
                "bytes_per_response": round(r.bytes_per_response),
            }
            for r in results
        ],
        "ratio_page_to_trivial": round(ratio, 4),
        "clean": not failed,
    }


def run(args: argparse.Namespace) -> int:
    wrk = require_wrk()
    require_loopback(args.database_url)
    ensure_database(args.database_url, fresh=args.fresh)
    with tempfile.TemporaryDirectory(prefix="chorus-bench-") as scratch:
        env = app_environment(args, Path(scratch) / "var")
        if not args.skip_setup:
            manage(env, "migrate", "--noinput")
            manage(env, "seed_demo")
            if args.load:
                members, _, items = args.load.partition(":")
                manage(env, "seed_load", "--members", members or "20000", "--items", items or "5000")
            manage(env, "collectstatic", "--noinput")
            print("bench: ANALYZE")
            analyze(args.database_url)
        queries = count_queries(env, email=args.user, path=args.path)
        port = free_loopback_port()
        log_path = Path(scratch) / "gunicorn.log"
        print(f"bench: gunicorn on 127.0.0.1:{port} with {args.workers} sync workers")
        server = Gunicorn(env, port=port, workers=args.workers, log_path=log_path)
        try:
            server.wait_until_ready(STARTUP_TIMEOUT_S)
            cookie, page_size = log_in(server.base_url, email=args.user, password=args.password, path=args.path)
            targets = [("trivial", "/healthz", None), ("page", args.path, cookie)]
            results = []
            for label, path, target_cookie in targets:
                url = f"{server.base_url}{path}"
                if seconds_of(args.warmup, "warmup") > 0:
                    run_wrk(wrk, url, label=label, path=path, args=args, duration=args.warmup, cookie=target_cookie)
                print(f"bench: wrk {path} for {args.duration}")
                results.append(
                    run_wrk(wrk, url, label=label, path=path, args=args, duration=args.duration, cookie=target_cookie)
                )
            open_loop = []
            if args.rate is not None:
                for _, path, target_cookie in targets:
                    print(f"bench: open loop on {path} at {args.rate:g} requests/s for {args.rate_duration}")
                    open_loop.append(
                        run_open_loop(
                            server.base_url,
                            path=path,
                            cookie=target_cookie,
                            rate=args.rate,
                            duration_s=seconds_of(args.rate_duration, "rate-duration"),
                            senders=args.rate_senders,
                        )
                    )
        except BenchError:
            tail = log_path.read_text(errors="replace")[-3000:] if log_path.exists() else ""
            if tail:
                print(f"bench: last lines of the gunicorn log:\n{tail}", file=sys.stderr)
            raise
        finally:
            server.stop()
    summary = report(results, args, page_size)
    if open_loop:
        summary["open_loop"] = report_open_loop(open_loop)
    summary["sql_queries_per_request"] = queries
    print(f"SQL queries per {args.path} request (warm, measured in-process): {queries}")
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2) + "\n")
        print(f"bench: wrote {args.json}")
    return 0


def _interrupt(signum: int, frame: object) -> None:
    # SIGTERM becomes the same exception as Ctrl-C, so `finally` stops gunicorn.
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        return run(args)
    except BenchError as error:
        print(f"bench: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("bench: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
