"""`ReadModels`: follows the event log into the views, exactly once, and answers queries.

The log is read by position in batches. Each batch is one view transaction
in which every projection writes its rows and moves its position from the
value it started from to the batch's last position (a compare-and-set). So a
crash anywhere inside a batch leaves nothing of it, and a batch that another
worker already stored is refused as a whole rather than applied twice.
Positions cover every notification, including the ones a projection skips,
so waiting for any position ends.

Several processes may follow one PostgreSQL store. A batch transaction first
takes the views' writer lock (`Tx.lock_writers`); a worker that finds it
taken leaves the batch to its holder and tries again on its next tick, so
workers neither repeat each other's work nor deadlock. Tables are created
once: a digest of every projection's DDL is recorded in `view_schema`, and a
process that finds its digest there runs no DDL at all.

An event a projection cannot process does not fail the batch: it is recorded
in `view_failures`, in the same transaction, and only its agreement waits
(`projections.isolation`, `projections.failures`). `retry` processes the
recorded events again.
"""

from __future__ import annotations

import gc
import hashlib
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from eventsourcing.persistence import Notification

from projections import failures
from projections.base import AGREEMENT_TOPICS, Positioned, Projection
from projections.db import Row, Tx, ViewDB
from projections.failures import FailedEvent
from projections.folds import AgreementFolds
from projections.isolation import Projector, decode
from projections.listing import AgreementPage, AgreementQuery, list_agreements
from projections.registry import PROJECTIONS
from projections.timeline import EventFeed, events_after
from tracker.application import Tracker
from tracker.keys import KeyRing
from tracker.progress import Advance, ignore

__all__ = [
    "AgreementPage",
    "AgreementQuery",
    "EventFeed",
    "FailedEvent",
    "PositionMoved",
    "ProjectionStatus",
    "ReadModels",
    "Retried",
]

BATCH_SIZE = 1000
REBUILD_BATCH_SIZE = 50_000
"""A rebuild writes bigger batches: fewer commits, and an agreement's row written fewer times."""


@dataclass(frozen=True)
class ProjectionStatus:
    name: str
    position: int
    head: int
    lag: int


@dataclass(frozen=True)
class Retried:
    """What a retry did: how many recorded events it processed again, how many still fail."""

    events: int
    still_failing: int

    @property
    def projected(self) -> int:
        return self.events - self.still_failing


class PositionMoved(Exception):
    """Another worker stored this batch first; the batch is dropped and the log re-read."""


