"""The publishing calendar: a month of approved and published items by publish time."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from content import selectors
from content.models import ContentItem
from content.views.base import CuratorView

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def parse_month(value: str | None, today: date) -> date | None:
    """The first day of `YYYY-MM`, this month when empty, None when malformed."""
    if not value:
        return today.replace(day=1)
    match = _MONTH.match(value.strip())
    if not match:
        return None
    year, month = int(match.group(1)), int(match.group(2))
    if not (1 <= month <= 12 and 1900 <= year <= 9998):
        return None
    return date(year, month, 1)


def shift_month(first: date, months: int) -> date:
    index = first.year * 12 + first.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


@dataclass
class Day:
    day: date
    in_month: bool
    is_today: bool
    items: list[ContentItem] = field(default_factory=list)


class CalendarView(CuratorView):
    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        today = timezone.localdate()  # the organisation's today (CuratorView sets the zone)
        first = parse_month(request.GET.get("month"), today)
        status = 200
        error = ""
        if first is None:
            error = f"“{request.GET.get('month')}” is not a month. Use the form YYYY-MM, e.g. {today:%Y-%m}."
            first, status = today.replace(day=1), 400
        weeks_of_dates = calendar.Calendar(firstweekday=calendar.MONDAY).monthdatescalendar(first.year, first.month)
        grid_start, grid_end = weeks_of_dates[0][0], weeks_of_dates[-1][-1] + timedelta(days=1)
        zone = timezone.get_current_timezone()
        items = selectors.publishing_calendar(
            organization=self.organization,
            start=datetime.combine(grid_start, time.min, tzinfo=zone),
            end=datetime.combine(grid_end, time.min, tzinfo=zone),
        )
        by_day: dict[date, list[ContentItem]] = {}
        for item in items:
            by_day.setdefault(timezone.localtime(item.publishes_at).date(), []).append(item)  # type: ignore[attr-defined]
        weeks = [
            [Day(day=d, in_month=d.month == first.month, is_today=d == today, items=by_day.get(d, [])) for d in week]
            for week in weeks_of_dates
        ]
        context = {
            "month": first,
            "previous": shift_month(first, -1),
            "next": shift_month(first, 1),
            "this_month": today.replace(day=1),
            "weeks": weeks,
            "month_days": [day for week in weeks for day in week if day.in_month and day.items],
            "weekday_names": [calendar.day_abbr[(calendar.MONDAY + i) % 7] for i in range(7)],
            "error": error,
            "zone_name": str(zone),
        }
        return render(request, "content/calendar.html", context, status=status)
