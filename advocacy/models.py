"""Advocacy: the social accounts employees connect, the shares they compose and the
workers deliver, tracked links and their clicks, and the organisation's guardrails.

A `Share` is one post to one connected account: composing a post for LinkedIn and X
makes two shares with the same `batch_id`. Its `idempotency_key` is unique, and the
posting pipeline (`advocacy.services.posting`) moves it through `SHARE_TRANSITIONS`
with conditional updates, so two workers or a redelivered message never post twice.
"""

from __future__ import annotations

import uuid
from datetime import time

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.timezone import now

from accounts.models import Membership
from accounts.tenancy import TenantModel
from content.lib.networks import Network
from content.models import Caption, ContentItem


class AdvocacySettings(TenantModel):
    """An organisation's guardrails for sharing."""

    brand_shares_per_week = models.PositiveSmallIntegerField(
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(50)],
        help_text="How many company posts one employee may share in seven days.",
    )
    brand_mix_percent = models.PositiveSmallIntegerField(
        default=20,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text="Nudge employees whose company posts pass this share of what they post through Chorus (80/20).",
    )
    quiet_hours_start = models.TimeField(
        default=time(21, 0), null=True, blank=True, help_text="No scheduled post goes out from this local time…"
    )
    quiet_hours_end = models.TimeField(default=time(7, 0), null=True, blank=True, help_text="…until this one.")
    originality_warn = models.PositiveSmallIntegerField(
        default=70,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text="Warn when a caption is at least this similar (%) to a suggested caption or a colleague's post.",
    )
    originality_block = models.PositiveSmallIntegerField(
        default=90,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text="Refuse a caption at least this similar (%) to a colleague's post for the same item.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization"], name="advocacy_settings_one_per_org")]

    def __str__(self) -> str:
        return f"Advocacy settings of {self.organization_id}"


class ProviderApp(TenantModel):
    """A client registration Chorus made for the organisation on one instance of a
    federated network (Mastodon registers an app per instance). LinkedIn, X and the
    Sandbox use one registration for the whole installation, from settings."""

    network = models.CharField(max_length=16, choices=Network.choices())
    instance_url = models.URLField(max_length=300)
    client_id = models.CharField(max_length=200)
    client_secret_encrypted = models.TextField(blank=True)
    created_at = models.DateTimeField(default=now, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "network", "instance_url"], name="advocacy_providerapp_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.network} app on {self.instance_url}"


class ConnectionStatus(models.TextChoices):
    ACTIVE = "active", "Connected"
    NEEDS_RECONNECT = "needs_reconnect", "Needs reconnecting"
    DISCONNECTED = "disconnected", "Disconnected"


class SocialConnection(TenantModel):
    """An employee's own account on a network, connected through OAuth (Bluesky: an app
    password). Tokens are encrypted at rest (accounts.lib.crypto) and refreshed under a
    row lock (advocacy.services.connections.connection_fresh_token)."""

    public_id = models.UUIDField(default=uuid.uuid4, editable=False)
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    network = models.CharField(max_length=16, choices=Network.choices())
    instance_url = models.URLField(max_length=300, blank=True, help_text="Mastodon instance or Bluesky PDS.")
    external_user_id = models.CharField(max_length=200)
    author_ref = models.CharField(max_length=300)
    handle = models.CharField(max_length=200, blank=True)
    display_name = models.CharField(max_length=200, blank=True)
    profile_url = models.URLField(max_length=500, blank=True)

    access_token_encrypted = models.TextField(blank=True)
    refresh_token_encrypted = models.TextField(blank=True)
    token_expires_at = models.DateTimeField(null=True, blank=True)
    refresh_expires_at = models.DateTimeField(null=True, blank=True)
    scopes = models.CharField(max_length=500, blank=True)
    token_extra = models.JSONField(default=dict, blank=True)  # non-secret extras: DID, PDS

    status = models.CharField(max_length=20, choices=ConnectionStatus.choices, default=ConnectionStatus.ACTIVE)
    status_reason = models.CharField(max_length=300, blank=True)
    # Rate limited: no request to this account's network before this moment.
    paused_until = models.DateTimeField(null=True, blank=True)
    connected_at = models.DateTimeField(default=now)
    last_refreshed_at = models.DateTimeField(null=True, blank=True)
    reconnect_notified_at = models.DateTimeField(null=True, blank=True)
    expiry_warned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["network", "handle"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "public_id"], name="advocacy_connection_public_id"),
            models.UniqueConstraint(
                fields=["organization", "membership", "network", "instance_url", "external_user_id"],
                name="advocacy_connection_account",
            ),
        ]
        indexes = [models.Index(fields=["organization", "status", "token_expires_at"], name="advocacy_conn_expiry")]

    def __str__(self) -> str:
        return f"{self.get_network_display()} {self.handle or self.external_user_id}"

    @property
    def is_usable(self) -> bool:
        return self.status == ConnectionStatus.ACTIVE


