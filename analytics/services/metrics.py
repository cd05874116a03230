"""Collecting posted shares' metrics from the networks on a decaying schedule.

A posted share gets a ShareMetrics row (`share_metrics_start`, found by the beat job
`shares_metrics_start_new`) that is due 1 hour after posting, then after 6 hours, 1,
3, 7, 14 and 30 days (COLLECTION_SCHEDULE); after the last step the schedule ends.
A step that has already passed when the previous one ran is skipped, so a share
measured late catches up instead of being fetched step after step. X gives its
non-public metrics (link clicks) only during the first 30 days (the adapter's
`metrics_window_days`), so a step that would fall at or after the window's end is
taken just before it.

`metrics_collect_due`, the beat job, claims due rows with a conditional UPDATE (their
`next_collect_at` becomes a lease marker unique to the run, so two overlapping runs
never fetch the same share; a run that dies leaves rows that fall due again when the
lease ends), groups them per connection, and calls the adapter's `fetch_metrics` in
batches of `capabilities.metrics_batch_size` (X: 100 ids per call). Then:

- a rate limit pauses the connection's metric reads (ConnectionMetricsPause) until the
  network's reset; an app-wide cap pauses every connection of that network app. Metric
  pauses never touch the posting pauses (SocialConnection.paused_until, ProviderPause):
  employees' posts are not held up by our reads.
- an expired token is refreshed once (`connection_fresh_token`); refused again, the
  share waits for the next round. An account that needs reconnecting is skipped until
  it is reconnected.
- a post that is gone (deleted on the network) ends its schedule with `last_error`.
- what came back goes through `snapshots_ingest` (analytics.services.rollups); a
  counter the network does not give stays unknown (NULL), never 0.
"""

from __future__ import annotations

import logging
import random
import zoneinfo
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import Organization
from accounts.tenancy import scopes_disabled
from advocacy.models import ConnectionStatus, Share, ShareState, SocialConnection
from advocacy.providers.base import (
    AuthExpired,
    Capabilities,
    InvalidContent,
    MetricsSnapshot,
    PermissionDenied,
    ProviderError,
    RateLimited,
    ReauthRequired,
    SocialProvider,
    TokenBundle,
)
from advocacy.services.connections import connection_fresh_token, connection_identity, provider_for_connection
from analytics.models import ConnectionMetricsPause, ItemDay, MemberDay, OrgDay, ShareMetrics
from analytics.models.metrics import COLLECTION_SCHEDULE, COUNTERS
from analytics.services.rollups import SnapshotRow, clicks_rollup, day_upsert, snapshots_ingest

__all__ = [
    "CollectionReport",
    "SnapshotRow",
    "clicks_rollup",
    "metrics_collect_due",
    "next_collection",
    "share_metrics_start",
    "shares_metrics_start_new",
    "snapshots_ingest",
]

logger = logging.getLogger(__name__)

# How long a claimed row stays claimed: well above a round's duration, so a crashed run's
# rows come back, and a slow run's rows are not collected twice.
CLAIM_LEASE = timedelta(minutes=15)
# A network's metrics window ends at posted_at + window: the step is taken this long before.
WINDOW_MARGIN = timedelta(hours=2)
# When a collection failed for a reason that may pass (a network error, a refused token).
RETRY_AFTER = timedelta(minutes=15)
# An account waiting for its owner to reconnect is looked at again after this long.
RECONNECT_RECHECK = timedelta(hours=6)
# Posted shares older than this when first seen get their ShareMetrics too (their
# collection starts at once and catches up); older ones are left to a backfill.
START_LOOKBACK = timedelta(days=60)


# Starting the schedule ---------------------------------------------------------------


def _local_day(moment: datetime, organization: Organization) -> datetime:
    return timezone.localtime(moment, timezone=_zone(organization.timezone))


