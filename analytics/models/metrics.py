"""Engagement metrics: the raw snapshot log and the daily rollups every report reads.

- `MetricSnapshot` is append-only: one row each time a share's counters are fetched.
  Counters from the networks are cumulative (a post's likes so far). On PostgreSQL the
  table is range-partitioned by month on `captured_at` (migration 0002 creates it, the
  `analytics.metrics-partitions` beat task keeps future months ready), its primary key
  is (organization_id, id, captured_at) because PostgreSQL needs the partition key in
  every unique constraint and Citus the distribution column. On SQLite it is a plain
  table. Old months leave with DROP/DETACH PARTITION, never DELETE.
- `ShareMetrics` holds each posted share's latest cumulative values and its place on
  the collection schedule; it is the "previous value" an incoming snapshot is compared
  with, so rollups add only what changed (no rescans).
- `ShareDay` keeps a share's cumulative values as of the end of each day it was
  measured (upserts of the latest value).
- `MemberDay`, `ItemDay` and `OrgDay` hold what was *gained* on a day (deltas of the
  cumulative counters, shares posted that day, tracked clicks that day), per network:
  summing a period's rows gives the period's totals, whatever the grain.

Unknown is not zero: a counter a network does not provide is NULL in snapshots and
shares, and stays NULL in a day row until some share of that row reports it.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import models
from django.utils.timezone import now

from accounts.models import Membership
from accounts.tenancy import TenantModel
from advocacy.models import Share
from content.lib.networks import Network
from content.models import ContentItem

# When a posted share is measured, counted from its posting time. The last step ends
# the schedule; X's non-public metrics are only available during the first 30 days.
COLLECTION_SCHEDULE: tuple[timedelta, ...] = (
    timedelta(hours=1),
    timedelta(hours=6),
    timedelta(days=1),
    timedelta(days=3),
    timedelta(days=7),
    timedelta(days=14),
    timedelta(days=30),
)

# The cumulative counters the networks report, in the order snapshots store them.
COUNTERS: tuple[str, ...] = ("impressions", "reach", "reactions", "comments", "reshares", "network_clicks")


class MetricSnapshot(TenantModel):
    """One fetch of one share's counters. Never updated, never deleted row by row.

    `share` has no database constraint: the table is a log partitioned by time, and a
    deleted share's history is dropped with its month, not by a cascade across every
    partition."""

    id = models.BigAutoField(primary_key=True)
    share = models.ForeignKey(Share, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")
    network = models.CharField(max_length=16, choices=Network.choices())
    captured_at = models.DateTimeField()
    impressions = models.BigIntegerField(null=True, blank=True)
    reach = models.BigIntegerField(null=True, blank=True)
    reactions = models.BigIntegerField(null=True, blank=True)
    comments = models.BigIntegerField(null=True, blank=True)
    reshares = models.BigIntegerField(null=True, blank=True)
    network_clicks = models.BigIntegerField(null=True, blank=True, help_text="Link clicks as the network counts them.")

    class Meta:
        indexes = [
            models.Index(fields=["organization", "share", "captured_at"], name="analytics_snap_org_share_at"),
        ]

    def __str__(self) -> str:
        return f"Snapshot of share {self.share_id} at {self.captured_at:%Y-%m-%d %H:%M}"


class CounterColumns(models.Model):
    """The cumulative counters (or, on day rollups, their gains). NULL = unknown."""

    impressions = models.BigIntegerField(null=True, blank=True)
    reach = models.BigIntegerField(null=True, blank=True)
    reactions = models.BigIntegerField(null=True, blank=True)
    comments = models.BigIntegerField(null=True, blank=True)
    reshares = models.BigIntegerField(null=True, blank=True)
    network_clicks = models.BigIntegerField(null=True, blank=True)

    class Meta:
        abstract = True


class ShareMetrics(TenantModel, CounterColumns):
    """A posted share's latest counters and its collection schedule.

    Denormalised (member, item, network, posting time) so that rolling a snapshot up
    needs no join back to the share."""

    share = models.OneToOneField(Share, on_delete=models.CASCADE, primary_key=True, related_name="metrics")
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    item = models.ForeignKey(ContentItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    network = models.CharField(max_length=16, choices=Network.choices())
    posted_at = models.DateTimeField()
    captured_at = models.DateTimeField(null=True, blank=True, help_text="When the latest snapshot was taken.")
    snapshots = models.PositiveIntegerField(default=0)
    # Tracked-link clicks (from advocacy's link counters), kept here for the share's page.
    clicks = models.BigIntegerField(default=0)
    unique_clicks = models.BigIntegerField(default=0)
    # The schedule: the index into COLLECTION_SCHEDULE of the next collection, and when
    # it is due; NULL once the schedule is finished (or the share can no longer be read).
    collect_step = models.PositiveSmallIntegerField(default=0)
    next_collect_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["organization", "membership", "posted_at"], name="analytics_sharem_member"),
            models.Index(fields=["organization", "item"], name="analytics_sharem_item"),
            # The collector's scan: due rows across tenants, oldest first.
            models.Index(
                fields=["next_collect_at"],
                name="analytics_sharem_due",
                condition=models.Q(next_collect_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"Metrics of share {self.share_id}"


class ShareDay(TenantModel, CounterColumns):
    """A share's cumulative counters as of the end of `day` (the organisation's day)."""

    share = models.ForeignKey(Share, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "share", "day"], name="analytics_shareday_unique"),
        ]

    def __str__(self) -> str:
        return f"Share {self.share_id} on {self.day}"


class DayRollup(TenantModel, CounterColumns):
    """What was gained on one day, on one network: counter deltas, shares posted, clicks."""

    day = models.DateField()
    network = models.CharField(max_length=16, choices=Network.choices())
    shares_posted = models.PositiveIntegerField(default=0)
    clicks = models.BigIntegerField(default=0, help_text="Tracked-link clicks, bots excluded.")
    unique_clicks = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(default=now)

    class Meta:
        abstract = True


class MemberDay(DayRollup):
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "membership", "day", "network"], name="analytics_memberday_unique"
            ),
        ]
        indexes = [models.Index(fields=["organization", "day"], name="analytics_memberday_org_day")]

    def __str__(self) -> str:
        return f"Member {self.membership_id} on {self.day} ({self.network})"


class ItemDay(DayRollup):
    item = models.ForeignKey(ContentItem, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "item", "day", "network"], name="analytics_itemday_unique"),
        ]
        indexes = [models.Index(fields=["organization", "day"], name="analytics_itemday_org_day")]

    def __str__(self) -> str:
        return f"Item {self.item_id} on {self.day} ({self.network})"


class OrgDay(DayRollup):
    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "day", "network"], name="analytics_orgday_unique"),
        ]

    def __str__(self) -> str:
        return f"Organisation {self.organization_id} on {self.day} ({self.network})"


class ConnectionMetricsPause(TenantModel):
    """Metric reads of one connection are paused (the network's rate limit for reading
    is not the one for posting, so posting keeps its own pause on the connection)."""

    connection = models.OneToOneField(
        "advocacy.SocialConnection", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    paused_until = models.DateTimeField()
    reason = models.CharField(max_length=300, blank=True)

    def __str__(self) -> str:
        return f"Metrics of connection {self.connection_id} paused until {self.paused_until}"


class RollupWatermark(models.Model):
    """How far a periodic job has got (platform-wide, not a tenant's row): the click
    rollup re-reads only link-day rows changed after its watermark."""

    name = models.CharField(max_length=60, primary_key=True)
    value = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name}: {self.value}"
