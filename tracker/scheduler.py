"""`ReminderScheduler`: runs the sweep in the server process, on one process only.

An APScheduler `BackgroundScheduler` runs `sweep` at start-up (so a server
that was down catches up at once) and then every
`TRACKER_SCHEDULER_INTERVAL_SECONDS`; `coalesce` folds missed runs into one,
`max_instances=1` never overlaps two, and a generous misfire grace still runs
a late job instead of dropping it.

On PostgreSQL several server processes may run. Only the one holding a
session-level advisory lock, taken on a connection of its own, sweeps. The
others try again every `retry_seconds`; when the leader dies its session
ends, PostgreSQL releases the lock, and one of them takes over (running a
catch-up sweep at once). A leader that loses its connection stops sweeping
until it holds the lock again. Even two sweeps at once could not issue a
reminder twice (its id is derived), so the lock saves work, not correctness.
On SQLite the one process sweeps.

After each sweep the same job sends the email digests that are due
(`tracker.delivery.digests`): at the digest hour, and retries as their
backoff passes. `recipients` says who gets one: by default the recipient
the settings name; people's own digests plug in here.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable, Iterable
from datetime import UTC, datetime

import psycopg
from apscheduler.job import Job
from apscheduler.schedulers.background import BackgroundScheduler

from projections.service import ReadModels
from tracker.application import Tracker
from tracker.clock import Clock
from tracker.delivery.digests import send_digests
from tracker.delivery.recipients import Recipient
from tracker.settings import Settings
from tracker.store import Database
from tracker.sweep import SweepReport, sweep

log = logging.getLogger(__name__)

JOB_ID = "reminders-sweep"
MISFIRE_GRACE_SECONDS = 3600


def lock_key(database: Database) -> int:
    """One advisory lock per event store (database and schema), as a signed 64-bit key."""
    name = f"tracker-scheduler:{database.conninfo}:{database.schema or 'public'}"
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


class ReminderScheduler:
    def __init__(
        self,
        tracker: Tracker,
        read_models: ReadModels,
        settings: Settings,
        clock: Clock,
        *,
        retry_seconds: float = 5.0,
        recipients: Callable[[], Iterable[Recipient]] | None = None,
    ) -> None:
        self.tracker = tracker
        self.read_models = read_models
        self.settings = settings
        self.clock = clock
        self.retry_seconds = retry_seconds
        self.recipients = recipients or settings.mail.recipients
        self.database = Database(settings.database_url)
        self.last_report: SweepReport | None = None
        self.runs = 0
        self._swept = threading.Condition()
        self._stopping = threading.Event()
        self._scheduler = BackgroundScheduler(timezone=UTC)
        self._lock_conn: psycopg.Connection[tuple[object, ...]] | None = None
        self._leader_thread: threading.Thread | None = None

    @property
    def job(self) -> Job | None:
        """The sweep job, while this process is the one that sweeps."""
        job: Job | None = self._scheduler.get_job(JOB_ID)
        return job

    @property
    def leading(self) -> bool:
        return self.job is not None

    def start(self) -> None:
        self._scheduler.start()
        if not self.database.is_postgres:
            self._schedule()
            return
        self._leader_thread = threading.Thread(
            target=self._keep_leadership, name="reminder-scheduler-leader", daemon=True
        )
        self._leader_thread.start()

    def shutdown(self) -> None:
        self._stopping.set()
        if self._leader_thread is not None:
            self._leader_thread.join(timeout=self.retry_seconds + 5)
        self._scheduler.shutdown(wait=True)
        self._release()

    def run_once(self) -> SweepReport | None:
        """The job: one sweep for the clock's today, then the digests due.

        A failure of either is logged, and the next run retries it.
        """
        report: SweepReport | None = None
        try:
            report = sweep(self.tracker, self.read_models, self.settings, self.clock.today())
            log.info("reminder sweep: %s", report.summary())
        except Exception:
            log.exception("reminder sweep failed")
        try:
            mail = self.settings.mail
            digests = send_digests(self.tracker, self.read_models, mail, self.recipients())
            if digests.attempts or digests.problems:
                log.info("digests: %s", digests.summary())
        except Exception:
            log.exception("sending the digests failed")
        with self._swept:
            self.last_report = report
            self.runs += 1
            self._swept.notify_all()
        return report

    def wait_for_runs(self, count: int, timeout: float) -> bool:
        """Block until `count` sweeps have run in total (for callers that must know)."""
        with self._swept:
            return self._swept.wait_for(lambda: self.runs >= count, timeout)

    def _schedule(self) -> None:
        self._scheduler.add_job(
            self.run_once,
            "interval",
            seconds=self.settings.scheduler_interval_seconds,
            id=JOB_ID,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=MISFIRE_GRACE_SECONDS,
            next_run_time=datetime.now(UTC),
            replace_existing=True,
        )

    def _unschedule(self) -> None:
        if self.leading:
            self._scheduler.remove_job(JOB_ID)

    def _keep_leadership(self) -> None:
        while not self._stopping.is_set():
            if self._holds_lock():
                if not self.leading:
                    log.info("this process now runs the reminder scheduler")
                    self._schedule()
            else:
                self._unschedule()
            self._stopping.wait(self.retry_seconds)

    def _holds_lock(self) -> bool:
        """Take the lock, or check that this session still has it."""
        try:
            if self._lock_conn is None or self._lock_conn.closed:
                self._lock_conn = psycopg.connect(self.database.conninfo, autocommit=True)
                self._lock_conn.execute("SET application_name = 'tracker-scheduler'")
            if self.leading:
                self._lock_conn.execute("SELECT 1")
                return True
            row = self._lock_conn.execute(
                "SELECT pg_try_advisory_lock(%s)", [lock_key(self.database)]
            ).fetchone()
            return bool(row and row[0])
        except psycopg.Error as error:
            log.warning("reminder scheduler lost its database session: %s", error)
            self._release()
            return False

    def _release(self) -> None:
        """Closing the session releases the advisory lock."""
        if self._lock_conn is not None:
            self._lock_conn.close()
            self._lock_conn = None
