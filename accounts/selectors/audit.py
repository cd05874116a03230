"""Reading the audit log: the filtered list the admin page, its CSV export and the API
share, so the three always agree on what a filter means."""

from __future__ import annotations

import uuid
import zoneinfo
from datetime import date, datetime, time, timedelta

from django.db.models import OuterRef, Q, QuerySet, Subquery

from accounts.models import AuditEvent, Membership, Organization


def _start_of_day(day: date, organization: Organization) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zoneinfo.ZoneInfo(organization.timezone))


def audit_event_list(
    *,
    organization: Organization,
    action: str = "",
    actor_member_id: uuid.UUID | None = None,
    search: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
) -> QuerySet[AuditEvent]:
    """The organisation's events, newest first.

    `actor_member_id` is the acting member's public id; `search` matches the actor's
    email or name, the target's label or id and the note; `date_from` and `date_to` are
    whole days, both included, in the organisation's time zone. Each event carries
    `actor_member_id`, the actor's member id here (None for the system or a person no
    longer in the organisation)."""
    events = AuditEvent.objects.filter(organization=organization)
    if action:
        events = events.filter(action=action)
    if actor_member_id is not None:
        actor_user = Membership.objects.filter(organization=organization, public_id=actor_member_id).values("user_id")
        events = events.filter(actor_id__in=Subquery(actor_user))
    search = search.strip()
    if search:
        events = events.filter(
            Q(actor_label__icontains=search)
            | Q(actor__full_name__icontains=search)
            | Q(target_label__icontains=search)
            | Q(target_id=search)
            | Q(note__icontains=search)
        )
    if date_from is not None:
        events = events.filter(occurred_at__gte=_start_of_day(date_from, organization))
    if date_to is not None:
        events = events.filter(occurred_at__lt=_start_of_day(date_to + timedelta(days=1), organization))
    member_id = Membership.objects.filter(organization=organization, user_id=OuterRef("actor_id")).values("public_id")
    return (
        events.select_related("actor").annotate(actor_member_id=Subquery(member_id[:1])).order_by("-occurred_at", "-id")
    )


def audit_actors(*, organization: Organization) -> QuerySet[Membership]:
    """Members who appear as the actor of at least one event, for the actor filter."""
    actors = AuditEvent.objects.filter(organization=organization, actor__isnull=False).values("actor_id")
    return (
        Membership.objects.filter(organization=organization, user_id__in=Subquery(actors))
        .select_related("user")
        .order_by("user__full_name", "user__email")
    )
