"""Compliance rules on text, framework-free so every place that accepts words from a
person (a manager's item and captions, an employee's rewritten caption) runs the same
code: blocked words and phrases, and the required disclosure."""

from __future__ import annotations

import re
from functools import lru_cache


@lru_cache(maxsize=256)
def _phrase_pattern(phrase: str) -> re.Pattern[str]:
    # Whole words only, case-insensitive; any run of white space inside a phrase
    # matches any other, so "insider  tip" still finds "insider tip".
    words = [re.escape(word) for word in phrase.split()]
    return re.compile(r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)", re.IGNORECASE)


def blocked_matches(text: str, phrases: list[str]) -> list[str]:
    """The blocked words and phrases that occur in `text`, as the rules spell them."""
    return [phrase for phrase in phrases if phrase.split() and _phrase_pattern(phrase).search(text)]


def blocked_message(matches: list[str], where: str = "The text") -> str:
    quoted = ", ".join(f"“{match}”" for match in matches)
    noun = "phrase" if len(matches) == 1 else "phrases"
    return f"{where} contains the blocked {noun} {quoted}. Reword it to continue."


def has_disclosure(text: str, disclosure: str) -> bool:
    return not disclosure.strip() or bool(_phrase_pattern(disclosure.strip()).search(text))


def with_disclosure(text: str, disclosure: str) -> str:
    """The text with the organisation's disclosure appended once (unless already there)."""
    disclosure = disclosure.strip()
    if has_disclosure(text, disclosure):
        return text
    return f"{text.rstrip()}\n\n{disclosure}" if text.strip() else disclosure
