"""The authenticity guard: how much of a caption is the employee's own words, measured
against the suggested captions and against colleagues' posts of the same item.

Identical posts from many colleagues read as "someone told them to say that", and the
networks themselves demote cookie-cutter text. So each caption gets a MinHash signature
(a fixed-length tuple of ints, stored as JSON next to the share) and the composer
compares a new caption with every colleague's signature for the item while the employee
types.

The pipeline, each step chosen so that only the words count:

1. `normalise`: NFKC, links removed (with or without https://), case folded, `#tag`
   and `@name` kept as plain words, punctuation and emoji to spaces, the organisation's
   disclosure removed (it is appended to every caption, so keeping it would make every
   post look alike).
2. Shingles: overlapping runs of three words, padded at both ends (see `_shingles`),
   each hashed to 64 bits with blake2b (Python's `hash()` is salted per process, so a
   stored signature would never match one computed by another worker).
3. MinHash: for each of `PERMUTATIONS` seeded hash functions h(x) = (a·x + b) mod p, the
   smallest value over the caption's shingles. The fraction of slots in which two
   signatures agree estimates the Jaccard similarity of their shingle sets.

What the numbers mean: a changed word spoils the three shingles it is part of, so the
measure is strict about edits. A 50-word caption with one word changed scores about
0.89, with two about 0.8, with four about 0.65; the suggested caption plus a sentence
of one's own about 0.55; captions written independently about the same item about 0.
A copy with only case, punctuation, emoji, links or the disclosure changed scores 1.

Framework-free: plain values in, plain values out.
"""

from __future__ import annotations

import hashlib
import operator
import unicodedata
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Generic, Literal, TypeVar

from content.lib.networks import find_links

Signature = tuple[int, ...]
Level = Literal["own_words", "close", "copy"]
K = TypeVar("K", bound=Hashable)

SHINGLE_WORDS = 3
# 128 slots: the standard error of the estimate is sqrt(J(1 − J) / n), so a caption
# whose true similarity is 0.85 reads as ≥ 0.90 (the default refusal threshold) about 4%
# of the time with 128 slots against 14% with 64, and the estimate moves in steps of
# under 1%, finer than the whole percents the organisation sets. The price is ~2.5 kB of
# JSON per share and ~2.5 µs per comparison, well inside the composer's budget. Decoding
# that JSON (~14 µs a signature) costs more than comparing it: if reading a popular
# item's fingerprints gets slow, cache them or store them packed, rather than trading
# away accuracy here.
#
# Slot i always uses the i-th seeded hash function, whatever this number is, so
# signatures of different lengths still compare over their common prefix: raising it
# later does not make the stored fingerprints useless.
PERMUTATIONS = 128
# The Mersenne prime 2^61 − 1: larger than any reduced shingle hash, and its products with
# a 61-bit multiplier stay small enough for Python's ints to be fast.
_PRIME = (1 << 61) - 1
_START, _END = "^", "$"  # never part of a token: tokens are letters, digits and marks only
_APOSTROPHES = str.maketrans("", "", "'’ʼ`´")  # "don't" is one word, not "don" and "t"
# Scripts written without spaces between words: each character is a token, so a Japanese
# or Thai caption is shingled by runs of three characters instead of being one long
# "word". Han, kana, Thai, Lao, Myanmar and Khmer.
_UNSPACED = (
    (0x0E00, 0x0EFF),
    (0x1000, 0x109F),
    (0x1780, 0x17FF),
    (0x3040, 0x30FF),
    (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xF900, 0xFAFF),
)


def _seeds(count: int) -> tuple[tuple[int, int], ...]:
    """(a, b) of each hash function, derived from blake2b of its index: the same in every
    process, Python version and machine, which a `random.Random` stream does not promise
    across versions for every method."""
    seeds = []
    for index in range(count):
        digest = hashlib.blake2b(f"chorus-minhash-{index}".encode(), digest_size=16).digest()
        a = int.from_bytes(digest[:8], "big") % (_PRIME - 1) + 1  # a ≠ 0, or the slot is constant
        b = int.from_bytes(digest[8:], "big") % _PRIME
        seeds.append((a, b))
    return tuple(seeds)


_SEEDS = _seeds(PERMUTATIONS)


def _is_unspaced(char: str) -> bool:
    code = ord(char)
    return any(low <= code <= high for low, high in _UNSPACED)


