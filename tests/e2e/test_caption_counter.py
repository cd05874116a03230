"""The live caption counter in Chromium: it counts every tricky case exactly as
content.lib.networks does (so the browser and the server never disagree about a
caption's length), shows "123 / 280", and past the limit turns red and says by how much,
under the strict Content Security Policy.

No Django server: Playwright serves a small page (the real partial, caption_counter.js
and Bootstrap's CSS, with Chorus's CSP header) from a made-up origin."""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterator
from html import escape
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.template.loader import render_to_string
from playwright.sync_api import Browser, Page, Route, expect

from content.lib.networks import BARE_DOMAIN_TLDS, NETWORK_RULES, Network, caption_check, caption_length, rules_for
from tests.content.test_networks import CASES, ENGLAND, FAMILY, LIMIT_CASES
from tests.e2e.conftest import Console

pytestmark = pytest.mark.e2e

STATIC = Path(__file__).resolve().parents[2] / "static"
ORIGIN = "https://chorus.test"
CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'"
DANGER = "rgb(220, 53, 69)"  # Bootstrap 5.3's text-danger


def caption_field(field_id: str, network: Network, text: str = "") -> str:
    """A textarea as a caption form renders it, followed by the counter partial."""
    limit = rules_for(network).max_length
    counter = render_to_string(
        "content/_caption_counter.html", {"field_id": field_id, "network": network.value, "limit": limit}
    )
    return (
        f'<label class="form-label" for="{field_id}">Caption</label>'
        f'<textarea class="form-control" id="{field_id}" data-caption-network="{network.value}" '
        f'data-caption-limit="{limit}">{escape(text)}</textarea>{counter}'
    )


