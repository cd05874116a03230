"""The posting pipeline against the fake X over real HTTP: a share is posted exactly
once whatever the network does — duplicate deliveries, dropped connections, rate limits,
expired and revoked tokens, 5xx storms."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection as db_connection
from django.utils import timezone

from accounts.lib import crypto
from accounts.models.notifications import Notification
from accounts.tenancy import organization_scope, scopes_disabled
from advocacy.models import ConnectionStatus, ProviderPause, Share, ShareState, SocialConnection
from advocacy.services import posting
from advocacy.services.connections import connection_fresh_token
from tests.advocacy.support import queued_share, x_connection
from tests.conftest import Tenant
from tests.fakes.x import FakeX


def post(share: Share, **kwargs: object) -> posting.PostOutcome:
    with organization_scope(share.organization):
        return posting.share_post(share_id=share.pk, **kwargs)  # type: ignore[arg-type]


def reload(share: Share) -> Share:
    with scopes_disabled():  # reading back for the assertion
        return Share.objects.get(pk=share.pk)


def creates(fake: FakeX) -> int:
    return fake.requests_to("POST", r"/2/tweets")


@pytest.mark.django_db
def test_a_share_is_posted_once_and_a_second_delivery_does_nothing(tenant_a: Tenant, fake_x: FakeX) -> None:
    share = queued_share(x_connection(tenant_a, fake_x))

    assert post(share).state == ShareState.POSTED
    assert post(share).state == "skipped"

    share = reload(share)
    assert share.state == ShareState.POSTED
    assert share.external_id and share.external_url.startswith("https://x.com/grace/status/")
    assert len(fake_x.posts_of(fake_x.signed_in)) == 1
    assert creates(fake_x) == 1


@pytest.mark.django_db
def test_a_dropped_connection_after_the_post_is_reconciled_without_posting_again(
    tenant_a: Tenant, fake_x: FakeX
) -> None:
    share = queued_share(x_connection(tenant_a, fake_x))
    fake_x.fault("POST", r"/2/tweets", kind="drop_after_commit")

    assert post(share).state == ShareState.NEEDS_RECONCILE
    assert len(fake_x.posts_of(fake_x.signed_in)) == 1

    later = timezone.now() + timedelta(minutes=15)
    assert post(share, now=later).state == ShareState.POSTED
    assert len(fake_x.posts_of(fake_x.signed_in)) == 1, "the reconcile must find the post, not repost it"
    assert creates(fake_x) == 1
    assert reload(share).external_id == fake_x.posts_of(fake_x.signed_in)[0]["id"]


@pytest.mark.django_db
def test_a_rate_limit_waits_for_the_reset_and_sends_nothing_before_it(tenant_a: Tenant, fake_x: FakeX) -> None:
    share = queued_share(x_connection(tenant_a, fake_x))
    fake_x.window_limits["tweets.create"] = 0

    assert post(share).state == ShareState.RETRY_WAIT
    share = reload(share)
    assert share.next_attempt_at is not None and share.next_attempt_at > timezone.now()
    assert "slow down" in share.last_error
    assert share.attempts == 0, "a rate limit does not use up an attempt"
    with scopes_disabled():
        assert SocialConnection.objects.get(pk=share.connection_id).paused_until is not None

    assert post(share).state == "skipped", "not due yet"
    assert creates(fake_x) == 1


@pytest.mark.django_db
def test_an_app_wide_daily_cap_pauses_every_account_of_the_network(
    tenant_a: Tenant, tenant_b: Tenant, fake_x: FakeX
) -> None:
    first = queued_share(x_connection(tenant_a, fake_x))
    other = queued_share(x_connection(tenant_b, fake_x))
    fake_x.app_daily_limits["tweets.create"] = 0

    assert post(first).state == ShareState.RETRY_WAIT
    with scopes_disabled():
        assert ProviderPause.objects.filter(network="x", paused_until__gt=timezone.now()).exists()
    sent = creates(fake_x)
    assert post(other).state == ShareState.RETRY_WAIT
    assert creates(fake_x) == sent, "the other organisation's share waits without calling X"


@pytest.mark.django_db
def test_an_expired_token_is_refreshed_once_and_the_new_pair_is_kept(tenant_a: Tenant, fake_x: FakeX) -> None:
    connection = x_connection(tenant_a, fake_x)
    share = queued_share(connection)
    with scopes_disabled():
        old_refresh = crypto.decrypt(SocialConnection.objects.get(pk=connection.pk).refresh_token_encrypted)
        SocialConnection.objects.filter(pk=connection.pk).update(token_expires_at=timezone.now() + timedelta(minutes=1))

    assert post(share).state == ShareState.POSTED
    with scopes_disabled():
        stored = SocialConnection.objects.get(pk=connection.pk)
    assert crypto.decrypt(stored.refresh_token_encrypted) != old_refresh
    assert fake_x.token_active(crypto.decrypt(stored.access_token_encrypted))


@pytest.mark.django_db
def test_a_401_refreshes_the_token_once_then_posts(tenant_a: Tenant, fake_x: FakeX) -> None:
    share = queued_share(x_connection(tenant_a, fake_x))
    fake_x.fault(
        "POST",
        r"/2/tweets",
        kind="status",
        status=401,
        body={"title": "Unauthorized", "status": 401, "type": "about:blank"},
    )

    assert post(share).state == ShareState.POSTED
    assert fake_x.requests_to("POST", r"/2/oauth2/token") == 1
    assert len(fake_x.posts_of(fake_x.signed_in)) == 1


@pytest.mark.django_db
def test_a_revoked_account_asks_its_owner_to_reconnect(tenant_a: Tenant, fake_x: FakeX) -> None:
    connection = x_connection(tenant_a, fake_x)
    share = queued_share(connection)
    fake_x.revoke(crypto.decrypt(connection.access_token_encrypted))

    assert post(share).state == ShareState.NEEDS_RECONNECT
    share = reload(share)
    assert share.error_action == "reconnect"
    with scopes_disabled():
        assert SocialConnection.objects.get(pk=connection.pk).status == ConnectionStatus.NEEDS_RECONNECT
        notice = Notification.objects.get(recipient=tenant_a.employee)
    assert "Reconnect your X account" in notice.title
    assert fake_x.posts_of(fake_x.signed_in) == []


@pytest.mark.django_db
def test_a_5xx_storm_retries_within_the_attempt_budget_then_fails_with_a_retry_button(
    tenant_a: Tenant, fake_x: FakeX, settings
) -> None:  # type: ignore[no-untyped-def]
    settings.SHARE_MAX_ATTEMPTS = 4
    share = queued_share(x_connection(tenant_a, fake_x))
    fake_x.fault("POST", r"/2/tweets", kind="status", status=503, body={"title": "Service Unavailable"}, times=0)
    fake_x.fault(
        "GET", r"/2/users/\d+/tweets", kind="status", status=503, body={"title": "Service Unavailable"}, times=0
    )

    moment = timezone.now()
    for _ in range(10):
        moment += timedelta(minutes=20)
        outcome = post(share, now=moment)
        if outcome.state == ShareState.FAILED:
            break
    share = reload(share)
    assert share.state == ShareState.FAILED
    assert share.error_action == "retry"
    assert "gave up after 4 tries" in share.last_error
    assert creates(fake_x) <= 4, "no more create requests than the attempt budget"
    assert fake_x.posts_of(fake_x.signed_in) == []


@pytest.mark.django_db
def test_a_genuine_duplicate_fails_and_asks_for_new_words(tenant_a: Tenant, fake_x: FakeX) -> None:
    connection = x_connection(tenant_a, fake_x)
    first = queued_share(connection, text="Same words twice")
    assert post(first).state == ShareState.POSTED
    with scopes_disabled():
        second = Share.objects.create(
            organization=connection.organization,
            membership=connection.membership,
            connection=connection,
            network="x",
            text="Same words twice",
            body="Same words twice",
        )

    assert post(second).state == ShareState.FAILED
    second = reload(second)
    assert second.error_action == "edit"
    assert "duplicate" in second.last_error
    assert len(fake_x.posts_of(fake_x.signed_in)) == 1


@pytest.mark.django_db
def test_a_share_left_posting_by_a_dead_worker_goes_to_reconcile_never_straight_to_a_repost(
    tenant_a: Tenant, fake_x: FakeX
) -> None:
    share = queued_share(x_connection(tenant_a, fake_x))
    with scopes_disabled():
        Share.objects.filter(pk=share.pk).update(
            state=ShareState.POSTING, attempts=1, lease_until=timezone.now() - timedelta(seconds=1)
        )

    assert posting.shares_sweep_stale() == 1
    assert reload(share).state == ShareState.NEEDS_RECONCILE


@pytest.mark.django_db
def test_the_dispatcher_sends_due_scheduled_shares_once(tenant_a: Tenant, fake_x: FakeX, broker) -> None:  # type: ignore[no-untyped-def]
    share = queued_share(x_connection(tenant_a, fake_x))
    later = queued_share(share.connection, text="Later")
    with scopes_disabled():
        Share.objects.filter(pk=share.pk).update(state=ShareState.SCHEDULED, scheduled_for=timezone.now())
        Share.objects.filter(pk=later.pk).update(
            state=ShareState.SCHEDULED, scheduled_for=timezone.now() + timedelta(hours=1)
        )

    assert posting.shares_dispatch_due() == 1
    assert posting.shares_dispatch_due() == 0, "a second tick does not send it again"
    assert [kwargs["share_id"] for name, kwargs in broker.drain() if name == "advocacy.tasks.share_post"] == [share.pk]
    assert reload(share).state == ShareState.QUEUED
    assert reload(later).state == ShareState.SCHEDULED


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_refreshes_keep_the_token_chain_unbroken(tenant_a: Tenant, fake_x: FakeX) -> None:
    if db_connection.vendor != "postgresql":
        pytest.skip("Row locks need PostgreSQL (SQLite serialises whole transactions).")
    connection = x_connection(tenant_a, fake_x)
    rejected = crypto.decrypt(connection.access_token_encrypted)
    errors: list[BaseException] = []

    def refresh() -> None:
        try:
            with organization_scope(tenant_a.organization):
                fresh = SocialConnection.objects.get(pk=connection.pk)
                connection_fresh_token(connection=fresh, rejected_access_token=rejected)
        except BaseException as error:
            errors.append(error)
        finally:
            db_connection.close()

    threads = [threading.Thread(target=refresh) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert fake_x.requests_to("POST", r"/2/oauth2/token") == 1, "the second waited for the lock and reused the new pair"
    with scopes_disabled():
        stored = SocialConnection.objects.get(pk=connection.pk)
    assert stored.status == ConnectionStatus.ACTIVE
    assert fake_x.token_active(crypto.decrypt(stored.access_token_encrypted))
    # The stored refresh token is the live end of the chain: one more refresh works.
    with organization_scope(tenant_a.organization):
        connection_fresh_token(connection=stored, rejected_access_token=crypto.decrypt(stored.access_token_encrypted))
