"""A manager writes an item with a link, sees its preview arrive, writes a caption
with the live counter and submits it; a second manager approves it from the review
queue. Under the strict CSP, with no console errors."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from accounts.models import Role
from accounts.tenancy import organization_scope
from content import services
from content.models import ContentItem, ContentState
from tests.factories import PASSWORD, ContentItemFactory, MembershipFactory, OrganizationFactory
from tests.fakes.website import FakeWebsite

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ARTICLE = """<!doctype html><html><head><title>Fallback</title>
<meta property="og:title" content="Acme opens a lab in Lisbon">
<meta property="og:description" content="Forty engineers, one harbour view.">
<meta property="og:site_name" content="Acme Newsroom">
</head><body><p>Hello</p></body></html>"""


@pytest.fixture
def website(settings) -> Iterator[FakeWebsite]:  # type: ignore[no-untyped-def]
    with FakeWebsite() as site:
        site.page("/lisbon", ARTICLE)
        settings.CONTENT_FETCH_ALLOW_HOSTS = [site.host]
        yield site


def sign_in_as(page: Page, email: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_role("textbox", name="Email", exact=True).fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/o/acme/$"))


def test_a_manager_writes_an_item_another_approves_it_and_an_employee_finds_it_first_on_a_phone(
    open_page, console, website
) -> None:
    organization = OrganizationFactory(name="Acme", slug="acme")
    MembershipFactory(
        organization=organization, role=Role.MANAGER, user__email="mia@acme.example", user__full_name="Mia"
    )
    MembershipFactory(
        organization=organization, role=Role.MANAGER, user__email="max@acme.example", user__full_name="Max"
    )
    MembershipFactory(organization=organization, role=Role.EMPLOYEE, user__email="emma@acme.example")
    ContentItemFactory(
        organization=organization,
        title="Last week's town hall",
        state=ContentState.PUBLISHED,
        published_at=timezone.now() - timedelta(days=3),
    )

    page = open_page()
    sign_in_as(page, "mia@acme.example")
    main_nav = page.get_by_role("navigation", name="Main")
    main_nav.get_by_role("button", name="Curate").click()
    main_nav.get_by_role("link", name="Content", exact=True).click()
    page.get_by_role("link", name="New item").first.click()
    page.get_by_label("Title").fill("Our new lab in Lisbon")
    page.get_by_label("Link").fill(website.url("/lisbon"))
    page.get_by_text("Employee", exact=True).click()  # audience: the employee role only
    expect(page.get_by_test_id("audience-count")).to_have_text(re.compile(r"Matches 1 active member\b"))
    page.get_by_role("button", name="Save as draft").click()
    expect(page).to_have_url(re.compile(r"/content/[0-9a-f-]+/edit/$"))
    expect(page.get_by_text("Fetching the preview")).to_be_visible()

    # A worker fetches the preview in production; here the test does, and the page's
    # polling picks it up without a reload.
    with organization_scope(organization):
        item = ContentItem.objects.get(organization=organization, title="Our new lab in Lisbon")
        services.content_item_refresh_preview(item=item)
    expect(page.get_by_test_id("preview-title")).to_have_text("Acme opens a lab in Lisbon", timeout=8_000)
    expect(page.get_by_text("Acme Newsroom")).to_be_visible()

    caption = page.get_by_label("Add a X caption")
    caption.fill("Forty engineers, one harbour view: we are hiring in Lisbon!")
    expect(page.locator("#id_caption_x_new_text_counter [data-caption-count]")).to_have_text("59 / 280")
    caption.press_sequentially(" " + "x" * 230, delay=0)
    expect(page.locator("#id_caption_x_new_text_counter [data-caption-status]")).to_have_text("10 over the limit")
    caption.fill("Forty engineers, one harbour view: we are hiring in Lisbon!")
    page.locator("#captions-x").get_by_role("button", name="Add caption").click()
    expect(page.get_by_role("alert").filter(has_text="caption was added")).to_be_visible()

    page.get_by_role("link", name="Go to the item's page").click()
    page.get_by_role("button", name="Submit for review").click()
    expect(page.get_by_role("alert").filter(has_text="was submitted for review")).to_be_visible()
    expect(page.get_by_role("button", name="Approve")).to_be_disabled()  # four-eyes: not the author

    reviewer = open_page(phone=True)
    sign_in_as(reviewer, "max@acme.example")
    expect(reviewer.get_by_test_id("review-count")).to_have_text("1")
    reviewer.get_by_role("link", name="Open the review queue").click()
    expect(reviewer.get_by_text("By Mia")).to_be_visible()
    reviewer.get_by_role("button", name="Approve").click()
    expect(reviewer.get_by_role("alert").filter(has_text="was approved")).to_be_visible()
    expect(reviewer.get_by_role("heading", name="Nothing to review")).to_be_visible()

    with organization_scope(organization):
        item.refresh_from_db()
    assert item.state == ContentState.PUBLISHED

    employee = open_page(phone=True)
    sign_in_as(employee, "emma@acme.example")
    employee.get_by_role("button", name="Open navigation").click()
    employee.get_by_role("navigation", name="Main").get_by_role("link", name="Feed", exact=True).click()
    cards = employee.get_by_test_id("feed-card")
    expect(cards.first).to_contain_text("Our new lab in Lisbon")
    expect(cards.nth(1)).to_contain_text("Last week's town hall")
    assert employee.evaluate("document.documentElement.scrollWidth") <= 390
    assert console.csp_violations() == []
    assert [line for line in console if line.startswith(("error", "pageerror"))] == []
