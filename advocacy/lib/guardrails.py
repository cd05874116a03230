"""The programme's health rules, as pure functions on plain values: how many company
posts one person may share in a week, the nudge towards posts of their own (80/20),
the suggested moment to post, and whether a hand-picked moment is allowed.

Who may be reached when is `accounts.lib.availability`'s business: these rules ask it,
with the organisation's quiet hours applied on top of the member's own rules, on the
member's local wall clock.

Framework-free: plain values in, plain values out.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, tzinfo
from typing import Literal

from accounts.lib.availability import ALL_DAYS, Availability, in_quiet_hours, in_working_hours
from content.lib.networks import Network

CAP_WINDOW = timedelta(days=7)
MIN_LEAD = timedelta(minutes=10)  # a suggestion the employee cannot act on in time is no use
SUGGESTION_HORIZON = timedelta(days=7)
MIN_HISTORY = 5  # below this, one lucky post would decide the suggestion
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _require_aware(name: str, moment: datetime) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime.")


def _span(start: time | None, end: time | None) -> str:
    return f"{start:%H:%M}–{end:%H:%M}" if start is not None and end is not None else ""


def _day_and_time(moment: datetime, now: datetime, zone: tzinfo) -> str:
    """On the member's clock: "today at 14:05", "tomorrow at 14:05" or "Tue 14:05"."""
    wall, today = moment.astimezone(zone), now.astimezone(zone).date()
    if wall.date() == today:
        return f"today at {wall:%H:%M}"
    if wall.date() == today + timedelta(days=1):
        return f"tomorrow at {wall:%H:%M}"
    return f"{wall:%a %H:%M}"


# Brand cap ----------------------------------------------------------------------------


@dataclass(frozen=True)
class CapStatus:
    allowed: bool
    used: int
    limit: int
    # When a slot frees up, if none is free now: the moment enough shares have left the
    # trailing seven days (with `used == limit`, seven days after the oldest one).
    next_slot_at: datetime | None
    message: str


def brand_cap(*, brand_share_times: Sequence[datetime], now: datetime, limit: int, zone: tzinfo = UTC) -> CapStatus:
    """Whether the member may share one more company post now.

    `brand_share_times` holds ONE time per composition: a post sent to LinkedIn and X
    at once is one brand share, so the caller passes the time of the composition, not
    of each network's share. Times in the trailing seven days count, including any
    after `now` (clocks of two servers may disagree by a moment, and the cap must not
    leak a share because of it). `zone` is the member's, for the message.
    """
    _require_aware("now", now)
    if limit < 0:
        raise ValueError("The weekly limit cannot be negative.")
    for moment in brand_share_times:
        _require_aware("Every share time", moment)
    window = sorted(moment for moment in brand_share_times if moment > now - CAP_WINDOW)
    used = len(window)
    posts = "company post" if used == 1 else "company posts"
    if used < limit:
        left = limit - used
        if used == 0:
            message = f"You can share {limit} company post{'s' if limit != 1 else ''} this week."
        else:
            message = f"You have shared {used} {posts} this week (limit {limit}); {left} more to go."
        return CapStatus(allowed=True, used=used, limit=limit, next_slot_at=None, message=message)
    if limit == 0:
        return CapStatus(
            allowed=False, used=used, limit=0, next_slot_at=None, message="Sharing company posts is turned off."
        )
    # One slot is free once `used - limit + 1` shares have left the window; the last of
    # them to leave is the one at that index in time order.
    next_slot_at = window[used - limit] + CAP_WINDOW
    message = (
        f"You have shared {used} {posts} this week (limit {limit}). "
        f"Your next slot opens {_day_and_time(next_slot_at, now, zone)}."
    )
    return CapStatus(allowed=False, used=used, limit=limit, next_slot_at=next_slot_at, message=message)


# Content mix --------------------------------------------------------------------------


@dataclass(frozen=True)
class MixStatus:
    brand: int
    personal: int
    brand_percent: float  # 0 with no posts at all
    threshold_percent: int
    nudge: bool
    message: str

    @property
    def total(self) -> int:
        return self.brand + self.personal


def _own_share_phrase(threshold_percent: int) -> str:
    """80 → "8 in 10", 75 → "3 in 4", 67 → "67%": the rule in the plainest words."""
    own = 100 - threshold_percent
    for denominator in (10, 4, 5, 2):
        if own * denominator % 100 == 0:
            return f"{own * denominator // 100} in {denominator}"
    return f"{own}%"


