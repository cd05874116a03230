"""Exactly-once posting with real processes: Celery worker processes on Redis, the test
database on PostgreSQL, and the fake X over HTTP. A worker killed with SIGKILL right
after X accepted a post, the same message delivered twice, and two workers racing for
one share all end with one post on the account."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from accounts.tenancy import scopes_disabled
from advocacy.models import Share, ShareState
from advocacy.services import posting
from config.celery import app as celery_app
from tests.advocacy.support import queued_share, x_connection
from tests.advocacy.workers import REDIS_URL, Workers, wait_for
from tests.conftest import Tenant
from tests.fakes.x import FakeX

LEASE_SECONDS = 3

pytestmark = [
    pytest.mark.worker,
    pytest.mark.skipif(not REDIS_URL, reason="Redis is not reachable: `make test` sets TEST_REDIS_URL when it is."),
]


@pytest.fixture
def workers(fake_x: FakeX, tmp_path: Path) -> Iterator[Workers]:
    if celery_app.conf.broker_url != REDIS_URL:
        pytest.skip("CELERY_BROKER_URL must point at TEST_REDIS_URL (make test exports both).")
    celery_app.control.purge()
    running = Workers(
        tmp_path,
        X_CLIENT_ID=fake_x.client_id,
        X_CLIENT_SECRET=fake_x.client_secret,
        X_AUTH_BASE=fake_x.base_url,
        X_API_BASE=fake_x.base_url,
        SHARE_LEASE_SECONDS=str(LEASE_SECONDS),
    )
    try:
        yield running
    finally:
        running.stop()
        celery_app.control.purge()


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