class ShareKind(models.TextChoices):
    BRAND = "brand", "Company content"
    PERSONAL = "personal", "Personal post"


class ShareState(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    QUEUED = "queued", "Queued"
    POSTING = "posting", "Posting"
    RETRY_WAIT = "retry_wait", "Waiting to retry"
    NEEDS_RECONCILE = "needs_reconcile", "Checking"
    POSTED = "posted", "Posted"
    FAILED = "failed", "Failed"
    NEEDS_RECONNECT = "needs_reconnect", "Reconnect needed"
    CANCELLED = "cancelled", "Cancelled"


# The posting pipeline's allowed moves, in one place: advocacy.services.posting makes
# each one with `UPDATE … WHERE state IN (from)`, so a move that lost a race changes
# nothing. `posting` is only ever entered by a worker's claim.
SHARE_TRANSITIONS: dict[str, tuple[frozenset[ShareState], ShareState]] = {
    "dispatch": (frozenset({ShareState.SCHEDULED}), ShareState.QUEUED),
    "claim": (
        frozenset({ShareState.QUEUED, ShareState.RETRY_WAIT, ShareState.NEEDS_RECONCILE}),
        ShareState.POSTING,
    ),
    "posted": (frozenset({ShareState.POSTING}), ShareState.POSTED),
    "retry_later": (frozenset({ShareState.POSTING}), ShareState.RETRY_WAIT),
    "reconcile_later": (frozenset({ShareState.POSTING}), ShareState.NEEDS_RECONCILE),
    "fail": (frozenset({ShareState.POSTING}), ShareState.FAILED),
    "needs_reconnect": (frozenset({ShareState.POSTING}), ShareState.NEEDS_RECONNECT),
    "retry": (frozenset({ShareState.FAILED, ShareState.NEEDS_RECONNECT}), ShareState.QUEUED),
    # A retry of a share that was sent before must look for the earlier post first.
    "retry_checked": (frozenset({ShareState.FAILED, ShareState.NEEDS_RECONNECT}), ShareState.NEEDS_RECONCILE),
    "cancel": (
        frozenset({ShareState.SCHEDULED, ShareState.RETRY_WAIT, ShareState.NEEDS_RECONNECT}),
        ShareState.CANCELLED,
    ),
    # A worker that died mid-call leaves `posting` behind: the sweeper hands it to reconcile.
    "stale": (frozenset({ShareState.POSTING}), ShareState.NEEDS_RECONCILE),
}
OPEN_STATES = frozenset(
    {ShareState.SCHEDULED, ShareState.QUEUED, ShareState.POSTING, ShareState.RETRY_WAIT, ShareState.NEEDS_RECONCILE}
)


class Share(TenantModel):
    """One post to one connected account."""

    public_id = models.UUIDField(default=uuid.uuid4, editable=False)
    batch_id = models.UUIDField(default=uuid.uuid4, help_text="Shares composed together, one per account.")
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    connection = models.ForeignKey(SocialConnection, on_delete=models.PROTECT, related_name="shares")
    network = models.CharField(max_length=16, choices=Network.choices())
    kind = models.CharField(max_length=10, choices=ShareKind.choices, default=ShareKind.BRAND)
    item = models.ForeignKey(ContentItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    caption = models.ForeignKey(
        Caption,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The suggestion it started from.",
    )
    text = models.TextField(help_text="The employee's words.")
    body = models.TextField(help_text="What is posted: the words, the disclosure and the tracked link.")
    originality = models.FloatField(null=True, blank=True, help_text="1 = all their own words, 0 = a copy.")

    state = models.CharField(max_length=20, choices=ShareState.choices, default=ShareState.QUEUED)
    idempotency_key = models.UUIDField(default=uuid.uuid4, editable=False)
    scheduled_for = models.DateTimeField(default=now)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True, help_text="When a create request last went out.")
    posted_at = models.DateTimeField(null=True, blank=True)
    external_id = models.CharField(max_length=300, blank=True)
    external_url = models.URLField(max_length=500, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    # What the employee can do about the error: "", "retry", "reconnect", "edit".
    error_action = models.CharField(max_length=12, blank=True)
    created_at = models.DateTimeField(default=now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "public_id"], name="advocacy_share_public_id"),
            models.UniqueConstraint(fields=["organization", "idempotency_key"], name="advocacy_share_idempotency"),
            models.UniqueConstraint(
                fields=["organization", "batch_id", "connection"], name="advocacy_share_per_account"
            ),
            # Per account: status ids are only unique within one Mastodon instance.
            models.UniqueConstraint(
                fields=["organization", "connection", "external_id"],
                condition=~Q(external_id=""),
                name="advocacy_share_external_id",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "scheduled_for"], name="advocacy_share_due"),
            models.Index(fields=["state", "next_attempt_at"], name="advocacy_share_retry"),
            models.Index(fields=["organization", "membership", "created_at"], name="advocacy_share_member"),
            models.Index(fields=["organization", "item", "state"], name="advocacy_share_item"),
        ]

    def __str__(self) -> str:
        return f"Share {self.public_id} ({self.network}, {self.state})"


