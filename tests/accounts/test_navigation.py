"""The main navigation: links on the bar, and menus per section, by role."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import Role
from accounts.navigation import NavItem, navigation_for, navigation_sections
from tests.conftest import Tenant


def sections_of(role: str, path: str = "/o/acme/") -> dict[str, list[str]]:
    items = navigation_for(role=role, organization_slug="acme", current_path=path)
    return {section.label: [item.label for item in section.items] for section in navigation_sections(items)}


def test_executives_find_the_business_reports_under_one_menu() -> None:
    reports = sections_of(Role.EXECUTIVE)["Reports"]
    assert reports[0] == "Business impact"
    assert {"Goals and KPIs", "Conversions", "People", "Listening"} <= set(reports)
    assert "My scorecard" not in reports  # the scorecard is the program manager's


def test_employees_see_their_impact_but_no_reports_or_curation() -> None:
    sections = sections_of(Role.EMPLOYEE)
    assert "My impact" in sections["Sharing"]
    assert "Reports" not in sections and "Curate" not in sections and "Admin" not in sections


def test_a_section_with_one_entry_is_a_plain_link_on_the_bar() -> None:
    items = [NavItem("Only", "/o/acme/only/", "dot", False, "Lonely"), NavItem("Feed", "/o/acme/feed/", "x", True)]
    sections = navigation_sections(items)
    assert [(section.label, [item.label for item in section.items]) for section in sections] == [
        ("", ["Only"]),
        ("", ["Feed"]),
    ]


def test_the_menu_of_the_page_being_shown_is_marked_active() -> None:
    items = navigation_for(role=Role.MANAGER, organization_slug="acme", current_path="/o/acme/reports/people/")
    active = [section.label for section in navigation_sections(items) if section.active]
    assert active == ["Reports"]


@pytest.mark.django_db
def test_the_bar_renders_menus_with_their_links(client: Client, tenant_a: Tenant) -> None:
    client.force_login(tenant_a.manager.user)
    page = client.get("/o/acme/feed/").content.decode()
    assert 'data-bs-toggle="dropdown" aria-expanded="false">Reports</a>' in page
    assert 'href="/o/acme/reports/"' in page