def content_mix(*, brand: int, personal: int, threshold_percent: int) -> MixStatus:
    """The member's mix over the last 30 days (the caller counts compositions, as for
    the cap): a nudge when company posts exceed `threshold_percent` of everything they
    posted through Chorus (the organisation's setting, 20 by default: the 80/20 rule)."""
    if brand < 0 or personal < 0:
        raise ValueError("Counts cannot be negative.")
    if not 0 <= threshold_percent <= 100:
        raise ValueError("threshold_percent is a percentage between 0 and 100.")
    total = brand + personal
    if total == 0:
        return MixStatus(
            brand=0,
            personal=0,
            brand_percent=0.0,
            threshold_percent=threshold_percent,
            nudge=False,
            message="Nothing shared in the last 30 days yet. Company news and posts of your own both count.",
        )
    brand_percent = 100 * brand / total
    nudge = brand_percent > threshold_percent
    rule = _own_share_phrase(threshold_percent)
    if nudge:
        message = (
            f"{rule} of your posts should be your own; {brand} of your last {total} were company posts. "
            "Share something personal: a lesson from your week, a colleague you are proud of, an event you went to."
        )
    else:
        message = f"A good mix: {personal} of your {total} posts in the last 30 days were your own."
    return MixStatus(
        brand=brand,
        personal=personal,
        brand_percent=brand_percent,
        threshold_percent=threshold_percent,
        nudge=nudge,
        message=message,
    )


# When a post may go out ---------------------------------------------------------------

Broken = Literal["organisation_quiet", "member_quiet", "working_hours"]


def _organisation_rules(availability: Availability, quiet_start: time | None, quiet_end: time | None) -> Availability:
    """The organisation's quiet hours as availability rules on the member's clock. Not
    hourly, so that only the member's own rules speak about working hours."""
    return Availability(zone_name=availability.zone_name, quiet_start=quiet_start, quiet_end=quiet_end)


def _broken_rule(at: datetime, availability: Availability, organisation: Availability) -> Broken | None:
    """The first rule `at` breaks, or None; the one test behind both the suggestion and
    the check of a hand-picked time, so the two never disagree."""
    wall = at.astimezone(availability.zone).replace(tzinfo=None)
    if in_quiet_hours(wall, organisation):
        return "organisation_quiet"
    if in_quiet_hours(wall, availability):
        return "member_quiet"
    if not in_working_hours(wall, availability):
        return "working_hours"
    return None


def _day_names(days: str) -> str:
    """ISO weekday digits in words: "12345" → "Mon–Fri", "135" → "Mon, Wed, Fri"."""
    numbers = sorted({int(day) for day in (days or ALL_DAYS) if day in ALL_DAYS})
    short = [WEEKDAYS[number - 1][:3] for number in numbers]
    if len(numbers) > 2 and numbers == list(range(numbers[0], numbers[-1] + 1)):
        return f"{short[0]}–{short[-1]}"
    return ", ".join(short)


def scheduled_time_allowed(
    *, at: datetime, availability: Availability, quiet_start: time | None, quiet_end: time | None
) -> str | None:
    """None when a hand-picked posting time is fine, otherwise why not, in words the
    employee can act on. `quiet_start`/`quiet_end` are the organisation's quiet hours,
    read on the member's clock; the member's own are in `availability`.

    An hourly worker may NOT pick a time outside their working hours. The product's rule
    is that hourly staff get no prompts outside their hours and that the suggestion never
    lands there; a company post going live is exactly when comments and reactions arrive
    and ask for an answer, so a post published off shift invites unpaid work. Letting
    the picker allow what the suggestion avoids would make the rule a default, not a
    guardrail. Sharing now, during a shift, stays open to them. The check cannot tell a
    company post from a personal one, so a personal post scheduled through Chorus is
    held to the same hours: the safe side of the line.
    """
    _require_aware("at", at)
    organisation = _organisation_rules(availability, quiet_start, quiet_end)
    broken = _broken_rule(at, availability, organisation)
    if broken == "organisation_quiet":
        return (
            f"That time is in your organisation's quiet hours ({_span(quiet_start, quiet_end)}, your time), "
            "when no scheduled post goes out. Pick a time outside them."
        )
    if broken == "member_quiet":
        return (
            f"That time is in your quiet hours ({_span(availability.quiet_start, availability.quiet_end)}). "
            "Pick another time, or change your quiet hours in your profile."
        )
    if broken == "working_hours":
        return (
            f"That time is outside your working hours ({_day_names(availability.work_days)}, "
            f"{_span(availability.work_start, availability.work_end)}). Pick a time during one of your shifts."
        )
    return None


