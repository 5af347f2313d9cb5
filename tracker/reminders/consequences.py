"""What the passing of time does to an agreement: entry into force, renewal, expiry.

`consequences(state, today)` is pure: the events to record, each dated the
day it happened, so that a sweep that runs late (or after months of
downtime) records the same history as one that ran every day.

- A signed agreement whose `in_force_on` has come enters into force that day.
- Once `expires_on` has passed (it is before today), an agreement that is
  signed, in force or suspended is either renewed, when its renewal is
  automatic and no notice of non-renewal was given, by `period_months` at a
  time until the new expiry is today or later (one `renewed` per period, each
  dated its old expiry), or else it is `expired`, dated its expiry date.
"""

from __future__ import annotations

import calendar
from datetime import date

from events.base import EventBody
from events.lifecycle import EnteredIntoForce, Expired, Renewed
from tracker.state import AgreementState, Status

BOUND = frozenset({Status.SIGNED, Status.IN_FORCE, Status.SUSPENDED})
SOURCE = "scheduler: the date passed"


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or that month's last day when it is shorter."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def consequences(state: AgreementState, today: date) -> list[EventBody]:
    """The events the date `today` calls for, in the order they happened."""
    if state.status not in BOUND:
        return []
    found: list[EventBody] = []
    expires_on = state.expires_on
    force = state.in_force_on
    if (
        state.status is Status.SIGNED
        and force is not None
        and force <= today
        and (expires_on is None or force <= expires_on)
    ):
        found.append(EnteredIntoForce(occurred_on=force, source=SOURCE))
    if expires_on is None or expires_on >= today:
        return found
    months = state.renewal.period_months
    if state.renewal.mode != "automatic" or months is None or state.notice_given_on is not None:
        return [*found, Expired(occurred_on=expires_on, source=SOURCE)]
    while expires_on < today:
        renewed_until = add_months(expires_on, months)
        found.append(Renewed(occurred_on=expires_on, expires_on=renewed_until, source=SOURCE))
        expires_on = renewed_until
    return found
