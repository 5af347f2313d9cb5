"""The events a projection could not process: recorded beside the views, listed, retried.

When a projection raises on an event, that event's agreement (or reminder) is
*parked* for that projection: the failure is recorded in `view_failures` in
the same transaction as the batch's rows and positions, the agreement's rows
stay at their last good state, and every later event of it is recorded too,
as waiting behind the failed one, so no view ever shows a state folded past
a gap. Every other agreement goes on. `ReadModels.retry` processes the
recorded events again (after the event was retracted or amended, or the code
fixed) and clears those that now succeed; readiness answers 503 while any
failure remains.

Errors of the store or the process itself (a lost connection, a full disk)
are not the event's fault: they fail the whole batch, which is retried.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

import psycopg
from eventsourcing.persistence import ConnectionPoolClosedError, PersistenceError

from projections.base import AGREEMENT_TOPICS
from projections.db import Row, Tx, ViewDB

TABLE = "view_failures"
MAX_ERROR_CHARS = 1000

TRANSIENT: tuple[type[Exception], ...] = (
    psycopg.OperationalError,
    psycopg.InterfaceError,
    psycopg.InternalError,
    sqlite3.OperationalError,
    sqlite3.InterfaceError,
    sqlite3.InternalError,
    PersistenceError,
    ConnectionPoolClosedError,
    MemoryError,
)
"""The store's or the process's errors: no event is to blame for them."""

OVER_A_LIMIT = psycopg.errors.ProgramLimitExceeded
"""Filed by PostgreSQL with those, but caused by the data: a search text too long to index."""


def transient(error: Exception) -> bool:
    return isinstance(error, TRANSIENT) and not isinstance(error, OVER_A_LIMIT)


def printable(text: str) -> str:
    """One line with every control character (NUL included) written as an escape."""
    line = " ".join(text.split())
    return "".join(c if c.isprintable() else ascii(c)[1:-1] for c in line)


def event_count(count: int) -> str:
    """A number of events in words: 1 event, 2 events."""
    return f"{count} event{'' if count == 1 else 's'}"


def describe(error: Exception) -> str:
    """An error as stored and shown: its type and message, printable, bounded."""
    return printable(f"{type(error).__name__}: {error}")[:MAX_ERROR_CHARS]


@dataclass(frozen=True)
class Failure:
    """One event a projection did not process: the cause itself, or one waiting behind it."""

    projection: str
    position: int
    aggregate_id: UUID
    topic: str
    error: str
    blocked_by: int | None = None
    """The position of the failed event this one waits behind; None for the failed one."""


def ddl(is_postgres: bool) -> list[str]:
    integer = "BIGINT" if is_postgres else "INTEGER"
    return [
        f"""CREATE TABLE IF NOT EXISTS {TABLE} (
            projection TEXT NOT NULL,
            position {integer} NOT NULL,
            aggregate_id TEXT NOT NULL,
            topic TEXT NOT NULL,
            error TEXT NOT NULL,
            blocked_by {integer},
            failed_at TEXT NOT NULL,
            PRIMARY KEY (projection, position)
        )"""
    ]


def record(tx: Tx, failures: Iterable[Failure], now: datetime) -> None:
    at = now.astimezone(UTC).isoformat(timespec="microseconds")
    tx.executemany(
        f"INSERT INTO {TABLE} VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            (f.projection, f.position, str(f.aggregate_id), f.topic, f.error, f.blocked_by, at)
            for f in failures
        ],
    )


def parked(tx: Tx) -> dict[str, dict[UUID, int]]:
    """Per projection, each parked agreement (or reminder) and the position of its failed event."""
    found: dict[str, dict[UUID, int]] = {}
    rows = tx.fetch(
        f"SELECT projection, aggregate_id, position FROM {TABLE} WHERE blocked_by IS NULL"
    )
    for row in rows:
        found.setdefault(row["projection"], {})[UUID(row["aggregate_id"])] = int(row["position"])
    return found


def take(tx: Tx, projections: Iterable[str]) -> dict[str, list[int]]:
    """Remove the failures of these projections; the positions each had, in log order."""
    names = list(projections)
    marks = ", ".join("?" * len(names))
    rows = tx.fetch(
        f"SELECT projection, position FROM {TABLE} WHERE projection IN ({marks}) ORDER BY position",
        names,
    )
    tx.execute(f"DELETE FROM {TABLE} WHERE projection IN ({marks})", names)
    taken: dict[str, list[int]] = {}
    for row in rows:
        taken.setdefault(row["projection"], []).append(int(row["position"]))
    return taken


def clear(tx: Tx) -> None:
    tx.execute(f"DELETE FROM {TABLE}")


@dataclass(frozen=True)
class FailedEvent:
    """A failure as people read it: which view, which event, whose, why, and what waits."""

    projection: str
    position: int
    aggregate_id: UUID
    topic: str
    reference: str | None
    title: str | None
    error: str
    failed_at: datetime
    held_back: int
    """Later events of the same agreement waiting behind this one."""

    @property
    def subject(self) -> str:
        """The agreement by its reference, else its title, else its id (a reminder by its id)."""
        if self.topic not in AGREEMENT_TOPICS:
            return f"reminder {self.aggregate_id}"
        named = self.reference or (f"'{self.title}'" if self.title else str(self.aggregate_id))
        return f"agreement {printable(named)}"

    def sentence(self) -> str:
        n = self.held_back
        waiting = f"; {event_count(n)} after it {'is' if n == 1 else 'are'} held back" if n else ""
        return (
            f"The {self.projection} view could not process event {self.position}"
            f" of {self.subject}: {self.error.rstrip('.')}{waiting}."
        )


def count(db: ViewDB) -> int:
    """How many events failed (not counting the ones waiting behind them)."""
    rows = db.fetch(f"SELECT COUNT(*) AS n FROM {TABLE} WHERE blocked_by IS NULL")
    return int(rows[0]["n"])


def failed_events(db: ViewDB, limit: int) -> list[FailedEvent]:
    """The first `limit` failed events in log order, with their agreements' names."""
    rows = db.fetch(
        "SELECT f.projection, f.position, f.aggregate_id, f.topic, f.error, f.failed_at,"
        f" (SELECT COUNT(*) FROM {TABLE} w WHERE w.projection = f.projection"
        "  AND w.blocked_by = f.position) AS held_back"
        f" FROM {TABLE} f WHERE f.blocked_by IS NULL ORDER BY f.position, f.projection LIMIT ?",
        (limit,),
    )
    names = _names(db, {row["aggregate_id"] for row in rows})
    return [_failed_event(row, names.get(row["aggregate_id"], {})) for row in rows]


def _names(db: ViewDB, ids: set[str]) -> dict[str, Row]:
    """Reference and title of the agreements among `ids`, as last projected."""
    if not ids or not db.has_table("view_agreements"):
        return {}
    marks = ", ".join("?" * len(ids))
    rows = db.fetch(
        f"SELECT id, reference, title FROM view_agreements WHERE id IN ({marks})", sorted(ids)
    )
    return {row["id"]: row for row in rows}


def _failed_event(row: Row, names: Mapping[str, str | None]) -> FailedEvent:
    return FailedEvent(
        projection=row["projection"],
        position=int(row["position"]),
        aggregate_id=UUID(row["aggregate_id"]),
        topic=row["topic"],
        reference=names.get("reference"),
        title=names.get("title"),
        error=row["error"],
        failed_at=datetime.fromisoformat(row["failed_at"]),
        held_back=int(row["held_back"]),
    )
