"""Two sweeps at once never issue a reminder twice nor record a consequence twice."""

from __future__ import annotations

import multiprocessing
import queue
import threading
from datetime import date
from typing import Any
from uuid import UUID

from events.cooperation import FollowUpScheduled
from projections.service import ReadModels
from tests.integration.reminders_support import (
    AUTOMATIC,
    signed_agreement,
    stored_reminder_ids,
    sweep_in_process,
)
from tracker.application import Tracker
from tracker.clock import FixedClock

DAY = date(2024, 6, 1)
AGREEMENTS = 25


def portfolio(tracker: Tracker, clock: FixedClock) -> int:
    """Agreements each with two reminders due on DAY, and some whose expiry has passed.

    Returns how many reminders DAY calls for.
    """
    for n in range(AGREEMENTS):
        signed_agreement(
            tracker,
            clock,
            title=f"Due {n}",
            signed_on=date(2019, 6, 5 + n % 10),
            expires_on=date(2024, 6, 20),
        )
    for n in range(5):
        signed_agreement(
            tracker,
            clock,
            title=f"Passed {n}",
            signed_on=date(2020, 1, 10),
            expires_on=date(2024, 5, 1),
            renewal=AUTOMATIC if n % 2 else None,
            events=(FollowUpScheduled(occurred_on=date(2020, 2, 1), due_on=date(2024, 6, 2)),),
        )
    # Each "Due" agreement: its anniversary (lead-14) and its expiry (lead-30).
    # The "Passed" ones expire, or renew to 2025-05-01 (odd n): only the renewed
    # ones keep their follow-up (lead-14); the expired ones' follow-ups are moot.
    return AGREEMENTS * 2 + 2


def check(tracker: Tracker, reports: list[tuple[list[str], list[Any]]], expected: int) -> None:
    issued = [i for ids, _ in reports for i in ids]
    assert len(issued) == len(set(issued)) == expected
    stored = stored_reminder_ids(tracker)
    assert len(stored) == len(set(stored)) == expected
    recorded = [event for _, events in reports for event in events]
    assert len(recorded) == len(set(recorded)) == 5
    for _, events in reports:
        for agreement_id, _type in events:
            history = tracker.history(UUID(agreement_id))
            ends = [r for r in history if r.type in {"expired", "renewed"}]
            assert [r.recorded_by for r in ends] == ["scheduler"]


def test_two_threads_sweeping_at_once_on_sqlite(sqlite_url: str, clock: FixedClock) -> None:
    tracker = Tracker.connect(sqlite_url, clock=clock)
    expected = portfolio(tracker, clock)
    ReadModels.connect(sqlite_url).close()
    results: queue.Queue[Any] = queue.Queue()
    barrier = threading.Barrier(2)

    threads = [
        threading.Thread(target=sweep_in_process, args=(sqlite_url, DAY, barrier, results))
        for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    reports = [results.get_nowait() for _ in range(2)]
    check(tracker, reports, expected)
    tracker.close()


def test_two_processes_sweeping_at_once_on_postgres(postgres_url: str, clock: FixedClock) -> None:
    tracker = Tracker.connect(postgres_url, clock=clock)
    expected = portfolio(tracker, clock)
    ReadModels.connect(postgres_url).close()
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    barrier = context.Barrier(2)
    processes = [
        context.Process(target=sweep_in_process, args=(postgres_url, DAY, barrier, results))
        for _ in range(2)
    ]
    for process in processes:
        process.start()
    reports = [results.get(timeout=60) for _ in range(2)]
    for process in processes:
        process.join(timeout=60)
        assert process.exitcode == 0
    check(tracker, reports, expected)
    tracker.close()
