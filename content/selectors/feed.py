"""The employee feed: what each member sees, in what order, and why.

Two readers share one ranking. `feed_for_member` returns the items themselves (the API,
the digests). `feed_window_for_member` returns what the feed page renders: per card the
item, a version of everything its card shows, and the member's reasons; the page renders
each item's card once per version (content.views.feed) and adds the member's part.

Caching, and why it never shows what it should not:
- The ranking (the first FEED_CACHE_DEPTH ids) and each page's window are cached per
  member for at most FEED_CACHE_SECONDS, stamped with the organisation's and the member's
  feed versions (bumped on commit by publishing, expiry, dismissing, affinity updates:
  content.services.feed_cache_invalidate) and with a digest of the member's audience
  attributes, groups and interests, read from the database on every request. A stamp
  that differs means rebuild, so a publish, a dismissal or a profile change shows at once.
- Before a cached window is served, one query checks that each of its items is still
  published, unexpired and unchanged (updated_at, preview_fetched_at); any difference
  means rebuild. So an edit that sends an item back to review, an expiry the scheduler
  has not processed yet, or a new link preview show at once too.
- Keys carry the organisation and the membership; a window never holds another member's
  or organisation's data. What stays cached up to FEED_CACHE_SECONDS is only what the
  clock and renames change: the order, "New today", topic names on cards and filters.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import cache as memoize
from typing import Any

from django.core.cache import cache
from django.db import connection
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

from accounts.models import GroupMembership, Membership, MembershipTopic, Organization, Topic
from accounts.selectors.identity import MemberLinks
from content.models import (
    AudienceDimension,
    AudienceRule,
    ContentItem,
    ContentState,
    ContentTopic,
    FeedDismissal,
    TopicAffinity,
)
from content.services import feed_version_keys

FEED_PAGE_SIZE = 20
FEED_CACHE_SECONDS = 60
FEED_CACHE_DEPTH = 200  # ranked ids kept per member: ten pages
FILTER_TOPICS_FALLBACK = 30  # topics offered as filters to a member who follows none

# Items, their scores and affinities, best first: what the ranking caches.
Ranked = list[tuple[int, float, float]]


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


@dataclass(frozen=True)
class FeedCard:
    """One card of the feed page: which item, the version of everything the item's card
    shows (the same for every member), and why it is in this member's feed."""

    item_pk: int
    version: str
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class FeedTopic:
    public_id: str
    name: str


@dataclass(frozen=True)
class FeedWindow:
    cards: tuple[FeedCard, ...]
    page: int
    has_next: bool
    topics: tuple[FeedTopic, ...]  # the topics the member can filter by
    # The items, with their topics, when they were loaded to build the window (so cards
    # not rendered yet need no query); empty for a window from the cache, which keeps
    # only the fields above.
    items: dict[int, ContentItem] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class _Profile:
    """What a member's feed depends on besides the items and the feed versions."""

    interest_pks: frozenset[int]
    digest: str


# Profile and stamps ------------------------------------------------------------------


def _member_profile(membership: Membership) -> _Profile:
    """The member's interests, and a digest of everything of theirs that decides which
    items they may see and how those rank: department, location, role, focus topic,
    groups and interests. Read on every request, so a change shows at once although no
    version is bumped for it."""
    links: MemberLinks | None = getattr(membership, "links", None)
    if links is not None:
        # Read with the membership by the web middleware in this request: current.
        group_pks, interest_pks = sorted(set(links.group_pks)), sorted(set(links.interest_pks))
    else:
        # One query for both link tables: the cross product of the member's groups and
        # interests (a few dozen rows at most) costs less than a second query.
        rows = list(
            Membership.objects.filter(organization=membership.organization, pk=membership.pk)
            .order_by()
            .values_list("groups", "interests")
        )
        group_pks = sorted({group for group, _ in rows if group is not None})
        interest_pks = sorted({topic for _, topic in rows if topic is not None})
    signature = repr(
        (
            membership.department,
            membership.location,
            membership.role,
            membership.focus_topic_id,
            group_pks,
            interest_pks,
        )
    )
    digest = hashlib.blake2b(signature.encode(), digest_size=12).hexdigest()
    return _Profile(interest_pks=frozenset(interest_pks), digest=digest)