class ReadModels:
    def __init__(self, db: ViewDB, projections: Sequence[Projection] | None = None) -> None:
        self.db = db
        self.projections = list(PROJECTIONS if projections is None else projections)
        self._folds = AgreementFolds()
        self._wanted = _wanted_topics(self.projections)
        self._working = threading.RLock()
        self._advanced = threading.Condition()
        self._create()

    @classmethod
    def connect(
        cls,
        database_url: str,
        projections: Sequence[Projection] | None = None,
        keys: KeyRing | None = None,
    ) -> ReadModels:
        """The read models of the events at `database_url`, their tables created if missing.

        `keys` seal the state documents (default: TRACKER_CIPHER_KEY, as for the events).
        """
        return cls(ViewDB.connect(database_url, keys), projections)

    def close(self) -> None:
        self.db.close()

    # Following the log

    def catch_up(self, tracker: Tracker) -> int:
        """Process everything recorded so far; returns how many notifications were read.

        Returns early when another worker is storing a batch: that worker goes
        on from there, and the next call continues after it.
        """
        with self._working:
            return self._follow(tracker, BATCH_SIZE, wait=False)

    def rebuild(self, tracker: Tracker, advance: Advance = ignore) -> int:
        """Empty every view and replay the whole log; returns how many notifications it read.

        `advance` is told how many notifications each batch took (for a progress bar).

        An event that fails is recorded as incremental processing records it,
        and the rebuild goes on with the rest.
        """
        with self._working:
            with self.db.transaction() as tx:
                tx.lock_writers()
                failures.clear(tx)
                for projection in self.projections:
                    projection.reset(tx)
                    _rewind(tx, projection.name)
            self._folds.forget()
            with _collector_paused():
                return self._follow(tracker, REBUILD_BATCH_SIZE, wait=True, advance=advance)

    def retry(self, tracker: Tracker) -> Retried:
        """Process every recorded failure again, in one transaction; clear those that succeed.

        An agreement's waiting events are processed together first, with the
        state they lead to (see `projections.isolation`); what still fails is
        recorded anew. Positions do not move: these events are behind them.
        """
        with self._working, self.db.transaction() as tx:
            tx.lock_writers()
            taken = failures.take(tx, (p.name for p in self.projections))
            positions = sorted({position for listed in taken.values() for position in listed})
            entries = {e.position: e for e in decode(tracker, _fetch(tracker, positions), None)}
            projector = Projector(tx, tracker)
            found: list[failures.Failure] = []
            for projection in self.projections:
                mine = [entries[p] for p in taken.get(projection.name, ()) if p in entries]
                last = {e.originator_id: e.version for e in mine if isinstance(e, Positioned)}
                found += projector.project(projection, mine, projector.states_at(last), {})
            failures.record(tx, found, tracker.clock.now())
            return Retried(sum(len(listed) for listed in taken.values()), len(found))

    def failed_events(self, limit: int = 100) -> list[FailedEvent]:
        """The events that failed (the first `limit`, in log order), as people read them."""
        return failures.failed_events(self.db, limit)

    def failure_count(self) -> int:
        """How many events failed, not counting the later ones waiting behind them."""
        return failures.count(self.db)

    def wait_for(self, tracker: Tracker, position: int | None = None, timeout: float = 2.0) -> bool:
        """Wait (bounded) until every view has processed `position` (default: the log's head).

        Read-your-writes: after a write, wait for the head, then query.
        """
        target = position if position is not None else self._head(tracker)
        deadline = time.monotonic() + timeout
        while min(self.positions().values()) < target:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            with self._advanced:
                self._advanced.wait(min(remaining, 0.05))
        return True

    def positions(self) -> dict[str, int]:
        return self._positions(self.db.fetch("SELECT name, position FROM view_positions"))

    def status(self, tracker: Tracker) -> list[ProjectionStatus]:
        head = self._head(tracker)
        return [
            ProjectionStatus(name, position, head, max(head - position, 0))
            for name, position in self.positions().items()
        ]

    # Queries

    def list_agreements(self, query: AgreementQuery) -> AgreementPage:
        return list_agreements(self.db, query)

    def events_after(self, after: int, limit: int) -> EventFeed:
        return events_after(self.db, after, limit)

    # Internals

    def _follow(
        self,
        tracker: Tracker,
        batch_size: int,
        *,
        wait: bool,
        advance: Advance = ignore,
    ) -> int:
        processed = 0
        while self._head(tracker) > min(self.positions().values()):
            try:
                with self.db.transaction() as tx:
                    if not tx.lock_writers(wait=wait):
                        return processed
                    positions = self._positions(
                        tx.fetch("SELECT name, position FROM view_positions")
                    )
                    notifications = tracker.recorder.select_notifications(
                        min(positions.values()), batch_size, inclusive_of_start=False
                    )
                    if not notifications:
                        return processed
                    self._process(tx, tracker, notifications, positions)
            except PositionMoved:
                continue
            except BaseException:
                self._folds.forget()
                raise
            processed += len(notifications)
            advance(len(notifications))
            with self._advanced:
                self._advanced.notify_all()
        return processed

    def _positions(self, rows: list[Row]) -> dict[str, int]:
        stored = {row["name"]: int(row["position"]) for row in rows}
        return {p.name: stored[p.name] for p in self.projections}

    def _create(self) -> None:
        """Create the tables, unless this exact schema was created before.

        The check is a plain read: a process starting while others catch up
        takes no lock at all. DDL runs under the writer lock, never inside a
        batch's transaction.
        """
        digest = self._schema_digest()
        if self.db.has_table("view_schema") and self.db.fetch(
            "SELECT 1 FROM view_schema WHERE digest = ?", (digest,)
        ):
            return
        with self.db.transaction() as tx:
            tx.lock_writers()
            for statement in self._ddl(tx.is_postgres):
                tx.execute(statement)
            tx.executemany(
                "INSERT INTO view_positions (name, position) VALUES (?, 0)"
                " ON CONFLICT (name) DO NOTHING",
                [(projection.name,) for projection in self.projections],
            )
            tx.execute(
                "INSERT INTO view_schema (digest) VALUES (?) ON CONFLICT (digest) DO NOTHING",
                (digest,),
            )

    def _ddl(self, is_postgres: bool) -> list[str]:
        integer = "BIGINT" if is_postgres else "INTEGER"
        statements = [
            "CREATE TABLE IF NOT EXISTS view_schema (digest TEXT PRIMARY KEY)",
            "CREATE TABLE IF NOT EXISTS view_positions ("
            f"name TEXT PRIMARY KEY, position {integer} NOT NULL)",
            *failures.ddl(is_postgres),
        ]
        for projection in self.projections:
            statements += projection.ddl(is_postgres)
        return statements

    def _schema_digest(self) -> str:
        """Names every projection and every statement of its DDL: any change is a new digest."""
        names = [projection.name for projection in self.projections]
        text = "\n".join([*names, *self._ddl(self.db.is_postgres)])
        return hashlib.sha256(text.encode()).hexdigest()

    def _process(
        self,
        tx: Tx,
        tracker: Tracker,
        notifications: Sequence[Notification],
        positions: dict[str, int],
    ) -> None:
        last = notifications[-1].id
        entries = decode(tracker, notifications, self._wanted)
        agreement_events = (
            e.event for e in entries if isinstance(e, Positioned) and e.topic in AGREEMENT_TOPICS
        )
        states = self._folds.advance(tracker, agreement_events)
        projector = Projector(tx, tracker)
        parked = failures.parked(tx)
        found: list[failures.Failure] = []
        for projection in self.projections:
            start = positions[projection.name]
            if start >= last:
                continue
            _claim(tx, projection.name, start, last)
            mine = [e for e in entries if e.position > start and projection.reads(e.topic)]
            found += projector.project(projection, mine, states, parked.get(projection.name, {}))
        failures.record(tx, found, tracker.clock.now())

    @staticmethod
    def _head(tracker: Tracker) -> int:
        return tracker.recorder.max_notification_id() or 0


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Automatic garbage collection off for the duration of a rebuild.

    A rebuild keeps thousands of decoded agreements alive, and each automatic
    collection of the old generation walks them all again: a sixth of a
    rebuild's time. A rebuild makes no reference cycles (none in 100,000
    events of the benchmark), so pausing frees nothing later than usual;
    collection resumes as soon as it ends.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _claim(tx: Tx, name: str, start: int, end: int) -> None:
    """Move a position from `start` to `end`, or refuse if it is no longer at `start`."""
    moved = tx.execute(
        "UPDATE view_positions SET position = ? WHERE name = ? AND position = ?",
        (end, name, start),
    )
    if moved.rowcount != 1:
        raise PositionMoved(name)


def _fetch(tracker: Tracker, positions: Sequence[int]) -> list[Notification]:
    """The notifications at these positions (a retry's: few, and scattered over the log)."""
    return [
        n
        for position in positions
        for n in tracker.recorder.select_notifications(position, 1, stop=position)
    ]


def _wanted_topics(projections: Sequence[Projection]) -> frozenset[str] | None:
    """The topics worth decoding; None when some projection reads every event."""
    wanted: set[str] = set()
    for projection in projections:
        if projection.topics is None:
            return None
        wanted |= projection.topics
    return frozenset(wanted)


def _rewind(tx: Tx, name: str) -> None:
    tx.execute("UPDATE view_positions SET position = 0 WHERE name = ?", (name,))
