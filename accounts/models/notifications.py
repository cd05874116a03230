"""In-app notifications and each member's notification preferences.

A notification is created with `deliver_after`, the first moment the recipient may be
reached (quiet hours, and working hours for hourly staff: accounts.lib.availability).
Until `delivered_at` is set it is held: invisible in the bell and the list, and its
email unsent. `accounts.services.notifications` writes both; the beat job
`accounts.tasks.notifications_release` releases held ones when their time comes.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.timezone import now

from accounts.tenancy import TenantModel


class NotificationKind(models.TextChoices):
    ANNOUNCEMENT = "announcement", "Announcement"
    CONTENT = "content", "New content"
    ONBOARDING = "onboarding", "Onboarding"
    SYSTEM = "system", "Chorus"


class Notification(TenantModel):
    public_id = models.UUIDField(default=uuid.uuid4, editable=False)
    recipient = models.ForeignKey("accounts.Membership", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=NotificationKind.choices, default=NotificationKind.SYSTEM)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True, max_length=4000)
    # A path in Chorus (/o/…) or an http(s) address; checked by the service.
    url = models.CharField(max_length=2000, blank=True)
    created_at = models.DateTimeField(default=now, editable=False)
    deliver_after = models.DateTimeField(help_text="The first moment the recipient may be reached.")
    delivered_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    email = models.BooleanField(default=False, help_text="Also sent by email when delivered.")
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-deliver_after", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "public_id"], name="accounts_notification_public_id"),
        ]
        indexes = [
            # The bell and the list: a member's delivered notifications, newest first.
            models.Index(
                fields=["organization", "recipient", "-deliver_after"],
                condition=models.Q(delivered_at__isnull=False),
                name="accounts_notif_inbox",
            ),
            # The release job: held notifications by due time.
            models.Index(
                fields=["organization", "deliver_after"],
                condition=models.Q(delivered_at__isnull=True),
                name="accounts_notif_held",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class DigestFrequency(models.TextChoices):
    OFF = "off", "Off"
    DAILY = "daily", "Daily"
    WEEKLY = "weekly", "Weekly (Mondays)"


class NotificationPreference(TenantModel):
    """A member's choices about what reaches them by email. Members without a row have
    the defaults (a daily digest); the row is created when first needed."""

    membership = models.ForeignKey("accounts.Membership", on_delete=models.CASCADE, related_name="+")
    digest = models.CharField(max_length=10, choices=DigestFrequency.choices, default=DigestFrequency.DAILY)
    # The digest slot (08:00 local of a day, or of a Monday) the last digest covered,
    # and when it was sent: the next digest lists what was published since.
    digest_covered_until = models.DateTimeField(null=True, blank=True, editable=False)
    digest_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "membership"], name="accounts_notificationpreference_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"Notification preferences of {self.membership_id}"
