"""advocacy.lib.guardrails: the weekly cap, the 80/20 nudge, the suggested posting time
and the check of a hand-picked time (pure functions, no database)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accounts.lib.availability import Availability, is_allowed_time
from advocacy.lib.guardrails import best_time, brand_cap, content_mix, scheduled_time_allowed

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
ORG_QUIET = {"quiet_start": time(21), "quiet_end": time(7)}


def at(zone: ZoneInfo, year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=zone).astimezone(UTC)


def local(moment: datetime, zone: ZoneInfo) -> tuple[str, int, int]:
    wall = moment.astimezone(zone)
    return (wall.strftime("%a"), wall.hour, wall.minute)


# Weekly cap -----------------------------------------------------------------------------


def test_a_member_under_the_weekly_limit_may_share() -> None:
    now = at(LONDON, 2025, 3, 12, 12, 0)
    status = brand_cap(brand_share_times=[now - timedelta(days=2)], now=now, limit=2, zone=LONDON)
    assert status.allowed
    assert (status.used, status.limit, status.next_slot_at) == (1, 2, None)
    assert status.message == "You have shared 1 company post this week (limit 2); 1 more to go."


def test_a_member_with_nothing_shared_is_told_the_limit() -> None:
    status = brand_cap(brand_share_times=[], now=at(LONDON, 2025, 3, 12, 12, 0), limit=3)
    assert status.allowed and status.used == 0
    assert status.message == "You can share 3 company posts this week."


def test_a_member_at_the_limit_is_told_when_the_next_slot_opens_on_their_clock() -> None:
    now = at(NEW_YORK, 2025, 3, 13, 12, 0)  # a Thursday
    oldest = at(NEW_YORK, 2025, 3, 11, 14, 5)  # Tuesday
    status = brand_cap(brand_share_times=[now - timedelta(hours=1), oldest], now=now, limit=2, zone=NEW_YORK)
    assert not status.allowed
    assert status.next_slot_at == oldest + timedelta(days=7)
    assert status.message == "You have shared 2 company posts this week (limit 2). Your next slot opens Tue 14:05."


def test_the_next_slot_says_today_or_tomorrow_when_it_is_close() -> None:
    now = at(LONDON, 2025, 3, 12, 12, 0)
    today = brand_cap(brand_share_times=[now - timedelta(days=6, hours=22)], now=now, limit=1, zone=LONDON)
    assert today.message.endswith("Your next slot opens today at 14:00.")
    tomorrow = brand_cap(brand_share_times=[now - timedelta(days=6)], now=now, limit=1, zone=LONDON)
    assert tomorrow.message.endswith("Your next slot opens tomorrow at 12:00.")


def test_a_share_exactly_seven_days_old_no_longer_counts() -> None:
    now = at(LONDON, 2025, 3, 12, 12, 0)
    status = brand_cap(brand_share_times=[now - timedelta(days=7)], now=now, limit=1)
    assert status.allowed and status.used == 0


def test_after_the_limit_was_lowered_the_slot_opens_when_enough_shares_have_aged_out() -> None:
    now = at(LONDON, 2025, 3, 12, 12, 0)
    times = [now - timedelta(days=days) for days in (6, 5, 4, 1)]
    status = brand_cap(brand_share_times=times, now=now, limit=2)
    assert status.used == 4
    assert status.next_slot_at == now - timedelta(days=4) + timedelta(days=7)


def test_the_cap_refuses_naive_times() -> None:
    with pytest.raises(ValueError):
        brand_cap(brand_share_times=[], now=datetime(2025, 3, 12, 12), limit=2)


@settings(max_examples=200, deadline=None)
@given(
    offsets=st.lists(st.integers(min_value=0, max_value=14 * 24 * 60), max_size=12),
    limit=st.integers(min_value=1, max_value=6),
)
def test_when_the_limit_is_reached_the_next_slot_is_seven_days_after_the_oldest_share(
    offsets: list[int], limit: int
) -> None:
    now = at(LONDON, 2025, 3, 30, 0, 30)  # the night the clocks go forward
    times = [now - timedelta(minutes=minutes) for minutes in offsets]
    status = brand_cap(brand_share_times=times, now=now, limit=limit, zone=LONDON)
    window = sorted(moment for moment in times if moment > now - timedelta(days=7))
    assert status.used == len(window)
    assert status.allowed == (len(window) < limit)
    if len(window) == limit:
        assert status.next_slot_at == window[0] + timedelta(days=7)
    if status.next_slot_at is not None:
        assert brand_cap(brand_share_times=times, now=status.next_slot_at, limit=limit).allowed
        just_before = status.next_slot_at - timedelta(seconds=1)
        assert not brand_cap(brand_share_times=times, now=just_before, limit=limit).allowed


# Content mix ----------------------------------------------------------------------------


def test_mostly_company_posts_get_the_80_20_nudge() -> None:
    mix = content_mix(brand=3, personal=1, threshold_percent=20)
    assert mix.nudge
    assert mix.brand_percent == 75.0
    assert mix.total == 4
    assert mix.message.startswith("8 in 10 of your posts should be your own; 3 of your last 4 were company posts.")


def test_a_mix_at_the_threshold_is_not_nudged() -> None:
    mix = content_mix(brand=1, personal=4, threshold_percent=20)
    assert not mix.nudge
    assert mix.message == "A good mix: 4 of your 5 posts in the last 30 days were your own."


def test_the_rule_is_put_in_the_plainest_words() -> None:
    assert content_mix(brand=1, personal=0, threshold_percent=25).message.startswith("3 in 4 of your posts")
    assert content_mix(brand=1, personal=0, threshold_percent=33).message.startswith("67% of your posts")


def test_nobody_is_nudged_before_they_have_posted() -> None:
    mix = content_mix(brand=0, personal=0, threshold_percent=20)
    assert not mix.nudge
    assert mix.brand_percent == 0.0
    assert mix.message.startswith("Nothing shared in the last 30 days yet.")


# Hand-picked times ----------------------------------------------------------------------


def test_a_time_outside_every_quiet_hour_is_fine() -> None:
    rules = Availability(zone_name="Europe/London", quiet_start=time(22), quiet_end=time(8))
    assert scheduled_time_allowed(at=at(LONDON, 2025, 3, 12, 12, 0), availability=rules, **ORG_QUIET) is None


def test_a_time_in_the_organisations_quiet_hours_is_refused_on_the_members_clock() -> None:
    rules = Availability(zone_name="America/New_York")
    # 23:00 in London is 19:00 in New York: fine there; 21:30 New York is not.
    assert scheduled_time_allowed(at=at(LONDON, 2025, 3, 12, 23, 0), availability=rules, **ORG_QUIET) is None
    message = scheduled_time_allowed(at=at(NEW_YORK, 2025, 3, 12, 21, 30), availability=rules, **ORG_QUIET)
    assert message is not None and message.startswith("That time is in your organisation's quiet hours (21:00–07:00")


def test_a_time_in_the_members_own_quiet_hours_is_refused() -> None:
    rules = Availability(zone_name="Europe/London", quiet_start=time(18), quiet_end=time(9))
    message = scheduled_time_allowed(at=at(LONDON, 2025, 3, 12, 19, 0), availability=rules, **ORG_QUIET)
    assert message is not None and message.startswith("That time is in your quiet hours (18:00–09:00).")


def test_an_hourly_worker_cannot_schedule_outside_their_working_hours() -> None:
    rules = Availability(
        zone_name="Europe/London", is_hourly=True, work_days="12345", work_start=time(9), work_end=time(17)
    )
    message = scheduled_time_allowed(at=at(LONDON, 2025, 3, 15, 12, 0), availability=rules, **ORG_QUIET)  # Sat
    assert message == (
        "That time is outside your working hours (Mon–Fri, 09:00–17:00). Pick a time during one of your shifts."
    )
    assert scheduled_time_allowed(at=at(LONDON, 2025, 3, 14, 12, 0), availability=rules, **ORG_QUIET) is None


def test_working_hours_do_not_restrict_salaried_staff() -> None:
    rules = Availability(zone_name="Europe/London", work_start=time(9), work_end=time(17))
    assert scheduled_time_allowed(at=at(LONDON, 2025, 3, 15, 12, 0), availability=rules, **ORG_QUIET) is None


# Best time ------------------------------------------------------------------------------


def test_without_history_linkedin_gets_a_mid_week_morning() -> None:
    now = at(NEW_YORK, 2025, 3, 10, 14, 0)  # a Monday afternoon
    best = best_time(
        now=now, availability=Availability(zone_name="America/New_York"), history=[], network="linkedin", **ORG_QUIET
    )
    assert best.at is not None and best.at.tzinfo == UTC
    assert local(best.at, NEW_YORK) == ("Tue", 8, 0)
    assert best.reason == "A good time for LinkedIn audiences"
    assert not best.from_history


def test_without_history_x_gets_a_weekday_late_morning() -> None:
    now = at(LONDON, 2025, 3, 14, 10, 30)  # a Friday, inside the window
    best = best_time(
        now=now, availability=Availability(zone_name="Europe/London"), history=[], network="x", **ORG_QUIET
    )
    assert best.at is not None
    assert local(best.at, LONDON) == ("Fri", 10, 40)  # ten minutes ahead at least


def test_an_unknown_network_gets_the_generic_default() -> None:
    now = at(LONDON, 2025, 3, 14, 12, 0)
    best = best_time(
        now=now, availability=Availability(zone_name="Europe/London"), history=[], network="other", **ORG_QUIET
    )
    assert best.at is not None and local(best.at, LONDON) == ("Mon", 9, 0)
    assert best.reason == "A good time for most audiences"


def test_the_members_best_hour_is_learned_from_their_results() -> None:
    history = [(at(LONDON, 2025, 2, day, 17, 30), 12.0 if day in (4, 11, 18) else 1.0) for day in range(1, 28)]
    now = at(LONDON, 2025, 3, 10, 9, 0)
    best = best_time(
        now=now, availability=Availability(zone_name="Europe/London"), history=history, network="x", **ORG_QUIET
    )
    assert best.at is not None and local(best.at, LONDON) == ("Tue", 17, 0)
    assert best.reason == "Your posts did best on Tuesdays around 17:00"
    assert best.from_history


def test_the_learned_hour_follows_the_local_clock_across_daylight_saving_time() -> None:
    # Posted at 09:00 New York time in winter (14:00 UTC); the suggestion in summer time
    # is 09:00 New York time again (13:00 UTC).
    history = [(at(NEW_YORK, 2025, 1, day, 9, 0), 10.0 if day in (7, 14, 21) else 0.5) for day in range(6, 25)]
    now = at(NEW_YORK, 2025, 3, 17, 12, 0)  # a Monday, after the clocks went forward
    best = best_time(
        now=now, availability=Availability(zone_name="America/New_York"), history=history, network="x", **ORG_QUIET
    )
    assert best.at is not None and best.at == datetime(2025, 3, 18, 13, 0, tzinfo=UTC)
    assert best.from_history


def test_with_fewer_than_five_posts_the_default_applies() -> None:
    history = [(at(LONDON, 2025, 2, day, 17, 30), 50.0) for day in (3, 4, 5, 6)]
    best = best_time(
        now=at(LONDON, 2025, 3, 10, 14, 0),
        availability=Availability(zone_name="Europe/London"),
        history=history,
        network="linkedin",
        **ORG_QUIET,
    )
    assert not best.from_history
    assert best.at is not None and local(best.at, LONDON) == ("Tue", 8, 0)


def test_a_learned_hour_in_quiet_hours_is_never_suggested() -> None:
    history = [(at(LONDON, 2025, 2, day, 22, 0), 20.0 if day % 2 else 1.0) for day in range(1, 20)]
    best = best_time(
        now=at(LONDON, 2025, 3, 10, 9, 0),
        availability=Availability(zone_name="Europe/London"),
        history=history,
        network="x",
        **ORG_QUIET,
    )
    assert best.at is not None
    wall = best.at.astimezone(LONDON).time()
    assert time(7) <= wall < time(21)


def test_an_hourly_workers_suggestion_falls_in_their_shift() -> None:
    rules = Availability(
        zone_name="Europe/London", is_hourly=True, work_days="67", work_start=time(12, 30), work_end=time(20)
    )
    best = best_time(now=at(LONDON, 2025, 3, 10, 9, 0), availability=rules, history=[], network="x", **ORG_QUIET)
    assert best.at is not None and local(best.at, LONDON) == ("Sat", 12, 30)
    assert best.reason == "The first time that fits your hours"


def test_an_hourly_worker_whose_shifts_are_all_in_quiet_hours_gets_no_suggestion() -> None:
    rules = Availability(
        zone_name="Europe/London", is_hourly=True, work_days="1234567", work_start=time(22), work_end=time(6)
    )
    best = best_time(now=at(LONDON, 2025, 3, 10, 9, 0), availability=rules, history=[], network="x", **ORG_QUIET)
    assert best.at is None
    assert not best.from_history


zones = st.sampled_from(
    [
        "UTC",
        "Europe/London",
        "America/New_York",
        "America/Sao_Paulo",
        "Asia/Kolkata",
        "Asia/Kathmandu",
        "Australia/Lord_Howe",
        "Pacific/Chatham",
        "Pacific/Kiritimati",
        "",
        "Not/AZone",
    ]
)
clock_times = st.builds(time, st.integers(0, 23), st.sampled_from([0, 0, 15, 30, 45, 7]))
optional_times = st.none() | clock_times
availabilities = st.builds(
    Availability,
    zone_name=zones,
    work_days=st.sets(st.sampled_from("1234567"), max_size=7).map(lambda days: "".join(sorted(days))),
    work_start=optional_times,
    work_end=optional_times,
    quiet_start=optional_times,
    quiet_end=optional_times,
    is_hourly=st.booleans(),
)
moments = st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)).map(
    lambda moment: moment.astimezone(UTC)
)
histories = st.lists(st.tuples(moments, st.floats(min_value=0, max_value=500)), max_size=40)


@settings(max_examples=150, deadline=None)
@given(
    now=moments,
    rules=availabilities,
    org_start=optional_times,
    org_end=optional_times,
    history=histories,
    network=st.sampled_from(["linkedin", "x", "mastodon", "bluesky", "sandbox", "facebook"]),
)
def test_the_suggested_time_is_always_one_the_rules_allow(
    now: datetime,
    rules: Availability,
    org_start: time | None,
    org_end: time | None,
    history: list[tuple[datetime, float]],
    network: str,
) -> None:
    best = best_time(
        now=now, availability=rules, quiet_start=org_start, quiet_end=org_end, history=history, network=network
    )
    organisation = Availability(zone_name=rules.zone_name, quiet_start=org_start, quiet_end=org_end)
    if best.at is None:
        # Nothing was missed: no five-minute step in the week is allowed either.
        step = now + timedelta(minutes=10)
        while step <= now + timedelta(days=7):
            assert not (is_allowed_time(step, rules) and is_allowed_time(step, organisation))
            step += timedelta(minutes=5)
        return
    assert best.at.tzinfo == UTC
    assert now + timedelta(minutes=10) <= best.at <= now + timedelta(days=7)
    assert is_allowed_time(best.at, rules)
    assert is_allowed_time(best.at, organisation)
    assert scheduled_time_allowed(at=best.at, availability=rules, quiet_start=org_start, quiet_end=org_end) is None
