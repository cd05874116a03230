"""Posting throughput: shares per second end to end, with real Celery worker processes
on Redis, PostgreSQL, and the fake Mastodon answering after a fixed network latency.

    .venv/bin/python bench/posting_bench.py --shares 2000 --workers 2 --concurrency 8 --latency 0.05

It builds a fresh database, an organisation with `--accounts` connected Mastodon
accounts and `--shares` queued shares spread over them, starts the worker processes,
sends one posting task per share, and times from the first task sent to the last share
`posted`. It then counts the posts the fake network really received: every share
exactly once (0 duplicates, 0 lost). Loopback only; every step has a time limit.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg2
from psycopg2 import sql

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shares", type=int, default=2000)
    parser.add_argument("--accounts", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2, help="worker processes")
    parser.add_argument("--concurrency", type=int, default=8, help="pool size of each worker")
    parser.add_argument("--pool", default="prefork", choices=["prefork", "threads"])
    parser.add_argument("--latency", type=float, default=0.05, help="seconds the fake network takes per request")
    parser.add_argument("--database", default="postgres://postgres@127.0.0.1:5432/chorus_postbench")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/12")
    parser.add_argument("--timeout", type=float, default=300.0)
    return parser.parse_args()


def recreate_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    admin = psycopg2.connect(url.rsplit("/", 1)[0] + "/postgres", connect_timeout=5)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    admin.close()


def main() -> int:
    args = parse_args()
    env = {
        **os.environ,
        # Production settings, as the workers run them (DEBUG off keeps no query log).
        "DEBUG": "false",
        "SECRET_KEY": "posting-bench-" + "x" * 50,
        "TOKEN_ENCRYPTION_KEYS": "ZGV2ZWxvcG1lbnQtb25seS1rZXktbm90LXNlY3JldCE=",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SANDBOX_ENABLED": "false",
        "DATABASE_URL": args.database,
        "CELERY_BROKER_URL": args.redis_url,
        "CHORUS_VAR_DIR": str(ROOT / "var" / "postbench"),
        "LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    os.environ.update(env)
    print(f"Building a fresh database ({args.database.rsplit('/', 1)[1]})…", flush=True)
    recreate_database(args.database)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True, timeout=300
    )

    import django

    django.setup()
    from accounts.lib import crypto
    from accounts.models import Membership, MembershipStatus, Organization, Role, User
    from accounts.tenancy import organization_scope
    from advocacy.models import ProviderApp, Share, ShareState, SocialConnection
    from config.celery import app as celery_app
    from tests.fakes.mastodon import FakeMastodon

    fake = FakeMastodon()
    fake.start()
    fake.latency = args.latency
    fake.rate_limit = 10**9
    organization = Organization.objects.create(name="Bench", slug="bench")
    with organization_scope(organization):
        ProviderApp.objects.create(
            organization=organization,
            network="mastodon",
            instance_url=fake.base_url,
            client_id="bench",
            client_secret_encrypted=crypto.encrypt("bench"),
        )
        connections = []
        for n in range(args.accounts):
            user = User.objects.create_user(email=f"member{n}@bench.example")
            membership = Membership.objects.create(
                organization=organization, user=user, role=Role.EMPLOYEE, status=MembershipStatus.ACTIVE
            )
            account_id = fake.add_account(f"member{n}")
            connections.append(
                SocialConnection.objects.create(
                    organization=organization,
                    membership=membership,
                    network="mastodon",
                    instance_url=fake.base_url,
                    external_user_id=account_id,
                    author_ref=account_id,
                    handle=f"member{n}@bench",
                    access_token_encrypted=crypto.encrypt(fake.issue_token(f"member{n}")),
                )
            )
        shares = Share.objects.bulk_create(
            [
                Share(
                    organization=organization,
                    membership_id=connections[n % len(connections)].membership_id,
                    connection=connections[n % len(connections)],
                    network="mastodon",
                    text=f"Share number {n}",
                    body=f"Share number {n}",
                    state=ShareState.QUEUED,
                )
                for n in range(args.shares)
            ]
        )
    share_ids = [share.pk for share in shares]
    celery_app.control.purge()

    workers = []
    log_path = ROOT / "var" / "postbench" / "workers.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log_file = log_path.open("w")
    for index in range(args.workers):
        workers.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "config",
                    "worker",
                    "-Q",
                    "publish",
                    f"--pool={args.pool}",
                    f"--concurrency={args.concurrency}",
                    "-l",
                    "warning",
                    "--without-heartbeat",
                    "--without-gossip",
                    "--without-mingle",
                    "-n",
                    f"bench{index}@%h",
                ],
                cwd=ROOT,
                env=env,
                start_new_session=True,
                stdout=log_file,
                stderr=subprocess.STDOUT,
            )
        )
    try:
        time.sleep(6)  # the pools start and connect
        from advocacy.tasks import share_post

        print(
            f"Posting {args.shares} shares to {args.accounts} accounts, {args.workers} workers × "
            f"{args.concurrency} ({args.pool}), {args.latency * 1000:.0f} ms network latency…",
            flush=True,
        )
        started = time.monotonic()
        # One producer for the whole burst, as a web process sending many would reuse its own.
        with celery_app.producer_or_acquire() as producer:
            for share_id in share_ids:
                share_post.apply_async(
                    kwargs={"organization_id": organization.pk, "share_id": share_id}, producer=producer
                )
        enqueued = time.monotonic() - started
        deadline = started + args.timeout
        with organization_scope(organization):
            while time.monotonic() < deadline:
                done = Share.objects.filter(state=ShareState.POSTED).count()
                if done >= args.shares:
                    break
                time.sleep(0.25)
            elapsed = time.monotonic() - started
            posted = Share.objects.filter(state=ShareState.POSTED).count()
            other = dict(Share.objects.exclude(state=ShareState.POSTED).values_list("state").annotate(n=models_count()))
        received = sum(len(fake.posts_of(account)) for account in list(fake.posts))
        print()
        print(f"  sent {args.shares} tasks in {enqueued:.2f} s")
        print(f"  posted {posted} of {args.shares} in {elapsed:.2f} s: {posted / elapsed:.1f} shares/s end to end")
        print(
            f"  posts the network received: {received} (duplicates: {max(received - posted, 0)}, "
            f"lost: {args.shares - posted}){'  other states: ' + str(other) if other else ''}"
        )
        print(f"  goal ≥ 100 shares/s: {'met' if posted == args.shares and posted / elapsed >= 100 else 'NOT met'}")
    finally:
        for worker in workers:
            os.killpg(worker.pid, signal.SIGTERM)
        for worker in workers:
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(worker.pid, signal.SIGKILL)
        fake.stop()
        log_file.close()
        print(f"  worker logs: {log_path.relative_to(ROOT)}")
    return 0


def models_count():  # type: ignore[no-untyped-def]
    from django.db.models import Count

    return Count("pk")


if __name__ == "__main__":
    sys.exit(main())
