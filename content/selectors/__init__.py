"""Reads for content that are more than a one-line filter."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.db.models.functions import Coalesce

from accounts.models import Group, Membership, MembershipStatus, Organization, Topic
from content.models import (
    SYSTEM_ACTIONS,
    TRANSITIONS,
    AudienceDimension,
    AudienceRule,
    ContentItem,
    ContentState,
    Suggestion,
    SuggestionState,
)
from content.selectors.feed import (
    FEED_CACHE_DEPTH,
    FEED_CACHE_SECONDS,
    FEED_PAGE_SIZE,
    FeedCard,
    FeedEntry,
    FeedPage,
    FeedTopic,
    FeedWindow,
    feed_card_items,
    feed_card_version,
    feed_for_member,
    feed_item_for_member,
    feed_window_for_member,
)
from content.services import Audience, content_settings_get

__all__ = [
    "FEED_CACHE_DEPTH",
    "FEED_CACHE_SECONDS",
    "FEED_PAGE_SIZE",
    "FeedCard",
    "FeedEntry",
    "FeedPage",
    "FeedTopic",
    "FeedWindow",
    "audience_member_count",
    "audience_members",
    "content_item_list",
    "feed_card_items",
    "feed_card_version",
    "feed_for_member",
    "feed_item_for_member",
    "feed_window_for_member",
    "item_actions_for",
    "item_audience",
    "publishing_calendar",
    "review_queue",
    "suggestion_queue",
    "suggestions_of_member",
]


def content_item_list(
    *,
    organization: Organization,
    search: str = "",
    state: str = "",
    topic: str = "",
    kind: str = "",
    author: str = "",
    created_from: date | None = None,
    created_to: date | None = None,
) -> QuerySet[ContentItem]:
    """Items for the manager's list; `topic` and `author` are public ids."""
    items = ContentItem.objects.filter(organization=organization).select_related("author__user")
    if search:
        items = items.filter(Q(title__icontains=search) | Q(body__icontains=search) | Q(url__icontains=search))
    if state:
        items = items.filter(state=state)
    if topic:
        items = items.filter(topics__public_id=topic)
    if kind:
        items = items.filter(kind=kind)
    if author:
        items = items.filter(author__public_id=author)
    if created_from:
        items = items.filter(created_at__date__gte=created_from)
    if created_to:
        items = items.filter(created_at__date__lte=created_to)
    return items.order_by("-created_at").distinct()


def review_queue(*, organization: Organization) -> QuerySet[ContentItem]:
    """Items waiting for review, oldest first."""
    return (
        ContentItem.objects.filter(organization=organization, state=ContentState.IN_REVIEW)
        .select_related("author__user")
        .order_by("updated_at")
    )


def publishing_calendar(*, organization: Organization, start: datetime, end: datetime) -> QuerySet[ContentItem]:
    """Approved and published items whose publish time falls in [start, end), as
    `publishes_at`: the scheduled time, or for an item published as soon as it was
    approved, the moment it was published."""
    return (
        ContentItem.objects.filter(organization=organization, state__in=[ContentState.APPROVED, ContentState.PUBLISHED])
        .annotate(publishes_at=Coalesce("publish_at", "published_at"))
        .filter(publishes_at__gte=start, publishes_at__lt=end)
        .only("public_id", "title", "state", "publish_at", "published_at", "expires_at", "kind")
        .order_by("publishes_at", "pk")
    )


def audience_members(*, organization: Organization, audience: Audience) -> QuerySet[Membership]:
    """Active members an audience matches: any value within a dimension, every
    constrained dimension."""
    members = Membership.objects.filter(organization=organization, status=MembershipStatus.ACTIVE)
    if audience.departments:
        members = members.filter(department__in=audience.departments)
    if audience.locations:
        members = members.filter(location__in=audience.locations)
    if audience.roles:
        members = members.filter(role__in=audience.roles)
    if audience.groups:
        members = members.filter(pk__in=_members_in_groups(organization, audience))
    if audience.topics:
        members = members.filter(pk__in=_members_interested(organization, audience))
    return members


def _members_in_groups(organization: Organization, audience: Audience) -> QuerySet[Membership, dict[str, Any]]:
    return Membership.objects.filter(organization=organization, groups__in=audience.groups).values("pk")


def _members_interested(organization: Organization, audience: Audience) -> QuerySet[Membership, dict[str, Any]]:
    return Membership.objects.filter(organization=organization, interests__in=audience.topics).values("pk")


def audience_member_count(*, organization: Organization, audience: Audience) -> int:
    return audience_members(organization=organization, audience=audience).count()


def item_audience(*, item: ContentItem) -> Audience:
    """The item's audience as an Audience (groups and topics loaded)."""
    rules = list(AudienceRule.objects.filter(organization=item.organization, item=item))
    by_dimension: dict[str, list[str]] = {}
    for rule in rules:
        by_dimension.setdefault(rule.dimension, []).append(rule.value)
    return Audience(
        departments=by_dimension.get(AudienceDimension.DEPARTMENT, []),
        locations=by_dimension.get(AudienceDimension.LOCATION, []),
        roles=by_dimension.get(AudienceDimension.ROLE, []),
        groups=list(
            Group.objects.filter(
                organization=item.organization, public_id__in=by_dimension.get(AudienceDimension.GROUP, [])
            )
        ),
        topics=list(
            Topic.objects.filter(
                organization=item.organization, public_id__in=by_dimension.get(AudienceDimension.TOPIC, [])
            )
        ),
    )


def suggestion_queue(*, organization: Organization) -> QuerySet[Suggestion]:
    return (
        Suggestion.objects.filter(organization=organization, state=SuggestionState.PENDING)
        .select_related("author__user")
        .order_by("created_at")
    )


def suggestions_of_member(*, membership: Membership) -> QuerySet[Suggestion]:
    return Suggestion.objects.filter(organization=membership.organization, author=membership).order_by("-created_at")


# The manager screens -----------------------------------------------------------------

# Moves a person never makes from a button: the scheduler's, and "edit", which saving
# an approved item makes by itself.
_NOT_BUTTONS = SYSTEM_ACTIONS | {"edit"}


@dataclass(frozen=True)
class ItemAction:
    action: str
    target: ContentState
    # Why the person cannot take this action although the state allows it (four-eyes).
    blocked_reason: str = ""


def item_actions_for(*, item: ContentItem, membership: Membership) -> list[ItemAction]:
    """The workflow actions the item's state allows, read from TRANSITIONS, with the
    ones this person may not take (approving their own item under four-eyes) marked."""
    actions = []
    for action, moves in TRANSITIONS.items():
        if action in _NOT_BUTTONS:
            continue
        for target, sources in moves.items():
            if item.state in sources:
                blocked = ""
                if (
                    action == "approve"
                    and item.author_id == membership.pk
                    and content_settings_get(organization=item.organization).four_eyes
                ):
                    blocked = "You wrote this item, so another manager must approve it."
                actions.append(ItemAction(action=action, target=target, blocked_reason=blocked))
    return actions
