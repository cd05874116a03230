from __future__ import annotations

from typing import Any

from django import template
from django.http import QueryDict

from accounts.models import Membership
from accounts.navigation import NavItem, navigation_for
from accounts.selectors import memberships_of_user

register = template.Library()


@register.simple_tag(takes_context=True)
def navigation_items(context: template.Context) -> list[NavItem]:
    request = context["request"]
    membership = getattr(request, "membership", None)
    if membership is None:
        return []
    return navigation_for(
        role=membership.role, organization_slug=membership.organization.slug, current_path=request.path
    )


@register.simple_tag(takes_context=True)
def user_organizations(context: template.Context) -> list[Membership]:
    request = context["request"]
    if not request.user.is_authenticated:
        return []
    cached = getattr(request, "_chorus_memberships", None)
    if cached is None:
        cached = memberships_of_user(user=request.user)
        request._chorus_memberships = cached
    return cached


@register.simple_tag(takes_context=True)
def query_with(context: template.Context, **changes: Any) -> str:
    """The current query string with some parameters replaced (for pagination links)."""
    query: QueryDict = context["request"].GET.copy()
    for key, value in changes.items():
        query[key] = value
    return query.urlencode()
