"""The anonymity threshold, framework-free. Every number or free text the listening
results show describes at least ANONYMITY_THRESHOLD respondents; a smaller group shows
"Fewer than 5 responses" and nothing else."""

from __future__ import annotations

from collections.abc import Sequence

ANONYMITY_THRESHOLD = 5
SUPPRESSED_LABEL = f"Fewer than {ANONYMITY_THRESHOLD} responses"


def is_reportable(respondents: int) -> bool:
    return respondents >= ANONYMITY_THRESHOLD


def suppressed_positions(counts: Sequence[int], *, total_shown: bool = True) -> set[int]:
    """Which cells of one breakdown must be hidden: every cell below the threshold and,
    when the breakdown's total is shown, enough of the smallest other cells that the
    hidden ones add up to at least the threshold. Otherwise subtracting the shown cells
    from the total would give away a hidden group of one to four people (secondary
    suppression, as statistics offices do it). Empty cells (0) reveal nothing and are
    never hidden for this reason alone."""
    hidden = {index for index, count in enumerate(counts) if 0 < count < ANONYMITY_THRESHOLD}
    if not total_shown:
        return hidden
    while hidden and sum(counts[index] for index in hidden) < ANONYMITY_THRESHOLD:
        remaining = [index for index, count in enumerate(counts) if index not in hidden and count > 0]
        if not remaining:
            break
        hidden.add(min(remaining, key=lambda index: (counts[index], index)))
    return hidden
