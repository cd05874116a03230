"""The conversion snippet in a real browser, on a company page of another origin: it
keeps the click id from the landing address in a first-party cookie, and on a later
page reports a conversion that Chorus attributes to the share."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Route

from accounts.tenancy import organization_scope, scopes_disabled
from analytics.models import AnalyticsSettings, Conversion
from analytics.services.goals import snippet_key_ensure
from tests.analytics.goals_support import click_id_at, share_with_link
from tests.conftest import build_tenant
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SITE = "http://www.acme.example"  # answered by the browser context itself (context.route)


def test_the_snippet_remembers_the_click_and_reports_an_attributed_conversion(browser: Browser, live_server) -> None:  # type: ignore[no-untyped-def]
    tenant = build_tenant("Acme", "acme")
    share, link = share_with_link(tenant)
    click = click_id_at(link, timezone.now() - timedelta(minutes=5))
    with organization_scope(tenant.organization):
        key = snippet_key_ensure(organization=tenant.organization)
        AnalyticsSettings.objects.filter(organization=tenant.organization).update(snippet_origins=SITE)
    script = f'<script src="{live_server.url}/t/{key}/chorus.js"></script>'
    page_html = f"<!doctype html><html><body><h1>Acme</h1>{script}</body></html>"

    def company_site(route: Route) -> None:
        route.fulfill(status=200, content_type="text/html", body=page_html)

    # A company's site is on the public internet and Chorus too; here Chorus is on
    # loopback, which Chromium's local-network protection shields from public pages.
    local_browser = browser.browser_type.launch(
        executable_path=str(CHROMIUM),
        args=[*CHROMIUM_ARGS, "--disable-features=LocalNetworkAccessChecks"],
        headless=True,
    )
    context = local_browser.new_context()
    context.set_default_timeout(10_000)
    context.route(f"{SITE}/**", company_site)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("requestfailed", lambda request: errors.append(f"{request.url}: {request.failure}"))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.goto(f"{SITE}/landing?chorus_click={click}")
    page.wait_for_function("() => window.chorus && window.chorus.convert")
    assert errors == []
    page.goto(f"{SITE}/thank-you")  # the click id is no longer in the address
    page.wait_for_function("() => window.chorus && window.chorus.convert")
    assert page.evaluate("() => window.chorus.clickIds()") == {"first": click, "last": click}
    cookies = {cookie["name"]: cookie for cookie in context.cookies(SITE)}
    assert cookies["_chorus_click"]["sameSite"] == "Lax"
    result = page.evaluate("() => window.chorus.convert({kind: 'signup', event_id: 'e2e-1', value: 10})")
    assert result["attributed"] is True and result["created"] is True
    again = page.evaluate("() => window.chorus.convert({kind: 'signup', event_id: 'e2e-1'})")
    assert again["created"] is False
    context.close()
    local_browser.close()
    assert errors == []
    with scopes_disabled():  # reading back for the assertion
        [conversion] = Conversion.objects.filter(organization=tenant.organization)
    assert conversion.share_id == share.pk and conversion.source == "snippet"
