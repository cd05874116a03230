"""People sign in on their phone and land on their role's dashboard; a wrong password
keeps them out with a clear message."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from accounts.models import Role
from tests.factories import PASSWORD, MembershipFactory, OrganizationFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DASHBOARD_TITLES = {
    Role.ADMIN: "Administration",
    Role.MANAGER: "Program overview",
    Role.EXECUTIVE: "Business impact",
    Role.EMPLOYEE: "Welcome, Robin Rivera",
}


def scroll_width(page: Page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


@pytest.mark.parametrize("role", list(Role), ids=[role.value for role in Role])
def test_a_member_signs_in_on_a_phone_and_sees_their_roles_dashboard(open_page, sign_in, console, role) -> None:
    organization = OrganizationFactory(name="Acme", slug="acme")
    MembershipFactory(
        organization=organization, role=role, user__email=f"{role}@acme.example", user__full_name="Robin Rivera"
    )
    page = open_page(phone=True)

    sign_in(page, f"{role}@acme.example", PASSWORD)

    expect(page).to_have_url(re.compile(r"/o/acme/$"))
    expect(page.get_by_test_id("dashboard-title")).to_have_text(DASHBOARD_TITLES[role])
    expect(page.get_by_text(f"Acme · {role.label}", exact=True)).to_be_visible()
    assert scroll_width(page) <= 390

    menu = page.locator("#main-nav")
    expect(menu).to_be_hidden()
    page.get_by_role("button", name="Open navigation").click()
    expect(menu).to_be_visible()
    # Bootstrap adds `show` when the menu has finished opening; a tap during the
    # animation lands wherever the growing menu has moved things to.
    expect(menu).to_have_class(re.compile(r"\bshow\b"))
    expect(menu.get_by_role("link", name="Dashboard")).to_be_visible()
    expect(page.get_by_test_id("user-name")).to_have_text("Robin Rivera")
    expect(page.locator("#user-menu .badge")).to_have_text(role.label)
    assert scroll_width(page) <= 390

    page.locator("#user-menu").click()
    expect(menu.get_by_role("link", name="My profile")).to_be_visible()
    expect(menu.get_by_role("button", name="Sign out")).to_be_visible()
    assert scroll_width(page) <= 390
    assert console.csp_violations() == []


def test_a_wrong_password_shows_a_clear_error_and_does_not_sign_in(open_page, sign_in, console) -> None:
    user = UserFactory(email="employee@acme.example")
    MembershipFactory(organization=OrganizationFactory(slug="acme"), user=user)
    page = open_page(phone=True)

    sign_in(page, "employee@acme.example", "not-my-password")

    expect(page.get_by_role("alert")).to_contain_text("password you specified are not correct")
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    expect(page.get_by_role("textbox", name="Email", exact=True)).to_have_value("employee@acme.example")
    expect(page.get_by_label("Password")).to_have_value("")
    expect(page.get_by_test_id("user-name")).to_have_count(0)

    page.goto("/o/acme/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/o/acme/$"))
    assert console.csp_violations() == []


def test_signing_in_from_a_protected_page_returns_to_it(open_page, console) -> None:
    user = UserFactory(email="employee@acme.example")
    MembershipFactory(organization=OrganizationFactory(slug="acme"), user=user)
    page = open_page()

    page.goto("/o/acme/profile/")
    page.get_by_role("textbox", name="Email", exact=True).fill("employee@acme.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_url(re.compile(r"/o/acme/profile/$"))
    expect(page.get_by_role("heading", name="My profile")).to_be_visible()
    assert console.csp_violations() == []