def _tokens(text: str) -> list[str]:
    text = unicodedata.normalize("NFKC", text)
    # Links go before case folding: the link finder knows the case-insensitive scheme
    # and top-level domains, and a link is nobody's own words (each share gets its own).
    links = find_links(text, bare_domains=True)
    for start, end in reversed(links):
        text = f"{text[:start]} {text[end:]}"
    text = text.casefold().translate(_APOSTROPHES)
    characters = []
    for char in text:
        if _is_unspaced(char):
            characters.append(f" {char} ")
        elif unicodedata.category(char)[0] in "LNM":
            characters.append(char)
        else:
            # Punctuation, symbols (emoji, "#", "@") and white space separate words.
            characters.append(" ")
    return "".join(characters).split()


@lru_cache(maxsize=64)
def _ignored_tokens(phrase: str) -> tuple[str, ...]:
    return tuple(_tokens(phrase))


def _without(tokens: list[str], phrase: Sequence[str]) -> list[str]:
    """`tokens` with every occurrence of the run `phrase` removed."""
    if not phrase:
        return tokens
    run, size = list(phrase), len(phrase)
    kept: list[str] = []
    index = 0
    while index < len(tokens):
        if tokens[index : index + size] == run:
            index += size
        else:
            kept.append(tokens[index])
            index += 1
    return kept


def _words(text: str, ignore: Iterable[str]) -> list[str]:
    tokens = _tokens(text)
    for phrase in ignore:
        tokens = _without(tokens, _ignored_tokens(phrase))
    return tokens


def normalise(text: str, *, ignore: Iterable[str] = ()) -> str:
    """The caption's words as compared: see the module's docstring. `ignore` lists
    phrases (the disclosure, e.g. "#iworkforacme") removed wherever they occur."""
    return " ".join(_words(text, ignore))


def _shingles(words: Sequence[str]) -> set[int]:
    """Runs of three words, 64-bit hashed, with the text padded by two start and two end
    markers.

    The padding is the short-text fallback. Without it two 4-word captions have two
    shingles each and one changed middle word leaves nothing in common; with it they
    also share the anchored 1- and 2-word runs at the ends ("^ ^ proud", "^ proud of"),
    and a 1- or 2-word caption still has shingles at all. Unlike switching to character
    shingles below some length, it is one rule for every length, so a 5-word caption
    and the same caption with a sixth word are still measured on the same scale; for
    long captions the four padded shingles are a negligible share of the set.
    """
    if not words:
        return set()
    padded = [_START] * (SHINGLE_WORDS - 1) + list(words) + [_END] * (SHINGLE_WORDS - 1)
    hashes = set()
    for index in range(len(padded) - SHINGLE_WORDS + 1):
        shingle = " ".join(padded[index : index + SHINGLE_WORDS]).encode()
        digest = hashlib.blake2b(shingle, digest_size=8, person=b"chorus-shingle").digest()
        hashes.add(int.from_bytes(digest, "big") % _PRIME)
    return hashes


@lru_cache(maxsize=1024)
def _signature(text: str, ignore: tuple[str, ...]) -> Signature:
    # Cached: the composer re-checks the same suggested captions on every keystroke.
    hashes = _shingles(_words(text, ignore))
    if not hashes:
        return ()
    return tuple(min((a * x + b) % _PRIME for x in hashes) for a, b in _SEEDS)


def signature(text: str, *, ignore: Iterable[str] = ()) -> Signature:
    """The caption's MinHash signature: `PERMUTATIONS` ints below 2^61, the same in every
    process, to be stored as a JSON list. A caption with no words (empty, only links or
    only the disclosure) has the empty signature, which is similar to nothing."""
    return _signature(text, tuple(ignore))


def similarity(first: Sequence[int], second: Sequence[int]) -> float:
    """The estimated Jaccard similarity of two captions' shingles, in [0, 1]: the
    fraction of slots in which their signatures agree (over the slots both have). An
    empty signature is 0 with everything, itself included: two captions with no words
    are not copies of each other."""
    slots = min(len(first), len(second))
    if not slots:
        return 0.0
    return sum(map(operator.eq, first, second)) / slots


@dataclass(frozen=True)
class Match(Generic[K]):
    key: K
    similarity: float


