"""Writing notifications: `notify` (hold until the recipient may be reached, never
drop), the release of held ones, their emails, read state, preferences and the
signed one-click unsubscribe links of digest emails.

Delivery is claimed with conditional UPDATEs (`… WHERE delivered_at IS NULL`,
`… WHERE emailed_at IS NULL`), so two overlapping runs of the release job, or a
duplicate task delivery, deliver and email each notification once. An email is
claimed and sent in one transaction: if the mail server refuses, the claim rolls back
and the next run tries again (at least once within EMAIL_RETRY_WINDOW; a crash between
the server's acceptance and our commit can repeat one email, never lose it).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import URLValidator
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.lib.availability import Availability, next_allowed_time_for
from accounts.models import (
    DigestFrequency,
    Membership,
    MembershipStatus,
    Notification,
    NotificationKind,
    NotificationPreference,
    Organization,
)
from accounts.tenancy import scopes_disabled

logger = logging.getLogger(__name__)

UNSUBSCRIBE_SALT = "accounts.notifications.unsubscribe"
# Links in old emails keep working for a quarter; after that the profile page does it.
UNSUBSCRIBE_MAX_AGE = timedelta(days=90)
# What an unsubscribe link can turn off: the setting named in the token → its label.
UNSUBSCRIBE_SETTINGS = {"digest": "email digests of new content"}
# A notification email the mail server keeps refusing is retried for this long.
EMAIL_RETRY_WINDOW = timedelta(days=1)

_http_url = URLValidator(schemes=["http", "https"])


# Availability ----------------------------------------------------------------------


def member_availability(membership: Membership) -> Availability:
    """The member's reachability rules as plain values (accounts.lib.availability)."""
    return Availability(
        zone_name=membership.effective_timezone,
        work_days=membership.work_days,
        work_start=membership.work_start,
        work_end=membership.work_end,
        quiet_start=membership.quiet_hours_start,
        quiet_end=membership.quiet_hours_end,
        is_hourly=membership.is_hourly,
    )


def member_next_allowed_time(*, membership: Membership, at: datetime) -> datetime:
    """The first moment at or after `at` at which the member may be reached."""
    return next_allowed_time_for(at, member_availability(membership))


# Creating ----------------------------------------------------------------------------


def _check_url(url: str) -> str:
    """A path inside Chorus or an http(s) address: a notification link is shown as a
    link, so `javascript:` and the like must never get in."""
    url = url.strip()
    if not url:
        return ""
    if url.startswith("/") and not url.startswith("//") and "\\" not in url:
        return url
    try:
        _http_url(url)
    except ValidationError:
        raise ValidationError({"url": "Use a path in Chorus (/o/…) or a web address starting with https://."}) from None
    return url


def _build(
    *, membership: Membership, kind: str, title: str, body: str, url: str, email: bool, now: datetime
) -> Notification:
    deliver_after = member_next_allowed_time(membership=membership, at=now)
    notification = Notification(
        organization_id=membership.organization_id,
        recipient=membership,
        kind=kind,
        title=title.strip(),
        body=body.strip(),
        url=_check_url(url),
        created_at=now,
        deliver_after=deliver_after,
        # Due now: visible at once, without waiting for the release job.
        delivered_at=now if deliver_after <= now else None,
        email=email,
    )
    notification.full_clean(exclude=["organization", "recipient"], validate_constraints=False)
    return notification


def _send_due_emails_on_commit(organization_id: int) -> None:
    from accounts.tasks import notifications_email_due

    transaction.on_commit(lambda: notifications_email_due.delay(organization_id=organization_id))


@transaction.atomic
def notify(
    *,
    membership: Membership,
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    email: bool = False,
    now: datetime | None = None,
) -> Notification:
    """Notify one member. Delivered at once when they may be reached now; otherwise
    held (invisible, email unsent) until their next allowed moment, when
    `notifications_release` delivers it. Never dropped."""
    now = now or timezone.now()
    notification = _build(membership=membership, kind=kind, title=title, body=body, url=url, email=email, now=now)
    notification.save()
    if email and notification.delivered_at is not None:
        _send_due_emails_on_commit(membership.organization_id)
    return notification


