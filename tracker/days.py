"""Date arithmetic that cannot overflow: a result outside the recordable days is None.

Every date the catalog accepts lies between `FIRST_DAY` and `LAST_DAY`
(`events.base`); a date computed from one (a notice deadline, a renewed
expiry, an anniversary, the day after an all-day event) may still fall
outside, and a history recorded before the bounds existed may hold any date
Python can represent. These functions answer None for such a result instead
of raising, so the rule that asked simply has nothing to say about it.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from events.base import FIRST_DAY, LAST_DAY


def recordable(day: date) -> date | None:
    """The day itself when the tracker can record it, else None."""
    return day if FIRST_DAY <= day <= LAST_DAY else None


def add_days(day: date, days: int) -> date | None:
    """`day` moved by `days` (negative: earlier)."""
    try:
        return recordable(day + timedelta(days=days))
    except OverflowError:
        return None


def add_months(day: date, months: int) -> date | None:
    """The same day `months` later, or that month's last day when it is shorter."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    if not FIRST_DAY.year <= year <= LAST_DAY.year:
        return None
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def months_from(start: date, end: date) -> int:
    """Calendar months from `start`'s month to `end`'s month (days ignored)."""
    return (end.year - start.year) * 12 + end.month - start.month


def anniversary_of(day: date, year: int) -> date | None:
    """`day`'s anniversary in `year`; 29 February falls on the 28th in other years."""
    if not FIRST_DAY.year <= year <= LAST_DAY.year:
        return None
    return date(year, day.month, min(day.day, calendar.monthrange(year, day.month)[1]))
