"""Reading notifications: a member sees only their own, and only delivered ones (held
notifications stay invisible until their time comes)."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import Membership, Notification, NotificationPreference


def notifications_for_member(*, membership: Membership, unread: bool = False) -> QuerySet[Notification]:
    """The member's delivered notifications, newest first."""
    notifications = Notification.objects.filter(
        organization=membership.organization_id, recipient=membership, delivered_at__isnull=False
    )
    if unread:
        notifications = notifications.filter(read_at__isnull=True)
    return notifications.order_by("-delivered_at", "-pk")


def unread_notification_count(*, membership: Membership) -> int:
    return notifications_for_member(membership=membership, unread=True).count()


def notification_preference_of(*, membership: Membership) -> NotificationPreference:
    """The member's preferences; the defaults (unsaved) when they never changed them."""
    found = NotificationPreference.objects.filter(
        organization=membership.organization_id, membership=membership
    ).first()
    return found or NotificationPreference(organization_id=membership.organization_id, membership=membership)
