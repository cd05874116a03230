"""Browser tests: Debian's Chromium, driven by Playwright's sync API, against
pytest-django's live server.

The live server runs in a thread of this process and reads the database through its
own connection, so test data must be committed: tests use
`@pytest.mark.django_db(transaction=True)` and the factories.

Never `playwright install` here: the tests use the system Chromium at /usr/bin/chromium.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.core.cache import cache
from playwright.sync_api import Browser, Page, expect, sync_playwright

# Playwright's sync API runs an asyncio event loop in this thread; Django refuses ORM
# calls from a thread with a running loop unless told this is deliberate.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
MISSING_CHROMIUM = (
    f"E2E TESTS SKIPPED: no browser at {CHROMIUM}. Install Debian's Chromium with "
    "`apt-get install -y chromium` (do not run `playwright install`)."
)

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
DESKTOP = {"viewport": {"width": 1280, "height": 800}}

expect.set_options(timeout=5_000)


def pytest_report_header(config: pytest.Config) -> str | None:
    return None if CHROMIUM.exists() else f"!!! {MISSING_CHROMIUM}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if CHROMIUM.exists():
        return
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.skip(reason=MISSING_CHROMIUM))


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.skip(MISSING_CHROMIUM)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    """allauth counts sign-in attempts in the cache, which the live server shares with
    every earlier test of this process: start each browser test from zero."""
    cache.clear()


class Console(list[str]):
    """Everything the pages of a test wrote to the browser console, as 'type: text'."""

    def csp_violations(self) -> list[str]:
        # Chromium reports every blocked inline script, style or handler here.
        return [line for line in self if "Content Security Policy" in line or "Content-Security-Policy" in line]


@pytest.fixture
def console() -> Console:
    return Console()


@pytest.fixture
def open_page(browser: Browser, live_server, console: Console) -> Iterator[Callable[..., Page]]:  # type: ignore[no-untyped-def]
    """open_page(phone=True) -> a page in a fresh browser context (no cookies) whose
    relative URLs go to the live server and whose console lands in `console`."""
    contexts = []

    def open_(*, phone: bool = False) -> Page:
        context = browser.new_context(base_url=live_server.url, **(PHONE if phone else DESKTOP))
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
        page.on("pageerror", lambda error: console.append(f"pageerror: {error}"))
        return page

    yield open_
    for context in contexts:
        context.close()


@pytest.fixture
def sign_in() -> Callable[[Page, str, str], None]:
    """sign_in(page, email, password): through the real sign-in form."""

    def sign_in_(page: Page, email: str, password: str) -> None:
        page.goto("/accounts/login/")
        page.get_by_role("textbox", name="Email", exact=True).fill(email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()

    return sign_in_
