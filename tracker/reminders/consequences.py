"""What the passing of time does to an agreement: entry into force, renewal, expiry.

`consequences(state, today)` is pure: the events to record, each dated the
day it happened, so that a sweep that runs late (or after months of
downtime) records the same facts as one that ran every day.

- A signed agreement whose `in_force_on` has come enters into force that day.
- Once `expires_on` has passed (it is before today), an agreement that is
  signed, in force or suspended is either renewed, when its renewal is
  automatic and no notice of non-renewal was given, or else it is `expired`,
  dated its expiry date. A renewal covers every period missed up to today in
  one `renewed` event (dated the expiry it renews, with the number of
  `periods`), so a sweep after a gap of a thousand periods costs what a
  sweep after one does. A renewal that would carry the expiry past the last
  recordable day (2199-12-31) is not recorded.
"""

from __future__ import annotations

from datetime import date

from events.base import EventBody
from events.lifecycle import EnteredIntoForce, Expired, Renewed
from tracker.days import add_months, months_from
from tracker.state import AgreementState, Status

BOUND = frozenset({Status.SIGNED, Status.IN_FORCE, Status.SUSPENDED})
SOURCE = "scheduler: the date passed"


def renewal_until(expires_on: date, period_months: int, today: date) -> tuple[int, date] | None:
    """The fewest whole periods that renew `expires_on` to `today` or later, and the new expiry.

    Computed, not counted: the months between the two dates give the count
    to within one period. None when the new expiry would not be recordable.
    """
    periods = max(1, -(-months_from(expires_on, today) // period_months))
    until = add_months(expires_on, periods * period_months)
    if until is not None and until < today:
        periods += 1
        until = add_months(expires_on, periods * period_months)
    return None if until is None else (periods, until)


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
    renewal = renewal_until(expires_on, months, today)
    if renewal is None:
        return found
    periods, until = renewal
    renewed = Renewed(occurred_on=expires_on, expires_on=until, periods=periods, source=SOURCE)
    return [*found, renewed]
