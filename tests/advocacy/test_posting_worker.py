"""Exactly-once posting with real processes: Celery worker processes on Redis, the test
database on PostgreSQL, and the fake X over HTTP. A worker killed with SIGKILL right
after X accepted a post, the same message delivered twice, and two workers racing for
one share all end with one post on the account."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from accounts.tenancy import scopes_disabled
from advocacy.models import Share, ShareState
from advocacy.services import posting
from config.celery import app as celery_app
from tests.advocacy.support import queued_share, x_connection
from tests.conftest import Tenant
from tests.fakes.x import FakeX

REDIS_URL = os.environ.get("TEST_REDIS_URL", "")
LEASE_SECONDS = 3

pytestmark = [
    pytest.mark.worker,
    pytest.mark.skipif(not REDIS_URL, reason="Redis is not reachable: `make test` sets TEST_REDIS_URL when it is."),
]


def database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip("Worker processes need a database they can share with the tests (PostgreSQL).")
    host, port = db["HOST"] or "127.0.0.1", db["PORT"] or 5432
    return f"postgres://{db['USER']}@{host}:{port}/{db['NAME']}"


class Workers:
    """Starts `celery worker` processes against the test database and the fake X."""

    def __init__(self, fake: FakeX, tmp_path: Path) -> None:
        self.env = {
            **os.environ,
            "DEBUG": "true",
            "DATABASE_URL": database_url(),
            "CELERY_BROKER_URL": REDIS_URL,
            "CHORUS_VAR_DIR": str(tmp_path / "var"),
            "X_CLIENT_ID": fake.client_id,
            "X_CLIENT_SECRET": fake.client_secret,
            "X_AUTH_BASE": fake.base_url,
            "X_API_BASE": fake.base_url,
            "SHARE_LEASE_SECONDS": str(LEASE_SECONDS),
        }
        self.processes: list[subprocess.Popen[str]] = []

    def start(self, name: str, *, concurrency: int = 1) -> subprocess.Popen[str]:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "-Q",
                "publish",
                "--pool=prefork",
                f"--concurrency={concurrency}",
                "-l",
                "info",
                "--without-heartbeat",
                "--without-gossip",
                "--without-mingle",
                "-n",
                f"{name}-{os.getpid()}@%h",
            ],
            cwd=settings.BASE_DIR,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # its own process group, so SIGKILL reaches the pool too
        )
        self.processes.append(process)
        return process

    def kill(self, process: subprocess.Popen[str]) -> None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                output, _ = process.communicate(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                output, _ = process.communicate()
            print((output or "")[-3000:])  # shown by pytest when the test fails


@pytest.fixture
def workers(fake_x: FakeX, tmp_path: Path) -> Iterator[Workers]:
    if celery_app.conf.broker_url != REDIS_URL:
        pytest.skip("CELERY_BROKER_URL must point at TEST_REDIS_URL (make test exports both).")
    celery_app.control.purge()
    running = Workers(fake_x, tmp_path)
    try:
        yield running
    finally:
        running.stop()
        celery_app.control.purge()


def wait_for(condition: Callable[[], bool], timeout: float = 40.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def state_of(share: Share) -> str:
    with scopes_disabled():  # the test reads the row the worker wrote
        return Share.objects.get(pk=share.pk).state


def send(share: Share) -> None:
    from advocacy.tasks import share_post

    share_post.apply_async(kwargs={"organization_id": share.organization_id, "share_id": share.pk})


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_right_after_x_accepted_the_post_leaves_one_post(
    tenant_a: Tenant, fake_x: FakeX, workers: Workers, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.SHARE_LEASE_SECONDS = LEASE_SECONDS
    share = queued_share(x_connection(tenant_a, fake_x))
    # X creates the tweet, then takes 30 s to answer: the worker is killed in between.
    fake_x.fault("POST", r"/2/tweets", kind="delay_after_commit", seconds=30)
    first = workers.start("doomed")
    send(share)
    assert wait_for(lambda: len(fake_x.posts_of(fake_x.signed_in)) == 1), "X never received the post"
    workers.kill(first)
    assert state_of(share) == ShareState.POSTING

    workers.start("survivor")
    time.sleep(LEASE_SECONDS + 0.5)
    # What the beat does every few seconds: sweep dead workers' shares, send the due ones.
    assert posting.shares_sweep_stale() == 1
    assert posting.shares_dispatch_due(now=timezone.now() + timedelta(seconds=1)) == 1

    assert wait_for(lambda: state_of(share) == ShareState.POSTED), f"the share ended {state_of(share)}"
    assert len(fake_x.posts_of(fake_x.signed_in)) == 1, "never two"
    with scopes_disabled():
        assert Share.objects.get(pk=share.pk).external_id == fake_x.posts_of(fake_x.signed_in)[0]["id"]


@pytest.mark.django_db(transaction=True)
def test_the_same_message_twice_and_two_racing_workers_make_one_post(
    tenant_a: Tenant, fake_x: FakeX, workers: Workers
) -> None:
    shares = [
        queued_share(x_connection(tenant_a, fake_x), text=f"Post number {n} https://acme.example/{n}") for n in range(1)
    ]
    fake_x.latency = 0.2  # long enough for both workers to hold a message at once
    workers.start("one")
    workers.start("two")
    time.sleep(3)  # both ready
    for share in shares:
        for _ in range(4):  # a duplicated delivery, several times over
            send(share)

    assert wait_for(lambda: all(state_of(share) == ShareState.POSTED for share in shares))
    time.sleep(1.5)  # let any late duplicate run
    assert len(fake_x.posts_of(fake_x.signed_in)) == len(shares)
    assert fake_x.requests_to("POST", r"/2/tweets") == len(shares)
