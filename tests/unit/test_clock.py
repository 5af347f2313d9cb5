"""`TRACKER_TODAY`: a fixed day for the whole process, with time that still moves forward."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracker.clock import FixedClock, FixedDayClock, SystemClock, parse_day
from tracker.settings import Settings, SettingsError

STEPS = st.lists(st.integers(min_value=-90_000, max_value=90_000), max_size=30)


@given(day=st.dates(min_value=date(1900, 1, 1), max_value=date(2199, 12, 31)), steps=STEPS)
def test_today_stays_the_day_and_moments_never_go_back(day: date, steps: list[int]) -> None:
    """Whatever the real clock does (seconds forward, or back, past midnight or not)."""
    real = FixedClock(datetime(2026, 3, 1, 23, 59, 30, tzinfo=UTC))
    clock = FixedDayClock(day, real)
    moments = [clock.now()]
    for seconds in steps:
        real.advance(timedelta(seconds=seconds))
        moments.append(clock.now())
        assert clock.today() == day
    assert moments == sorted(moments)
    assert {moment.date() for moment in moments} == {day}
    assert all(moment.tzinfo is not None for moment in moments)


def test_the_time_of_day_runs_from_the_real_clock() -> None:
    real = FixedClock(datetime(2026, 3, 1, 9, 30, tzinfo=UTC))
    clock = FixedDayClock(date(2024, 6, 1), real)
    real.advance(timedelta(minutes=5))

    assert clock.now() == datetime(2024, 6, 1, 9, 35, tzinfo=UTC)


@pytest.mark.parametrize("text", ["2024-6-1", "2024-02-30", "20240601", "tomorrow", "", " "])
def test_only_a_real_date_written_yyyy_mm_dd_is_a_day(text: str) -> None:
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        parse_day(text)


def test_the_setting_fixes_the_process_clock() -> None:
    fixed = Settings.from_env({"TRACKER_TODAY": " 2024-06-01 "}).clock
    system = Settings.from_env({"TRACKER_TODAY": ""}).clock

    assert isinstance(fixed, FixedDayClock)
    assert fixed.today() == date(2024, 6, 1)
    assert isinstance(system, SystemClock)


def test_a_bad_setting_is_one_sentence_naming_it() -> None:
    with pytest.raises(SettingsError) as refused:
        Settings.from_env({"TRACKER_TODAY": "01/06/2024"})

    assert str(refused.value) == (
        "TRACKER_TODAY: expected a date written YYYY-MM-DD, not '01/06/2024'"
    )
