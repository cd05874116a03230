"""Featured announcements: a manager's message to an audience, delivered to each member
as an in-app notification with an email, through `accounts.services.notifications.
notify_many` — so quiet hours and hourly workers' hours hold it for each person
separately, and it is never dropped."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse

from accounts.models import Membership, NotificationKind, Organization
from accounts.services.notifications import notify_many
from content.models import ContentItem, ContentState
from content.selectors import audience_members
from content.services import Audience, _check_same_organization

TITLE_MAX = 200
TEXT_MAX = 4000


@dataclass(frozen=True)
class AnnouncementResult:
    recipients: int
    delivered_now: int  # the rest are held until each person may be reached


def _validate(organization: Organization, title: str, text: str, audience: Audience, item: ContentItem | None) -> None:
    errors: dict[str, list[str]] = {}
    if not title.strip():
        errors["title"] = ["Give the announcement a title."]
    elif len(title.strip()) > TITLE_MAX:
        errors["title"] = [f"Keep the title under {TITLE_MAX} characters."]
    if len(text.strip()) > TEXT_MAX:
        errors["text"] = [f"Keep the text under {TEXT_MAX} characters."]
    if item is not None and (item.organization_id != organization.pk or item.state != ContentState.PUBLISHED):
        errors["item"] = ["Link a published item of this organisation, or none."]
    if errors:
        raise ValidationError(errors)
    _check_same_organization(organization, [*audience.groups, *audience.topics], "group or topic")


@transaction.atomic
def announcement_send(
    *,
    organization: Organization,
    sender: Membership,
    title: str,
    text: str = "",
    audience: Audience,
    item: ContentItem | None = None,
    now: datetime | None = None,
) -> AnnouncementResult:
    """Send a featured announcement to every active member the audience matches."""
    if sender.organization_id != organization.pk:
        raise ValidationError("Only a member of this organisation can send its announcements.")
    _validate(organization, title, text, audience, item)
    recipients = list(audience_members(organization=organization, audience=audience).select_related("organization"))
    if not recipients:
        raise ValidationError({"audience": ["Nobody matches this audience."]})
    url = (
        reverse("content:feed_item", kwargs={"org_slug": organization.slug, "item_id": item.public_id})
        if item is not None
        else ""
    )
    notifications = notify_many(
        organization=organization,
        memberships=recipients,
        kind=NotificationKind.ANNOUNCEMENT,
        title=title,
        body=text,
        url=url,
        email=True,
        now=now,
    )
    return AnnouncementResult(
        recipients=len(notifications), delivered_now=sum(n.delivered_at is not None for n in notifications)
    )
