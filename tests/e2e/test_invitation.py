"""A new person opens their invitation link, chooses a password and lands on their
dashboard, signed in; the link works once."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from accounts import services
from accounts.models import Role
from accounts.tenancy import organization_scope
from tests.factories import MembershipFactory, OrganizationFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_an_invited_person_joins_from_the_link_and_the_link_then_stops_working(open_page, console) -> None:
    organization = OrganizationFactory(name="Acme", slug="acme")
    admin = MembershipFactory(organization=organization, role=Role.ADMIN, user__full_name="Ada Admin")
    with organization_scope(organization):
        invitation = services.invitation_create(
            organization=organization,
            email="new.person@acme.example",
            role=Role.EMPLOYEE,
            invited_by=admin.user,
            send=False,
        )
    link = urlsplit(services.invitation_url(invitation)).path
    page = open_page(phone=True)

    page.goto(link)
    expect(page.get_by_role("heading", name="Join Acme on Chorus")).to_be_visible()
    expect(page.get_by_text("Ada Admin invited you")).to_be_visible()
    page.get_by_label("Your name").fill("Noor Newcomer")
    page.get_by_label("Choose a password").fill("a-long-and-new-passphrase")
    page.get_by_label("Repeat the password").fill("a-long-and-new-passphrase")
    page.get_by_role("button", name="Create my account and join").click()

    expect(page).to_have_url(re.compile(r"/o/acme/$"))
    expect(page.get_by_test_id("dashboard-title")).to_have_text("Welcome, Noor Newcomer")
    expect(page.get_by_role("alert").filter(has_text="Welcome to Acme!")).to_be_visible()

    response = page.goto(link)
    assert response is not None and response.status == 410
    expect(page.get_by_text("This invitation has already been used")).to_be_visible()
    assert console.csp_violations() == []
