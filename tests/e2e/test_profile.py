"""An employee edits their own profile on a phone: interests and working days are
toggle chips that save."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD, MembershipFactory, OrganizationFactory, TopicFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_an_employee_picks_interests_and_working_days_on_a_phone(open_page, sign_in, console) -> None:
    organization = OrganizationFactory(name="Acme", slug="acme")
    TopicFactory(organization=organization, name="Product")
    TopicFactory(organization=organization, name="Careers")
    MembershipFactory(organization=organization, user__email="employee@acme.example")
    page = open_page(phone=True)
    sign_in(page, "employee@acme.example", PASSWORD)

    page.goto("/o/acme/profile/")
    chip = page.locator("label.btn")
    chip.filter(has_text=re.compile(r"^Product$")).click()
    chip.filter(has_text=re.compile(r"^Sat$")).click()
    page.get_by_role("button", name="Save profile").click()

    expect(page.get_by_role("alert").filter(has_text="Your profile was saved.")).to_be_visible()
    expect(page.get_by_role("checkbox", name="Product")).to_be_checked()
    expect(page.get_by_role("checkbox", name="Careers")).not_to_be_checked()
    expect(page.get_by_role("checkbox", name="Sat")).to_be_checked()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert console.csp_violations() == []