def _stamp(versions: dict[str, Any], membership: Membership, profile: _Profile) -> tuple[Any, ...]:
    organization_key, member_key = feed_version_keys(membership)
    return (versions.get(organization_key, 0), versions.get(member_key, 0), profile.digest)


def _scope(topic: Topic | None) -> str:
    return str(topic.pk) if topic else "all"


def _ranking_key(membership: Membership, topic: Topic | None) -> str:
    # One key per member and filter, the stamp inside the value: a new version replaces
    # the entry instead of leaving the old one to expire.
    return f"t:{membership.organization_id}:feed-ranking:{membership.pk}:{_scope(topic)}"


def _window_key(membership: Membership, topic: Topic | None, page: int) -> str:
    return f"t:{membership.organization_id}:feed-window:{membership.pk}:{_scope(topic)}:{page}"


# The feed ------------------------------------------------------------------------------


def _unexpired(at: datetime) -> Q:
    return Q(expires_at__isnull=True) | Q(expires_at__gt=at)


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
    items = ContentItem.objects.filter(organization=organization, state=ContentState.PUBLISHED).filter(_unexpired(at))
    if not include_dismissed:
        items = items.exclude(
            pk__in=FeedDismissal.objects.filter(organization=organization, membership=membership).values("item_id")
        )
    return items.annotate(matched_dimensions=Coalesce(Subquery(matched_dimensions), 0)).filter(
        Q(audience_dimensions=0) | Q(matched_dimensions=F("audience_dimensions"))
    )


def _feed_ranking(
    membership: Membership,
    interest_pks: list[int],
    topic: Topic | None,
    at: datetime,
    *,
    limit: int,
    offset: int = 0,
) -> Ranked:
    """(item pk, score, affinity) of the member's feed, best first.

    Ranking, all in one query: how specific the audience is, matches with the member's
    interests and focus topic, how well their earlier shares on the item's topics did
    (TopicAffinity, pushed down by analytics), freshness, and a nudge for items about to
    expire; topics of items the member dismissed count against an item."""
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


def _cached_ranking(
    membership: Membership,
    profile: _Profile,
    topic: Topic | None,
    at: datetime,
    stamp: tuple[Any, ...],
    *,
    refresh: bool = False,
) -> tuple[Ranked, float, bool]:
    """The member's first FEED_CACHE_DEPTH ranked items, when they were ranked (a Unix
    time), and whether they were ranked just now."""
    key = _ranking_key(membership, topic)
    cached = None if refresh else cache.get(key)
    if cached is not None and cached["stamp"] == stamp:
        return cached["ranked"], cached["at"], False
    ranked = _feed_ranking(membership, sorted(profile.interest_pks), topic, at, limit=FEED_CACHE_DEPTH)
    ranked_at = time.time()
    cache.set(key, {"stamp": stamp, "at": ranked_at, "ranked": ranked}, timeout=FEED_CACHE_SECONDS)
    return ranked, ranked_at, True


def _feed_items(organization: Organization, pks: list[int], at: datetime) -> dict[int, ContentItem]:
    """The items still in a feed (published, unexpired), with their topics by name."""
    return {
        item.pk: item
        for item in ContentItem.objects.filter(organization=organization, pk__in=pks, state=ContentState.PUBLISHED)
        .filter(_unexpired(at))
        .select_related("organization")
        .prefetch_related(Prefetch("topics", queryset=Topic.objects.filter(organization=organization).order_by("name")))
    }


@dataclass
class _RankedPage:
    rows: list[tuple[ContentItem, float, float]]  # item, score, affinity
    has_next: bool
    ranked_at: float