class ShareAttempt(TenantModel):
    """Every call the pipeline made for a share, and what came of it (shown as history)."""

    share = models.ForeignKey(Share, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveSmallIntegerField()
    action = models.CharField(max_length=12)  # publish / reconcile / refresh
    outcome = models.CharField(max_length=40)
    detail = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=now, editable=False)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.action} #{self.number}: {self.outcome}"


class ShareFingerprint(TenantModel):
    """The MinHash signature of a posted or queued caption, per item, so the composer can
    compare a new caption with every colleague's in one indexed read."""

    share = models.OneToOneField(Share, on_delete=models.CASCADE, primary_key=True, related_name="fingerprint")
    item = models.ForeignKey(ContentItem, on_delete=models.CASCADE, related_name="+")
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    # 128 unsigned 64-bit slots, packed (advocacy.services.shares): decoding thousands of
    # them for one composer check is ten times faster than JSON.
    signature = models.BinaryField()

    class Meta:
        indexes = [models.Index(fields=["organization", "item"], name="advocacy_fingerprint_item")]


class TrackedLink(TenantModel):
    """`/s/<code>`: the share's own short link to the item's address with UTM tags. The
    redirect only ever goes to `target_url`, stored when the share was made."""

    code = models.CharField(max_length=16)
    # The share is the key: one link per share, and no second unique column for Citus to
    # distribute (codes are unique per organisation, and checked across all of them).
    share = models.OneToOneField(Share, on_delete=models.CASCADE, primary_key=True, related_name="tracked_link")
    target_url = models.URLField(max_length=2500)
    created_at = models.DateTimeField(default=now, editable=False)
    # Totals flushed from the click counters (advocacy.services.links).
    clicks = models.PositiveIntegerField(default=0)
    unique_clicks = models.PositiveIntegerField(default=0)
    bot_clicks = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "code"], name="advocacy_link_code")]
        indexes = [models.Index(fields=["code"], name="advocacy_link_code_lookup")]

    def __str__(self) -> str:
        return f"/s/{self.code}"


class LinkClickDay(TenantModel):
    """A tracked link's clicks on one UTC day: absolute totals, so a re-flush is harmless."""

    link = models.ForeignKey(TrackedLink, on_delete=models.CASCADE, related_name="days")
    day = models.DateField()
    clicks = models.PositiveIntegerField(default=0)
    unique_clicks = models.PositiveIntegerField(default=0)
    bot_clicks = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "link", "day"], name="advocacy_clickday_unique")]

    def __str__(self) -> str:
        return f"{self.link_id} {self.day}: {self.clicks}"


class LinkVisitor(TenantModel):
    """A hashed, daily-salted visitor key per link and day, for unique clicks when there
    is no Redis (the embedded mode); with Redis a HyperLogLog counts them instead."""

    link = models.ForeignKey(TrackedLink, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    visitor = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "link", "day", "visitor"], name="advocacy_linkvisitor_unique"
            )
        ]


class ProviderPause(models.Model):
    """An app-wide circuit breaker: the whole network app (one per installation, or one
    per Mastodon instance) hit a cap, so no account posts there before `paused_until`.
    Global, not tenant-owned: the app is shared by every organisation."""

    network = models.CharField(max_length=16, choices=Network.choices())
    instance_url = models.CharField(max_length=300, blank=True)
    paused_until = models.DateTimeField()
    reason = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["network", "instance_url"], name="advocacy_providerpause_unique")
        ]

    def __str__(self) -> str:
        return f"{self.network} paused until {self.paused_until}"
