"""Calendar quarters, framework-free: the pulse is answered once per quarter, and the
results' trend covers the last four. A quarter is named by its first day."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo


def quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def quarter_of(moment: datetime, timezone: str) -> date:
    """The first day of the quarter `moment` falls in, on the organisation's calendar
    (a quarter turns at midnight in its time zone, not in UTC)."""
    return quarter_start(moment.astimezone(ZoneInfo(timezone or "UTC")).date())


def previous_quarter(start: date) -> date:
    return date(start.year - 1, 10, 1) if start.month == 1 else date(start.year, start.month - 3, 1)


def next_quarter(start: date) -> date:
    return date(start.year + 1, 1, 1) if start.month == 10 else date(start.year, start.month + 3, 1)


def last_quarters(current: date, count: int) -> list[date]:
    """`count` quarters ending with `current`, oldest first."""
    quarters = [current]
    while len(quarters) < count:
        quarters.append(previous_quarter(quarters[-1]))
    return quarters[::-1]


def quarter_label(start: date) -> str:
    return f"{start.year} Q{(start.month - 1) // 3 + 1}"


def quarter_code(start: date) -> str:
    """The quarter as it appears in addresses: 2025Q3."""
    return f"{start.year}Q{(start.month - 1) // 3 + 1}"


def parse_quarter_code(code: str) -> date | None:
    if len(code) != 6 or code[4] not in "Qq" or not code[:4].isdigit() or code[5] not in "1234":
        return None
    return date(int(code[:4]), 3 * (int(code[5]) - 1) + 1, 1)
