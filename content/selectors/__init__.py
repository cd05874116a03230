"""Reads for content that are more than a one-line filter."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.core.cache import cache
from django.db.models import (
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from accounts.models import Group, GroupMembership, Membership, MembershipStatus, MembershipTopic, Organization, Topic
from content.models import (
    SYSTEM_ACTIONS,
    TRANSITIONS,
    AudienceDimension,
    AudienceRule,
    ContentItem,
    ContentState,
    ContentTopic,
    FeedDismissal,
    Suggestion,
    SuggestionState,
    TopicAffinity,
)
from content.services import Audience, content_settings_get, feed_version_keys


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


# The employee feed -------------------------------------------------------------------

FEED_PAGE_SIZE = 20


@dataclass
class FeedEntry:
    item: ContentItem
    score: float
    reasons: list[str]


@dataclass
class FeedPage:
    entries: list[FeedEntry]
    page: int
    has_next: bool
    topics: list[Topic]  # the topics the member can filter by


def _feed_candidates(membership: Membership, at: datetime, *, include_dismissed: bool = False) -> QuerySet[ContentItem]:
    """Published, unexpired items whose audience contains the member and (unless
    `include_dismissed`) which the member has not dismissed."""
    organization = membership.organization
    group_ids = [
        str(public_id)
        for public_id in GroupMembership.objects.filter(organization=organization, membership=membership).values_list(
            "group__public_id", flat=True
        )
    ]
    interest_ids = [
        str(public_id)
        for public_id in MembershipTopic.objects.filter(organization=organization, membership=membership).values_list(
            "topic__public_id", flat=True
        )
    ]
    member_matches = (
        Q(dimension=AudienceDimension.DEPARTMENT, value=membership.department)
        | Q(dimension=AudienceDimension.LOCATION, value=membership.location)
        | Q(dimension=AudienceDimension.ROLE, value=membership.role)
        | Q(dimension=AudienceDimension.GROUP, value__in=group_ids)
        | Q(dimension=AudienceDimension.TOPIC, value__in=interest_ids)
    )
    # How many of the item's constrained dimensions the member satisfies; the item is
    # theirs when that equals the number it constrains (0 = everyone).
    matched_dimensions = (
        AudienceRule.objects.filter(organization=organization, item=OuterRef("pk"))
        .filter(member_matches)
        .order_by()
        .values("item")
        .annotate(n=Count("dimension", distinct=True))
        .values("n")
    )
    items = ContentItem.objects.filter(organization=organization, state=ContentState.PUBLISHED).filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=at)
    )
    if not include_dismissed:
        items = items.exclude(
            pk__in=FeedDismissal.objects.filter(organization=organization, membership=membership).values("item_id")
        )
    return items.annotate(matched_dimensions=Coalesce(Subquery(matched_dimensions), 0)).filter(
        Q(audience_dimensions=0) | Q(matched_dimensions=F("audience_dimensions"))
    )


FEED_CACHE_SECONDS = 60
FEED_CACHE_DEPTH = 200  # ranked ids kept per member: ten pages


def feed_for_member(
    *, membership: Membership, topic: Topic | None = None, page: int = 1, at: datetime | None = None
) -> FeedPage:
    """The member's feed, best first, with a short reason for each item.

    Ranking, all in one query: how specific the audience is, matches with the member's
    interests and focus topic, how well their earlier shares on the item's topics did
    (TopicAffinity, pushed down by analytics), freshness, and a nudge for items about to
    expire; topics of items the member dismissed count against an item. The ranked ids
    (the first FEED_CACHE_DEPTH) are cached per member for FEED_CACHE_SECONDS, keyed by
    versions that publishing and dismissing bump; a profile change shows within that
    time. The number of queries does not depend on how many items or members there are."""
    page = max(page, 1)
    organization = membership.organization
    offset = (page - 1) * FEED_PAGE_SIZE
    cacheable = at is None and offset + FEED_PAGE_SIZE < FEED_CACHE_DEPTH
    at = at or timezone.now()
    interest_pks = list(
        MembershipTopic.objects.filter(organization=organization, membership=membership).values_list(
            "topic_id", flat=True
        )
    )
    if cacheable:
        versions = cache.get_many(feed_version_keys(membership))
        key = "t:{}:feed:{}:{}:{}:{}".format(
            organization.pk,
            versions.get(feed_version_keys(membership)[0], 0),
            membership.pk,
            versions.get(feed_version_keys(membership)[1], 0),
            topic.pk if topic else "all",
        )
        ranked = cache.get(key)
        if ranked is None:
            ranked = _feed_ranking(membership, interest_pks, topic, at, limit=FEED_CACHE_DEPTH)
            cache.set(key, ranked, timeout=FEED_CACHE_SECONDS)
        window = ranked[offset : offset + FEED_PAGE_SIZE + 1]
    else:
        window = _feed_ranking(membership, interest_pks, topic, at, limit=FEED_PAGE_SIZE + 1, offset=offset)
    has_next = len(window) > FEED_PAGE_SIZE
    window = window[:FEED_PAGE_SIZE]
    items = {
        item.pk: item
        for item in ContentItem.objects.filter(organization=organization, pk__in=[pk for pk, _, _ in window])
        .select_related("organization")
        .prefetch_related(Prefetch("topics", queryset=Topic.objects.filter(organization=organization).order_by("name")))
    }
    interests = set(interest_pks)
    entries = []
    for pk, score, affinity in window:
        item = items.get(pk)
        if item is None:
            continue  # deleted since the ranking was cached
        item.score, item.affinity = score, affinity
        entries.append(FeedEntry(item=item, score=score, reasons=_reasons(item, membership, interests, at)))
    topics = list(Topic.objects.filter(organization=organization, pk__in=interest_pks).order_by("name")) or list(
        Topic.objects.filter(organization=organization).order_by("name")[:30]
    )
    return FeedPage(entries=entries, page=page, has_next=has_next, topics=topics)


def _feed_ranking(
    membership: Membership,
    interest_pks: list[int],
    topic: Topic | None,
    at: datetime,
    *,
    limit: int,
    offset: int = 0,
) -> list[tuple[int, float, float]]:
    """(item pk, score, affinity) of the member's feed, best first."""
    organization = membership.organization
    dismissed_topic_pks = list(
        ContentTopic.objects.filter(
            organization=organization,
            item_id__in=FeedDismissal.objects.filter(organization=organization, membership=membership).values(
                "item_id"
            ),
        )
        .values_list("topic_id", flat=True)
        .distinct()
    )

    def topic_hits(topic_pks: list[int]) -> Coalesce:
        return Coalesce(
            Subquery(
                ContentTopic.objects.filter(organization=organization, item=OuterRef("pk"), topic_id__in=topic_pks)
                .order_by()
                .values("item")
                .annotate(n=Count("pk"))
                .values("n")
            ),
            0,
        )

    affinity = Coalesce(
        Subquery(
            TopicAffinity.objects.filter(
                organization=organization,
                membership=membership,
                topic_id__in=ContentTopic.objects.filter(
                    organization=organization, item=OuterRef(OuterRef("pk"))
                ).values("topic_id"),
            )
            .order_by()
            .values("membership")
            .annotate(best=Max("score"))
            .values("best")
        ),
        0.0,
        output_field=FloatField(),
    )
    freshness = Case(
        When(published_at__gte=at - timedelta(days=1), then=Value(3.0)),
        When(published_at__gte=at - timedelta(days=3), then=Value(2.0)),
        When(published_at__gte=at - timedelta(days=7), then=Value(1.0)),
        default=Value(0.0),
        output_field=FloatField(),
    )
    expiring = Case(
        When(expires_at__lte=at + timedelta(days=2), then=Value(1.0)), default=Value(0.0), output_field=FloatField()
    )
    focus = (
        Exists(
            ContentTopic.objects.filter(
                organization=organization, item=OuterRef("pk"), topic_id=membership.focus_topic_id
            )
        )
        if membership.focus_topic_id
        else Value(False)
    )
    items = _feed_candidates(membership, at).annotate(
        interest_hits=topic_hits(interest_pks),
        dismissed_hits=topic_hits(dismissed_topic_pks),
        focus_hit=focus,
        affinity=affinity,
        freshness=freshness,
        expiring=expiring,
    )
    items = items.annotate(
        score=ExpressionWrapper(
            Value(0.5) * F("audience_dimensions")
            + Value(2.0) * F("interest_hits")
            + Case(When(focus_hit=True, then=Value(3.0)), default=Value(0.0), output_field=FloatField())
            + Value(2.0) * F("affinity")
            + F("freshness")
            + F("expiring")
            - Value(1.5) * F("dismissed_hits"),
            output_field=FloatField(),
        )
    )
    if topic is not None:
        items = items.filter(
            pk__in=ContentTopic.objects.filter(organization=organization, topic=topic).values("item_id")
        )
    ranked = items.order_by("-score", "-published_at", "-pk").values_list("pk", "score", "affinity")
    return [(pk, float(score), float(affinity)) for pk, score, affinity in ranked[offset : offset + limit]]


