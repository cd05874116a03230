"""Shared by the admin-screen tests: who else gets 403, and row counts that prove
that a refused request changed nothing."""

from __future__ import annotations

from django.urls import reverse

from accounts.models import GroupMembership, Invitation, Membership, Role, User
from accounts.tenancy import scopes_disabled

NON_ADMIN_ROLES = [Role.MANAGER, Role.EXECUTIVE, Role.EMPLOYEE]


def url(name: str, slug: str, **kwargs: object) -> str:
    return reverse(f"accounts:{name}", kwargs={"org_slug": slug, **kwargs})


def row_counts() -> dict[str, int]:
    # Counts every organisation's rows on purpose: a refused request must not have
    # written anywhere, in any tenant.
    with scopes_disabled():
        return {
            "users": User.objects.count(),
            "memberships": Membership.objects.count(),
            "invitations": Invitation.objects.count(),
            "group_memberships": GroupMembership.objects.count(),
        }


def messages_of(response: object) -> list[str]:
    return [str(message) for message in response.context["messages"]]  # type: ignore[attr-defined]
