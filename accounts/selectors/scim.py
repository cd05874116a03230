"""Reads behind the SCIM endpoints and the SCIM settings page."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Q, QuerySet

from accounts.models import Group, GroupMembership, Membership, Organization, ScimToken


def _public_id(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def scim_members(*, organization: Organization, condition: Q | None = None) -> QuerySet[Membership]:
    """The organisation's members in creation order (stable pages), every status."""
    members = Membership.objects.filter(organization=organization)
    if condition is not None:
        # A filter across the IdP records may join several rows per member.
        members = members.filter(condition).distinct()
    return members.select_related("user", "organization").prefetch_related("scim_records", "groups").order_by("pk")


def scim_member(*, organization: Organization, public_id: str) -> Membership | None:
    """This organisation's member, or None alike for a malformed, missing or another
    organisation's id."""
    found = _public_id(public_id)
    if found is None:
        return None
    return scim_members(organization=organization).filter(public_id=found).first()


def scim_groups(*, organization: Organization, condition: Q | None = None) -> QuerySet[Group]:
    groups = Group.objects.filter(organization=organization)
    if condition is not None:
        groups = groups.filter(condition).distinct()
    return groups.select_related("organization").prefetch_related("scim_records").order_by("pk")


def scim_group(*, organization: Organization, public_id: str) -> Group | None:
    found = _public_id(public_id)
    if found is None:
        return None
    return scim_groups(organization=organization).filter(public_id=found).first()


def scim_group_links(*, organization: Organization, groups: Iterable[Group]) -> dict[int, list[GroupMembership]]:
    """The member links of several groups in one query, by group id."""
    links: dict[int, list[GroupMembership]] = defaultdict(list)
    for link in (
        GroupMembership.objects.filter(organization=organization, group__in=list(groups))
        .select_related("membership__user")
        .order_by("pk")
    ):
        links[link.group_id].append(link)
    return links


def scim_tokens(*, organization: Organization) -> QuerySet[ScimToken]:
    return ScimToken.objects.filter(organization=organization).select_related("created_by").order_by("-created_at")
