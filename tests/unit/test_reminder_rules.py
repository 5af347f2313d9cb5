"""The pure reminder rules: stages, lead times, overdue repeats, catch-up, renewal modes, ids."""

from __future__ import annotations

from datetime import date, timedelta
from uuid import UUID

import pytest

from events.reminders import ReminderRule
from tracker.days import anniversary_of
from tracker.reminders.rules import DateRow, ReminderPolicy, due_for, reminder_id, windows

AGREEMENT = UUID("00000000-0000-0000-0000-000000000001")
POLICY = ReminderPolicy()


def row(rule: ReminderRule, due_on: date, **extra: object) -> DateRow:
    return DateRow(AGREEMENT, rule, due_on, title="Cooperation", **extra)  # type: ignore[arg-type]


def stages(date_row: DateRow, day: date, policy: ReminderPolicy = POLICY) -> list[tuple[date, str]]:
    return [(r.due_on, r.stage) for r in due_for(date_row, day, policy)]


def stages_over(date_row: DateRow, first: date, last: date) -> dict[date, str]:
    """The stage due each day of a range, for days where one is (the history of a date)."""
    found: dict[date, str] = {}
    day = first
    while day <= last:
        for _, stage in stages(date_row, day):
            found[day] = stage
        day += timedelta(days=1)
    return found


def first_days(history: dict[date, str]) -> dict[str, date]:
    """Each distinct stage and the first day it was due."""
    firsts: dict[str, date] = {}
    for day, stage in sorted(history.items()):
        firsts.setdefault(stage, day)
    return firsts


EXPIRY = date(2024, 12, 31)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (EXPIRY - timedelta(days=91), []),
        (EXPIRY - timedelta(days=90), [(EXPIRY, "lead-90")]),
        (EXPIRY - timedelta(days=31), [(EXPIRY, "lead-90")]),
        (EXPIRY - timedelta(days=30), [(EXPIRY, "lead-30")]),
        (EXPIRY - timedelta(days=8), [(EXPIRY, "lead-30")]),
        (EXPIRY - timedelta(days=7), [(EXPIRY, "lead-7")]),
        (EXPIRY, [(EXPIRY, "lead-7")]),
    ],
)
def test_expiry_is_reminded_90_30_and_7_days_ahead(day: date, expected: list[object]) -> None:
    assert stages(row(ReminderRule.EXPIRY, EXPIRY), day) == expected


def test_an_expiry_gives_three_distinct_reminders_over_its_life() -> None:
    history = stages_over(row(ReminderRule.EXPIRY, EXPIRY), date(2024, 9, 1), EXPIRY)
    assert first_days(history) == {
        "lead-90": date(2024, 10, 2),
        "lead-30": date(2024, 12, 1),
        "lead-7": date(2024, 12, 24),
    }


def test_a_missed_stage_is_superseded_by_the_current_one() -> None:
    """A sweep 20 days ahead issues the 30-day reminder only, not the 90-day one too."""
    assert stages(row(ReminderRule.EXPIRY, EXPIRY), EXPIRY - timedelta(days=20)) == [
        (EXPIRY, "lead-30")
    ]


def test_a_passed_date_is_still_reminded_within_the_catch_up_horizon_only() -> None:
    expiry = row(ReminderRule.EXPIRY, EXPIRY)
    assert stages(expiry, EXPIRY + timedelta(days=30)) == [(EXPIRY, "lead-7")]
    assert stages(expiry, EXPIRY + timedelta(days=31)) == []


def test_a_notice_deadline_is_reminded_ahead_only() -> None:
    """Once the deadline has passed nothing can be done until the next period: no nagging."""
    deadline = date(2024, 10, 1)
    notice = row(ReminderRule.NOTICE_DEADLINE, deadline)
    history = stages_over(notice, date(2024, 8, 1), date(2025, 1, 31))
    assert first_days(history) == {"lead-30": date(2024, 9, 1)}
    assert max(history) == deadline


def test_an_expiry_that_renews_automatically_calls_for_no_reminder() -> None:
    renews = row(ReminderRule.EXPIRY, EXPIRY, renews=True)
    assert stages_over(renews, EXPIRY - timedelta(days=100), EXPIRY + timedelta(days=40)) == {}


def test_follow_up_14_days_ahead_then_weekly_until_the_catch_up_horizon() -> None:
    follow_up = row(ReminderRule.FOLLOW_UP, date(2024, 3, 15), key="f-1")
    assert stages(follow_up, date(2024, 2, 29)) == []
    assert stages(follow_up, date(2024, 3, 1)) == [(date(2024, 3, 15), "lead-14")]
    assert stages(follow_up, date(2024, 3, 16)) == [(date(2024, 3, 15), "overdue-1")]
    assert stages(follow_up, date(2024, 3, 22)) == [(date(2024, 3, 15), "overdue-1")]
    assert stages(follow_up, date(2024, 3, 23)) == [(date(2024, 3, 15), "overdue-2")]
    assert stages(follow_up, date(2024, 4, 14)) == [(date(2024, 3, 15), "overdue-5")]
    assert stages(follow_up, date(2024, 4, 15)) == []
    assert stages(follow_up, date(2026, 3, 15)) == []


RULE_DATES = {
    ReminderRule.ANNIVERSARY: (date(2019, 5, 2), date(2024, 5, 2)),
    ReminderRule.EXPIRY: (date(2024, 5, 2), date(2024, 5, 2)),
    ReminderRule.NOTICE_DEADLINE: (date(2024, 5, 2), date(2024, 5, 2)),
    ReminderRule.FOLLOW_UP: (date(2024, 5, 2), date(2024, 5, 2)),
}
"""For each rule: the row's date and the date it stands for in 2024 (the anniversary)."""


