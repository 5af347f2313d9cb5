"""The in-process scheduler: a catch-up sweep at start-up, then by itself; one leader only."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import date

import psycopg
import pytest

from projections.service import ReadModels
from tests.integration.reminders_support import at, read_models, signed_agreement
from tracker.application import Tracker
from tracker.clock import FixedClock
from tracker.scheduler import MISFIRE_GRACE_SECONDS, ReminderScheduler, lock_key
from tracker.settings import Settings
from tracker.store import Database

__all__ = ["read_models"]

WAIT = 20.0
"""Upper bound for a background thread to do its work; tests finish as soon as it has."""


def eventually(condition: Callable[[], bool], timeout: float = WAIT) -> bool:
    """Poll a condition another thread makes true (never waiting for a date: the clock is fixed)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


@pytest.fixture
def schedulers() -> Iterator[list[ReminderScheduler]]:
    started: list[ReminderScheduler] = []
    yield started
    for scheduler in started:
        scheduler.shutdown()


def test_the_scheduler_sweeps_at_start_up_and_then_by_itself(
    tracker: Tracker,
    read_models: ReadModels,
    clock: FixedClock,
    database_url: str,
    schedulers: list[ReminderScheduler],
) -> None:
    agreement = signed_agreement(
        tracker, clock, title="Waiting", signed_on=date(2020, 1, 1), expires_on=date(2024, 3, 31)
    )
    at(clock, date(2024, 3, 15))  # the server was down while the 30-day reminder came due
    settings = Settings(database_url=database_url, scheduler_interval_seconds=1)
    scheduler = ReminderScheduler(tracker, read_models, settings, clock, retry_seconds=0.2)
    schedulers.append(scheduler)
    scheduler.start()
    assert scheduler.wait_for_runs(1, WAIT)
    first = scheduler.last_report
    assert first is not None and len(first.issued) == 1
    job = scheduler.job
    assert job is not None
    assert (job.coalesce, job.max_instances, job.misfire_grace_time) == (
        True,
        1,
        MISFIRE_GRACE_SECONDS,
    )
    at(clock, date(2024, 4, 2))  # the expiry passes while the server runs
    assert eventually(lambda: tracker.state(agreement).status == "expired")
    assert tracker.history(agreement)[-1].recorded_by == "scheduler"


def holder_of_lock(database_url: str) -> int | None:
    """The backend pid holding the scheduler's advisory lock, if any."""
    database = Database(database_url)
    key = lock_key(database) & 0xFFFFFFFFFFFFFFFF
    with psycopg.connect(database.conninfo) as conn:
        row = conn.execute(
            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted"
            " AND classid::bigint = %s AND objid::bigint = %s AND objsubid = 1",
            [key >> 32, key & 0xFFFFFFFF],
        ).fetchone()
    return int(row[0]) if row else None


def test_on_postgres_one_scheduler_leads_and_another_takes_over_when_it_dies(
    postgres_url: str, clock: FixedClock, schedulers: list[ReminderScheduler]
) -> None:
    settings = Settings(database_url=postgres_url, scheduler_interval_seconds=3600)
    trackers = [Tracker.connect(postgres_url, clock=clock) for _ in range(2)]
    views = [ReadModels.connect(postgres_url) for _ in range(2)]
    signed_agreement(
        trackers[0], clock, title="Due", signed_on=date(2020, 1, 1), expires_on=date(2024, 3, 31)
    )
    at(clock, date(2024, 3, 15))
    first, second = (
        ReminderScheduler(trackers[i], views[i], settings, clock, retry_seconds=0.2)
        for i in range(2)
    )
    schedulers.extend([first, second])
    first.start()
    assert first.wait_for_runs(1, WAIT)
    leader_pid = holder_of_lock(postgres_url)
    assert leader_pid is not None
    second.start()
    time.sleep(1.0)  # five retry periods in which the second must not take the lock
    assert (first.leading, second.leading, second.runs) == (True, False, 0)
    assert holder_of_lock(postgres_url) == leader_pid

    with psycopg.connect(Database(postgres_url).conninfo, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [leader_pid])
    assert second.wait_for_runs(1, WAIT), "the second scheduler took over and swept at once"
    assert eventually(lambda: not first.leading), "the first noticed it lost its session"
    assert second.leading
    assert second.last_report is not None and second.last_report.already_issued == 1
    assert holder_of_lock(postgres_url) not in (None, leader_pid)
    for scheduler in schedulers:
        scheduler.shutdown()
    schedulers.clear()
    for tracker, read_models_ in zip(trackers, views, strict=True):
        read_models_.close()
        tracker.close()
