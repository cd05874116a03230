"""Metric collection against the fake networks over real HTTP on loopback, with the
fakes' clock moved along the schedule: when shares are measured, how many calls that
takes (X: 100 posts per call), rate limits that pause reads without holding up posts,
expired tokens, deleted posts, and what a network does not report staying unknown."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from accounts.lib import crypto
from accounts.tenancy import organization_scope, scopes_disabled
from advocacy.models import ProviderApp, ProviderPause, Share, ShareState, SocialConnection
from advocacy.services import posting
from analytics.models import ConnectionMetricsPause, MetricSnapshot, OrgDay, ShareMetrics
from analytics.models.metrics import COLLECTION_SCHEDULE
from analytics.services.metrics import CollectionReport, metrics_collect_due, shares_metrics_start_new
from tests.advocacy.support import connect, open_sharing, queued_share, x_connection
from tests.conftest import Tenant
from tests.fakes.mastodon import FakeMastodon
from tests.fakes.x import FakeX


@pytest.fixture
def fake_x(settings) -> Iterator[FakeX]:  # type: ignore[no-untyped-def]
    with FakeX() as fake:
        settings.X_CLIENT_ID = fake.client_id
        settings.X_CLIENT_SECRET = fake.client_secret
        settings.X_AUTH_BASE = fake.base_url
        settings.X_API_BASE = fake.base_url
        yield fake


@pytest.fixture(autouse=True)
def _forget_app_pauses() -> Iterator[None]:
    # Posting caches app-wide pauses per process for a moment; tests share one process.
    posting._app_pauses.clear()
    yield
    posting._app_pauses.clear()


@pytest.fixture
def fake_mastodon() -> Iterator[FakeMastodon]:
    with FakeMastodon() as fake:
        yield fake


def post_shares(connection: SocialConnection, count: int) -> list[Share]:
    """`count` shares posted through the real pipeline, with their schedules started."""
    slug = connection.organization.slug
    shares = [
        queued_share(connection, text=f"Our news, take {number} https://{slug}.example/news/{number}")
        for number in range(count)
    ]
    with organization_scope(connection.organization):
        for share in shares:
            assert posting.share_post(share_id=share.pk).state == ShareState.POSTED
    assert shares_metrics_start_new() == count
    with scopes_disabled():  # reading back
        return list(Share.objects.filter(pk__in=[share.pk for share in shares]).order_by("pk"))


def collect_at(moment: datetime, *fakes: FakeX | FakeMastodon) -> CollectionReport:
    for fake in fakes:
        fake.set_clock(now=moment)
    return metrics_collect_due(now=moment)


def metrics(share: Share) -> ShareMetrics:
    with scopes_disabled():  # reading back for the assertion
        return ShareMetrics.objects.get(share_id=share.pk)


def lookups(fake: FakeX) -> int:
    return fake.requests_to("GET", r"/2/tweets")


def mastodon_connection(tenant: Tenant, fake: FakeMastodon) -> SocialConnection:
    open_sharing(tenant.organization)
    with scopes_disabled():  # test set-up
        ProviderApp.objects.create(
            organization=tenant.organization,
            network="mastodon",
            instance_url=fake.base_url,
            client_id="chorus",
            client_secret_encrypted=crypto.encrypt("secret"),
        )
    return connect(
        tenant.employee,
        network="mastodon",
        instance_url=fake.base_url,
        access_token=fake.issue_token("ada"),
        external_user_id=fake.account_id("ada"),
        expires_in=None,
    )


@pytest.mark.django_db
def test_a_posted_x_share_is_measured_along_the_decaying_schedule(tenant_a: Tenant, fake_x: FakeX) -> None:
    (share,) = post_shares(x_connection(tenant_a, fake_x), 1)
    posted = share.posted_at
    assert posted is not None

    collect_at(posted + timedelta(minutes=30), fake_x)
    assert lookups(fake_x) == 0, "not due before the first hour"

    collect_at(posted + timedelta(hours=1, minutes=1), fake_x)
    first = metrics(share)
    assert first.snapshots == 1
    assert (first.collect_step, first.next_collect_at) == (1, posted + COLLECTION_SCHEDULE[1])
    assert first.impressions == 81 and first.reactions == 4
    assert first.comments == 0, "X reported no replies yet: a real zero"
    assert first.reach is None, "X does not report reach: unknown, not zero"
    clicks_in_window = first.network_clicks
    assert clicks_in_window is not None

    collect_at(posted + timedelta(hours=6, minutes=1), fake_x)
    assert (metrics(share).collect_step, metrics(share).next_collect_at) == (2, posted + COLLECTION_SCHEDULE[2])

    # Everything up to day 30 was missed: one collection catches up and ends the schedule.
    collect_at(posted + timedelta(days=31), fake_x)
    late = metrics(share)
    assert late.snapshots == 3
    assert late.next_collect_at is None and late.collect_step == len(COLLECTION_SCHEDULE)
    with scopes_disabled():
        last = MetricSnapshot.objects.filter(share_id=share.pk).order_by("-captured_at").first()
    assert last is not None and last.network_clicks is None, "past 30 days X gives only public metrics"
    assert late.network_clicks is not None and late.network_clicks >= clicks_in_window, "the clicks counted remain"
    assert late.impressions is not None and late.impressions > first.impressions


@pytest.mark.django_db
def test_xs_last_step_is_taken_before_its_private_metrics_window_closes(tenant_a: Tenant, fake_x: FakeX) -> None:
    (share,) = post_shares(x_connection(tenant_a, fake_x), 1)
    posted = share.posted_at
    assert posted is not None
    collect_at(posted + timedelta(days=14, minutes=1), fake_x)

    due = metrics(share).next_collect_at
    assert due is not None and due < posted + timedelta(days=30)
    collect_at(due + timedelta(minutes=1), fake_x)
    assert metrics(share).network_clicks is not None
    with scopes_disabled():
        assert MetricSnapshot.objects.filter(share_id=share.pk).latest("captured_at").network_clicks is not None


@pytest.mark.django_db
def test_x_is_asked_for_at_most_100_posts_per_call(tenant_a: Tenant, fake_x: FakeX) -> None:
    fake_x.window_limits["tweets.create"] = 1000
    shares = post_shares(x_connection(tenant_a, fake_x), 150)
    posted = max(share.posted_at for share in shares if share.posted_at)

    report = collect_at(posted + timedelta(hours=1, minutes=5), fake_x)

    assert sorted(len(batch) for batch in fake_x.lookup_batches) == [50, 100]
    assert report.collected == 150
    with scopes_disabled():
        assert ShareMetrics.objects.filter(organization=tenant_a.organization, snapshots=1).count() == 150


@pytest.mark.django_db
def test_a_rate_limit_pauses_the_accounts_reads_until_the_reset_and_not_its_posts(
    tenant_a: Tenant, fake_x: FakeX
) -> None:
    fake_x.window_limits["tweets.create"] = 1000
    connection = x_connection(tenant_a, fake_x)
    shares = post_shares(connection, 150)
    posted = max(share.posted_at for share in shares if share.posted_at)
    fake_x.window_limits["tweets.lookup"] = 1
    moment = posted + timedelta(hours=1, minutes=5)

    collect_at(moment, fake_x)
    assert lookups(fake_x) == 2, "one call answered, the next one refused"
    with scopes_disabled():
        pause = ConnectionMetricsPause.objects.get(connection=connection)
        waiting = ShareMetrics.objects.filter(organization=tenant_a.organization, snapshots=0)
        assert waiting.count() == 50
        assert all(row.next_collect_at == pause.paused_until for row in waiting)
        assert SocialConnection.objects.get(pk=connection.pk).paused_until is None, "posting is not held up"
        assert not ProviderPause.objects.exists()

    collect_at(moment + timedelta(minutes=2), fake_x)
    assert lookups(fake_x) == 2, "nothing is asked before the reset"

    collect_at(pause.paused_until + timedelta(seconds=1), fake_x)
    assert lookups(fake_x) == 3
    with scopes_disabled():
        assert not ShareMetrics.objects.filter(organization=tenant_a.organization, snapshots=0).exists()


@pytest.mark.django_db
def test_an_app_wide_cap_pauses_every_organisations_x_reads(tenant_a: Tenant, tenant_b: Tenant, fake_x: FakeX) -> None:
    (first,) = post_shares(x_connection(tenant_a, fake_x), 1)
    (other,) = post_shares(x_connection(tenant_b, fake_x), 1)
    fake_x.app_daily_limits["tweets.lookup"] = 0
    assert first.posted_at and other.posted_at

    collect_at(max(first.posted_at, other.posted_at) + timedelta(hours=1, minutes=5), fake_x)

    assert lookups(fake_x) == 1, "the second account waits without calling X"
    with scopes_disabled():
        assert ConnectionMetricsPause.objects.filter(organization=tenant_b.organization).exists()
        assert ConnectionMetricsPause.objects.filter(organization=tenant_a.organization).exists()
        assert not ProviderPause.objects.exists(), "posting to X goes on"


@pytest.mark.django_db
def test_a_refused_token_is_refreshed_once_and_the_share_measured(tenant_a: Tenant, fake_x: FakeX) -> None:
    (share,) = post_shares(x_connection(tenant_a, fake_x), 1)
    assert share.posted_at
    fake_x.fault("GET", r"/2/tweets", kind="status", status=401, body={"title": "Unauthorized", "status": 401})

    collect_at(share.posted_at + timedelta(hours=1, minutes=1), fake_x)

    assert fake_x.requests_to("POST", r"/2/oauth2/token") == 1
    assert metrics(share).snapshots == 1


@pytest.mark.django_db
def test_a_token_refused_after_its_refresh_waits_for_the_next_round(tenant_a: Tenant, fake_x: FakeX) -> None:
    (share,) = post_shares(x_connection(tenant_a, fake_x), 1)
    assert share.posted_at
    fake_x.fault("GET", r"/2/tweets", kind="status", status=401, times=2, body={"title": "Unauthorized"})
    moment = share.posted_at + timedelta(hours=1, minutes=1)

    collect_at(moment, fake_x)

    waiting = metrics(share)
    assert fake_x.requests_to("POST", r"/2/oauth2/token") == 1, "refreshed once, not in a loop"
    assert waiting.snapshots == 0 and waiting.collect_step == 0
    assert waiting.next_collect_at is not None and waiting.next_collect_at > moment
    collect_at(waiting.next_collect_at + timedelta(seconds=1), fake_x)
    assert metrics(share).snapshots == 1


@pytest.mark.django_db
def test_a_deleted_post_ends_its_schedule_with_a_reason(tenant_a: Tenant, fake_x: FakeX) -> None:
    (share,) = post_shares(x_connection(tenant_a, fake_x), 1)
    assert share.posted_at
    with fake_x.lock:
        fake_x._tweets[share.external_id].deleted = True

    collect_at(share.posted_at + timedelta(hours=1, minutes=1), fake_x)

    gone = metrics(share)
    assert gone.next_collect_at is None
    assert "no longer on X" in gone.last_error
    assert gone.snapshots == 0


@pytest.mark.django_db
def test_an_account_that_needs_reconnecting_is_not_asked(tenant_a: Tenant, fake_x: FakeX) -> None:
    connection = x_connection(tenant_a, fake_x)
    (share,) = post_shares(connection, 1)
    assert share.posted_at
    with scopes_disabled():
        SocialConnection.objects.filter(pk=connection.pk).update(status="needs_reconnect")

    collect_at(share.posted_at + timedelta(hours=1, minutes=1), fake_x)

    assert lookups(fake_x) == 0
    assert metrics(share).next_collect_at is not None, "measured once the account is back"


@pytest.mark.django_db
def test_a_mastodon_shares_impressions_stay_unknown_while_an_x_zero_stays_zero(
    tenant_a: Tenant, fake_x: FakeX, fake_mastodon: FakeMastodon
) -> None:
    (toot,) = post_shares(mastodon_connection(tenant_a, fake_mastodon), 1)
    (tweet,) = post_shares(x_connection(tenant_a, fake_x), 1)
    assert toot.posted_at and tweet.posted_at

    collect_at(max(toot.posted_at, tweet.posted_at) + timedelta(hours=1, minutes=1), fake_x, fake_mastodon)

    measured = metrics(toot)
    assert measured.snapshots == 1
    assert measured.reactions == 6 and measured.reshares == 2
    assert measured.impressions is None and measured.reach is None and measured.network_clicks is None
    with scopes_disabled():
        mastodon_days = list(OrgDay.objects.filter(organization=tenant_a.organization, network="mastodon"))
        x_days = list(OrgDay.objects.filter(organization=tenant_a.organization, network="x"))
    assert all(day.impressions is None for day in mastodon_days), "unknown in the rollups too"
    assert sum(day.reactions or 0 for day in mastodon_days) == 6
    assert all(day.comments == 0 for day in x_days if day.impressions is not None)


@pytest.mark.django_db
def test_two_overlapping_runs_never_collect_the_same_share(tenant_a: Tenant, fake_x: FakeX) -> None:
    (share,) = post_shares(x_connection(tenant_a, fake_x), 1)
    assert share.posted_at
    moment = share.posted_at + timedelta(hours=1, minutes=1)
    fake_x.set_clock(now=moment)
    with scopes_disabled():
        # Another run claimed it a moment ago: its lease marker is in the row.
        ShareMetrics.objects.filter(share_id=share.pk).update(next_collect_at=moment + timedelta(minutes=15))

    report = metrics_collect_due(now=moment)

    assert report.claimed == 0 and lookups(fake_x) == 0
    assert timezone.is_aware(moment)
