"""The main navigation: which sections each role sees. Later features add entries."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse

from accounts.permissions import ADMINS, EVERYONE


@dataclass(frozen=True)
class NavEntry:
    label: str
    url_name: str
    icon: str
    roles: frozenset[str]


NAVIGATION: list[NavEntry] = [
    NavEntry("Dashboard", "accounts:dashboard", "house", EVERYONE),
    NavEntry("Members", "accounts:member_list", "people", ADMINS),
    NavEntry("Groups", "accounts:group_list", "collection", ADMINS),
    NavEntry("Topics", "accounts:topic_list", "tags", ADMINS),
    NavEntry("Settings", "accounts:organization_settings", "gear", ADMINS),
]


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    icon: str
    active: bool


def navigation_for(*, role: str, organization_slug: str, current_path: str) -> list[NavItem]:
    items = []
    for entry in NAVIGATION:
        if role not in entry.roles:
            continue
        try:
            url = reverse(entry.url_name, kwargs={"org_slug": organization_slug})
        except NoReverseMatch:
            continue  # a section whose feature is not installed
        dashboard = entry.url_name == "accounts:dashboard"
        active = current_path == url if dashboard else current_path.startswith(url)
        items.append(NavItem(entry.label, url, entry.icon, active))
    return items
