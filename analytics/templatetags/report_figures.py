"""Figures on report pages: "unknown" for an unknown figure (never 0), thousands
separators, money with two decimals, percentages with one."""

from __future__ import annotations

from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def report_number(value: object, unit: str = "") -> str:
    if value is None or value == "":
        return "unknown"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if unit == "%":
        return f"{Decimal(str(value)):,.1f}%"
    if isinstance(value, Decimal):
        text = f"{value:,.0f}" if value == value.to_integral_value() and not unit else f"{value:,.2f}"
    elif isinstance(value, int):
        text = f"{value:,}"
    elif isinstance(value, float):
        text = f"{value:,.2f}"
    else:
        text = str(value)
    return f"{text} {unit}".strip() if unit else text


@register.filter
def signed_percent(value: Decimal | None) -> str:
    return "" if value is None else f"{value:+.1f}%"


@register.filter
def progress_width(percent: Decimal | None) -> int:
    """A progress bar's width in percent, 0–100 (the label says when it is over 100)."""
    if percent is None:
        return 0
    return max(0, min(100, int(percent)))