def _ranked_page(
    membership: Membership,
    profile: _Profile,
    topic: Topic | None,
    page: int,
    at: datetime,
    stamp: tuple[Any, ...] | None,
) -> _RankedPage:
    """One page of the ranking with its items loaded; from the cached ranking when a
    stamp is given and the page lies within FEED_CACHE_DEPTH."""
    organization = membership.organization
    offset = (page - 1) * FEED_PAGE_SIZE
    if stamp is None or offset + FEED_PAGE_SIZE >= FEED_CACHE_DEPTH:
        window = _feed_ranking(
            membership, sorted(profile.interest_pks), topic, at, limit=FEED_PAGE_SIZE + 1, offset=offset
        )
        ranked_at, fresh = time.time(), True
    else:
        ranked, ranked_at, fresh = _cached_ranking(membership, profile, topic, at, stamp)
        window = ranked[offset : offset + FEED_PAGE_SIZE + 1]
    items = _feed_items(organization, [pk for pk, _, _ in window[:FEED_PAGE_SIZE]], at)
    if not fresh and len(items) < len(window[:FEED_PAGE_SIZE]) and stamp is not None:
        # An item of the cached ranking left the feed without a version bump (expired,
        # edited back to review, deleted): rank again rather than show a short page.
        ranked, ranked_at, _ = _cached_ranking(membership, profile, topic, at, stamp, refresh=True)
        window = ranked[offset : offset + FEED_PAGE_SIZE + 1]
        items = _feed_items(organization, [pk for pk, _, _ in window[:FEED_PAGE_SIZE]], at)
    rows = [(items[pk], score, affinity) for pk, score, affinity in window[:FEED_PAGE_SIZE] if pk in items]
    return _RankedPage(rows=rows, has_next=len(window) > FEED_PAGE_SIZE, ranked_at=ranked_at)


def _filter_topics(organization: Organization, interest_pks: frozenset[int]) -> list[Topic]:
    """The topics offered as filters: the member's interests, else the first topics."""
    if interest_pks:
        return list(Topic.objects.filter(organization=organization, pk__in=interest_pks).order_by("name"))
    return list(Topic.objects.filter(organization=organization).order_by("name")[:FILTER_TOPICS_FALLBACK])


def feed_for_member(
    *, membership: Membership, topic: Topic | None = None, page: int = 1, at: datetime | None = None
) -> FeedPage:
    """The member's feed, best first, with a short reason for each item, for the API
    and the digests. With `at` (a digest's moment) nothing is read from or written to
    the cache. The number of queries does not depend on how many items or members
    there are."""
    page = max(page, 1)
    organization = membership.organization
    cacheable = at is None
    at = at or timezone.now()
    profile = _member_profile(membership)
    stamp = _stamp(cache.get_many(list(feed_version_keys(membership))), membership, profile) if cacheable else None
    ranked = _ranked_page(membership, profile, topic, page, at, stamp)
    entries = []
    for item, score, affinity in ranked.rows:
        reasons = _reasons(item, membership, profile.interest_pks, at, affinity=affinity)
        entries.append(FeedEntry(item=item, score=score, reasons=reasons))
    return FeedPage(
        entries=entries,
        page=page,
        has_next=ranked.has_next,
        topics=_filter_topics(organization, profile.interest_pks),
    )


# The feed page's window ---------------------------------------------------------------


def feed_card_version(item: ContentItem) -> str:
    """Changes whenever anything an item's card shows changes: the item's own columns
    (saving bumps updated_at; a new link preview sets preview_fetched_at) and the names
    of its topics. The organisation is in it so equal items of two tenants never share
    a card."""
    topics = "|".join(f"{topic.public_id}={topic.name}" for topic in item.topics.all())
    signature = (
        f"{item.organization_id}:{item.pk}:{item.updated_at.isoformat()}:"
        f"{item.preview_fetched_at.isoformat() if item.preview_fetched_at else ''}:{topics}"
    )
    return hashlib.blake2b(signature.encode(), digest_size=16).hexdigest()


@memoize
def _still_current_sql() -> str:
    quote = connection.ops.quote_name
    column = {
        name: quote(ContentItem._meta.get_field(name).column)  # type: ignore[union-attr,arg-type]
        for name in ("id", "organization", "updated_at", "preview_fetched_at", "state", "expires_at")
    }
    return (
        f"SELECT {column['id']}, {column['updated_at']}, {column['preview_fetched_at']}, {column['state']}, "  # noqa: S608 - quoted names from the models; values are parameters
        f"{column['expires_at']} FROM {quote(ContentItem._meta.db_table)} "
        f"WHERE {column['organization']} = %s AND {column['id']} = ANY(%s)"
    )


