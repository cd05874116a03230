"""The strict Content Security Policy holds on real pages: the browser reports no
blocked inline script, style or handler anywhere a person goes."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from accounts.models import Role
from tests.factories import PASSWORD, MembershipFactory, OrganizationFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ANONYMOUS_PAGES = ["/accounts/login/", "/accounts/password/reset/", "/accounts/signup/", "/invitations/bad/"]
SIGNED_IN_PAGES = ["/o/acme/", "/o/acme/profile/", "/accounts/password/change/", "/accounts/logout/"]


def test_no_page_reports_a_content_security_policy_violation(open_page, sign_in, console) -> None:
    MembershipFactory(
        organization=OrganizationFactory(name="Acme", slug="acme"), role=Role.ADMIN, user__email="admin@acme.example"
    )
    page = open_page()
    for path in ANONYMOUS_PAGES:
        page.goto(path)
        expect(page.locator("main")).to_be_visible()

    sign_in(page, "admin@acme.example", PASSWORD)
    for path in SIGNED_IN_PAGES:
        page.goto(path)
        expect(page.locator("main")).to_be_visible()
        page.locator("#user-menu").click()
        expect(page.get_by_role("button", name="Sign out").first).to_be_visible()

    assert console.csp_violations() == [], "\n".join(console.csp_violations())
    assert [line for line in console if line.startswith("pageerror")] == []
