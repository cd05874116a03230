"""Reads for accounts that are more than a one-line filter."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Q, QuerySet

from accounts.models import (
    Group,
    Invitation,
    Membership,
    MembershipStatus,
    Organization,
    Role,
    User,
)
from accounts.tenancy import organization_scope, scopes_disabled


def membership_for_user(*, user: User | AnonymousUser, organization_slug: str) -> Membership | None:
    """The user's membership in the organisation with this slug, or None if there is no
    such organisation or the user does not belong to it (callers answer both with 404)."""
    if not user.is_authenticated:
        return None
    organization = Organization.objects.filter(slug=organization_slug).first()
    if organization is None:
        return None
    with organization_scope(organization):
        return (
            Membership.objects.select_related("organization", "user")
            .filter(organization=organization, user=user)
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
    return Group.objects.filter(organization=organization).annotate(
        member_count=Count("members", filter=Q(members__status=MembershipStatus.ACTIVE))
    )


def invitation_list(*, organization: Organization) -> QuerySet[Invitation]:
    return (
        Invitation.objects.filter(organization=organization)
        .select_related("membership", "invited_by")
        .order_by("-created_at")
    )
