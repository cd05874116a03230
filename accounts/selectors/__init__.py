"""Reads for accounts that are more than a one-line filter."""

from __future__ import annotations

import uuid
from typing import Any, TypeVar, cast

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from accounts.models import (
    Group,
    GroupMembership,
    Invitation,
    InvitationState,
    Membership,
    MembershipStatus,
    Organization,
    Role,
    Topic,
    User,
)
from accounts.tenancy import TenantModel, scopes_disabled

TenantObject = TypeVar("TenantObject", bound=TenantModel)


def get_for_organization(
    model: type[TenantObject], organization: Organization, public_id: uuid.UUID | str
) -> TenantObject:
    """The one access helper for addressing tenant objects by their public id: the
    object of `organization`, or Http404 alike for a missing id, a malformed id and an
    id of another organisation (so a probe cannot tell them apart)."""
    manager: Any = model._default_manager  # every addressable tenant model has public_id
    try:
        return cast(TenantObject, manager.get(organization=organization, public_id=public_id))
    except (model.DoesNotExist, ValidationError, ValueError):
        raise Http404(f"No such {model._meta.verbose_name}.") from None


def membership_for_user(*, user: User | AnonymousUser, organization_slug: str) -> Membership | None:
    """The user's membership in the organisation with this slug, or None if there is no
    such organisation or the user does not belong to it (callers answer both with 404)."""
    if not user.is_authenticated:
        return None
    # This runs before any tenant is known (it is how the edge finds the tenant), and on
    # every page: one query on the user's own rows, joined to the organisation by slug.
    with scopes_disabled():
        return (
            Membership.objects.select_related("organization", "user")
            .filter(organization__slug=organization_slug, user=user)
            .exclude(status=MembershipStatus.INVITED)
            .first()
        )


def memberships_of_user(*, user: User) -> list[Membership]:
    """Every active membership of one person, for the organisation switcher. Crosses
    tenants by design: it reads only the person's own rows."""
    with scopes_disabled():
        return list(
            Membership.objects.select_related("organization")
            .filter(user=user, status=MembershipStatus.ACTIVE)
            .order_by("organization__name")
        )


def member_list(
    *,
    organization: Organization,
    search: str = "",
    role: str = "",
    status: str = "",
    department: str = "",
    group: Group | None = None,
) -> QuerySet[Membership]:
    members = Membership.objects.filter(organization=organization).select_related("user")
    if search:
        members = members.filter(
            Q(user__email__icontains=search)
            | Q(user__full_name__icontains=search)
            | Q(job_title__icontains=search)
            | Q(department__icontains=search)
            | Q(location__icontains=search)
        )
    if role:
        members = members.filter(role=role)
    if status:
        members = members.filter(status=status)
    if department:
        members = members.filter(department=department)
    if group is not None:
        members = members.filter(groups=group)
    return members.order_by("user__full_name", "user__email")


def member_counts(*, organization: Organization) -> dict[str, int]:
    counts = Membership.objects.filter(organization=organization).aggregate(
        active=Count("pk", filter=Q(status=MembershipStatus.ACTIVE)),
        invited=Count("pk", filter=Q(status=MembershipStatus.INVITED)),
        deactivated=Count("pk", filter=Q(status=MembershipStatus.DEACTIVATED)),
        admins=Count("pk", filter=Q(status=MembershipStatus.ACTIVE, role=Role.ADMIN)),
        managers=Count("pk", filter=Q(status=MembershipStatus.ACTIVE, role=Role.MANAGER)),
        executives=Count("pk", filter=Q(status=MembershipStatus.ACTIVE, role=Role.EXECUTIVE)),
        employees=Count("pk", filter=Q(status=MembershipStatus.ACTIVE, role=Role.EMPLOYEE)),
    )
    return {key: value or 0 for key, value in counts.items()}


def attribute_values(*, organization: Organization, attribute: str) -> list[str]:
    """Distinct non-empty values of a text attribute (department, location), for filters."""
    if attribute not in {"department", "location", "job_title"}:
        raise ValueError(attribute)
    return list(
        Membership.objects.filter(organization=organization)
        .exclude(**{attribute: ""})
        .order_by(attribute)
        .values_list(attribute, flat=True)
        .distinct()
    )


def group_list(*, organization: Organization) -> QuerySet[Group]:
    # Meta.ordering does not apply to an aggregating query: order explicitly (stable pages).
    return (
        Group.objects.filter(organization=organization)
        .annotate(member_count=Count("members", filter=Q(members__status=MembershipStatus.ACTIVE)))
        .order_by("name")
    )


def invitation_list(*, organization: Organization, state: str = "", search: str = "") -> QuerySet[Invitation]:
    """Invitations, newest first; `state` is one of InvitationState (computed from the
    timestamps, as Invitation.state_at does)."""
    invitations = Invitation.objects.filter(organization=organization).select_related(
        "membership", "membership__user", "invited_by"
    )
    if search:
        invitations = invitations.filter(Q(email__icontains=search) | Q(membership__user__full_name__icontains=search))
    moment = timezone.now()
    if state == InvitationState.ACCEPTED:
        invitations = invitations.filter(accepted_at__isnull=False)
    elif state == InvitationState.REVOKED:
        invitations = invitations.filter(accepted_at__isnull=True, revoked_at__isnull=False)
    elif state == InvitationState.EXPIRED:
        invitations = invitations.filter(accepted_at__isnull=True, revoked_at__isnull=True, expires_at__lte=moment)
    elif state == InvitationState.PENDING:
        invitations = invitations.filter(accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=moment)
    return invitations.order_by("-created_at")


def invitations_of_membership(*, membership: Membership) -> QuerySet[Invitation]:
    return (
        Invitation.objects.filter(organization_id=membership.organization_id, membership=membership)
        .select_related("membership", "invited_by")
        .order_by("-created_at")
    )


def group_member_choices(*, organization: Organization, group: Group | None = None) -> QuerySet[Membership]:
    """Who can be ticked on a group's member list: everyone not deactivated, plus the
    group's current members whatever their status (so saving the list does not silently
    drop a deactivated member)."""
    condition = Q(status__in=[MembershipStatus.ACTIVE, MembershipStatus.INVITED])
    if group is not None:
        condition |= Q(
            pk__in=GroupMembership.objects.filter(organization=organization, group=group).values("membership_id")
        )
    return (
        Membership.objects.filter(organization=organization)
        .filter(condition)
        .select_related("user")
        .order_by("user__full_name", "user__email")
    )


def group_members(*, group: Group) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(organization_id=group.organization_id, groups=group)
        .select_related("user")
        .order_by("user__full_name", "user__email")
    )


def topic_list(*, organization: Organization) -> QuerySet[Topic]:
    return (
        Topic.objects.filter(organization=organization)
        .annotate(interested_count=Count("interested_members", distinct=True))
        .order_by("name")
    )