# Best time ----------------------------------------------------------------------------

# Defaults when the member's own history is too thin: (ISO weekdays, from hour, to hour)
# in the member's local time. These follow the common published guidance on when
# audiences are most active (LinkedIn mid-week mornings, X weekday late mornings, the
# rest weekday mornings); they are defaults, to be replaced by the member's own results.
_DEFAULT_WINDOWS: dict[str, tuple[str, int, int]] = {
    "linkedin": ("234", 8, 10),
    "x": ("12345", 9, 12),
    "mastodon": ("12345", 9, 11),
    "bluesky": ("12345", 9, 11),
    "sandbox": ("12345", 9, 11),
}
_GENERIC_WINDOW = ("12345", 9, 11)

_HOURS_IN_WEEK = 168
# Smoothing over the week's 168 hour buckets: a post's result also says something about
# the hours next to it (audiences do not switch off on the hour) and, more weakly, about
# the same hours on other days (a morning audience on Tuesday is much the same on
# Wednesday). The kernel is the product of the two, so a bucket next to a good hour
# sees that hour's other days too and never outranks the hour itself on its data.
_HOUR_WEIGHTS = ((0, 1.0), (-1, 0.5), (1, 0.5), (-2, 0.25), (2, 0.25))
_DAY_WEIGHTS = ((0, 1.0), *((days, 0.15) for days in range(1, 7)))
_KERNEL: tuple[tuple[int, float], ...] = tuple(
    (24 * days + hours, day_weight * hour_weight)
    for days, day_weight in _DAY_WEIGHTS
    for hours, hour_weight in _HOUR_WEIGHTS
)
# The member's average result counts as this many extra posts in every bucket, so one
# lucky post in an hour with no others does not outrank a consistently good hour.
_PRIOR_POSTS = 2.0


@dataclass(frozen=True)
class BestTime:
    # An aware UTC datetime; None only when no moment in the next week is allowed (an
    # hourly worker whose shifts all fall in quiet hours): there is nothing to suggest.
    at: datetime | None
    reason: str
    from_history: bool


def _bucket(moment: datetime, zone: tzinfo) -> int:
    wall = moment.astimezone(zone)
    return wall.weekday() * 24 + wall.hour


def _bucket_scores(history: Sequence[tuple[datetime, float]], zone: tzinfo) -> tuple[list[float], float] | None:
    """The smoothed expected result of posting in each hour of the week, and the
    member's overall average; None when the history says nothing (too few posts, or
    every result the same)."""
    for moment, _ in history:
        _require_aware("Every history time", moment)
    usable = [(moment, score) for moment, score in history if math.isfinite(score) and score >= 0]
    if len(usable) < MIN_HISTORY or len({score for _, score in usable}) == 1:
        return None
    sums = [0.0] * _HOURS_IN_WEEK
    counts = [0] * _HOURS_IN_WEEK
    for moment, score in usable:
        bucket = _bucket(moment, zone)
        sums[bucket] += score
        counts[bucket] += 1
    average = sum(sums) / len(usable)
    scores = []
    for bucket in range(_HOURS_IN_WEEK):
        weighted_sum = weighted_count = 0.0
        for offset, weight in _KERNEL:
            neighbour = (bucket + offset) % _HOURS_IN_WEEK
            weighted_sum += weight * sums[neighbour]
            weighted_count += weight * counts[neighbour]
        scores.append((weighted_sum + _PRIOR_POSTS * average) / (weighted_count + _PRIOR_POSTS))
    return scores, average


def _ceil_to_five_minutes(moment: datetime) -> datetime:
    moment = moment.astimezone(UTC).replace(second=0, microsecond=0) + (
        timedelta(minutes=1) if moment.second or moment.microsecond else timedelta(0)
    )
    return moment + timedelta(minutes=-moment.minute % 5)


