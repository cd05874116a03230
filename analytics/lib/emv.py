"""Earned media value, framework-free: what the reach and engagement employees earned
would have cost as paid media, at the organisation's own rates.

The formula, per network, in the organisation's currency:

    EMV = CPM × impressions / 1000 + CPC × (reaction weight × reactions + clicks)

- **CPM** is the organisation's cost per thousand impressions on that network (what a
  promoted post costs it there), **CPC** its cost per click, the same on every network.
- **Reaction weight** says what one reaction is worth in clicks (0.25: four reactions
  are worth one click).
- **Clicks** are Chorus's tracked-link clicks, bots excluded; **reactions** the
  network's reactions (likes and their kin).

The organisation's EMV is the sum over networks. Arithmetic is in `Decimal`; the
result is rounded half-up to cents once, at the end.

Unknown is not zero: when a network does not report impressions for some of the
period's posts (X without elevated access, a network that never reports them), those
impressions are missing from the sum, and the result is a **lower bound** — it says so
and names the networks. Impressions on a network without a CPM are not valued either
(no rate, no price), which also makes the value a lower bound.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
THOUSAND = Decimal(1000)
ZERO = Decimal(0)


@dataclass(frozen=True)
class NetworkTotals:
    """A period's totals on one network. `impressions` sums the days that reported
    them; `impressions_complete` is False when some day of the period did not."""

    network: str
    impressions: int | None
    reactions: int | None
    clicks: int
    impressions_complete: bool = True


@dataclass(frozen=True)
class EmvRates:
    currency: str
    cpc: Decimal
    reaction_weight: Decimal
    cpm: Mapping[str, Decimal] = field(default_factory=dict)


@dataclass(frozen=True)
class NetworkEmv:
    network: str
    value: Decimal
    impressions_value: Decimal
    engagement_value: Decimal
    impressions_known: bool
    rated: bool


@dataclass(frozen=True)
class EmvResult:
    value: Decimal
    currency: str
    lower_bound: bool
    unknown_impressions: tuple[str, ...]  # networks whose impressions were (partly) unknown
    unrated: tuple[str, ...]  # networks with impressions but no CPM
    by_network: tuple[NetworkEmv, ...] = ()

    @property
    def statement(self) -> str:
        """One sentence for a report: the value, and why it is a lower bound if it is."""
        amount = f"{self.value:,.2f} {self.currency}"
        if not self.lower_bound:
            return f"Earned media value: {amount}."
        reasons = []
        if self.unknown_impressions:
            reasons.append(f"impressions are unknown on {', '.join(self.unknown_impressions)}")
        if self.unrated:
            reasons.append(f"no CPM is set for {', '.join(self.unrated)}")
        return f"Earned media value: at least {amount} ({'; '.join(reasons)})."


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def earned_media_value(totals: Iterable[NetworkTotals], rates: EmvRates) -> EmvResult:
    """The EMV of per-network totals at `rates` (see the module docstring)."""
    per_network: list[NetworkEmv] = []
    unknown: list[str] = []
    unrated: list[str] = []
    total = ZERO
    for row in sorted(totals, key=lambda t: t.network):
        impressions = row.impressions or 0
        cpm = rates.cpm.get(row.network)
        impressions_known = row.impressions is not None and row.impressions_complete
        if not impressions_known:
            unknown.append(row.network)
        if cpm is None and impressions:
            unrated.append(row.network)
        impressions_value = (cpm or ZERO) * Decimal(impressions) / THOUSAND
        engagement_value = rates.cpc * (rates.reaction_weight * Decimal(row.reactions or 0) + Decimal(row.clicks))
        value = impressions_value + engagement_value
        total += value
        per_network.append(
            NetworkEmv(
                network=row.network,
                value=_cents(value),
                impressions_value=_cents(impressions_value),
                engagement_value=_cents(engagement_value),
                impressions_known=impressions_known,
                rated=cpm is not None,
            )
        )
    return EmvResult(
        value=_cents(total),
        currency=rates.currency,
        lower_bound=bool(unknown or unrated),
        unknown_impressions=tuple(unknown),
        unrated=tuple(unrated),
        by_network=tuple(per_network),
    )
