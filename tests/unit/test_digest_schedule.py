"""When a digest is due and which attempt to make: pure rules, with a property test of retries."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from events.base import StoredBody
from events.digests import DigestSending, Frequency
from events.reminders import DeliveryAttempted
from tracker.delivery.schedule import RetryPolicy, digest_id, next_attempt, period_of

POLICY = RetryPolicy(max_attempts=4, backoff_seconds=300, stale_seconds=3600)
START = datetime(2024, 6, 1, 7, tzinfo=UTC)


def test_a_period_starts_at_the_digest_hour() -> None:
    saturday = date(2024, 6, 1)
    assert period_of(datetime(2024, 6, 1, 7, 0, tzinfo=UTC), 7, Frequency.DAILY) == saturday
    assert period_of(datetime(2024, 6, 1, 6, 59, tzinfo=UTC), 7, Frequency.DAILY) == date(
        2024, 5, 31
    )
    assert period_of(datetime(2024, 6, 1, 23, 59, tzinfo=UTC), 0, Frequency.DAILY) == saturday
    monday = date(2024, 5, 27)
    assert period_of(datetime(2024, 6, 2, 23, 0, tzinfo=UTC), 7, Frequency.WEEKLY) == monday
    assert period_of(datetime(2024, 6, 3, 6, 0, tzinfo=UTC), 7, Frequency.WEEKLY) == monday
    assert period_of(datetime(2024, 6, 3, 7, 0, tzinfo=UTC), 7, Frequency.WEEKLY) == date(
        2024, 6, 3
    )


def test_a_digest_id_is_one_per_address_frequency_and_period() -> None:
    day = date(2024, 6, 1)
    same = digest_id("Ana@Example.org ", Frequency.DAILY, day)
    assert same == digest_id("ana@example.org", Frequency.DAILY, day)
    assert same != digest_id("ana@example.org", Frequency.WEEKLY, day)
    assert same != digest_id("ana@example.org", Frequency.DAILY, day + timedelta(days=1))
    assert same.version == 5


def test_a_claim_without_outcome_is_retried_once_it_is_stale() -> None:
    claimed = [DigestSending(attempt=1, at=START)]
    assert next_attempt([], START, POLICY) == 1
    assert next_attempt(claimed, START + timedelta(seconds=3599), POLICY) is None
    assert next_attempt(claimed, START + timedelta(seconds=3600), POLICY) == 2


# One attempt's fate: accepted, refused, or the process stopped before it knew.
FATES = st.sampled_from(["ok", "refused", "lost"])


@given(
    fates=st.lists(FATES, min_size=1, max_size=10),
    waits=st.lists(st.integers(min_value=0, max_value=8000), min_size=60, max_size=60),
)
def test_retries_wait_their_backoff_stop_at_success_and_at_the_last_attempt(
    fates: list[str], waits: list[int]
) -> None:
    events: list[StoredBody] = []
    now = START
    made: list[tuple[int, datetime]] = []
    for wait in waits:
        now += timedelta(seconds=wait)
        attempt = next_attempt(events, now, POLICY)
        if attempt is None:
            continue
        assert attempt == len(made) + 1
        if made:
            previous = events[-1]
            if isinstance(previous, DeliveryAttempted):
                backoff = POLICY.backoff_seconds * 2 ** (previous.attempt - 1)
                assert now - previous.at >= timedelta(seconds=backoff)
            else:
                assert now - made[-1][1] >= timedelta(seconds=POLICY.stale_seconds)
        events.append(DigestSending(attempt=attempt, at=now))
        made.append((attempt, now))
        fate = fates[min(attempt, len(fates)) - 1]
        if fate != "lost":
            events.append(
                DeliveryAttempted(url="mailto:a@b.c", attempt=attempt, ok=fate == "ok", at=now)
            )
    assert len(made) <= POLICY.max_attempts
    outcomes = [e for e in events if isinstance(e, DeliveryAttempted)]
    assert sum(o.ok for o in outcomes) <= 1
    if any(o.ok for o in outcomes):
        assert outcomes[-1].ok, "nothing is attempted after a success"
