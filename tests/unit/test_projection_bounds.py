"""The dates projection's arithmetic at the ends of the calendar, and failures as text."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from events.drafting import Renewal
from projections.dates import DateRow, dates_of
from projections.failures import describe, printable
from tracker.days import add_days
from tracker.state import AgreementState, Status


def signed(expires_on: date, notice_days: int, signed_on: date = date(1, 1, 2)) -> AgreementState:
    renewal = Renewal.model_construct(mode="automatic", notice_days=notice_days, period_months=12)
    return AgreementState.model_construct(
        status=Status.SIGNED,
        signed_on=signed_on,
        in_force_on=None,
        expires_on=expires_on,
        renewal=renewal,
        notice_given_on=None,
        follow_ups=(),
    )


def test_a_notice_deadline_before_the_first_recordable_day_has_no_row() -> None:
    assert dates_of(signed(date(1, 1, 5), 10)) == [
        DateRow("anniversary", date(1, 1, 2)),
        DateRow("expiry", date(1, 1, 5)),
    ]


def test_a_notice_deadline_on_the_first_recordable_day_is_kept() -> None:
    rows = dates_of(signed(date(1900, 1, 11), 10, signed_on=date(1900, 1, 2)))
    assert DateRow("notice_deadline", date(1900, 1, 1)) in rows


def test_a_deadline_past_9999_has_no_row_either() -> None:
    assert {row.rule for row in dates_of(signed(date(9999, 12, 31), -1))} == {
        "anniversary",
        "expiry",
    }


@given(
    expires_on=st.dates(),
    notice_days=st.integers(-4000, 4000),
    signed_on=st.dates(),
)
def test_dates_never_overflow_and_a_deadline_is_exactly_its_notice_ahead(
    expires_on: date, notice_days: int, signed_on: date
) -> None:
    rows = {row.rule: row for row in dates_of(signed(expires_on, notice_days, signed_on))}
    assert rows["expiry"].due_on == expires_on
    assert rows["anniversary"].month_day == signed_on.strftime("%m-%d")
    deadline = rows.get("notice_deadline")
    if deadline is None:
        assert add_days(expires_on, -notice_days) is None
    else:
        assert (expires_on - deadline.due_on).days == notice_days


def test_an_error_is_stored_as_one_printable_line() -> None:
    assert describe(ValueError("nul\x00here\nand on")) == "ValueError: nul\\x00here and on"
    assert printable("tab\there\u200b") == "tab here\\u200b"
    assert len(describe(ValueError("x" * 5000))) == 1000
