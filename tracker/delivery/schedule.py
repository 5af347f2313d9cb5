"""When a digest is due: its period, its id, and which attempt to make (pure functions).

A daily digest's period is one day, a weekly one's a week from Monday; each
period starts at the digest hour (UTC). The current period is the latest one
that has started, so a digest missed while the tracker was down goes out when
it is back, once. An attempt is claimed before it is made; a failed attempt is
retried after `backoff_seconds * 2**(attempt-1)`, up to `max_attempts`; a
claim whose outcome never came (the process stopped while sending) counts as
failed once `stale_seconds` have passed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from uuid import NAMESPACE_URL, UUID, uuid5

from events.base import StoredBody
from events.digests import DigestSending, Frequency
from events.reminders import DeliveryAttempted


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 6
    backoff_seconds: int = 300
    stale_seconds: int = 3600


def period_of(now: datetime, hour: int, frequency: Frequency) -> date:
    """The first day of the current period: the latest whose digest hour has come."""
    day = (now - timedelta(hours=hour)).date()
    if frequency is Frequency.WEEKLY:
        return day - timedelta(days=day.weekday())
    return day


def digest_id(email: str, frequency: Frequency, period: date) -> UUID:
    """Derived from the recipient and the period, so the store keeps one digest of each."""
    name = f"urn:tracker:digest:{email.strip().lower()}:{frequency.value}:{period.isoformat()}"
    return uuid5(NAMESPACE_URL, name)


def next_attempt(events: Sequence[StoredBody], now: datetime, policy: RetryPolicy) -> int | None:
    """The attempt to claim now, or None: sent, given up, in progress or not yet due."""
    claims = [e for e in events if isinstance(e, DigestSending)]
    outcomes = {e.attempt: e for e in events if isinstance(e, DeliveryAttempted)}
    if any(outcome.ok for outcome in outcomes.values()):
        return None
    if not claims:
        return 1
    last = claims[-1]
    if last.attempt >= policy.max_attempts:
        return None
    outcome = outcomes.get(last.attempt)
    if outcome is None:
        due = last.at + timedelta(seconds=policy.stale_seconds)
    else:
        due = outcome.at + timedelta(seconds=policy.backoff_seconds * 2 ** (last.attempt - 1))
    return last.attempt + 1 if now >= due else None
