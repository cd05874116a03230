"""How long the composer's originality check takes: one caption against 1,000, 5,000 and
20,000 stored colleague signatures, in pure Python.

    .venv/bin/python bench/originality_bench.py [--repeat 7]

Three sets of stored signatures:

- unrelated: captions drawn from a shared vocabulary, as different employees write
  about the same item;
- variants: colleagues who edited the suggested caption a little (the common case, and
  the one where many candidates are close to the caption being checked);
- ascending: the same variants sorted from least to most similar, the worst order for the
  "can this one beat the best so far?" shortcut in `best_match`.

Each figure is the best of `--repeat` runs (the least disturbed by other processes), for
`best_match` alone and for the whole `assess` with three suggested captions.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from advocacy.lib.originality import assess, best_match, signature, similarity

SIZES = (1_000, 5_000, 20_000)
SUGGESTED = (
    "Our new field guide walks through five ways teams cut onboarding time in half, "
    "with checklists you can copy tomorrow. Worth ten minutes of any manager's week."
)
VOCABULARY = [
    *("our", "new", "field", "guide", "onboarding", "team", "teams", "people", "hires", "week", "weeks"),
    *("month", "first", "checklist", "checklists", "proud", "shipped", "learned", "lesson", "buddy"),
    *("mentor", "customers", "shadowing", "time", "half", "faster", "tomorrow", "today", "really", "worth"),
    *("reading", "manager", "managers", "what", "how", "we", "I", "you", "they", "it", "this", "that"),
    *("the", "a", "of", "to", "in", "with", "for", "on", "at"),
]


def unrelated(rng: random.Random, count: int) -> list[str]:
    return [" ".join(rng.choice(VOCABULARY) for _ in range(rng.randint(12, 45))) for _ in range(count)]


def variants(rng: random.Random, count: int) -> list[str]:
    words = SUGGESTED.split()
    texts = []
    for _ in range(count):
        edited = list(words)
        for _ in range(rng.randint(1, 8)):
            edited[rng.randrange(len(edited))] = rng.choice(VOCABULARY)
        texts.append(" ".join(edited))
    return texts


def best_of(repeat: int, run: Callable[[], object]) -> float:
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        timings.append(time.perf_counter() - start)
    return min(timings) * 1000


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--seed", type=int, default=20261)
    options = parser.parse_args(argv)
    rng = random.Random(options.seed)

    caption = SUGGESTED.replace("tomorrow", "this week") + " I tried it with our last two hires."
    suggested = [SUGGESTED, SUGGESTED.upper(), "Five ways to halve onboarding time."]
    start = time.perf_counter()
    texts = {"unrelated": unrelated(rng, max(SIZES)), "variants": variants(rng, max(SIZES))}
    stored = {name: [(f"share-{i}", signature(text)) for i, text in enumerate(group)] for name, group in texts.items()}
    stored["ascending"] = stored["variants"]
    elapsed = time.perf_counter() - start
    print(f"signature(): {elapsed / (2 * max(SIZES)) * 1e6:.0f} µs per caption ({2 * max(SIZES):,} captions)")
    own = signature(caption)

    print(f"{'stored set':<11} {'signatures':>10} {'best_match':>12} {'assess':>10} {'closest':>8}")
    for name, pairs in stored.items():
        for size in SIZES:
            candidates = pairs[:size]
            if name == "ascending":
                candidates = sorted(candidates, key=lambda pair: similarity(own, pair[1]))
            matching = best_of(options.repeat, partial(best_match, own, candidates))
            assessing = best_of(
                options.repeat,
                partial(assess, caption, suggested=suggested, colleagues=candidates, warn=0.7, block=0.9),
            )
            match = best_match(own, candidates)
            closest = f"{match.similarity:.2f}" if match else "-"
            print(f"{name:<11} {size:>10,} {matching:>9.1f} ms {assessing:>7.1f} ms {closest:>8}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
