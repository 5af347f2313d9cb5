"""Agreements to project, and a way to compare every view table."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any
from uuid import UUID

from events.drafting import Drafted, Renewal
from events.parties import Party
from projections import listing
from projections.agreements import SEALED
from projections.runner import ProjectionRunner
from projections.service import ReadModels
from tracker.application import Tracker

IACHR = Party(name="Inter-American Commission on Human Rights", short_name="IACHR", type="state")


def draft(
    tracker: Tracker,
    title: str,
    *,
    parties: list[Party] | None = None,
    occurred_on: date = date(2020, 1, 10),
    expires_on: date | None = None,
    renewal: Renewal | None = None,
    **fields: Any,
) -> UUID:
    body = Drafted(
        title=title,
        kind=fields.pop("kind", "cooperation_agreement"),
        parties=parties if parties is not None else [IACHR],
        occurred_on=occurred_on,
        expires_on=expires_on,
        renewal=renewal or Renewal(),
        **fields,
    )
    return tracker.draft(body, "tester").id


def force_plan(monkeypatch: Any, plan: str) -> None:
    """Tiny SQLite thresholds: `walk` walks the sort's index a row or two at a time, and
    `window` also gives up on the walk at once and sorts; `defaults` changes nothing."""
    if plan != "defaults":
        monkeypatch.setattr(listing, "PROBE", 0)
        monkeypatch.setattr(listing, "FIRST_CHUNK", 1)
        monkeypatch.setattr(listing, "MAX_CHUNK", 2)
    if plan == "window":
        monkeypatch.setattr(listing, "WINDOW", 2)


def opened(read_models: ReadModels, table: str, row: dict[str, Any]) -> dict[str, Any]:
    """The row with its encrypted columns opened: a rebuild seals them with fresh nonces."""
    if table != "view_agreements":
        return row
    return {k: read_models.db.codec.open_text(v) if k in SEALED else v for k, v in row.items()}


def dump(read_models: ReadModels) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every view table (FTS5 documents included), in a fixed order."""
    tables = [t for p in read_models.projections for t in p.tables] + ["view_positions"]
    if not read_models.db.is_postgres:
        tables.append("view_agreements_fts")
    dumped = {}
    for table in tables:
        columns = "rowid, *" if table.endswith("_fts") else "*"
        rows = read_models.db.fetch(f"SELECT {columns} FROM {table}")
        values = (opened(read_models, table, row).values() for row in rows)
        dumped[table] = sorted(tuple(str(v) for v in row) for row in values)
    return dumped


def follow_in_process(database_url: str, stop: Any, results: Any) -> None:
    """Runs a `ProjectionRunner` in this (child) process until `stop` is set.

    Puts what went wrong on `results`: warnings and errors logged by the
    projections, and the runner's last error.
    """
    logged: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            logged.append(record.getMessage())

    logging.getLogger("projections").addHandler(Keep(logging.WARNING))
    tracker = Tracker.connect(database_url)
    read_models = ReadModels.connect(database_url)
    runner = ProjectionRunner(tracker, read_models, interval=0.01)
    runner.start()
    stop.wait(60)
    runner.stop()
    results.put({"logged": logged, "last_error": runner.last_error})
    read_models.close()
    tracker.close()