@transaction.atomic
def notify_many(
    *,
    organization: Organization,
    memberships: Iterable[Membership],
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    email: bool = False,
    now: datetime | None = None,
) -> list[Notification]:
    """`notify` for many members of one organisation, in one INSERT; each member's
    delivery time is their own."""
    now = now or timezone.now()
    notifications = []
    for membership in memberships:
        if membership.organization_id != organization.pk:
            raise ValidationError("A notification cannot go to another organisation's member.")
        notifications.append(
            _build(membership=membership, kind=kind, title=title, body=body, url=url, email=email, now=now)
        )
    Notification.objects.bulk_create(notifications)
    if email and any(n.delivered_at is not None for n in notifications):
        _send_due_emails_on_commit(organization.pk)
    return notifications


# Releasing and emailing ---------------------------------------------------------------


def notifications_release(*, organization: Organization, now: datetime | None = None) -> int:
    """Deliver the organisation's held notifications whose time has come and send the
    emails that are due. Returns how many were delivered. Safe to run twice at once."""
    now = now or timezone.now()
    # One conditional UPDATE: a row another run delivered first no longer matches.
    delivered = Notification.objects.filter(
        organization=organization, delivered_at__isnull=True, deliver_after__lte=now
    ).update(delivered_at=now)
    notifications_email_send_due(organization=organization, now=now)
    return delivered


def notifications_email_send_due(*, organization: Organization, now: datetime | None = None) -> int:
    """Email every delivered, not yet emailed notification that asks for an email.
    Returns how many were sent."""
    now = now or timezone.now()
    due = list(
        Notification.objects.filter(
            organization=organization,
            email=True,
            emailed_at__isnull=True,
            delivered_at__isnull=False,
            delivered_at__gte=now - EMAIL_RETRY_WINDOW,
        ).values_list("pk", flat=True)
    )
    sent = 0
    for pk in due:
        try:
            sent += notification_email_send(organization=organization, notification_id=pk, now=now)
        except OSError:
            logger.warning("notification %s: the mail server refused; retrying on the next run", pk, exc_info=True)
    return sent


@transaction.atomic
def notification_email_send(*, organization: Organization, notification_id: int, now: datetime | None = None) -> bool:
    """Claim and send one notification's email; False if it was not due or another run
    claimed it first."""
    now = now or timezone.now()
    # The UPDATE takes the row lock: a concurrent run waits here, then sees emailed_at
    # set and claims nothing. A failed send rolls the claim back.
    claimed = Notification.objects.filter(
        organization=organization,
        pk=notification_id,
        email=True,
        emailed_at__isnull=True,
        delivered_at__isnull=False,
    ).update(emailed_at=now)
    if not claimed:
        return False
    notification = (
        Notification.objects.select_related("recipient__user", "organization")
        .filter(organization=organization, pk=notification_id)
        .get()
    )
    recipient = notification.recipient
    if recipient.status != MembershipStatus.ACTIVE or not recipient.user.is_active:
        return False  # left since: the claim stays, so nobody emails them later
    link = notification.url
    if link.startswith("/"):
        link = settings.SITE_URL + link
    context = {
        "notification": notification,
        "organization": organization,
        "link": link,
        "inbox_url": settings.SITE_URL + reverse("accounts:notification_list", kwargs={"org_slug": organization.slug}),
        "profile_url": settings.SITE_URL + reverse("accounts:profile", kwargs={"org_slug": organization.slug}),
    }
    EmailMessage(
        subject=f"[{organization.name}] {notification.title}",
        body=render_to_string("accounts/email/notification.txt", context),
        to=[recipient.user.email],
    ).send()
    return True


# Reading state -------------------------------------------------------------------------


def notification_mark_read(*, notification: Notification, now: datetime | None = None) -> Notification:
    """Mark one delivered notification read (again is harmless)."""
    if notification.delivered_at is None:
        raise ValidationError("This notification has not been delivered yet.")
    if notification.read_at is None:
        notification.read_at = now or timezone.now()
        Notification.objects.filter(
            organization=notification.organization_id, pk=notification.pk, read_at__isnull=True
        ).update(read_at=notification.read_at)
    return notification


def notifications_mark_all_read(*, membership: Membership, now: datetime | None = None) -> int:
    """Mark every delivered, unread notification of the member read; held ones stay
    unread, so they are not lost before they were ever shown."""
    return Notification.objects.filter(
        organization=membership.organization_id,
        recipient=membership,
        delivered_at__isnull=False,
        read_at__isnull=True,
    ).update(read_at=now or timezone.now())


# Preferences ---------------------------------------------------------------------------