def _reasons(item: ContentItem, membership: Membership, interests: set[int], at: datetime) -> list[str]:
    topics = list(item.topics.all())
    reasons = []
    focus = [topic.name for topic in topics if topic.pk == membership.focus_topic_id]
    if focus:
        reasons.append(f"Fits what you want to be known for: {focus[0]}")
    followed = [topic.name for topic in topics if topic.pk in interests and topic.pk != membership.focus_topic_id]
    if followed:
        reasons.append(f"Because you follow {', '.join(followed[:2])}")
    if item.audience_dimensions:
        reasons.append("Picked for people like you")
    if getattr(item, "affinity", 0) >= 0.5:
        reasons.append("Your posts on this topic do well")
    if item.published_at and item.published_at >= at - timedelta(days=1):
        reasons.append("New today")
    if item.expires_at and item.expires_at <= at + timedelta(days=2):
        reasons.append("Share soon: it expires " + ("today" if item.expires_at.date() == at.date() else "in two days"))
    return reasons[:2] or ["Shared with everyone in your organisation"]


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


def feed_item_for_member(
    *, membership: Membership, item_id: uuid.UUID | str, at: datetime | None = None
) -> ContentItem:
    """One item of the member's feed, for its own page: published, not expired and in the
    member's audience, with its topics and images. An item the member dismissed stays
    readable (and dismissing it again does nothing). Raises Http404 alike for a
    malformed id, a missing one, another organisation's, a draft, an expired item and an
    item for someone else's audience, so a probe cannot tell them apart."""
    at = at or timezone.now()
    organization = membership.organization
    try:
        public_id = uuid.UUID(str(item_id))
    except ValueError:
        raise Http404("No such item.") from None
    found = (
        _feed_candidates(membership, at, include_dismissed=True)
        .filter(public_id=public_id)
        .prefetch_related(
            Prefetch("topics", queryset=Topic.objects.filter(organization=organization).order_by("name")),
            "images",
        )
        .first()
    )
    if found is None:
        raise Http404("No such item.")
    return found
