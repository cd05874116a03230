"""Email digests of new relevant content: what `feed_for_member` would show the member
that was published since their last digest, sent at 08:00 their time (daily, or on
Mondays for a weekly digest) — or, when 08:00 falls in their quiet hours or outside an
hourly worker's working hours, at the next moment they may be reached. A held digest
is sent late, never skipped: the next one lists everything since the one before.

`content.tasks.digests_send` runs `digests_send_due` every few minutes; each member's
digest is claimed with a conditional UPDATE (accounts.services.notifications.
digest_claim) in the transaction that sends it, so overlapping runs send it once and a
refused email is tried again on the next run.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, time, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from accounts.lib.availability import zone_for
from accounts.models import DigestFrequency, Membership, MembershipStatus, Organization
from accounts.selectors.notifications import notification_preference_of
from accounts.services.notifications import digest_claim, member_next_allowed_time, unsubscribe_url
from content.models import ContentItem
from content.selectors import feed_for_member

logger = logging.getLogger(__name__)

DIGEST_TIME = time(8, 0)
DIGEST_MAX_ITEMS = 10
DIGEST_FEED_PAGES = 3  # how deep into the ranked feed a digest looks for new items
PERIODS = {DigestFrequency.DAILY: timedelta(days=1), DigestFrequency.WEEKLY: timedelta(days=7)}


def digest_slot(*, frequency: str, zone_name: str, now: datetime) -> datetime:
    """The latest scheduled digest moment at or before `now`: 08:00 local today or
    yesterday (daily), or of this or last Monday (weekly). Local days, so DST moves it
    with the wall clock."""
    zone = zone_for(zone_name)
    day = now.astimezone(zone).date()
    if frequency == DigestFrequency.WEEKLY:
        day -= timedelta(days=day.isoweekday() - 1)
    step = timedelta(days=7 if frequency == DigestFrequency.WEEKLY else 1)
    slot = datetime.combine(day, DIGEST_TIME, tzinfo=zone)
    if slot > now:
        slot = datetime.combine(day - step, DIGEST_TIME, tzinfo=zone)
    return slot.astimezone(UTC)


def digest_items(*, membership: Membership, since: datetime, now: datetime) -> list[ContentItem]:
    """New items of the member's feed, best first: published after `since`."""
    found: list[ContentItem] = []
    for page in range(1, DIGEST_FEED_PAGES + 1):
        feed = feed_for_member(membership=membership, page=page, at=now)
        found.extend(
            entry.item
            for entry in feed.entries
            if entry.item.published_at is not None and since < entry.item.published_at <= now
        )
        if len(found) >= DIGEST_MAX_ITEMS or not feed.has_next:
            break
    return found[:DIGEST_MAX_ITEMS]


def _send_digest_email(*, membership: Membership, items: list[ContentItem], frequency: str) -> None:
    organization = membership.organization
    unsubscribe = unsubscribe_url(membership=membership, setting="digest")
    context = {
        "membership": membership,
        "organization": organization,
        "frequency": frequency,
        "entries": [
            (
                item,
                settings.SITE_URL
                + reverse("content:feed_item", kwargs={"org_slug": organization.slug, "item_id": item.public_id}),
            )
            for item in items
        ],
        "feed_url": settings.SITE_URL + reverse("content:feed", kwargs={"org_slug": organization.slug}),
        "profile_url": settings.SITE_URL + reverse("accounts:profile", kwargs={"org_slug": organization.slug}),
        "unsubscribe_url": unsubscribe,
    }
    count = len(items)
    EmailMessage(
        subject=f"[{organization.name}] {count} new item{'s' if count != 1 else ''} to share",
        body=render_to_string("content/email/digest.txt", context),
        to=[membership.user.email],
        # RFC 2369 and RFC 8058: mail clients show an unsubscribe button that POSTs here.
        headers={"List-Unsubscribe": f"<{unsubscribe}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
    ).send()


def digest_send_for_member(*, membership: Membership, now: datetime | None = None) -> bool:
    """Send the member's digest if one is due and they may be reached now; True if an
    email went out. Nothing new since the last digest: the slot is covered, no email."""
    now = now or timezone.now()
    preference = notification_preference_of(membership=membership)
    if preference.digest not in PERIODS or membership.status != MembershipStatus.ACTIVE:
        return False
    slot = digest_slot(frequency=preference.digest, zone_name=membership.effective_timezone, now=now)
    if preference.digest_covered_until is not None and preference.digest_covered_until >= slot:
        return False
    if member_next_allowed_time(membership=membership, at=now) > now:
        return False  # held: quiet hours, or outside an hourly worker's hours; a later run sends it
    with transaction.atomic():
        claim = digest_claim(membership=membership, slot=slot, now=now)
        if claim is None:
            return False
        since = claim.since or slot - PERIODS[DigestFrequency(claim.preference.digest)]
        items = digest_items(membership=membership, since=since, now=now)
        if not items:
            return False
        _send_digest_email(membership=membership, items=items, frequency=claim.preference.digest)
    return True


def digests_send_due(*, organization: Organization, now: datetime | None = None) -> int:
    """Send every due digest of the organisation; returns how many were sent."""
    now = now or timezone.now()
    members = Membership.objects.filter(
        organization=organization, status=MembershipStatus.ACTIVE, user__is_active=True
    ).select_related("organization", "user")
    sent = 0
    for membership in members:
        try:
            sent += digest_send_for_member(membership=membership, now=now)
        except OSError:
            logger.warning(
                "digest for member %s: the mail server refused; retrying later", membership.pk, exc_info=True
            )
    return sent
