"""The main navigation: which sections each role sees. Later features add entries."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse

from accounts.permissions import ADMINS, CURATORS, EVERYONE, REPORT_READERS


@dataclass(frozen=True)
class NavEntry:
    label: str
    url_name: str
    icon: str
    roles: frozenset[str]


NAVIGATION: list[NavEntry] = [
    NavEntry("Dashboard", "accounts:dashboard", "house", EVERYONE),
    NavEntry("Feed", "content:feed", "newspaper", EVERYONE),
    NavEntry("My shares", "advocacy:share_list", "send", EVERYONE),
    NavEntry("Connections", "advocacy:connection_list", "plug", EVERYONE),
    NavEntry("Suggest", "content:suggest", "lightbulb", EVERYONE),
    NavEntry("Suggestions", "content:suggestion_queue", "inbox", CURATORS),
    NavEntry("Content", "content:item_list", "journal-richtext", CURATORS),
    NavEntry("Review", "content:review_queue", "check2-square", CURATORS),
    NavEntry("Announce", "content:announce", "megaphone", CURATORS),
    NavEntry("Connection health", "advocacy:connection_health", "heart-pulse", CURATORS),
    NavEntry("Onboarding", "accounts:onboarding", "mortarboard", EVERYONE),
    NavEntry("Program", "accounts:program", "clipboard-check", CURATORS),
    NavEntry("Listening", "analytics:listening_results", "ear", REPORT_READERS),
    NavEntry("Members", "accounts:member_list", "people", ADMINS),
    NavEntry("Groups", "accounts:group_list", "collection", ADMINS),
    NavEntry("Topics", "accounts:topic_list", "tags", ADMINS),
    NavEntry("Settings", "accounts:organization_settings", "gear", ADMINS),
    NavEntry("Guardrails", "advocacy:settings", "sliders", ADMINS),
    NavEntry("Provisioning", "accounts:scim_settings", "person-gear", ADMINS),
    NavEntry("Single sign-on", "accounts:sso_settings", "key", ADMINS),
    NavEntry("Audit log", "accounts:audit_log", "shield-check", ADMINS),
]


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    icon: str
    active: bool


def navigation_for(*, role: str, organization_slug: str, current_path: str) -> list[NavItem]:
    entries = []
    for entry in NAVIGATION:
        if role not in entry.roles:
            continue
        try:
            url = reverse(entry.url_name, kwargs={"org_slug": organization_slug})
        except NoReverseMatch:
            continue  # a section whose feature is not installed
        entries.append((entry, url))
    # One active entry: the longest address the page is under (Review, not Content too,
    # on /content/review/).
    matches = [
        url
        for entry, url in entries
        if (current_path == url if entry.url_name == "accounts:dashboard" else current_path.startswith(url))
    ]
    active_url = max(matches, key=len, default=None)
    return [NavItem(entry.label, url, entry.icon, url == active_url) for entry, url in entries]
