"""Who may do what: roles per HTTP method, declared as data on each view or API class
and checked here, in one place per layer.

    class MemberListView(OrganizationViewMixin, ListView):
        roles = {"GET": ADMINS}

Safe methods without an entry fall back to "GET"; an unsafe method without an entry
is refused, so forgetting to declare write access denies it.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBase
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

from accounts.models import Membership, Role

RoleMap = Mapping[str, frozenset[str]]

EVERYONE = frozenset(Role.values)
ADMINS = frozenset({Role.ADMIN})
CURATORS = frozenset({Role.ADMIN, Role.MANAGER})
REPORT_READERS = frozenset({Role.ADMIN, Role.MANAGER, Role.EXECUTIVE})

_READ_METHODS = {"GET", "HEAD", "OPTIONS"}


def roles_for(roles: RoleMap, method: str) -> frozenset[str]:
    method = method.upper()
    if method in roles:
        return roles[method]
    if method in _READ_METHODS:
        return roles.get("GET", frozenset())
    return frozenset()


def membership_may(membership: Membership | None, roles: RoleMap, method: str) -> bool:
    return membership is not None and membership.is_active and membership.role in roles_for(roles, method)


class OrganizationViewMixin:
    """For web views under /o/<org_slug>/: the middleware has already resolved the
    organisation and the membership (or answered 404); this checks the role."""

    roles: RoleMap = {"GET": EVERYONE}

    def dispatch(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponseBase:
        if not membership_may(getattr(request, "membership", None), self.roles, request.method or "GET"):
            raise PermissionDenied("Your role in this organisation does not allow this.")
        self.organization = request.organization  # type: ignore[attr-defined]
        self.membership = request.membership  # type: ignore[attr-defined]
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc,no-any-return]


class HasOrganizationRole(BasePermission):
    """DRF: the same role map, read from the API class's `roles`."""

    message = "Your role in this organisation does not allow this."

    def has_permission(self, request: Request, view: APIView) -> bool:
        roles: RoleMap = getattr(view, "roles", {})
        return membership_may(getattr(request, "membership", None), roles, request.method or "GET")
