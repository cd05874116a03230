"""An employee reads their feed on a phone: the item that fits them best is on top with
the reason, "Not relevant" takes another away in place, and nothing is wider than the
screen."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import MembershipTopic, Role
from accounts.tenancy import organization_scope
from content.models import ContentState, ContentTopic, PreviewStatus
from tests.factories import PASSWORD, ContentItemFactory, MembershipFactory, OrganizationFactory, TopicFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_an_employee_sees_why_the_top_item_is_there_and_dismisses_another(open_page, sign_in, console) -> None:  # type: ignore[no-untyped-def]
    organization = OrganizationFactory(name="Acme", slug="acme")
    employee = MembershipFactory(organization=organization, role=Role.EMPLOYEE, user__email="employee@acme.example")
    cloud = TopicFactory(organization=organization, name="Cloud", slug="cloud")
    now = timezone.now()
    with organization_scope(organization):
        MembershipTopic.objects.create(organization=organization, membership=employee, topic=cloud)
        top = ContentItemFactory(
            organization=organization,
            title="Our cloud now runs on wind power, and here is how the team moved every region",
            state=ContentState.PUBLISHED,
            published_at=now,
            url="https://news.example/a-very-long-address/that-should-never-widen-the-page-on-a-phone",
            preview_status=PreviewStatus.READY,
            preview_title="Wind-powered cloud regions",
            preview_site_name="Acme Newsroom",
        )
        ContentTopic.objects.create(organization=organization, item=top, topic=cloud)
        ContentItemFactory(
            organization=organization,
            title="Office plants get a new supplier",
            state=ContentState.PUBLISHED,
            published_at=now - timedelta(days=10),
        )
    page = open_page(phone=True)
    sign_in(page, "employee@acme.example", PASSWORD)

    page.goto("/o/acme/feed/")
    cards = page.get_by_test_id("feed-card")
    expect(cards).to_have_count(2)
    first = cards.first
    expect(first.get_by_role("heading")).to_have_text(top.title)
    expect(first.get_by_test_id("feed-reason")).to_contain_text("Because you follow Cloud")
    expect(first.get_by_role("link", name="Share")).to_have_attribute("href", f"/o/acme/feed/{top.public_id}/share/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    plants = cards.filter(has_text="Office plants get a new supplier")
    plants.get_by_role("button", name="Not relevant").click()
    expect(page.get_by_test_id("feed-dismissed")).to_contain_text("Hidden from your feed")
    expect(cards).to_have_count(1)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.reload()
    expect(cards).to_have_count(1)
    expect(page.get_by_text("Office plants get a new supplier")).to_have_count(0)
    assert console.csp_violations() == []
