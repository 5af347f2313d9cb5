"""`timeline`: one row per agreement event, in log order; it serves the global event feed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from pydantic import TypeAdapter

from projections.base import AGREEMENT_TOPICS, Batch, Projection
from projections.db import Tx, ViewDB

_MOMENT: TypeAdapter[datetime] = TypeAdapter(datetime)


def moment_json(moment: datetime) -> str:
    """A moment written as the state JSON writes it (`2024-06-01T09:30:00Z`)."""
    return str(_MOMENT.dump_python(moment, mode="json"))


@dataclass(frozen=True)
class EventFeed:
    items: list[dict[str, Any]]
    last_position: int


class TimelineProjection(Projection):
    name = "timeline"
    tables = ("view_timeline",)
    topics = AGREEMENT_TOPICS

    def ddl(self, is_postgres: bool) -> list[str]:
        position, day = ("BIGINT", "DATE") if is_postgres else ("INTEGER", "TEXT")
        return [
            f"""CREATE TABLE IF NOT EXISTS view_timeline (
                position {position} PRIMARY KEY,
                agreement_id TEXT NOT NULL,
                version INTEGER NOT NULL,
                type TEXT NOT NULL,
                occurred_on {day} NOT NULL,
                recorded_at TEXT NOT NULL,
                recorded_by TEXT NOT NULL
            )"""
        ]

    def process(self, tx: Tx, batch: Batch) -> None:
        rows = [
            (
                e.position,
                str(e.event.originator_id),
                e.event.originator_version,
                e.event.type,
                e.event.occurred_on.isoformat(),
                moment_json(e.event.recorded_at),
                e.event.recorded_by,
            )
            for e in batch.events
            if e.topic in AGREEMENT_TOPICS
        ]
        tx.executemany("INSERT INTO view_timeline VALUES (?, ?, ?, ?, ?, ?, ?)", rows)


def events_after(db: ViewDB, after: int, limit: int) -> EventFeed:
    """Agreement events past `after`, in log order; `last_position` is where to go on from."""
    rows = db.fetch(
        "SELECT position, agreement_id, version, type, occurred_on, recorded_at"
        " FROM view_timeline WHERE position > ? ORDER BY position LIMIT ?",
        (after, limit),
    )
    for row in rows:
        if isinstance(row["occurred_on"], date):
            row["occurred_on"] = row["occurred_on"].isoformat()
    return EventFeed(rows, rows[-1]["position"] if rows else after)
