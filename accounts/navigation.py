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
    section: str = ""  # entries of one section share a menu; "" stands on the bar itself


# In display order; a section's entries are kept together.
NAVIGATION: list[NavEntry] = [
    NavEntry("Dashboard", "accounts:dashboard", "house", EVERYONE),
    NavEntry("Feed", "content:feed", "newspaper", EVERYONE),
    NavEntry("My shares", "advocacy:share_list", "send", EVERYONE, "Sharing"),
    NavEntry("My impact", "analytics:my_impact", "graph-up-arrow", EVERYONE, "Sharing"),
    NavEntry("Connections", "advocacy:connection_list", "plug", EVERYONE, "Sharing"),
    NavEntry("Suggest", "content:suggest", "lightbulb", EVERYONE, "Sharing"),
    NavEntry("Onboarding", "accounts:onboarding", "mortarboard", EVERYONE, "Sharing"),
    NavEntry("Content", "content:item_list", "journal-richtext", CURATORS, "Curate"),
    NavEntry("Review", "content:review_queue", "check2-square", CURATORS, "Curate"),
    NavEntry("Suggestions", "content:suggestion_queue", "inbox", CURATORS, "Curate"),
    NavEntry("Announce", "content:announce", "megaphone", CURATORS, "Curate"),
    NavEntry("Program", "accounts:program", "clipboard-check", CURATORS, "Curate"),
    NavEntry("Connection health", "advocacy:connection_health", "heart-pulse", CURATORS, "Curate"),
    NavEntry("Business impact", "analytics:reports_dashboard", "bar-chart-line", REPORT_READERS, "Reports"),
    NavEntry("Goals and KPIs", "analytics:goal_list", "bullseye", REPORT_READERS, "Reports"),
    NavEntry("Conversions", "analytics:conversion_list", "cart-check", REPORT_READERS, "Reports"),
    NavEntry("People", "analytics:people_report", "people-fill", REPORT_READERS, "Reports"),
    NavEntry("My scorecard", "analytics:scorecard", "clipboard-data", CURATORS, "Reports"),
    NavEntry("Listening", "analytics:listening_results", "ear", REPORT_READERS, "Reports"),
    NavEntry("Members", "accounts:member_list", "people", ADMINS, "Admin"),
    NavEntry("Groups", "accounts:group_list", "collection", ADMINS, "Admin"),
    NavEntry("Topics", "accounts:topic_list", "tags", ADMINS, "Admin"),
    NavEntry("Settings", "accounts:organization_settings", "gear", ADMINS, "Admin"),
    NavEntry("Guardrails", "advocacy:settings", "sliders", ADMINS, "Admin"),
    NavEntry("Analytics settings", "analytics:analytics_settings", "currency-exchange", CURATORS, "Admin"),
    NavEntry("Provisioning", "accounts:scim_settings", "person-gear", ADMINS, "Admin"),
    NavEntry("Single sign-on", "accounts:sso_settings", "key", ADMINS, "Admin"),
    NavEntry("Audit log", "accounts:audit_log", "shield-check", ADMINS, "Admin"),
]


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    icon: str
    active: bool
    section: str = ""


@dataclass(frozen=True)
class NavSection:
    """What the bar shows: one link (`label` empty and one item), or a menu of items."""

    label: str
    items: tuple[NavItem, ...]

    @property
    def active(self) -> bool:
        return any(item.active for item in self.items)


def navigation_sections(items: tuple[NavItem, ...] | list[NavItem]) -> list[NavSection]:
    """Group consecutive items by section; a section with one visible item is shown as
    a plain link on the bar (a menu of one is a click for nothing)."""
    sections: list[NavSection] = []
    for item in items:
        if item.section and sections and sections[-1].label == item.section:
            sections[-1] = NavSection(item.section, (*sections[-1].items, item))
        else:
            sections.append(NavSection(item.section, (item,)))
    return [NavSection("", section.items) if len(section.items) == 1 else section for section in sections]


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
    return [NavItem(entry.label, url, entry.icon, url == active_url, entry.section) for entry, url in entries]
