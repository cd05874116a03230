"""When a person may be reached: one pure function, `next_allowed_time`, that every
notification, digest and prompt goes through. Plain values in, a UTC datetime out; no
Django, so the rules are testable on their own and reusable anywhere.

The rules, on the person's local wall clock (their IANA time zone; an empty or unknown
zone name means UTC):

1. **Quiet hours apply to everyone.** Nothing reaches a person at or after
   `quiet_start` and before `quiet_end`. A window whose start is later than its end
   wraps midnight (22:00–07:00 is quiet from 22:00 until 07:00 the next morning). A
   window with only one end set, or with equal ends, is no window at all.
2. **Working hours apply to hourly staff only** (`is_hourly`): they are reached only
   on their working days (ISO digits, Monday = 1 … Sunday = 7; empty means every day),
   at or after `work_start` and before `work_end`. A shift whose end is earlier than
   its start runs past midnight and belongs to the day it starts on (a Friday
   22:00–06:00 shift covers Saturday until 06:00). An hourly person without both
   working-hour ends set is not restricted by working hours.
3. **Held, never dropped.** A moment that breaks a rule is moved to the first moment
   at which no rule is broken: `now` itself when it is allowed. If the rules together
   leave no allowed moment within a week (quiet hours that cover the whole shift), the
   working hours win: the person is paid to be reachable then, and a message must not
   wait forever. If even that fails, the message goes at once.
4. **Daylight saving time** follows the wall clock: a rule boundary inside a skipped
   hour takes effect when the clock jumps past it, and in a repeated hour the wall
   clock is read as it is (01:30 happens twice when clocks go back, and so may a quiet
   window's end).
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

ALL_DAYS = "1234567"
_HORIZON = timedelta(days=8)  # every weekly pattern repeats within a week; one day of slack


@dataclass(frozen=True)
class Availability:
    """A person's reachability rules, as plain values."""

    zone_name: str = "UTC"
    work_days: str = "12345"
    work_start: time | None = None
    work_end: time | None = None
    quiet_start: time | None = None
    quiet_end: time | None = None
    is_hourly: bool = False

    @property
    def zone(self) -> tzinfo:
        return zone_for(self.zone_name)

    @property
    def has_quiet_hours(self) -> bool:
        return self.quiet_start is not None and self.quiet_end is not None and self.quiet_start != self.quiet_end

    @property
    def has_working_hours(self) -> bool:
        return (
            self.is_hourly
            and self.work_start is not None
            and self.work_end is not None
            and self.work_start != self.work_end
        )


def zone_for(name: str) -> tzinfo:
    """The named IANA zone; UTC for an empty or unknown name (a bad value must not stop
    a message, and the models validate names on the way in)."""
    if not name:
        return UTC
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return UTC


def _wall(moment: datetime, zone: tzinfo) -> datetime:
    return moment.astimezone(zone).replace(tzinfo=None)


def _in_window(clock: time, start: time, end: time) -> bool:
    """Whether `clock` lies in [start, end); a window with start > end wraps midnight."""
    if start < end:
        return start <= clock < end
    return clock >= start or clock < end


def in_quiet_hours(wall: datetime, rules: Availability) -> bool:
    if not rules.has_quiet_hours:
        return False
    return _in_window(wall.time(), rules.quiet_start, rules.quiet_end)  # type: ignore[arg-type]


def in_working_hours(wall: datetime, rules: Availability) -> bool:
    """True for anyone whom working hours do not restrict."""
    if not rules.has_working_hours:
        return True
    start, end = rules.work_start, rules.work_end
    assert start is not None and end is not None
    days = rules.work_days or ALL_DAYS
    clock, weekday = wall.time(), wall.isoweekday()
    if start < end:
        return str(weekday) in days and start <= clock < end
    # An overnight shift: the evening part on a working day, the morning part after one.
    yesterday = weekday - 1 or 7
    return (str(weekday) in days and clock >= start) or (str(yesterday) in days and clock < end)


def is_allowed_time(moment: datetime, rules: Availability, *, honour_quiet_hours: bool = True) -> bool:
    """Whether `moment` (aware) breaks none of the rules."""
    wall = _wall(moment, rules.zone)
    if honour_quiet_hours and in_quiet_hours(wall, rules):
        return False
    return in_working_hours(wall, rules)


def _offset_changes(start: datetime, end: datetime, zone: tzinfo) -> Iterable[datetime]:
    """The instants in [start, end] at which the zone's UTC offset changes (DST),
    found hour by hour and then to the second by bisection."""
    step = timedelta(hours=1)
    previous = start
    while previous < end:
        following = min(previous + step, end)
        if previous.astimezone(zone).utcoffset() != following.astimezone(zone).utcoffset():
            low, high = previous, following  # offset(low) differs from offset(high)
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                if middle.astimezone(zone).utcoffset() == low.astimezone(zone).utcoffset():
                    low = middle
                else:
                    high = middle
            yield high.replace(microsecond=0)
        previous = following


def _instants_at(day: date, clock: time, zone: tzinfo) -> list[datetime]:
    """The UTC instants at which the wall clock shows `clock` on `day`: one normally,
    two in a repeated hour, none in a skipped one (the offset change covers that)."""
    naive = datetime.combine(day, clock)
    found = []
    for fold in (0, 1):
        instant = naive.replace(tzinfo=zone, fold=fold).astimezone(UTC)
        if _wall(instant, zone) == naive and instant not in found:
            found.append(instant)
    return found


def _candidates(now_utc: datetime, rules: Availability) -> list[datetime]:
    """Every moment at which a forbidden stretch can end: now, each day's quiet-hours end
    and shift start, and each offset change; sorted, from now on."""
    zone = rules.zone
    boundaries = [b for b in (rules.quiet_end, rules.work_start) if b is not None]
    today = _wall(now_utc, zone).date()
    found = {now_utc}
    for offset in range(-1, _HORIZON.days + 1):
        day = today + timedelta(days=offset)
        for boundary in boundaries:
            found.update(_instants_at(day, boundary, zone))
    found.update(_offset_changes(now_utc, now_utc + _HORIZON, zone))
    return sorted(moment for moment in found if now_utc <= moment <= now_utc + _HORIZON)


def next_allowed_time_for(now_utc: datetime, rules: Availability) -> datetime:
    """`next_allowed_time` for an `Availability`."""
    if now_utc.tzinfo is None:
        raise ValueError("next_allowed_time needs an aware datetime (UTC).")
    now_utc = now_utc.astimezone(UTC)
    if is_allowed_time(now_utc, rules):
        return now_utc
    candidates = _candidates(now_utc, rules)
    for honour_quiet_hours in (True, False):  # rule 3: working hours win a conflict
        for moment in candidates:
            if is_allowed_time(moment, rules, honour_quiet_hours=honour_quiet_hours):
                return moment
    return now_utc


def next_allowed_time(
    now_utc: datetime,
    *,
    zone_name: str = "UTC",
    work_days: str = "12345",
    work_start: time | None = None,
    work_end: time | None = None,
    quiet_start: time | None = None,
    quiet_end: time | None = None,
    is_hourly: bool = False,
) -> datetime:
    """The first moment at or after `now_utc` at which the person may be reached (see the
    module's rules), as an aware UTC datetime; `now_utc` itself when it is allowed."""
    rules = Availability(
        zone_name=zone_name,
        work_days=work_days,
        work_start=work_start,
        work_end=work_end,
        quiet_start=quiet_start,
        quiet_end=quiet_end,
        is_hourly=is_hourly,
    )
    return next_allowed_time_for(now_utc, rules)