def notification_preference_get(*, membership: Membership) -> NotificationPreference:
    """The member's preferences, created with the defaults on first use."""
    preference, _ = NotificationPreference.objects.get_or_create(
        organization_id=membership.organization_id, membership=membership
    )
    return preference


@transaction.atomic
def notification_preference_update(*, membership: Membership, digest: str) -> NotificationPreference:
    preference = notification_preference_get(membership=membership)
    preference.digest = digest
    preference.full_clean(exclude=["organization", "membership"], validate_constraints=False)
    preference.save(update_fields=["digest", "updated_at"])
    return preference


@dataclass(frozen=True)
class DigestClaim:
    """A digest this caller may send: what it covers starts at `since`."""

    preference: NotificationPreference
    since: datetime | None  # the previous digest's sending time; None for the first


def digest_claim(*, membership: Membership, slot: datetime, now: datetime) -> DigestClaim | None:
    """Claim the member's digest for `slot` (the scheduled 08:00 it stands for), or None
    when digests are off or this slot, or a later one, is already covered.

    Call it inside the transaction that sends the email: the conditional UPDATE holds
    the row lock until then, so a concurrent run claims nothing, and a failed send
    rolls the claim back for the next run."""
    preference = notification_preference_get(membership=membership)
    if preference.digest == DigestFrequency.OFF:
        return None
    since = preference.digest_sent_at
    claimed = (
        NotificationPreference.objects.filter(organization=membership.organization_id, pk=preference.pk)
        .exclude(digest=DigestFrequency.OFF)
        .exclude(digest_covered_until__gte=slot)
        .update(digest_covered_until=slot, digest_sent_at=now)
    )
    if not claimed:
        return None
    return DigestClaim(preference=preference, since=since)


# One-click unsubscribe -----------------------------------------------------------------


class UnsubscribeError(Exception):
    """An unsubscribe link that cannot be used; the message is shown to the person."""


def unsubscribe_token(*, membership: Membership, setting: str = "digest") -> str:
    if setting not in UNSUBSCRIBE_SETTINGS:
        raise ValueError(f"“{setting}” cannot be unsubscribed from.")
    return signing.dumps({"m": str(membership.public_id), "s": setting}, salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_url(*, membership: Membership, setting: str = "digest") -> str:
    token = unsubscribe_token(membership=membership, setting=setting)
    return settings.SITE_URL + reverse("unsubscribe", kwargs={"token": token})


def unsubscribe_target(token: str) -> tuple[Membership, str]:
    """The member and the setting a link turns off, or UnsubscribeError."""
    try:
        payload = signing.loads(token, salt=UNSUBSCRIBE_SALT, max_age=UNSUBSCRIBE_MAX_AGE)
    except signing.SignatureExpired:
        raise UnsubscribeError(
            "This unsubscribe link has expired. Change your email settings on your profile page instead."
        ) from None
    except signing.BadSignature:
        raise UnsubscribeError("This unsubscribe link is not valid. Check that you opened the whole link.") from None
    setting = payload.get("s") if isinstance(payload, dict) else None
    if setting not in UNSUBSCRIBE_SETTINGS:
        raise UnsubscribeError("This unsubscribe link is not valid. Check that you opened the whole link.")
    # The signed token is the credential and the membership names its own organisation:
    # no tenant is known before this lookup.
    with scopes_disabled():
        membership = Membership.objects.select_related("organization", "user").filter(public_id=payload["m"]).first()
    if membership is None:
        raise UnsubscribeError("This unsubscribe link belongs to a membership that no longer exists.")
    return membership, setting


@transaction.atomic
def unsubscribe(*, membership: Membership, setting: str) -> NotificationPreference:
    """Turn the setting off; doing it again changes nothing."""
    if setting != "digest":
        raise ValueError(f"“{setting}” cannot be unsubscribed from.")
    preference = notification_preference_get(membership=membership)
    if preference.digest != DigestFrequency.OFF:
        preference = notification_preference_update(membership=membership, digest=DigestFrequency.OFF)
    return preference


__all__ = [
    "DigestClaim",
    "NotificationKind",
    "UnsubscribeError",
    "digest_claim",
    "member_availability",
    "member_next_allowed_time",
    "notification_email_send",
    "notification_mark_read",
    "notification_preference_get",
    "notification_preference_update",
    "notifications_email_send_due",
    "notifications_mark_all_read",
    "notifications_release",
    "notify",
    "notify_many",
    "unsubscribe",
    "unsubscribe_target",
    "unsubscribe_token",
    "unsubscribe_url",
]
