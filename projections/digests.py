"""`digests`: which digests listed each reminder, and the reminders a digest can list.

`view_digest_reminders` holds one row per (reminder, digest), written when the
digest is prepared, so a reminder's page can show the digests' delivery
attempts beside its webhook ones (the attempts themselves are read from the
store, never behind).
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from events.digests import DigestPrepared, load
from projections.base import Projection
from projections.db import Tx, ViewDB
from tracker.delivery.aggregate import Digest


class DigestsProjection(Projection):
    name = "digests"
    tables = ("view_digest_reminders",)
    topics = frozenset({Digest.Created.TOPIC})

    def ddl(self, is_postgres: bool) -> list[str]:
        return [
            """CREATE TABLE IF NOT EXISTS view_digest_reminders (
                reminder_id TEXT NOT NULL,
                digest_id TEXT NOT NULL,
                PRIMARY KEY (reminder_id, digest_id)
            )"""
        ]

    def apply(self, tx: Tx, event: Any) -> None:
        body = load(event.type, event.schema_version, event.data)
        assert isinstance(body, DigestPrepared)
        tx.executemany(
            "INSERT INTO view_digest_reminders VALUES (?, ?) ON CONFLICT DO NOTHING",
            [(str(reminder), str(event.originator_id)) for reminder in body.reminders],
        )


def digests_of(db: ViewDB, reminder_id: UUID) -> list[UUID]:
    """The digests that listed this reminder."""
    rows = db.fetch(
        "SELECT digest_id FROM view_digest_reminders WHERE reminder_id = ? ORDER BY digest_id",
        [str(reminder_id)],
    )
    return [UUID(row["digest_id"]) for row in rows]


def open_reminders(db: ViewDB, on: date, limit: int) -> list[UUID]:
    """Open reminders, soonest due first; a past anniversary is nothing left to do."""
    rows = db.fetch(
        "SELECT id FROM view_reminders WHERE status = 'open'"
        " AND NOT (rule = 'anniversary' AND due_on < ?) ORDER BY due_on, id LIMIT ?",
        [on.isoformat(), limit],
    )
    return [UUID(row["id"]) for row in rows]
