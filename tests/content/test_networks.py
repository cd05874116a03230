"""Caption length per network: each network's own counting rule on the cases that trip
counters up, the limits, the messages, and Facebook's rule against pre-filled text.

CASES and LIMIT_CASES are shared with tests/e2e/test_caption_counter.py, which checks
that the browser's live counter counts every one of them exactly as this module does."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from content.lib.networks import (
    NETWORK_RULES,
    LengthUnit,
    Network,
    caption_check,
    caption_length,
    find_links,
    graphemes,
    networks_for_captions,
    rules_for,
    suggested_caption_for,
)


@dataclass(frozen=True)
class Case:
    """A caption and its length on each network. Facebook counts like LinkedIn (UTF-16
    code units) and the sandbox like Mastodon."""

    text: str
    linkedin: int
    x: int
    mastodon: int
    bluesky: int


FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"  # man, woman, girl, boy joined by ZWJ
ENGLAND = "\U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f"  # black flag + tag letters
LONG_URL = "https://example.com/" + "a" * 200

CASES: dict[str, Case] = {
    "plain ASCII": Case("Hello, world!", 13, 13, 13, 13),
    "accented Latin": Case("Café crème brûlée", 17, 17, 17, 17),
    "combining accents (NFC on X)": Case("Cafe\u0301 cre\u0300me", 12, 10, 10, 10),
    "a letter with no precomposed form": Case("x\u0302", 2, 2, 1, 1),
    "Greek, Cyrillic, Hebrew and Arabic": Case("Γειά Привет שלום مرحبا", 22, 22, 22, 22),
    "CJK": Case("日本語のテキスト", 8, 16, 8, 8),
    "Hangul syllables": Case("안녕하세요", 5, 10, 5, 5),
    "Hangul jamo that compose to one syllable": Case("\u1100\u1161\u11a8", 3, 2, 1, 1),
    "an emoji": Case("🎉", 2, 2, 1, 1),
    "text with emoji": Case("Launch day 🚀🚀", 15, 15, 13, 13),
    "emoji with a skin tone": Case("👍🏽", 4, 2, 1, 1),
    "ZWJ family": Case(FAMILY, 11, 2, 1, 1),
    "ZWJ profession with a skin tone": Case("👩🏽\u200d💻", 7, 2, 1, 1),
    "two flags": Case("🇫🇷🇩🇪", 8, 4, 2, 2),
    "subdivision flag (tag sequence)": Case(ENGLAND, 14, 2, 1, 1),
    "keycap": Case("1\ufe0f\u20e3", 3, 2, 1, 1),
    "heart with the emoji selector": Case("\u2764\ufe0f", 2, 2, 1, 1),
    "copyright sign as text": Case("© 2026", 6, 6, 6, 6),
    "copyright sign as emoji": Case("\u00a9\ufe0f", 2, 2, 1, 1),
    "zero width joiner between letters": Case("a\u200db", 3, 3, 2, 2),
    "Hindi conjunct": Case("क्षि", 4, 4, 1, 1),
    "Hindi word": Case("नमस्ते", 6, 6, 3, 3),
    "Tamil virama does not join consonants": Case("க்ஷ", 3, 3, 2, 2),
    "Thai vowel sign": Case("กำ", 2, 2, 1, 1),
    "URL with scheme": Case("Read https://example.com/blog/post?id=42 today", 46, 34, 34, 46),
    "bare domain with a path": Case("See example.com/path now", 24, 31, 24, 24),
    "bare domain with subdomains and a full stop": Case("Details at www.example.co.uk/jobs.", 34, 35, 34, 34),
    "long URL": Case(LONG_URL, 220, 23, 23, 220),
    "short URL still counts 23": Case("https://t.co", 12, 23, 23, 12),
    "upper-case URL": Case("HTTPS://EXAMPLE.COM/X", 21, 23, 23, 21),
    "URL in parentheses": Case("(see https://example.com/x).", 28, 30, 30, 28),
    "URL with balanced parentheses": Case("https://en.wikipedia.org/wiki/Tree_(graph_theory)", 49, 23, 23, 49),
    "emoji right before a URL": Case("🎉https://example.com", 21, 25, 24, 20),
    "e-mail address is not a link": Case("alice@example.com", 17, 17, 17, 17),
    "file names are not links": Case("notes.txt and app.js", 20, 20, 20, 20),
    "Mastodon remote mention": Case("Thanks @alice@mastodon.social!", 30, 30, 14, 30),
    "Mastodon local mention": Case("Thanks @bob!", 12, 12, 12, 12),
    "a profile URL is not a mention": Case("https://mastodon.social/@alice@example.com", 42, 23, 23, 42),
    "CRLF line breaks count once": Case("line one\r\nline two", 17, 17, 17, 17),
}

# (network, text, ok, over_by): exactly at each limit, and one past it.
LIMIT_CASES: list[tuple[Network, str, bool, int]] = [
    (Network.LINKEDIN, "a" * 3000, True, 0),
    (Network.LINKEDIN, "a" * 3001, False, 1),
    (Network.LINKEDIN, "😀" * 1500, True, 0),
    (Network.LINKEDIN, "😀" * 1500 + "a", False, 1),
    (Network.X, "a" * 280, True, 0),
    (Network.X, "a" * 281, False, 1),
    (Network.X, "日" * 140, True, 0),
    (Network.X, "日" * 140 + "a", False, 1),
    (Network.X, "a" * 256 + " " + LONG_URL, True, 0),
    (Network.X, "a" * 257 + " " + LONG_URL, False, 1),
    (Network.MASTODON, "a" * 500, True, 0),
    (Network.MASTODON, "a" * 501, False, 1),
    (Network.MASTODON, "@alice@mastodon.social " + "a" * 493, True, 0),
    (Network.MASTODON, "@alice@mastodon.social " + "a" * 494, False, 1),
    (Network.MASTODON, "a" * 476 + " " + LONG_URL, True, 0),
    (Network.BLUESKY, "👍🏽" * 300, True, 0),
    (Network.BLUESKY, "👍🏽" * 301, False, 1),
    (Network.BLUESKY, "a" * 301, False, 1),
    (Network.BLUESKY, FAMILY * 300, False, 0),  # 300 graphemes, but 7,500 bytes of UTF-8
    (Network.FACEBOOK, "a" * 63206, True, 0),
    (Network.FACEBOOK, "a" * 63207, False, 1),
    (Network.SANDBOX, "a" * 500, True, 0),
    (Network.SANDBOX, "a" * 501, False, 1),
]


@pytest.mark.parametrize("name", CASES)
def test_each_network_counts_a_caption_by_its_own_rule(name: str) -> None:
    case = CASES[name]
    counted = {network: caption_length(network, case.text) for network in Network}
    assert counted == {
        Network.LINKEDIN: case.linkedin,
        Network.X: case.x,
        Network.MASTODON: case.mastodon,
        Network.BLUESKY: case.bluesky,
        Network.FACEBOOK: case.linkedin,
        Network.SANDBOX: case.mastodon,
    }


@pytest.mark.parametrize(("network", "text", "ok", "over_by"), LIMIT_CASES)
def test_a_caption_at_the_limit_passes_and_one_past_it_does_not(
    network: Network, text: str, ok: bool, over_by: int
) -> None:
    check = caption_check(network, text)
    assert (check.ok, check.over_by) == (ok, over_by)
    assert check.limit == rules_for(network).max_length
    assert check.remaining == max(0, check.limit - check.length)


def test_an_emoji_is_one_grapheme_however_it_is_built() -> None:
    assert graphemes(f"a{FAMILY}👍🏽🇫🇷🇩🇪{ENGLAND}1\ufe0f\u20e3e\u0301") == [
        "a",
        FAMILY,
        "👍🏽",
        "🇫🇷",
        "🇩🇪",
        ENGLAND,
        "1\ufe0f\u20e3",
        "e\u0301",
    ]
    assert graphemes("🇫🇷🇩") == ["🇫🇷", "🇩"]
    assert graphemes("a\r\nb") == ["a", "\r\n", "b"]
    assert graphemes("") == []


def test_links_are_found_with_and_without_a_scheme() -> None:
    text = "Go to https://example.com/a?b=c, example.org/x or notes.txt (www.example.net)."
    found = [text[start:end] for start, end in find_links(text, bare_domains=True)]
    assert found == ["https://example.com/a?b=c", "example.org/x", "www.example.net"]
    assert [text[start:end] for start, end in find_links(text, bare_domains=False)] == ["https://example.com/a?b=c"]


def test_over_the_limit_the_message_says_by_how_much_and_how_links_count() -> None:
    assert caption_check(Network.X, "a" * 292).message == (
        "X allows 280 characters; this caption is 12 over. Links count as 23."
    )
    assert caption_check(Network.LINKEDIN, "a" * 3001).message == (
        "LinkedIn allows 3,000 characters; this caption is 1 over."
    )
    assert caption_check(Network.MASTODON, "a" * 510).message == (
        "Mastodon allows 500 characters; this caption is 10 over. Links count as 23."
    )
    assert caption_check(Network.BLUESKY, "a" * 305).message == (
        "Bluesky allows 300 characters; this caption is 5 over. Links count in full."
    )


def test_within_the_limit_the_message_says_what_is_left() -> None:
    check = caption_check(Network.X, "Hello")
    assert (check.ok, check.remaining, check.message) == (True, 275, "275 of 280 characters left.")
    assert caption_check(Network.LINKEDIN, "").message == "3,000 of 3,000 characters left."


def test_bluesky_refuses_emoji_heavy_text_over_its_byte_limit() -> None:
    check = caption_check(Network.BLUESKY, FAMILY * 300)
    assert (check.length, check.over_by, check.ok) == (300, 0, False)
    assert check.message == (
        "Bluesky also allows at most 3,000 bytes; this caption has 7,500. Emoji take several bytes each: remove some."
    )


def test_facebook_never_gets_a_prefilled_caption() -> None:
    rules = rules_for(Network.FACEBOOK)
    assert rules.prefill_allowed is False
    assert rules.enabled is False
    assert suggested_caption_for(Network.FACEBOOK, "Proud of our team! #iworkforacme") == ""
    assert suggested_caption_for("facebook", "Anything at all") == ""


def test_other_networks_get_the_suggested_caption_as_written() -> None:
    for network in Network:
        if network != Network.FACEBOOK:
            assert suggested_caption_for(network, "Proud of our team!") == "Proud of our team!"


def test_managers_write_captions_for_linkedin_x_mastodon_and_bluesky() -> None:
    assert networks_for_captions() == [Network.LINKEDIN, Network.X, Network.MASTODON, Network.BLUESKY]


def test_every_network_has_rules_and_a_label() -> None:
    assert set(NETWORK_RULES) == set(Network)
    assert all(rules.network == network for network, rules in NETWORK_RULES.items())
    assert Network.choices()[:2] == [("linkedin", "LinkedIn"), ("x", "X")]
    assert rules_for("x").unit == LengthUnit.WEIGHTED_CHARACTERS
    assert rules_for("bluesky").unit == LengthUnit.GRAPHEMES


def test_an_unknown_network_is_refused() -> None:
    with pytest.raises(ValueError, match="myspace"):
        rules_for("myspace")
    with pytest.raises(ValueError, match="myspace"):
        caption_length("myspace", "Hello")