def _zone(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def share_metrics_start(*, share: Share) -> ShareMetrics:
    """The ShareMetrics row of a posted share, created once, due an hour after posting;
    creating it counts the share in `shares_posted` of the day rollups (the
    organisation's local date of posting). Calling it again changes nothing."""
    if share.state != ShareState.POSTED or share.posted_at is None:
        raise ValueError("Only a posted share is measured.")
    existing = ShareMetrics.objects.filter(organization=share.organization_id, share=share).first()
    if existing is not None:
        return existing
    organization = share.organization
    try:
        with transaction.atomic():
            metrics = ShareMetrics.objects.create(
                organization=organization,
                share=share,
                membership_id=share.membership_id,
                item_id=share.item_id,
                network=share.network,
                posted_at=share.posted_at,
                collect_step=0,
                next_collect_at=share.posted_at + COLLECTION_SCHEDULE[0],
            )
            day = _local_day(share.posted_at, organization).date()
            unknown = dict.fromkeys(COUNTERS)
            now = timezone.now()
            with connection.cursor() as cursor:
                day_upsert(
                    cursor,
                    MemberDay,
                    key="membership_id",
                    rows=[(organization.pk, share.membership_id, day, share.network, unknown, 1)],
                    now=now,
                )
                if share.item_id is not None:
                    day_upsert(
                        cursor,
                        ItemDay,
                        key="item_id",
                        rows=[(organization.pk, share.item_id, day, share.network, unknown, 1)],
                        now=now,
                    )
                day_upsert(cursor, OrgDay, key=None, rows=[(organization.pk, day, share.network, unknown, 1)], now=now)
    except IntegrityError:
        # Another worker created it at the same moment (and counted the share).
        return ShareMetrics.objects.get(organization=share.organization_id, share=share)
    return metrics


def shares_metrics_start_new(*, limit: int = 1000, now: datetime | None = None) -> int:
    """Start the schedule of posted shares that have none yet (the beat job: advocacy
    does not know analytics, so analytics looks for new posts). Returns how many."""
    now = now or timezone.now()
    started = 0
    with scopes_disabled():  # one scan over every organisation's newly posted shares
        shares = list(
            Share.objects.select_related("organization")
            # scheduled_for (never after posted_at) bounds the scan on the (state,
            # scheduled_for) index: the beat must not walk every share ever posted.
            .filter(
                state=ShareState.POSTED,
                scheduled_for__gte=now - START_LOOKBACK,
                posted_at__gte=now - START_LOOKBACK,
                metrics__isnull=True,
            )
            .order_by("posted_at")[:limit]
        )
        for share in shares:
            share_metrics_start(share=share)
            started += 1
    return started


# The schedule ------------------------------------------------------------------------


def step_moment(*, posted_at: datetime, step: int, window_days: int | None) -> datetime:
    moment = posted_at + COLLECTION_SCHEDULE[step]
    if window_days is not None:
        window_end = posted_at + timedelta(days=window_days)
        if moment >= window_end:
            moment = max(window_end - WINDOW_MARGIN, posted_at)
    return moment


def next_collection(
    *, posted_at: datetime, done_step: int, now: datetime, window_days: int | None = None
) -> tuple[int, datetime | None]:
    """After collecting step `done_step`: the next step that is still ahead of `now`,
    and when it is due; (len(schedule), None) when the schedule is finished."""
    step = done_step + 1
    while step < len(COLLECTION_SCHEDULE):
        moment = step_moment(posted_at=posted_at, step=step, window_days=window_days)
        if moment > now:
            return step, moment
        step += 1
    return len(COLLECTION_SCHEDULE), None


# Collecting --------------------------------------------------------------------------


@dataclass
class CollectionReport:
    claimed: int = 0
    collected: int = 0  # snapshots written
    calls: int = 0  # fetch_metrics batches sent
    gone: int = 0  # posts deleted on the network: schedule ended
    postponed: int = 0  # waiting for a pause, a reconnect or a retry
    paused_connections: int = 0
    errors: list[str] = field(default_factory=list)


@dataclass
class _Outcome:
    """What happens to one claimed row at the end of the round."""

    step: int
    next_at: datetime | None
    last_error: str = ""


def metrics_collect_due(*, now: datetime | None = None, limit: int = 2000) -> CollectionReport:
    """Collect the metrics of every due share (the beat job; see the module docstring)."""
    now = now or timezone.now()
    report = CollectionReport()
    with scopes_disabled():  # the collector serves every organisation; each row carries its own
        claimed = _claim(now=now, limit=limit)
        report.claimed = len(claimed)
        by_connection: dict[int, list[ShareMetrics]] = defaultdict(list)
        for metrics in claimed:
            by_connection[metrics.share.connection_id].append(metrics)
        paused_apps: dict[tuple[str, str], datetime] = {}
        for rows in by_connection.values():
            _collect_connection(rows, now=now, report=report, paused_apps=paused_apps)
    return report


def _claim(*, now: datetime, limit: int) -> list[ShareMetrics]:
    due = list(
        ShareMetrics.objects.filter(next_collect_at__lte=now)
        .order_by("next_collect_at")
        .values_list("share_id", flat=True)[:limit]
    )
    if not due:
        return []
    # A marker no other run can pick: the rows this UPDATE moved are this run's.
    lease = now + CLAIM_LEASE + timedelta(microseconds=random.randrange(1, 999_999))
    ShareMetrics.objects.filter(share_id__in=due, next_collect_at__lte=now).update(next_collect_at=lease)
    return list(
        ShareMetrics.objects.select_related("share__connection__membership__organization", "share__connection")
        .filter(share_id__in=due, next_collect_at=lease)
        .order_by("share_id")
    )


def _collect_connection(
    rows: list[ShareMetrics],
    *,
    now: datetime,
    report: CollectionReport,
    paused_apps: dict[tuple[str, str], datetime],
) -> None:
    account = rows[0].share.connection
    outcomes: dict[int, _Outcome] = {}
    snapshots: list[SnapshotRow] = []

    def postpone(metrics_rows: Sequence[ShareMetrics], until: datetime, reason: str) -> None:
        for metrics in metrics_rows:
            outcomes[metrics.share_id] = _Outcome(metrics.collect_step, until, reason or metrics.last_error)
        report.postponed += len(metrics_rows)

    app_key = (account.network, account.instance_url if account.network == "mastodon" else "")
    pause = ConnectionMetricsPause.objects.filter(connection=account, paused_until__gt=now).first()
    if account.status == ConnectionStatus.DISCONNECTED:
        for metrics in rows:
            outcomes[metrics.share_id] = _Outcome(
                metrics.collect_step, None, "The account was disconnected: Chorus can no longer read this post."
            )
    elif account.status != ConnectionStatus.ACTIVE:
        postpone(rows, now + RECONNECT_RECHECK, "Waiting for the account to be reconnected.")
    elif pause is not None:
        postpone(rows, pause.paused_until, "")
    elif app_key in paused_apps:
        postpone(rows, paused_apps[app_key], "")
    else:
        _fetch_rows(
            rows,
            account,
            now=now,
            report=report,
            outcomes=outcomes,
            snapshots=snapshots,
            postpone=postpone,
            paused_apps=paused_apps,
            app_key=app_key,
        )
    with transaction.atomic():
        report.collected += snapshots_ingest(rows=snapshots)
        changed = []
        for metrics in rows:
            outcome = outcomes.get(metrics.share_id)
            if outcome is None:  # not reached (an error ended the round for this account)
                outcome = _Outcome(metrics.collect_step, now + RETRY_AFTER, metrics.last_error)
            metrics.collect_step, metrics.next_collect_at, metrics.last_error = (
                outcome.step,
                outcome.next_at,
                outcome.last_error[:300],
            )
            changed.append(metrics)
        ShareMetrics.objects.bulk_update(changed, ["collect_step", "next_collect_at", "last_error"], batch_size=500)


def _fetch_rows(
    rows: list[ShareMetrics],
    account: SocialConnection,
    *,
    now: datetime,
    report: CollectionReport,
    outcomes: dict[int, _Outcome],
    snapshots: list[SnapshotRow],
    postpone: Callable[[Sequence[ShareMetrics], datetime, str], None],
    paused_apps: dict[tuple[str, str], datetime],
    app_key: tuple[str, str],
) -> None:
    readable = [metrics for metrics in rows if metrics.share.external_id]
    for metrics in rows:
        if not metrics.share.external_id:
            outcomes[metrics.share_id] = _Outcome(metrics.collect_step, None, "The network gave no id for this post.")
    rows = readable
    if not rows:
        return
    provider = provider_for_connection(account)
    capabilities = provider.capabilities()
    size = max(capabilities.metrics_batch_size, 1)
    refreshed = False
    try:
        token = connection_fresh_token(connection=account, now=now)
    except ReauthRequired as error:
        postpone(rows, now + RECONNECT_RECHECK, error.message or "Waiting for the account to be reconnected.")
        return
    except RateLimited as error:
        _pause(account, error, report=report, paused_apps=paused_apps, app_key=app_key)
        postpone(rows, error.retry_at, "")
        return
    except ProviderError as error:
        postpone(rows, now + RETRY_AFTER, error.message)
        return
    for start in range(0, len(rows), size):
        batch = rows[start : start + size]
        try:
            found, token, refreshed = _fetch_batch(provider, account, token, batch, refreshed=refreshed, now=now)
            report.calls += 1
        except RateLimited as error:
            _pause(account, error, report=report, paused_apps=paused_apps, app_key=app_key)
            postpone(rows[start:], error.retry_at, "")
            return
        except (ReauthRequired, AuthExpired) as error:
            postpone(rows[start:], now + RETRY_AFTER, error.message or "The network refused this account's sign-in.")
            return
        except (PermissionDenied, InvalidContent) as error:
            # Refused for good at this step (a missing scope, an unreadable post id): skip it.
            for metrics in batch:
                outcomes[metrics.share_id] = _advance(metrics, capabilities, now, error.message)
            report.errors.append(error.message)
            continue
        except ProviderError as error:
            postpone(batch, now + RETRY_AFTER, error.message)
            report.errors.append(error.message)
            continue
        for metrics in batch:
            snapshot = found.get(metrics.share.external_id)
            outcomes[metrics.share_id] = _record(metrics, snapshot, capabilities, now, snapshots, report)


def _fetch_batch(
    provider: SocialProvider,
    account: SocialConnection,
    token: TokenBundle,
    batch: Sequence[ShareMetrics],
    *,
    refreshed: bool,
    now: datetime,
) -> tuple[dict[str, MetricsSnapshot], TokenBundle, bool]:
    ids = [metrics.share.external_id for metrics in batch]
    who = connection_identity(account)
    try:
        return dict(provider.fetch_metrics(token, who, ids)), token, refreshed
    except AuthExpired:
        if refreshed:
            raise
        # Once per round: a token refused again means the account needs its owner.
        token = connection_fresh_token(connection=account, rejected_access_token=token.access_token, now=now)
        return dict(provider.fetch_metrics(token, who, ids)), token, True


def _record(
    metrics: ShareMetrics,
    snapshot: MetricsSnapshot | None,
    capabilities: Capabilities,
    now: datetime,
    snapshots: list[SnapshotRow],
    report: CollectionReport,
) -> _Outcome:
    network = metrics.share.connection.get_network_display()
    if snapshot is None or snapshot.raw.get("not_found"):
        report.gone += 1
        return _Outcome(metrics.collect_step, None, f"The post is no longer on {network}.")
    if snapshot.raw.get("unavailable"):
        # The network shares no figures of this post with us (LinkedIn without the
        # analytics scope): nothing to store, every counter stays unknown.
        return _advance(metrics, capabilities, now, f"{network} does not share this post's figures with Chorus.")
    snapshots.append(
        SnapshotRow(
            organization_id=metrics.organization_id,
            share_id=metrics.share_id,
            network=metrics.network,
            captured_at=now,
            impressions=snapshot.impressions,
            reach=snapshot.reach,
            reactions=snapshot.reactions,
            comments=snapshot.comments,
            reshares=snapshot.reshares,
            network_clicks=snapshot.clicks,
        )
    )
    return _advance(metrics, capabilities, now, "")


def _advance(metrics: ShareMetrics, capabilities: Capabilities, now: datetime, message: str) -> _Outcome:
    step, next_at = next_collection(
        posted_at=metrics.posted_at,
        done_step=metrics.collect_step,
        now=now,
        window_days=capabilities.metrics_window_days,
    )
    return _Outcome(step, next_at, message)


def _pause(
    account: SocialConnection,
    error: RateLimited,
    *,
    report: CollectionReport,
    paused_apps: dict[tuple[str, str], datetime],
    app_key: tuple[str, str],
) -> None:
    """Pause metric reads until the network's reset: this account's, or on an app-wide
    cap every account of the network app (each organisation's connections get their
    own pause row, so the next rounds skip them without asking the network)."""
    reason = (error.message or "Rate limited")[:300]
    if error.scope == "app":
        paused_apps[app_key] = error.retry_at
        network, instance_url = app_key
        accounts = SocialConnection.objects.filter(network=network, status=ConnectionStatus.ACTIVE)
        if instance_url:
            accounts = accounts.filter(instance_url=instance_url)
        pairs = list(accounts.values_list("pk", "organization_id"))
    else:
        pairs = [(account.pk, account.organization_id)]
    existing = set(
        ConnectionMetricsPause.objects.filter(connection_id__in=[pk for pk, _ in pairs]).values_list(
            "connection_id", flat=True
        )
    )
    ConnectionMetricsPause.objects.filter(connection_id__in=existing).filter(Q(paused_until__lt=error.retry_at)).update(
        paused_until=error.retry_at, reason=reason
    )
    ConnectionMetricsPause.objects.bulk_create(
        [
            ConnectionMetricsPause(
                connection_id=pk, organization_id=organization_id, paused_until=error.retry_at, reason=reason
            )
            for pk, organization_id in pairs
            if pk not in existing
        ],
        batch_size=1000,
        ignore_conflicts=True,
    )
    report.paused_connections += len(pairs)
    logger.info("metric reads of %s connection(s) paused until %s: %s", len(pairs), error.retry_at, reason)


def metric_pauses_expire(*, now: datetime | None = None) -> int:
    """Forget pauses that have ended (they are ignored once past; this keeps the table small)."""
    now = now or timezone.now()
    with scopes_disabled():  # housekeeping across organisations
        deleted, _ = ConnectionMetricsPause.objects.filter(paused_until__lte=now).delete()
    return deleted
