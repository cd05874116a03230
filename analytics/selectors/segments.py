"""Report segments: one slice of the organisation a report may be narrowed to
(a department, a location, a group, a network or a topic), and the rollup rows that
describe it.

Every report reads day rollups, never raw snapshots; which rollup depends on the
segment: a people segment (department, location, group) reads `MemberDay`, a topic
reads `ItemDay`, a network or no segment reads `OrgDay`. Each of those rows holds what
was gained that day, so summing the period's rows of any of them gives its totals.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from accounts.models import Group, Membership, MembershipStatus, Organization, Topic
from analytics.lib.periods import Period
from analytics.models import ItemDay, MemberDay, OrgDay
from content.lib.networks import Network

SEGMENT_DIMENSIONS: tuple[tuple[str, str], ...] = (
    ("department", "Department"),
    ("location", "Location"),
    ("group", "Group"),
    ("network", "Network"),
    ("topic", "Topic"),
)
PEOPLE_DIMENSIONS = frozenset({"department", "location", "group"})


class SegmentError(ValueError):
    """A segment that does not exist in the organisation; the message is for the person."""


@dataclass(frozen=True)
class Segment:
    dimension: str
    value: str  # a department or location name, a group's or topic's public id, a network
    label: str

    @property
    def is_people(self) -> bool:
        return self.dimension in PEOPLE_DIMENSIONS


def segment_parse(*, organization: Organization, dimension: str, value: str) -> Segment | None:
    """The segment a report's query string names; None for the whole organisation.
    An unknown dimension or a value outside the organisation raises SegmentError (the
    same message for another organisation's group as for one that does not exist)."""
    if not dimension:
        return None
    if dimension not in dict(SEGMENT_DIMENSIONS):
        raise SegmentError(f"Unknown segment {dimension!r}: choose department, location, group, network or topic.")
    value = (value or "").strip()
    if not value:
        raise SegmentError("Choose a value for the segment.")
    if dimension in ("department", "location"):
        exists = Membership.objects.filter(organization=organization, **{dimension: value}).exists()
        if not exists:
            raise SegmentError(f"No member is in the {dimension} {value!r}.")
        return Segment(dimension, value, value)
    if dimension == "network":
        if value not in {network.value for network in Network}:
            raise SegmentError(f"Unknown network {value!r}.")
        return Segment(dimension, value, Network(value).label)
    model: type[Group] | type[Topic] = Group if dimension == "group" else Topic
    try:
        public_id = uuid.UUID(value)
    except ValueError:
        raise SegmentError(f"No such {dimension}.") from None
    found = model.objects.filter(organization=organization, public_id=public_id).first()
    if found is None:
        raise SegmentError(f"No such {dimension}.")
    return Segment(dimension, str(public_id), found.name)


def segment_options(*, organization: Organization) -> dict[str, list[tuple[str, str]]]:
    """(value, label) choices per dimension, for the report's segment picker."""
    active = Membership.objects.filter(organization=organization, status=MembershipStatus.ACTIVE)

    def distinct(field: str) -> list[tuple[str, str]]:
        values = active.exclude(**{field: ""}).order_by(field).values_list(field, flat=True).distinct()
        return [(value, value) for value in values]

    return {
        "department": distinct("department"),
        "location": distinct("location"),
        "group": [
            (str(public_id), name)
            for public_id, name in Group.objects.filter(organization=organization).values_list("public_id", "name")
        ],
        "network": [(network.value, network.label) for network in Network if network != Network.FACEBOOK],
        "topic": [
            (str(public_id), name)
            for public_id, name in Topic.objects.filter(organization=organization).values_list("public_id", "name")
        ],
    }


def segment_members(*, organization: Organization, segment: Segment) -> QuerySet[Membership]:
    """The members a people segment covers (any status: past activity still counts)."""
    members = Membership.objects.filter(organization=organization)
    if segment.dimension == "group":
        return members.filter(groups__public_id=segment.value)
    return members.filter(**{segment.dimension: segment.value})


def membership_filter(*, organization: Organization, segment: Segment | None, field: str = "membership") -> Q:
    """A filter for rows with a member foreign key (`field`): conversions, member days,
    share metrics. Topic and network segments narrow by the row's item or network."""
    if segment is None:
        return Q()
    if segment.is_people:
        member_ids = segment_members(organization=organization, segment=segment).values("pk")
        return Q(**{f"{field}_id__in": member_ids})
    if segment.dimension == "network":
        return Q(network=segment.value)
    return Q(item__topics__public_id=segment.value)


def rollup_rows(*, organization: Organization, segment: Segment | None, period: Period) -> QuerySet[Any]:
    """The day rollup rows of `period` that describe `segment`: sum them for totals,
    group them by day for a trend."""
    days = Q(organization=organization, day__gte=period.start, day__lte=period.end)
    if segment is None:
        return OrgDay.objects.filter(days)
    if segment.dimension == "network":
        return OrgDay.objects.filter(days, network=segment.value)
    if segment.dimension == "topic":
        return ItemDay.objects.filter(days, item__topics__public_id=segment.value)
    return MemberDay.objects.filter(days, membership_filter(organization=organization, segment=segment))
