"""`changes`: when each agreement last changed, for feeds that say so (the calendar).

One row per agreement: the moment its latest event was recorded (read from
the event itself, so an event the other views cannot fold still counts). A feed
derived from agreements is unchanged as long as none of them changed, so
the latest of these moments is its `Last-Modified` and the `DTSTAMP` of its
events: stable between polls, moving only with the data.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime
from uuid import UUID

from projections.base import AGREEMENT_TOPICS, Batch, Projection
from projections.db import Tx, ViewDB, fetch_for_ids


def _moment(at: datetime) -> str:
    """UTC in one fixed format, so the text sorts in time order."""
    return at.astimezone(UTC).isoformat(timespec="microseconds")


class ChangesProjection(Projection):
    name = "changes"
    tables = ("view_agreement_changes",)
    topics = AGREEMENT_TOPICS

    def ddl(self, is_postgres: bool) -> list[str]:
        return [
            """CREATE TABLE IF NOT EXISTS view_agreement_changes (
                agreement_id TEXT PRIMARY KEY,
                changed_at TEXT NOT NULL
            )""",
            "CREATE INDEX IF NOT EXISTS view_agreement_changes_at"
            " ON view_agreement_changes (changed_at)",
        ]

    def process(self, tx: Tx, batch: Batch) -> None:
        """The moment of each agreement's last event in the batch; no state is folded."""
        latest = {
            str(e.event.originator_id): _moment(e.event.recorded_at)
            for e in batch.events
            if e.topic in AGREEMENT_TOPICS
        }
        tx.executemany(
            "INSERT INTO view_agreement_changes (agreement_id, changed_at) VALUES (?, ?)"
            " ON CONFLICT (agreement_id) DO UPDATE SET changed_at = excluded.changed_at",
            list(latest.items()),
        )


def last_change(db: ViewDB, agreements: Collection[UUID] | None = None) -> datetime | None:
    """The latest change of these agreements (None: of every agreement); None if none exists."""
    query = "SELECT MAX(changed_at) AS at FROM view_agreement_changes"
    if agreements is None:
        rows = db.fetch(query)
    else:
        rows = fetch_for_ids(db, f"{query} WHERE agreement_id IN ({{ids}})", agreements)
    found = [row["at"] for row in rows if row["at"]]
    return datetime.fromisoformat(max(found)) if found else None