@pytest.fixture
def counter_page(browser: Browser, console: Console) -> Iterator[Callable[[str], Page]]:
    """counter_page(body_html) -> a page that loads caption_counter.js the way Chorus
    pages do (`defer`, under the CSP), with `body_html` in <main>."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.set_default_timeout(10_000)

    def open_(body: str) -> Page:
        html = (
            '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Caption counter</title>'
            '<link rel="stylesheet" href="/static/vendor/bootstrap/css/bootstrap.min.css">'
            '<script src="/static/js/caption_counter.js" defer></script>'
            f'</head><body><main class="container py-3">{body}</main></body></html>'
        )

        def serve(route: Route) -> None:
            path = urlparse(route.request.url).path
            if path == "/":
                headers = {"Content-Type": "text/html; charset=utf-8", "Content-Security-Policy": CSP}
                route.fulfill(status=200, headers=headers, body=html)
            elif path.startswith("/static/") and (STATIC / path.removeprefix("/static/")).is_file():
                route.fulfill(path=STATIC / path.removeprefix("/static/"))
            else:
                route.fulfill(status=404, body="")

        page = context.new_page()
        page.route(f"{ORIGIN}/**", serve)
        page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
        page.on("pageerror", lambda error: console.append(f"pageerror: {error}"))
        page.goto(f"{ORIGIN}/")
        page.wait_for_function("() => window.ChorusCaptions !== undefined")
        return page

    yield open_
    context.close()


def browser_lengths(page: Page, network: Network, texts: list[str]) -> list[int]:
    return page.evaluate(
        "([network, texts]) => texts.map((text) => window.ChorusCaptions.length(network, text))",
        [network.value, texts],
    )


def mixed_captions(count: int) -> list[str]:
    """Captions stitched from the pieces that trip counters up, the same every run."""
    pieces = [
        "a", "Z", " ", "\n", "\r\n", ".", "(", ")", "é", "e\u0301", "ß", "Ж", "ש", "م", "日", "한",
        "\u1100\u1161", "क्", "ष", "ि", "க்", "ำ", "🎉", "👍🏽", "\u200d", "\ufe0f", "🇫", "🇷", FAMILY, ENGLAND,
        "1\ufe0f\u20e3", "©", "https://example.com/a_(b)", "example.org/x", "www.example.co.uk", "t.co",
        "@alice", "@bob@mastodon.social", "alice@example.com", "notes.txt",
    ]  # fmt: skip
    generator = random.Random(20260501)
    return ["".join(generator.choice(pieces) for _ in range(generator.randint(1, 12))) for _ in range(count)]


@pytest.mark.parametrize("network", list(Network), ids=str)
def test_the_browser_counts_every_tricky_case_as_the_server_does(
    counter_page: Callable[[str], Page], network: Network
) -> None:
    page = counter_page("")
    texts = [case.text for case in CASES.values()]
    in_browser = dict(zip(CASES, browser_lengths(page, network, texts), strict=True))
    assert in_browser == {name: caption_length(network, case.text) for name, case in CASES.items()}


@pytest.mark.parametrize("network", list(Network), ids=str)
def test_the_browser_and_the_server_agree_on_mixed_captions(
    counter_page: Callable[[str], Page], network: Network
) -> None:
    page = counter_page("")
    texts = mixed_captions(300)
    in_browser = browser_lengths(page, network, texts)
    disagreements = [
        (text, browser, python)
        for text, browser, python in zip(texts, in_browser, [caption_length(network, t) for t in texts], strict=True)
        if browser != python
    ]
    assert disagreements == []


def test_the_browser_agrees_at_every_limit(counter_page: Callable[[str], Page]) -> None:
    page = counter_page("")
    in_browser = page.evaluate(
        "(cases) => cases.map(([network, text]) => {"
        "  const check = window.ChorusCaptions.check(network, text);"
        "  return [check.ok, check.overBy];"
        "})",
        [[network.value, text] for network, text, _, _ in LIMIT_CASES],
    )
    assert in_browser == [[ok, over_by] for _, _, ok, over_by in LIMIT_CASES]
    assert in_browser == [[check.ok, check.over_by] for check in (caption_check(n, t) for n, t, _, _ in LIMIT_CASES)]


def test_the_browser_knows_the_same_rules(counter_page: Callable[[str], Page]) -> None:
    page = counter_page("")
    rules, tlds = page.evaluate("() => [window.ChorusCaptions.rules, window.ChorusCaptions.bareDomainTlds]")
    assert rules == {
        network.value: {
            "maxLength": rule.max_length,
            "unit": rule.unit.value,
            "linkLength": rule.link_length,
            "bareDomainLinks": rule.bare_domain_links,
            "localMentions": rule.mentions_count_local_part,
            "maxBytes": rule.max_utf8_bytes,
        }
        for network, rule in NETWORK_RULES.items()
    }
    assert sorted(tlds) == sorted(BARE_DOMAIN_TLDS)


def test_the_counter_shows_the_count_and_turns_red_past_the_limit(
    counter_page: Callable[[str], Page], console: Console
) -> None:
    page = counter_page(caption_field("id_text", Network.X))
    field = page.get_by_label("Caption")
    counter = page.locator("#id_text_counter")
    count = counter.locator("[data-caption-count]")
    status = counter.locator("[data-caption-status]")
    expect(count).to_have_text("0 / 280")
    expect(field).to_have_attribute("aria-describedby", "id_text_counter")
    expect(status).to_have_attribute("aria-live", "polite")

    # A link counts 23 however long it is: 256 + 1 + 23 is exactly the limit.
    field.fill("a" * 256 + " https://example.com/" + "b" * 100)
    expect(count).to_have_text("280 / 280")
    expect(counter).not_to_have_class(re.compile(r"\btext-danger\b"))
    expect(status).to_have_text("")

    field.press("Control+Home")
    field.press_sequentially("!")
    expect(count).to_have_text("281 / 280")
    expect(counter).to_have_class(re.compile(r"\btext-danger\b"))
    expect(counter).to_have_css("color", DANGER)
    expect(status).to_have_text("1 over the limit")

    field.press_sequentially("日本")
    expect(count).to_have_text("285 / 280")
    expect(status).to_have_text("5 over the limit")

    field.press("Backspace")
    field.press("Backspace")
    field.press("Backspace")
    expect(count).to_have_text("280 / 280")
    expect(counter).not_to_have_class(re.compile(r"\btext-danger\b"))
    expect(counter).not_to_have_css("color", DANGER)
    expect(status).to_have_text("")

    assert console.csp_violations() == [], "\n".join(console.csp_violations())
    assert [line for line in console if line.startswith("pageerror")] == []


def test_counters_count_prefilled_captions_and_fields_that_htmx_swaps_in(
    counter_page: Callable[[str], Page], console: Console
) -> None:
    page = counter_page(caption_field("id_linkedin", Network.LINKEDIN, "Hello 👋") + '<div id="swap"></div>')
    expect(page.locator("#id_linkedin_counter [data-caption-count]")).to_have_text("8 / 3,000")

    swapped = caption_field("id_bluesky", Network.BLUESKY, f"{FAMILY} family")
    page.evaluate(
        "(html) => {"
        "  const target = document.getElementById('swap');"
        "  target.innerHTML = html;"
        "  target.dispatchEvent(new CustomEvent('htmx:afterSwap', {bubbles: true}));"
        "}",
        swapped,
    )
    expect(page.locator("#id_bluesky_counter [data-caption-count]")).to_have_text("8 / 300")
    page.locator("#id_bluesky").fill(FAMILY * 300)
    expect(page.locator("#id_bluesky_counter [data-caption-count]")).to_have_text("300 / 300")
    expect(page.locator("#id_bluesky_counter [data-caption-status]")).to_have_text("Too long: 7,500 of 3,000 bytes")
    expect(page.locator("#id_bluesky_counter")).to_have_class(re.compile(r"\btext-danger\b"))
    assert [line for line in console if line.startswith("pageerror")] == []


def test_without_javascript_the_counter_states_the_limit() -> None:
    html = render_to_string(
        "content/_caption_counter.html", {"field_id": "id_text", "network": "linkedin", "limit": 3000}
    )
    assert 'data-caption-counter-for="id_text"' in html
    assert 'data-caption-network="linkedin"' in html
    assert 'data-caption-limit="3000"' in html
    assert "Up to 3,000 characters" in html
