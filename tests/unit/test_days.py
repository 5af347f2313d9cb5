"""Date arithmetic at and beyond the bounds: a date that cannot be recorded is None, never an error.

Property tests over every date Python can hold (a history recorded before the
bounds may hold any of them), with the bounds themselves always tried.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import UUID

from hypothesis import example, given
from hypothesis import strategies as st
from icalendar import Calendar

from events.base import FIRST_DAY, LAST_DAY
from events.drafting import AgreementKind, Renewal
from events.lifecycle import MAX_PERIODS, Renewed
from events.reminders import ReminderRule
from tracker.days import add_days, add_months, anniversary_of
from tracker.reminders.calendar import build_calendar
from tracker.reminders.consequences import consequences, renewal_until
from tracker.reminders.rules import DateRow, ReminderPolicy, due_for, windows
from tracker.state import AgreementState, Status

ANY_DAY = st.dates() | st.sampled_from([FIRST_DAY, LAST_DAY, date.min, date.max])
RECORDABLE = st.dates(min_value=FIRST_DAY, max_value=LAST_DAY) | st.sampled_from(
    [FIRST_DAY, LAST_DAY]
)
AGREEMENT = UUID("00000000-0000-0000-0000-0000000000b0")
STAMP = datetime(2024, 6, 1, 9, 30, tzinfo=UTC)


def inside(day: date) -> bool:
    return FIRST_DAY <= day <= LAST_DAY


@given(ANY_DAY, st.integers(-4_000_000, 4_000_000))
@example(LAST_DAY, 1)
@example(FIRST_DAY, -1)
@example(date.max, 1)
@example(date.min, -1)
def test_add_days_answers_the_day_or_none(day: date, days: int) -> None:
    ordinal = day.toordinal() + days
    expected = date.fromordinal(ordinal) if 1 <= ordinal <= date.max.toordinal() else None
    assert add_days(day, days) == (expected if expected and inside(expected) else None)


@given(ANY_DAY, st.integers(-130_000, 130_000))
@example(date(2199, 12, 31), 1)
@example(date(1900, 1, 31), -1)
def test_add_months_answers_the_same_day_or_the_months_last_or_none(day: date, months: int) -> None:
    result = add_months(day, months)
    year, month = divmod(day.year * 12 + day.month - 1 + months, 12)
    if not FIRST_DAY.year <= year <= LAST_DAY.year:
        assert result is None
        return
    assert result is not None
    assert (result.year, result.month) == (year, month + 1)
    assert result.day == day.day or (result.day < day.day and (result + timedelta(1)).day == 1)


@given(ANY_DAY, st.integers(-20_000, 20_000))
def test_anniversary_of_answers_a_recordable_day_or_none(day: date, year: int) -> None:
    result = anniversary_of(day, year)
    if FIRST_DAY.year <= year <= LAST_DAY.year:
        assert result is not None and inside(result) and result.year == year
    else:
        assert result is None


@st.composite
def renewals(draw: st.DrawFn) -> tuple[date, int, date]:
    expires_on = draw(RECORDABLE.filter(lambda d: d < LAST_DAY))
    period = draw(st.integers(1, 1200) | st.sampled_from([1, 12, 1200]))
    today = draw(st.dates(min_value=expires_on + timedelta(1), max_value=LAST_DAY))
    return expires_on, period, today


@given(renewals())
@example((date(1941, 2, 15), 1, date(2024, 6, 14)))
@example((date(2199, 11, 30), 1, LAST_DAY))
def test_one_renewal_covers_exactly_the_periods_that_reach_today(
    case: tuple[date, int, date],
) -> None:
    expires_on, period, today = case
    found = renewal_until(expires_on, period, today)
    fewest, until = 1, add_months(expires_on, period)
    while until is not None and until < today:
        fewest += 1
        until = add_months(expires_on, fewest * period)
    assert found == (None if until is None else (fewest, until))


def test_a_thousand_missed_months_are_one_renewal_of_a_thousand_periods() -> None:
    assert renewal_until(date(1941, 2, 15), 1, date(2024, 6, 14)) == (1000, date(2024, 6, 15))
    assert MAX_PERIODS == 3600


def state(**fields: object) -> AgreementState:
    values: dict[str, object] = {
        "id": AGREEMENT,
        "reference": "R-1",
        "title": "Cooperation",
        "kind": AgreementKind.OTHER,
        "status": Status.IN_FORCE,
        "parties": (),
        "purpose": "",
        "areas": (),
        "drafted_on": FIRST_DAY,
        "renewal": Renewal(mode="automatic", notice_days=3650, period_months=1200),
        "parent_id": None,
        "version": 2,
        "created_at": STAMP,
        "updated_at": STAMP,
        **fields,
    }
    return AgreementState.model_validate(values)


@given(ANY_DAY, st.integers(0, 3650))
@example(FIRST_DAY, 3650)
@example(date.min, 10)
def test_the_notice_deadline_never_overflows(expires_on: date, notice_days: int) -> None:
    renewal = Renewal(mode="automatic", notice_days=notice_days, period_months=1)
    deadline = state(expires_on=expires_on, renewal=renewal).notice_deadline
    assert deadline == add_days(expires_on, -notice_days)


def test_no_notice_deadline_without_automatic_renewal_or_after_notice() -> None:
    assert state(expires_on=LAST_DAY, renewal=Renewal()).notice_deadline is None
    assert state(expires_on=LAST_DAY, notice_given_on=FIRST_DAY).notice_deadline is None
    assert state(expires_on=LAST_DAY).notice_deadline == LAST_DAY - timedelta(3650)


def test_a_renewal_past_the_last_day_is_not_recorded() -> None:
    century = state(expires_on=date(2199, 12, 1))
    assert consequences(century, date(2199, 12, 2)) == []
    monthly = Renewal(mode="automatic", notice_days=1, period_months=1)
    assert consequences(state(expires_on=date(2199, 11, 15), renewal=monthly), LAST_DAY) == []
    (renewed,) = consequences(
        state(expires_on=date(2199, 11, 15), renewal=monthly), date(2199, 12, 10)
    )
    assert isinstance(renewed, Renewed)
    assert (renewed.expires_on, renewed.periods) == (date(2199, 12, 15), 1)


@given(RECORDABLE)
def test_every_recordable_day_can_be_swept(day: date) -> None:
    policy = ReminderPolicy()
    assert windows(day, policy)
    for rule in ReminderRule:
        for due_on in (FIRST_DAY, LAST_DAY, day):
            row = DateRow(AGREEMENT, rule, due_on, title="Cooperation")
            for reminder in due_for(row, day, policy):
                assert inside(reminder.due_on)


def test_the_calendar_draws_dates_at_and_beyond_the_bounds() -> None:
    rows = [
        DateRow(AGREEMENT, ReminderRule.FOLLOW_UP, LAST_DAY, key="last", title="Last day"),
        DateRow(AGREEMENT, ReminderRule.FOLLOW_UP, date.max, key="max", title="Old data"),
        DateRow(AGREEMENT, ReminderRule.EXPIRY, date.min, title="Older data"),
        DateRow(AGREEMENT, ReminderRule.ANNIVERSARY, date(2199, 3, 1), title="No next year"),
        DateRow(AGREEMENT, ReminderRule.NOTICE_DEADLINE, FIRST_DAY, title="First day"),
    ]
    parsed = Calendar.from_ical(build_calendar(rows, STAMP))
    events = {str(e["SUMMARY"]): e for e in parsed.walk("VEVENT")}
    assert set(events) == {
        "Follow-up due: Last day",
        "Follow-up due: Old data",
        "Expiry: Older data",
        "Last day to give notice of non-renewal: First day",
    }
    last = events["Follow-up due: Last day"]
    assert last.decoded("DTSTART") == LAST_DAY
    assert "DTEND" not in last  # an all-day event without DTEND lasts its day (RFC 5545)
    first = events["Last day to give notice of non-renewal: First day"]
    assert first.decoded("DTEND") == FIRST_DAY + timedelta(1)
