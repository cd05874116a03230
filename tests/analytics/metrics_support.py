"""Building blocks of the metrics tests: posted shares without a network, the rollup
rows read back, and an independent recomputation of every rollup from raw snapshots
(the oracle the incremental path is checked against)."""

from __future__ import annotations

import zoneinfo
from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any

from accounts.models import Membership
from accounts.tenancy import scopes_disabled
from advocacy.models import Share, ShareState, SocialConnection
from analytics.models import ItemDay, MemberDay, MetricSnapshot, OrgDay, ShareDay, ShareMetrics
from analytics.models.metrics import COUNTERS
from analytics.services.metrics import share_metrics_start
from content.models import ContentItem
from tests.advocacy.support import connect

Counters = tuple[int | None, ...]


def posted_share(
    membership: Membership,
    *,
    posted_at: datetime,
    network: str = "x",
    item: ContentItem | None = None,
    connection: SocialConnection | None = None,
    external_id: str = "",
    start: bool = True,
) -> Share:
    """A share already on the network (as the posting pipeline leaves it), with its
    metric schedule started."""
    with scopes_disabled():  # test set-up, outside any request
        connection = connection or (
            SocialConnection.objects.filter(membership=membership, network=network).first()
            or connect(membership, network=network)
        )
        share = Share.objects.create(
            organization=membership.organization,
            membership=membership,
            connection=connection,
            network=network,
            item=item,
            text="We shipped it",
            body="We shipped it",
            state=ShareState.POSTED,
            posted_at=posted_at,
            external_id=external_id or f"post-{Share.objects.count() + 1}-{posted_at.timestamp():.0f}",
        )
        if start:
            share_metrics_start(share=share)
        return share


def counters_of(row: Any) -> Counters:
    return tuple(getattr(row, name) for name in COUNTERS)


def rollups_of(organization_id: int) -> dict[str, dict[Any, Any]]:
    """Every rollup row of an organisation, keyed as its unique constraint."""
    with scopes_disabled():  # reading back for the assertion
        filtered: dict[str, Any] = {"organization_id": organization_id}
        return {
            "share_metrics": {
                row.share_id: (*counters_of(row), row.snapshots, row.captured_at)
                for row in ShareMetrics.objects.filter(**filtered)
            },
            "share_day": {(row.share_id, row.day): counters_of(row) for row in ShareDay.objects.filter(**filtered)},
            "member_day": {
                (row.membership_id, row.day, row.network): (*counters_of(row), row.shares_posted)
                for row in MemberDay.objects.filter(**filtered)
            },
            "item_day": {
                (row.item_id, row.day, row.network): (*counters_of(row), row.shares_posted)
                for row in ItemDay.objects.filter(**filtered)
            },
            "org_day": {
                (row.day, row.network): (*counters_of(row), row.shares_posted)
                for row in OrgDay.objects.filter(**filtered)
            },
        }


def recomputed_rollups(organization_id: int, timezone_name: str) -> dict[str, dict[Any, Any]]:
    """The same rollups computed from scratch: every raw snapshot of every share in
    time order, one at a time, with the documented rules (a counter's first known value
    counts from zero, unknown adds nothing and keeps the last known value, a snapshot
    older than the share's latest moves nothing)."""
    zone = zoneinfo.ZoneInfo(timezone_name)
    with scopes_disabled():  # reading back for the assertion
        metrics = list(ShareMetrics.objects.filter(organization_id=organization_id))
        snapshots: dict[int, list[MetricSnapshot]] = defaultdict(list)
        for snapshot in MetricSnapshot.objects.filter(organization_id=organization_id).order_by("id"):
            snapshots[snapshot.share_id].append(snapshot)
    share_metrics: dict[int, Any] = {}
    share_day: dict[tuple[int, date], Counters] = {}
    gains: dict[str, dict[Any, list[int | None]]] = {"member_day": {}, "item_day": {}, "org_day": {}}
    posted: dict[str, dict[Any, int]] = {
        "member_day": defaultdict(int),
        "item_day": defaultdict(int),
        "org_day": defaultdict(int),
    }

    def keys(row: ShareMetrics, day: date) -> dict[str, Any]:
        found = {"member_day": (row.membership_id, day, row.network), "org_day": (day, row.network)}
        if row.item_id is not None:
            found["item_day"] = (row.item_id, day, row.network)
        return found

    for row in metrics:
        for kind, key in keys(row, row.posted_at.astimezone(zone).date()).items():
            posted[kind][key] += 1
            gains[kind].setdefault(key, [None] * len(COUNTERS))
        known: list[int | None] = [None] * len(COUNTERS)
        latest_at: datetime | None = None
        for snapshot in snapshots.get(row.share_id, []):  # arrival order = id order
            if latest_at is not None and snapshot.captured_at <= latest_at:
                continue
            latest_at = snapshot.captured_at
            day = snapshot.captured_at.astimezone(zone).date()
            for index, name in enumerate(COUNTERS):
                value = getattr(snapshot, name)
                if value is None:
                    continue
                gain = value - (known[index] or 0)
                known[index] = value
                for kind, key in keys(row, day).items():
                    totals = gains[kind].setdefault(key, [None] * len(COUNTERS))
                    totals[index] = (totals[index] or 0) + gain
            for kind, key in keys(row, day).items():
                gains[kind].setdefault(key, [None] * len(COUNTERS))
            share_day[(row.share_id, day)] = tuple(known)
        share_metrics[row.share_id] = (*known, len(snapshots.get(row.share_id, [])), latest_at)
    return {
        "share_metrics": share_metrics,
        "share_day": share_day,
        **{
            kind: {key: (*values, posted[kind].get(key, 0)) for key, values in rows.items()}
            for kind, rows in gains.items()
        },
    }


def hours(value: float) -> timedelta:
    return timedelta(hours=value)


def without_empty_days(rollups: dict[str, dict[Any, Any]]) -> dict[str, dict[Any, Any]]:
    """`rollups` without the day rows that carry no counter and no posted share. The
    generator's click pass adds such rows for a click on a day with no snapshot, and a
    recomputation of snapshots adds them for a snapshot that reported nothing known:
    neither is a figure, and clicks have their own test."""

    def empty(value: Any) -> bool:
        return all(part is None for part in value[:-1]) and value[-1] == 0

    return {
        kind: {key: value for key, value in rows.items() if kind in ("share_metrics", "share_day") or not empty(value)}
        for kind, rows in rollups.items()
    }
