"""An executive on a laptop opens the demo organisation's dashboard (its months of
history from `seed_demo_analytics`), sees KPI progress and the charts drawn, changes
the period and sees the figures change, drills into a KPI and downloads its CSV.
Under the strict CSP, with no console errors."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator

import pytest
from django.core.management import call_command
from playwright.sync_api import Browser, BrowserContext, expect

from accounts.management.commands.seed_demo import DEMO_PASSWORD, DEMO_SLUG

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LAPTOP = {"viewport": {"width": 1366, "height": 768}}


@pytest.fixture
def laptop(browser: Browser, live_server) -> Iterator[BrowserContext]:  # type: ignore[no-untyped-def]
    context = browser.new_context(base_url=live_server.url, accept_downloads=True, **LAPTOP)
    context.set_default_timeout(15_000)
    yield context
    context.close()


@pytest.fixture
def demo_organisation() -> None:
    """The demo organisation as `make run` seeds it, with its analytics history."""
    for command in ("seed_demo", "seed_demo_content", "seed_demo_analytics"):
        call_command(command, stdout=io.StringIO())


def test_an_executive_reads_the_dashboard_changes_the_period_drills_into_a_kpi_and_downloads_a_csv(
    laptop: BrowserContext, console, demo_organisation: None
) -> None:
    page = laptop.new_page()
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    page.on("pageerror", lambda error: console.append(f"pageerror: {error}"))
    page.goto("/accounts/login/")
    page.get_by_role("textbox", name="Email", exact=True).fill(f"exec@{DEMO_SLUG}.example")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(rf"/o/{DEMO_SLUG}/$"))

    page.goto(f"/o/{DEMO_SLUG}/reports/")
    expect(page.get_by_role("heading", name="Executive dashboard")).to_be_visible()
    expect(page.get_by_role("heading", name="Outcomes")).to_be_visible()
    kpis = page.get_by_test_id("kpi-progress")
    expect(kpis.first).to_be_visible()
    assert kpis.count() >= 2
    expect(kpis.first.locator(".progress-bar")).to_have_attribute("style", re.compile(r"width: \d+%"))
    # Chart.js drew on the canvas: it owns a chart object and the canvas has a size.
    page.wait_for_function("() => window.Chart && Chart.getChart(document.getElementById('clicks-chart'))")
    box = page.locator("#clicks-chart").bounding_box()
    assert box is not None and box["width"] > 200 and box["height"] > 80
    clicks_90 = page.get_by_test_id("figure-clicks-value").inner_text()
    shares_90 = page.get_by_test_id("figure-shares_posted-value").inner_text()

    page.get_by_label("Period", exact=True).select_option("30d")  # the picker reloads on change
    expect(page).to_have_url(re.compile(r"[?&]period=30d"))
    expect(page.get_by_test_id("report-scope")).to_be_visible()
    assert (
        page.get_by_test_id("figure-clicks-value").inner_text(),
        page.get_by_test_id("figure-shares_posted-value").inner_text(),
    ) != (clicks_90, shares_90)
    expect(page.get_by_label("Period", exact=True)).to_have_value("30d")
    page.wait_for_function("() => window.Chart && Chart.getChart(document.getElementById('conversions-chart'))")

    first_kpi = kpis.first.get_by_role("link")
    kpi_name = first_kpi.inner_text()
    first_kpi.click()
    expect(page).to_have_url(re.compile(r"/reports/kpis/[0-9a-f-]+/\?.*period=30d"))
    expect(page.get_by_role("heading", name=kpi_name, exact=True)).to_be_visible()
    expect(page.get_by_test_id("kpi-summary")).to_be_visible()
    expect(page.get_by_test_id("drilldown-note")).to_be_visible()
    page.wait_for_function("() => window.Chart && Chart.getChart(document.getElementById('kpi-chart'))")

    with page.expect_download() as download_info:
        page.get_by_test_id("export-drill-people").click()
    download = download_info.value
    assert download.suggested_filename.startswith(f"{DEMO_SLUG}-kpi-people-")
    assert download.suggested_filename.endswith(".csv")
    path = download.path()
    assert path is not None
    with open(path, encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[0][:4] == ["Member", "Department", "Location", "Shares posted"]
    assert rows[0][-2:] == ["Attributed conversions", "Conversion value"]

    assert console.csp_violations() == []
    assert [line for line in console if line.startswith(("error", "pageerror"))] == []
