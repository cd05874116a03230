"""Report periods, framework-free: a report covers whole days [start, end] on the
organisation's calendar, and compares with the period of the same length just before.

Query-string codes: `30d`, `90d`, `365d` (the last N days up to today), `mtd`, `qtd`,
`ytd` (this month, quarter or year so far), `last_month`, `last_quarter`, or
`custom` with explicit `start` and `end` dates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from analytics.lib.quarters import previous_quarter, quarter_start

MAX_PERIOD_DAYS = 3 * 366
DEFAULT_PERIOD = "90d"
PERIOD_CHOICES: tuple[tuple[str, str], ...] = (
    ("30d", "Last 30 days"),
    ("90d", "Last 90 days"),
    ("365d", "Last 12 months"),
    ("mtd", "This month"),
    ("qtd", "This quarter"),
    ("ytd", "This year"),
    ("last_month", "Last month"),
    ("last_quarter", "Last quarter"),
    ("custom", "Custom dates"),
)


class PeriodError(ValueError):
    """A period that cannot be reported on; the message says why, for the person."""


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # included
    code: str = "custom"

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The period of the same length that ends the day before this one starts."""
        end = self.start - timedelta(days=1)
        return Period(start=end - timedelta(days=self.days - 1), end=end, code="previous")

    def dates(self) -> list[date]:
        return [self.start + timedelta(days=offset) for offset in range(self.days)]

    @property
    def label(self) -> str:
        for code, label in PERIOD_CHOICES:
            if code == self.code and code != "custom":
                return label
        return f"{self.start:%-d %b %Y} – {self.end:%-d %b %Y}"


def period_from_code(code: str, *, today: date, start: date | None = None, end: date | None = None) -> Period:
    """The period a query-string code names, as of `today` (the organisation's date)."""
    code = code or DEFAULT_PERIOD
    if code.endswith("d") and code[:-1].isdigit() and code in dict(PERIOD_CHOICES):
        days = int(code[:-1])
        return Period(start=today - timedelta(days=days - 1), end=today, code=code)
    if code == "mtd":
        return Period(start=today.replace(day=1), end=today, code=code)
    if code == "qtd":
        return Period(start=quarter_start(today), end=today, code=code)
    if code == "ytd":
        return Period(start=date(today.year, 1, 1), end=today, code=code)
    if code == "last_month":
        end_day = today.replace(day=1) - timedelta(days=1)
        return Period(start=end_day.replace(day=1), end=end_day, code=code)
    if code == "last_quarter":
        begin = previous_quarter(quarter_start(today))
        return Period(start=begin, end=quarter_start(today) - timedelta(days=1), code=code)
    if code == "custom":
        if start is None or end is None:
            raise PeriodError("Choose both a start and an end date.")
        if end < start:
            raise PeriodError("The end date must be on or after the start date.")
        if (end - start).days + 1 > MAX_PERIOD_DAYS:
            raise PeriodError(f"A report covers at most {MAX_PERIOD_DAYS} days.")
        return Period(start=start, end=end, code=code)
    raise PeriodError(f"Unknown period {code!r}: choose one of {', '.join(c for c, _ in PERIOD_CHOICES)}.")