def best_match(
    sig: Sequence[int],
    candidates: Sequence[tuple[K, Sequence[int]]],
    *,
    skip: Callable[[Sequence[int]], bool] | None = None,
) -> Match[K] | None:
    """The candidate most similar to `sig` (the first of equals) and its similarity;
    None when none shares a slot with it. `skip(signature)` passes over a candidate;
    it is asked only about one that would become the best so far, so an expensive test
    runs a handful of times, not once per candidate.

    A tight loop, not LSH banding: the candidates arrive fresh from the database on each
    request, and building band buckets for them costs more than comparing them.
    bench/originality_bench.py measures it: 10–20 ms for 5,000 signatures."""
    if not sig:
        return None
    eq = operator.eq
    # A set intersection (hashing in C) counts the values two signatures share, which is
    # at least the number of equal slots when `sig` has no repeated value: each equal
    # slot brings a distinct value. So it is a cheap upper bound, and the exact slot
    # count runs only for a candidate whose bound could beat the best so far.
    shared = set(sig).intersection if len(set(sig)) == len(sig) else None
    best: Match[K] | None = None
    best_equal, best_slots = 0, 1
    for key, candidate in candidates:
        slots = min(len(sig), len(candidate))
        if not slots:
            continue
        if (
            shared is not None
            and len(candidate) == len(sig)
            and len(shared(candidate)) * best_slots <= best_equal * slots
        ):
            continue
        equal = sum(map(eq, sig, candidate))
        # equal/slots > best_equal/best_slots, without dividing.
        if equal * best_slots <= best_equal * slots or (skip is not None and skip(candidate)):
            continue
        best, best_equal, best_slots = Match(key=key, similarity=equal / slots), equal, slots
        if equal == slots:
            break
    return best


MESSAGE_OWN_WORDS = "In your own words"
MESSAGE_CLOSE_TO_SUGGESTION = "Close to the suggested caption — add a sentence of your own"
MESSAGE_CLOSE_TO_COLLEAGUE = "Close to a colleague's post — add a sentence of your own"
MESSAGE_COPY = "Almost the same as a colleague's post: rewrite it in your own words"
MESSAGE_NO_WORDS = "Write a few words of your own"


@dataclass(frozen=True)
class OriginalityReport:
    # 1 − the highest similarity to any suggested caption or colleague's post: 1 is
    # entirely the employee's own words.
    score: float
    closest_suggestion: float
    # Colleagues' posts that are themselves the suggested caption (at `block` or more)
    # are left out here: matching them is matching the suggestion, which is allowed.
    closest_colleague: float
    closest_colleague_key: str | None
    level: Level
    message: str

    @property
    def refused(self) -> bool:
        return self.level == "copy"


def _check_threshold(name: str, value: float) -> None:
    if not 0 < value <= 1:
        raise ValueError(f"{name} is a fraction in (0, 1], not {value!r} (the organisation stores percents).")


def assess(
    text: str,
    *,
    suggested: Sequence[str],
    colleagues: Sequence[tuple[str, Sequence[int]]],
    warn: float,
    block: float,
    ignore: Iterable[str] = (),
) -> OriginalityReport:
    """How original `text` is against the item's suggested captions and colleagues'
    signatures (`(key, signature)` pairs), with thresholds as fractions.

    - "copy" (refused): at least `block` similar to a colleague's post.
    - "close" (allowed, warned): at least `warn` similar to anything, the suggested
      caption included: managers write it to be used, so taking it word for word is
      allowed, and so is matching a colleague who did the same.
    - "own_words" otherwise.
    """
    _check_threshold("warn", warn)
    _check_threshold("block", block)
    ignore = tuple(ignore)
    own = signature(text, ignore=ignore)
    if not own:
        return OriginalityReport(
            score=1.0,
            closest_suggestion=0.0,
            closest_colleague=0.0,
            closest_colleague_key=None,
            level="own_words",
            message=MESSAGE_NO_WORDS,
        )
    suggestions = [sig for sig in (signature(caption, ignore=ignore) for caption in suggested) if sig]
    closest_suggestion = max((similarity(own, sig) for sig in suggestions), default=0.0)

    def is_the_suggestion(candidate: Sequence[int]) -> bool:
        # Two employees who both took the suggested caption have not copied each other.
        return any(similarity(candidate, sig) >= block for sig in suggestions)

    match = best_match(own, colleagues, skip=is_the_suggestion if suggestions else None)
    closest_colleague = match.similarity if match is not None else 0.0
    closest = max(closest_suggestion, closest_colleague)
    if closest_colleague >= block:
        level: Level = "copy"
        message = MESSAGE_COPY
    elif closest >= warn:
        level = "close"
        message = MESSAGE_CLOSE_TO_SUGGESTION if closest_suggestion >= closest_colleague else MESSAGE_CLOSE_TO_COLLEAGUE
    else:
        level = "own_words"
        message = MESSAGE_OWN_WORDS
    return OriginalityReport(
        score=max(0.0, 1.0 - closest),
        closest_suggestion=closest_suggestion,
        closest_colleague=closest_colleague,
        closest_colleague_key=match.key if match is not None else None,
        level=level,
        message=message,
    )
