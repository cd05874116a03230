"""An employee on a phone connects a Sandbox account, makes a suggested caption their
own (the originality meter reacts), shares, and sees the post on the Sandbox timeline
with their tracked link, whose click is counted. A real Celery worker process posts it
over HTTP to the Sandbox served by the live server."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import Role
from accounts.tenancy import organization_scope, scopes_disabled
from advocacy.models import Share, ShareState
from advocacy.services.links import link_clicks_flush
from config.celery import app as celery_app
from content.models import Caption, ContentState, PreviewStatus
from tests.advocacy.support import open_sharing
from tests.advocacy.workers import REDIS_URL, Workers, wait_for
from tests.e2e.conftest import PHONE
from tests.factories import PASSWORD, ContentItemFactory, MembershipFactory, OrganizationFactory

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not REDIS_URL, reason="Redis is not reachable: `make test` sets TEST_REDIS_URL when it is."),
]


# A phone's browser, as the employee's contacts use: headless Chromium's own user agent
# says "HeadlessChrome" and is rightly counted as a bot, not as a click.
PHONE_BROWSER = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Mobile Safari/537.36"
)


def test_an_employee_shares_to_the_sandbox_from_a_phone_and_the_click_counts(  # type: ignore[no-untyped-def]
    browser, sign_in, console, live_server, settings, tmp_path: Path
) -> None:
    base = live_server.url
    settings.SITE_URL = settings.SANDBOX_BASE_URL = settings.SHORT_LINK_BASE = base
    organization = OrganizationFactory(name="Acme", slug="acme")
    MembershipFactory(
        organization=organization, role=Role.EMPLOYEE, user__email="ada@acme.example", user__full_name="Ada Lovelace"
    )
    open_sharing(organization)
    with organization_scope(organization):
        item = ContentItemFactory(
            organization=organization,
            title="Our rocket reached orbit",
            url=f"{base}/healthz",  # the company's page: on loopback, like everything here
            state=ContentState.PUBLISHED,
            published_at=timezone.now(),
            preview_status=PreviewStatus.READY,
            preview_title="Our rocket reached orbit",
        )
        Caption.objects.create(
            organization=organization, item=item, network="linkedin", text="Acme's rocket reached orbit today."
        )
    celery_app.control.purge()  # messages earlier tests left behind would only add noise
    workers = Workers(tmp_path, SITE_URL=base, SANDBOX_BASE_URL=base, SHORT_LINK_BASE=base)
    workers.start("e2e")
    context = browser.new_context(base_url=base, user_agent=PHONE_BROWSER, **PHONE)
    try:
        context.set_default_timeout(10_000)
        page = context.new_page()
        page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
        sign_in(page, "ada@acme.example", PASSWORD)

        # Connect the Sandbox: Chorus → the Sandbox's consent page → back, connected.
        page.goto("/o/acme/connections/")
        page.get_by_test_id("connect-sandbox").click()
        expect(page.get_by_test_id("consent-allow")).to_be_visible()
        page.get_by_test_id("consent-allow").click()
        expect(page.get_by_text("Connected", exact=False).first).to_be_visible()
        expect(page.get_by_test_id("connection")).to_have_count(1)

        # Compose from the feed, in their own words.
        page.goto("/o/acme/feed/")
        page.get_by_test_id("feed-card").first.get_by_role("link", name="Share").click()
        page.get_by_role("button", name="Use").first.click()
        score = page.get_by_test_id("originality-score")
        expect(score).not_to_have_text("–")
        copied = int(score.inner_text().rstrip("%"))
        box = page.get_by_label("Your post")
        box.fill(
            "I watched our rocket reach orbit from the roof with the whole propulsion team. Best day of my career."
        )
        expect(score).not_to_have_text(f"{copied}%")
        assert int(score.inner_text().rstrip("%")) > copied
        page.get_by_test_id("share-submit").click()

        # My shares: the worker posts it; the page updates itself.
        expect(page.get_by_text("Sharing now", exact=False)).to_be_visible()
        with scopes_disabled():
            share = Share.objects.get(membership__user__email="ada@acme.example")
        assert wait_for(lambda: _state(share) == ShareState.POSTED, timeout=60), f"ended {_state(share)}"
        row = page.get_by_test_id("share-row").first
        expect(row).to_have_attribute("data-state", "posted", timeout=15_000)

        # The post on the Sandbox timeline, with the employee's tracked link.
        # "View post" opens a new tab on a real network; here the same tab will do.
        page.goto(row.get_by_test_id("share-external").get_attribute("href") or "")
        post = page.get_by_text("Best day of my career", exact=False).first
        expect(post).to_be_visible()
        link = page.locator(f"a[href*='/s/{share.tracked_link.code}']").first
        expect(link).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390

        # A click on it reaches the company's page with the UTM tags, and is counted.
        link.click()
        page.wait_for_url("**/healthz?**")
        assert "utm_medium=employee_advocacy" in page.url and "chorus_click=" in page.url
        link_clicks_flush(now=timezone.now())
        page.goto("/o/acme/shares/")
        expect(page.get_by_test_id("my-clicks")).to_have_text("1")
    finally:
        context.close()
        workers.stop()
    assert console.csp_violations() == []


def _state(share: Share) -> str:
    with scopes_disabled():  # the test reads what the worker wrote
        return Share.objects.get(pk=share.pk).state