def _still_current(organization: Organization, checks: frozenset[tuple[Any, ...]], at: datetime) -> bool:
    """Whether every item of a cached window is still published, unexpired and
    unchanged: one query, whatever the number of items. (State and expiry are compared
    here rather than filtered in SQL: a simpler query costs less to build.)"""
    if not checks:
        return True
    pks = [pk for pk, _, _ in checks]
    rows: Any
    if connection.vendor == "postgresql":
        # Every warm feed page runs this: written out once, it costs a tenth of the CPU
        # the ORM spends compiling the same query (0.2 against 1.8 ms on 2 cores). The
        # organisation is filtered explicitly, as the manager would.
        with connection.cursor() as cursor:
            cursor.execute(_still_current_sql(), [organization.pk, pks])
            rows = cursor.fetchall()
    else:
        rows = (
            ContentItem.objects.filter(organization=organization, pk__in=pks)
            .order_by()
            .values_list("pk", "updated_at", "preview_fetched_at", "state", "expires_at")
        )
    current = set()
    for pk, updated_at, preview_fetched_at, state, expires_at in rows:
        if state != ContentState.PUBLISHED or (expires_at is not None and expires_at <= at):
            return False
        current.add((pk, updated_at, preview_fetched_at))
    return current == checks


def feed_window_for_member(*, membership: Membership, topic: Topic | None = None, page: int = 1) -> FeedWindow:
    """One page of the member's feed as the feed page renders it (see FeedCard).

    Warm, this is one cache read and one query (the check of the window's items), plus
    one for the member's groups and interests unless the web middleware read them with
    the membership (accounts.selectors.identity), however many items and members there
    are; see the module's docstring for what makes a cached window stale."""
    page = max(page, 1)
    organization = membership.organization
    at = timezone.now()
    profile = _member_profile(membership)
    key = _window_key(membership, topic, page)
    # The versions are read before the items are: a publish or dismissal committed in
    # between bumps them after its commit, so the window built here is stamped with the
    # old versions and rebuilt by the next request, never kept under the new ones.
    found = cache.get_many([*feed_version_keys(membership), key])
    stamp = _stamp(found, membership, profile)
    cached = found.get(key)
    if cached is not None and cached["stamp"] == stamp and _still_current(organization, cached["checks"], at):
        window: FeedWindow = cached["window"]
        return window

    ranked = _ranked_page(membership, profile, topic, page, at, stamp)
    cards = []
    for item, _, affinity in ranked.rows:
        reasons = _reasons(item, membership, profile.interest_pks, at, affinity=affinity)
        cards.append(FeedCard(item_pk=item.pk, version=feed_card_version(item), reasons=tuple(reasons)))
    window = FeedWindow(
        cards=tuple(cards),
        page=page,
        has_next=ranked.has_next,
        topics=tuple(
            FeedTopic(public_id=str(t.public_id), name=t.name)
            for t in _filter_topics(organization, profile.interest_pks)
        ),
        items={item.pk: item for item, _, _ in ranked.rows},
    )
    # Kept no longer than the ranking it was cut from, so the order is never older than
    # FEED_CACHE_SECONDS.
    remaining = FEED_CACHE_SECONDS - (time.time() - ranked.ranked_at)
    if remaining >= 1:
        checks = frozenset((item.pk, item.updated_at, item.preview_fetched_at) for item, _, _ in ranked.rows)
        kept = replace(window, items={})
        cache.set(key, {"stamp": stamp, "checks": checks, "window": kept}, timeout=int(remaining))
    return window


def feed_card_items(*, organization: Organization, item_pks: list[int]) -> list[ContentItem]:
    """Items of a feed window, with what their cards show, for rendering the cards that
    are not cached yet. Whether they are still in the feed was checked by
    feed_window_for_member just before."""
    return list(
        ContentItem.objects.filter(organization=organization, pk__in=item_pks)
        .select_related("organization")
        .prefetch_related(Prefetch("topics", queryset=Topic.objects.filter(organization=organization).order_by("name")))
    )


def _reasons(
    item: ContentItem, membership: Membership, interests: frozenset[int], at: datetime, *, affinity: float
) -> list[str]:
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
    if affinity >= 0.5:
        reasons.append("Your posts on this topic do well")
    if item.published_at and item.published_at >= at - timedelta(days=1):
        reasons.append("New today")
    if item.expires_at and item.expires_at <= at + timedelta(days=2):
        reasons.append("Share soon: it expires " + ("today" if item.expires_at.date() == at.date() else "in two days"))
    return reasons[:2] or ["Shared with everyone in your organisation"]


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