@pytest.mark.parametrize("rule", list(ReminderRule))
@pytest.mark.parametrize("catch_up", [0, 1, 30, 45])
def test_a_date_more_than_the_catch_up_days_past_is_not_announced(
    rule: ReminderRule, catch_up: int
) -> None:
    """The README: a date more than TRACKER_REMINDER_CATCH_UP_DAYS past is not announced,
    whatever its rule; only the current stage of a date is; a notice deadline not at all."""
    stored, reminded = RULE_DATES[rule]
    policy = ReminderPolicy(catch_up_days=catch_up)
    date_row = row(rule, stored, key="f" if rule is ReminderRule.FOLLOW_UP else "")
    for late in range(0, catch_up + 60):
        found = stages(date_row, reminded + timedelta(days=late), policy)
        if late > catch_up or (late > 0 and rule is ReminderRule.NOTICE_DEADLINE):
            assert found == [], (late, found)
        else:
            assert len(found) == 1, (late, found)
            assert found[0][0] == reminded


def test_anniversary_recurs_each_year_14_days_ahead() -> None:
    signed = row(ReminderRule.ANNIVERSARY, date(2018, 11, 20))
    assert stages(signed, date(2018, 11, 10)) == []
    assert stages(signed, date(2023, 11, 5)) == []
    assert stages(signed, date(2023, 11, 6)) == [(date(2023, 11, 20), "lead-14")]
    assert stages(signed, date(2023, 11, 20)) == [(date(2023, 11, 20), "lead-14")]


def test_the_signature_day_itself_is_no_anniversary() -> None:
    signed = row(ReminderRule.ANNIVERSARY, date(2023, 11, 20))
    assert stages(signed, date(2023, 11, 10)) == []
    assert stages(signed, date(2024, 11, 10)) == [(date(2024, 11, 20), "lead-14")]


def test_an_old_anniversary_is_not_announced_after_the_horizon() -> None:
    signed = row(ReminderRule.ANNIVERSARY, date(2018, 1, 10))
    assert stages(signed, date(2024, 2, 9)) == [(date(2024, 1, 10), "lead-14")]
    assert stages(signed, date(2024, 2, 10)) == []
    assert stages(signed, date(2024, 12, 27)) == [(date(2025, 1, 10), "lead-14")]


def test_29_february_is_remembered_on_the_28th_in_other_years() -> None:
    assert anniversary_of(date(2020, 2, 29), 2023) == date(2023, 2, 28)
    assert anniversary_of(date(2020, 2, 29), 2024) == date(2024, 2, 29)
    signed = row(ReminderRule.ANNIVERSARY, date(2020, 2, 29))
    assert stages(signed, date(2023, 2, 14)) == [(date(2023, 2, 28), "lead-14")]
    feb_2023 = next(w for w in windows(date(2023, 2, 14), POLICY) if w.month_days)
    assert "02-29" in feb_2023.month_days


def test_lead_times_are_configurable_and_an_empty_list_turns_a_rule_off() -> None:
    policy = ReminderPolicy(
        leads={ReminderRule.EXPIRY: (60, 10), ReminderRule.FOLLOW_UP: ()},
        overdue_every_days=3,
    )
    expiry = row(ReminderRule.EXPIRY, EXPIRY)
    assert stages(expiry, EXPIRY - timedelta(days=61), policy) == []
    assert stages(expiry, EXPIRY - timedelta(days=60), policy) == [(EXPIRY, "lead-60")]
    assert stages(expiry, EXPIRY - timedelta(days=10), policy) == [(EXPIRY, "lead-10")]
    follow_up = row(ReminderRule.FOLLOW_UP, EXPIRY, key="f")
    assert stages(follow_up, EXPIRY + timedelta(days=5), policy) == []
    assert [w.rule for w in windows(EXPIRY, policy)] == [ReminderRule.EXPIRY]


def test_the_overdue_period_is_configurable() -> None:
    policy = ReminderPolicy(overdue_every_days=3)
    follow_up = row(ReminderRule.FOLLOW_UP, date(2024, 3, 15), key="f")
    assert stages(follow_up, date(2024, 3, 18), policy) == [(date(2024, 3, 15), "overdue-1")]
    assert stages(follow_up, date(2024, 3, 19), policy) == [(date(2024, 3, 15), "overdue-2")]


def test_ids_differ_by_every_part_and_are_stable() -> None:
    base = (AGREEMENT, ReminderRule.EXPIRY, "", EXPIRY, "lead-30")
    variants = [
        (UUID(int=2), *base[1:]),
        (AGREEMENT, ReminderRule.FOLLOW_UP, *base[2:]),
        (*base[:2], "f-1", *base[3:]),
        (*base[:3], EXPIRY + timedelta(days=1), base[4]),
        (*base[:4], "lead-7"),
    ]
    ids = {reminder_id(*base), *(reminder_id(*v) for v in variants)}  # type: ignore[arg-type]
    assert len(ids) == 6
    # Pinned: a changed derivation would issue every stored reminder again.
    assert reminder_id(*base) == UUID("31cd9a1a-f473-5031-80ed-d47ea8db9db8")


def test_windows_read_only_dates_that_can_be_due() -> None:
    day = date(2024, 6, 1)
    found = {w.rule: w for w in windows(day, POLICY)}
    assert found[ReminderRule.EXPIRY].due_from == day - timedelta(days=30)
    assert found[ReminderRule.EXPIRY].due_to == day + timedelta(days=90)
    assert found[ReminderRule.NOTICE_DEADLINE].due_from == day
    assert found[ReminderRule.FOLLOW_UP].due_from == day - timedelta(days=30)
    assert found[ReminderRule.FOLLOW_UP].due_to == day + timedelta(days=14)
    assert len(found[ReminderRule.ANNIVERSARY].month_days) == 45