def _candidates(
    earliest: datetime, horizon: datetime, availability: Availability, extra: Sequence[time]
) -> list[datetime]:
    """The moments worth considering: `earliest`, the start of every local hour, and
    every moment a forbidden stretch can end on the member's clock (quiet hours' ends,
    shift starts). Together they include the first allowed moment of every hour that
    has one, so picking among them loses nothing."""
    zone = availability.zone
    found = {earliest}
    # Every UTC offset in use is a multiple of 15 minutes, so stepping by 15 minutes
    # visits every local hour start, DST changes included.
    step = earliest.replace(minute=earliest.minute - earliest.minute % 15)
    while step <= horizon:
        if step.astimezone(zone).minute == 0:
            found.add(step)
        step += timedelta(minutes=15)
    boundaries = [b for b in (availability.quiet_end, availability.work_start, *extra) if b is not None]
    first_day = earliest.astimezone(zone).date() - timedelta(days=1)
    for offset in range((horizon - earliest).days + 3):
        day = first_day + timedelta(days=offset)
        for boundary in boundaries:
            for fold in (0, 1):
                local = datetime.combine(day, boundary).replace(tzinfo=zone, fold=fold)
                instant = local.astimezone(UTC)
                # A clock time inside a skipped hour does not exist; the hour after the
                # jump is an hour start and already a candidate.
                if instant.astimezone(zone).replace(tzinfo=None) == local.replace(tzinfo=None):
                    found.add(instant)
    return sorted(moment for moment in found if earliest <= moment <= horizon)


def _audience(network: str) -> str:
    try:
        return f"{Network(network).label} audiences"
    except ValueError:
        return "most audiences"


def best_time(
    *,
    now: datetime,
    availability: Availability,
    quiet_start: time | None,
    quiet_end: time | None,
    history: Sequence[tuple[datetime, float]],
    network: str,
) -> BestTime:
    """The suggested moment to post on `network` in the next seven days, at least ten
    minutes from `now`, from the member's own results: `history` holds (posted_at,
    engagement) of their earlier shares there. Results are bucketed by hour of the week
    on the member's clock and smoothed; with fewer than five posts (or nothing to tell
    the hours apart) a per-network default applies.

    The moment is never in the organisation's quiet hours (`quiet_start`–`quiet_end`,
    on the member's clock), never in the member's own quiet hours and, for hourly staff,
    never outside their working hours.
    """
    _require_aware("now", now)
    now = now.astimezone(UTC)
    zone = availability.zone
    organisation = _organisation_rules(availability, quiet_start, quiet_end)
    earliest = _ceil_to_five_minutes(now + MIN_LEAD)
    horizon = now + SUGGESTION_HORIZON
    allowed = [
        moment
        for moment in _candidates(earliest, horizon, availability, [b for b in (quiet_end,) if b is not None])
        if _broken_rule(moment, availability, organisation) is None
    ]
    if not allowed:
        return BestTime(
            at=None,
            reason="No time in the next seven days is both outside the quiet hours and within your working hours.",
            from_history=False,
        )

    learned = _bucket_scores(history, zone)
    if learned is not None:
        scores, average = learned
        # The earliest of the best: max() keeps the first of equals, and `allowed` is sorted.
        chosen = max(allowed, key=lambda moment: scores[_bucket(moment, zone)])
        bucket = _bucket(chosen, zone)
        # Only a bucket the history rates above the member's own average is a finding;
        # otherwise the allowed hours all lie where they never posted, and the default
        # guidance knows more.
        if scores[bucket] > average * (1 + 1e-9):
            day, hour = divmod(bucket, 24)
            verb = "did best" if scores[bucket] >= max(scores) else "did well"
            return BestTime(
                at=chosen, reason=f"Your posts {verb} on {WEEKDAYS[day]}s around {hour:02d}:00", from_history=True
            )

    days, start_hour, end_hour = _DEFAULT_WINDOWS.get(network, _GENERIC_WINDOW)

    def fit(moment: datetime) -> int:
        wall = moment.astimezone(zone)
        in_hours = start_hour <= wall.hour < end_hour
        return 2 if in_hours and str(wall.isoweekday()) in days else 1 if in_hours else 0

    chosen = max(allowed, key=fit)
    if fit(chosen) == 2:
        reason = f"A good time for {_audience(network)}"
    elif fit(chosen) == 1:
        reason = f"A good hour for {_audience(network)}, on one of your days"
    else:
        reason = "The first time that fits your hours"
    return BestTime(at=chosen, reason=reason, from_history=False)
