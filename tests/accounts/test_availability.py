"""accounts.lib.availability: when a person may be reached (pure function, no database)."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from accounts.lib.availability import Availability, is_allowed_time, next_allowed_time

LONDON = ZoneInfo("Europe/London")
LA = ZoneInfo("America/Los_Angeles")
AUCKLAND = ZoneInfo("Pacific/Auckland")


def at(zone: ZoneInfo, *args: int, fold: int = 0) -> datetime:
    return datetime(*args, tzinfo=zone, fold=fold).astimezone(UTC)  # type: ignore[misc]


def local(moment: datetime, zone: ZoneInfo) -> tuple[int, int, int, int, int]:
    wall = moment.astimezone(zone)
    return (wall.year, wall.month, wall.day, wall.hour, wall.minute)


QUIET_NIGHT = {"quiet_start": time(22), "quiet_end": time(7)}
NINE_TO_FIVE = {"is_hourly": True, "work_start": time(9), "work_end": time(17), "work_days": "12345"}


def test_an_allowed_moment_is_returned_unchanged() -> None:
    now = at(LONDON, 2025, 3, 12, 12, 34, 56)
    assert next_allowed_time(now, zone_name="Europe/London", **QUIET_NIGHT) == now


def test_without_any_rules_every_moment_is_allowed() -> None:
    now = at(LONDON, 2025, 3, 15, 3, 0)  # a Saturday night
    assert next_allowed_time(now, zone_name="Europe/London") == now


def test_the_result_is_in_utc() -> None:
    result = next_allowed_time(at(LA, 2025, 3, 12, 23, 0), zone_name="America/Los_Angeles", **QUIET_NIGHT)
    assert result.tzinfo == UTC


def test_a_naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError):
        next_allowed_time(datetime(2025, 1, 1, 12), zone_name="UTC")


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        ((12, 22, 0), (13, 7, 0)),  # the start of the window is quiet
        ((12, 23, 30), (13, 7, 0)),  # before midnight: held to the next morning
        ((13, 0, 0), (13, 7, 0)),  # midnight
        ((13, 6, 59), (13, 7, 0)),  # after midnight: held to this morning
    ],
)
def test_quiet_hours_that_wrap_midnight_hold_until_they_end(
    now: tuple[int, int, int], expected: tuple[int, int, int]
) -> None:
    result = next_allowed_time(at(LONDON, 2025, 3, *now), zone_name="Europe/London", **QUIET_NIGHT)
    assert local(result, LONDON) == (2025, 3, *expected)


def test_quiet_hours_end_is_allowed() -> None:
    now = at(LONDON, 2025, 3, 12, 7, 0)
    assert next_allowed_time(now, zone_name="Europe/London", **QUIET_NIGHT) == now


def test_quiet_hours_within_one_day() -> None:
    rules = {"quiet_start": time(12), "quiet_end": time(13, 30)}
    result = next_allowed_time(at(LONDON, 2025, 3, 12, 12, 15), zone_name="Europe/London", **rules)
    assert local(result, LONDON) == (2025, 3, 12, 13, 30)
    assert next_allowed_time(at(LONDON, 2025, 3, 12, 13, 30), zone_name="Europe/London", **rules) == at(
        LONDON, 2025, 3, 12, 13, 30
    )


def test_half_set_or_empty_quiet_hours_restrict_nothing() -> None:
    now = at(LONDON, 2025, 3, 12, 23, 0)
    assert next_allowed_time(now, zone_name="Europe/London", quiet_start=time(22)) == now
    assert next_allowed_time(now, zone_name="Europe/London", quiet_start=time(22), quiet_end=time(22)) == now


def test_hourly_staff_are_held_until_their_shift_starts() -> None:
    result = next_allowed_time(at(LONDON, 2025, 3, 12, 7, 30), zone_name="Europe/London", **NINE_TO_FIVE)
    assert local(result, LONDON) == (2025, 3, 12, 9, 0)


def test_hourly_staff_after_work_wait_for_the_next_working_morning() -> None:
    result = next_allowed_time(at(LONDON, 2025, 3, 12, 17, 0), zone_name="Europe/London", **NINE_TO_FIVE)
    assert local(result, LONDON) == (2025, 3, 13, 9, 0)


def test_hourly_staff_are_not_reached_at_the_weekend() -> None:
    friday_evening = at(LONDON, 2025, 3, 14, 18, 0)
    assert local(next_allowed_time(friday_evening, zone_name="Europe/London", **NINE_TO_FIVE), LONDON) == (
        2025,
        3,
        17,
        9,
        0,
    )
    saturday_noon = at(LONDON, 2025, 3, 15, 12, 0)
    assert local(next_allowed_time(saturday_noon, zone_name="Europe/London", **NINE_TO_FIVE), LONDON)[2] == 17


def test_a_weekend_worker_is_reached_at_the_weekend() -> None:
    rules = {**NINE_TO_FIVE, "work_days": "67"}
    result = next_allowed_time(at(LONDON, 2025, 3, 12, 12, 0), zone_name="Europe/London", **rules)
    assert local(result, LONDON) == (2025, 3, 15, 9, 0)


def test_salaried_staff_are_not_restricted_by_working_hours() -> None:
    now = at(LONDON, 2025, 3, 15, 12, 0)  # Saturday
    rules = {**NINE_TO_FIVE, "is_hourly": False}
    assert next_allowed_time(now, zone_name="Europe/London", **rules) == now


def test_an_hourly_worker_without_working_hours_is_not_restricted_by_them() -> None:
    now = at(LONDON, 2025, 3, 15, 12, 0)
    assert next_allowed_time(now, zone_name="Europe/London", is_hourly=True, work_start=time(9)) == now


def test_empty_work_days_mean_every_day() -> None:
    now = at(LONDON, 2025, 3, 15, 12, 0)  # Saturday
    assert next_allowed_time(now, zone_name="Europe/London", **{**NINE_TO_FIVE, "work_days": ""}) == now


def test_an_overnight_shift_belongs_to_the_day_it_starts() -> None:
    rules = {"is_hourly": True, "work_start": time(22), "work_end": time(6), "work_days": "5"}  # Friday nights
    saturday_3am = at(LONDON, 2025, 3, 15, 3, 0)
    assert next_allowed_time(saturday_3am, zone_name="Europe/London", **rules) == saturday_3am
    sunday_3am = at(LONDON, 2025, 3, 16, 3, 0)
    assert local(next_allowed_time(sunday_3am, zone_name="Europe/London", **rules), LONDON) == (2025, 3, 21, 22, 0)


def test_quiet_hours_and_working_hours_together() -> None:
    # Works 06:00-14:00, quiet until 07:00: the first moment both allow is 07:00.
    rules = {"is_hourly": True, "work_start": time(6), "work_end": time(14), "work_days": "12345", **QUIET_NIGHT}
    result = next_allowed_time(at(LONDON, 2025, 3, 12, 5, 0), zone_name="Europe/London", **rules)
    assert local(result, LONDON) == (2025, 3, 12, 7, 0)


def test_when_quiet_hours_cover_the_whole_shift_working_hours_win() -> None:
    rules = {
        "is_hourly": True,
        "work_start": time(9),
        "work_end": time(17),
        "quiet_start": time(8),
        "quiet_end": time(18),
    }
    result = next_allowed_time(at(LONDON, 2025, 3, 12, 20, 0), zone_name="Europe/London", **rules)
    assert local(result, LONDON) == (2025, 3, 13, 9, 0)


def test_los_angeles_behind_utc() -> None:
    # 05:00 UTC on 13 March is 22:00 on the 12th in Los Angeles (PDT, UTC-7): quiet.
    now = datetime(2025, 3, 13, 5, 0, tzinfo=UTC)
    result = next_allowed_time(now, zone_name="America/Los_Angeles", **QUIET_NIGHT)
    assert local(result, LA) == (2025, 3, 13, 7, 0)
    assert result == datetime(2025, 3, 13, 14, 0, tzinfo=UTC)


def test_auckland_ahead_of_utc_crosses_the_date_line() -> None:
    # 20:00 UTC on Friday 14 March is 09:00 on Saturday 15 March in Auckland (NZDT, UTC+13).
    now = datetime(2025, 3, 14, 20, 0, tzinfo=UTC)
    result = next_allowed_time(now, zone_name="Pacific/Auckland", **NINE_TO_FIVE)
    assert local(result, AUCKLAND) == (2025, 3, 17, 9, 0)
    assert result == datetime(2025, 3, 16, 20, 0, tzinfo=UTC)


def test_the_same_utc_moment_is_allowed_in_one_zone_and_held_in_another() -> None:
    now = datetime(2025, 6, 10, 8, 0, tzinfo=UTC)  # 09:00 London, 01:00 Los Angeles, 20:00 Auckland
    assert next_allowed_time(now, zone_name="Europe/London", **QUIET_NIGHT) == now
    assert local(next_allowed_time(now, zone_name="America/Los_Angeles", **QUIET_NIGHT), LA)[3:] == (7, 0)
    assert next_allowed_time(now, zone_name="Pacific/Auckland", **QUIET_NIGHT) == now


def test_quiet_hours_end_follows_the_wall_clock_when_clocks_go_forward() -> None:
    # Los Angeles springs forward on 9 March 2025 at 02:00 → 03:00. Quiet until 07:00 PDT.
    result = next_allowed_time(at(LA, 2025, 3, 9, 1, 0), zone_name="America/Los_Angeles", **QUIET_NIGHT)
    assert local(result, LA) == (2025, 3, 9, 7, 0)
    assert result == datetime(2025, 3, 9, 14, 0, tzinfo=UTC)  # UTC-7 now, not UTC-8


def test_a_quiet_end_inside_the_skipped_hour_ends_when_the_clock_jumps() -> None:
    rules = {"quiet_start": time(22), "quiet_end": time(2, 30)}
    result = next_allowed_time(at(LA, 2025, 3, 9, 1, 0), zone_name="America/Los_Angeles", **rules)
    assert local(result, LA) == (2025, 3, 9, 3, 0)
    assert result == datetime(2025, 3, 9, 10, 0, tzinfo=UTC)


def test_quiet_hours_end_follows_the_wall_clock_when_clocks_go_back() -> None:
    # Los Angeles falls back on 2 November 2025 at 02:00 → 01:00. Quiet until 07:00 PST.
    result = next_allowed_time(at(LA, 2025, 11, 2, 0, 30), zone_name="America/Los_Angeles", **QUIET_NIGHT)
    assert result == datetime(2025, 11, 2, 15, 0, tzinfo=UTC)  # 07:00 at UTC-8


def test_the_repeated_hour_is_read_as_the_wall_clock_shows_it() -> None:
    # Quiet 01:30-03:00; clocks go back at 02:00. The second 01:00-01:30 is not quiet.
    rules = {"quiet_start": time(1, 30), "quiet_end": time(3)}
    first_145 = at(LA, 2025, 11, 2, 1, 45, fold=0)
    result = next_allowed_time(first_145, zone_name="America/Los_Angeles", **rules)
    assert result == at(LA, 2025, 11, 2, 1, 0, fold=1)  # the moment the clock turns back


def test_auckland_daylight_saving_ends_in_april() -> None:
    # Auckland falls back on 6 April 2025 at 03:00 NZDT → 02:00 NZST. Hourly 09:00 Monday.
    now = datetime(2025, 4, 5, 12, 0, tzinfo=UTC)  # Sunday 01:00 NZDT
    result = next_allowed_time(now, zone_name="Pacific/Auckland", **NINE_TO_FIVE)
    assert local(result, AUCKLAND) == (2025, 4, 7, 9, 0)
    assert result == datetime(2025, 4, 6, 21, 0, tzinfo=UTC)  # UTC+12 after the change


def test_auckland_daylight_saving_starts_in_september() -> None:
    # Auckland springs forward on 28 September 2025 at 02:00 → 03:00. Quiet until 07:00.
    now = datetime(2025, 9, 27, 12, 0, tzinfo=UTC)  # Sunday 00:00 NZST
    result = next_allowed_time(now, zone_name="Pacific/Auckland", **QUIET_NIGHT)
    assert local(result, AUCKLAND) == (2025, 9, 28, 7, 0)
    assert result == datetime(2025, 9, 27, 18, 0, tzinfo=UTC)  # UTC+13


def test_an_unknown_or_empty_zone_is_read_as_utc() -> None:
    now = datetime(2025, 3, 12, 23, 0, tzinfo=UTC)
    for name in ("", "Mars/Olympus"):
        assert next_allowed_time(now, zone_name=name, **QUIET_NIGHT) == datetime(2025, 3, 13, 7, 0, tzinfo=UTC)


@pytest.mark.parametrize("zone_name", ["Pacific/Auckland", "America/Los_Angeles", "Europe/London", "Asia/Kolkata"])
@pytest.mark.parametrize("hour", range(0, 24, 3))
def test_the_answer_is_always_allowed_and_never_earlier_than_now(zone_name: str, hour: int) -> None:
    rules = Availability(zone_name=zone_name, quiet_start=time(21), quiet_end=time(8), **NINE_TO_FIVE)  # type: ignore[arg-type]
    for day in (9, 12, 15):
        now = datetime(2025, 3, day, hour, 17, tzinfo=UTC)
        result = next_allowed_time(
            now,
            zone_name=zone_name,
            quiet_start=time(21),
            quiet_end=time(8),
            **NINE_TO_FIVE,  # type: ignore[arg-type]
        )
        assert result >= now
        assert is_allowed_time(result, rules)
