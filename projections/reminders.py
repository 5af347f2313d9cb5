"""`reminders`: issued reminders, their status and delivery attempts; and the date queries.

`view_reminders` holds one row per reminder (open until acknowledged),
`view_reminder_attempts` one row per webhook delivery attempt. The queries
at the bottom read these and `view_dates` (the dates projection) for the
sweep, the API and the calendar: always by index, never a scan of every
agreement.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

from events.base import Day
from events.reminders import (
    DeliveryAttempted,
    ReminderAcknowledged,
    ReminderIssued,
    ReminderRule,
    load,
)
from projections.base import Projection
from projections.db import Row, Tx, ViewDB, fetch_for_ids
from tracker.reminders.aggregate import Reminder
from tracker.reminders.rules import DateRow, Window

CHUNK = 500
"""Ids per `IN (...)` list: well under both drivers' parameter limits."""


class RemindersProjection(Projection):
    name = "reminders"
    tables = ("view_reminders", "view_reminder_attempts")
    topics = frozenset({Reminder.Created.TOPIC, Reminder.Recorded.TOPIC})

    def ddl(self, is_postgres: bool) -> list[str]:
        return [
            """CREATE TABLE IF NOT EXISTS view_reminders (
                id TEXT PRIMARY KEY,
                agreement_id TEXT NOT NULL,
                rule TEXT NOT NULL,
                subject TEXT NOT NULL,
                due_on TEXT NOT NULL,
                stage TEXT NOT NULL,
                message TEXT NOT NULL,
                title TEXT NOT NULL,
                reference TEXT,
                issued_at TEXT NOT NULL,
                status TEXT NOT NULL,
                acknowledged_by TEXT,
                acknowledged_at TEXT
            )""",
            "CREATE INDEX IF NOT EXISTS view_reminders_due ON view_reminders (status, due_on)",
            "CREATE INDEX IF NOT EXISTS view_reminders_agreement ON view_reminders (agreement_id)",
            "CREATE INDEX IF NOT EXISTS view_reminders_issued ON view_reminders (issued_at)",
            """CREATE TABLE IF NOT EXISTS view_reminder_attempts (
                reminder_id TEXT NOT NULL,
                url TEXT NOT NULL,
                attempt INTEGER NOT NULL,
                ok INTEGER NOT NULL,
                status INTEGER,
                error TEXT,
                at TEXT NOT NULL,
                PRIMARY KEY (reminder_id, url, attempt)
            )""",
        ]

    def apply(self, tx: Tx, event: Any) -> None:
        body = load(event.type, event.schema_version, event.data)
        reminder_id = str(event.originator_id)
        if isinstance(body, ReminderIssued):
            tx.execute(
                "INSERT INTO view_reminders VALUES"
                " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', NULL, NULL)",
                (
                    reminder_id,
                    str(body.agreement_id),
                    body.rule.value,
                    body.subject,
                    body.due_on.isoformat(),
                    body.stage,
                    body.message,
                    body.title,
                    body.reference,
                    _moment(body.issued_at),
                ),
            )
        elif isinstance(body, ReminderAcknowledged):
            tx.execute(
                "UPDATE view_reminders SET status = 'acknowledged', acknowledged_by = ?,"
                " acknowledged_at = ? WHERE id = ?",
                (body.by, _moment(body.at), reminder_id),
            )
        elif isinstance(body, DeliveryAttempted):
            tx.execute(
                "INSERT INTO view_reminder_attempts VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    reminder_id,
                    body.url,
                    body.attempt,
                    int(body.ok),
                    body.status,
                    body.error,
                    _moment(body.at),
                ),
            )


def _moment(at: datetime) -> str:
    """UTC in one fixed format, so the text sorts in time order."""
    return at.astimezone(UTC).isoformat(timespec="microseconds")


# Reminders


@dataclass(frozen=True)
class ReminderQuery:
    status: str | None = None
    due_before: Day | None = None
    agreement_id: UUID | None = None
    rule: ReminderRule | None = None
    limit: int = 200


REMINDER_COLUMNS = "id, agreement_id, rule, subject, due_on, stage, issued_at, status, message"


def _item(row: Row) -> dict[str, Any]:
    return {**row, "due_on": str(row["due_on"])}


def list_reminders(db: ViewDB, query: ReminderQuery) -> list[dict[str, Any]]:
    """Reminders matching every given filter, by due date then issue time."""
    where: list[str] = []
    params: list[Any] = []
    for column, value in (
        ("status", query.status),
        ("agreement_id", str(query.agreement_id) if query.agreement_id else None),
        ("rule", query.rule.value if query.rule else None),
    ):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    if query.due_before is not None:
        where.append("due_on < ?")
        params.append(query.due_before.isoformat())
    clause = f" WHERE {' AND '.join(where)}" if where else ""
    rows = db.fetch(
        f"SELECT {REMINDER_COLUMNS} FROM view_reminders{clause}"
        " ORDER BY due_on, issued_at, id LIMIT ?",
        [*params, query.limit],
    )
    return [_item(row) for row in rows]


def issued_among(db: ViewDB, ids: Iterable[UUID]) -> set[UUID]:
    """Which of these reminder ids the read model already holds."""
    wanted = [str(i) for i in ids]
    found: set[UUID] = set()
    for start in range(0, len(wanted), CHUNK):
        chunk = wanted[start : start + CHUNK]
        marks = ", ".join("?" * len(chunk))
        rows = db.fetch(f"SELECT id FROM view_reminders WHERE id IN ({marks})", chunk)
        found.update(UUID(row["id"]) for row in rows)
    return found


def undelivered(db: ViewDB, urls: Sequence[str], since: datetime, max_attempts: int) -> list[UUID]:
    """Reminders issued since `since` that some URL has neither received nor given up on.

    The read model may lag the store; the caller decides from the reminder itself.
    """
    rows = db.fetch(
        "SELECT r.id, a.url, MAX(a.attempt) AS attempts, MAX(a.ok) AS ok"
        " FROM view_reminders r LEFT JOIN view_reminder_attempts a ON a.reminder_id = r.id"
        " WHERE r.issued_at >= ? GROUP BY r.id, a.url ORDER BY r.id",
        [_moment(since)],
    )
    settled: dict[str, set[str]] = {}
    for row in rows:
        done = settled.setdefault(row["id"], set())
        if row["url"] is not None and (row["ok"] or row["attempts"] >= max_attempts):
            done.add(row["url"])
    return [UUID(i) for i, done in settled.items() if not set(urls) <= done]


# Dates (the `view_dates` table of the dates projection)

REMINDED_RULES = tuple(rule.value for rule in ReminderRule)


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _date_row(row: Row, until: Any = None) -> DateRow:
    return DateRow(
        agreement_id=UUID(row["agreement_id"]),
        rule=ReminderRule(row["rule"]),
        due_on=_day(row["due_on"]),
        subject=row["subject"],
        title=row["title"],
        reference=row["reference"],
        until=_day(until) if until is not None else None,
    )


DATE_COLUMNS = "d.agreement_id, d.rule, d.subject, d.due_on, d.title, d.reference"


def date_rows(db: ViewDB, window: Window) -> list[DateRow]:
    """The rows of one rule inside a window; a notice deadline comes with its expiry date."""
    where = ["d.rule = ?"]
    params: list[Any] = [window.rule.value]
    if window.month_days:
        where.append(f"d.month_day IN ({', '.join('?' * len(window.month_days))})")
        params.extend(window.month_days)
    if window.due_from is not None:
        where.append("d.due_on >= ?")
        params.append(window.due_from.isoformat())
    if window.due_to is not None:
        where.append("d.due_on <= ?")
        params.append(window.due_to.isoformat())
    rows = db.fetch(
        f"SELECT {DATE_COLUMNS}, e.due_on AS until FROM view_dates d"
        " LEFT JOIN view_dates e ON e.agreement_id = d.agreement_id AND e.rule = 'expiry'"
        f" AND d.rule = 'notice_deadline' WHERE {' AND '.join(where)}",
        params,
    )
    return [_date_row(row, row["until"]) for row in rows]


def calendar_rows(db: ViewDB, agreements: Collection[UUID] | None = None) -> list[DateRow]:
    """Every date the calendar feed shows (not entries into force: nothing to act on).

    Of these agreements only, when given; in the feed's order either way.
    """
    marks = ", ".join("?" * len(REMINDED_RULES))
    query = f"SELECT {DATE_COLUMNS} FROM view_dates d WHERE d.rule IN ({marks})"
    if agreements is None:
        rows = db.fetch(query, list(REMINDED_RULES))
    else:
        statement = f"{query} AND d.agreement_id IN ({{ids}})"
        rows = fetch_for_ids(db, statement, agreements, REMINDED_RULES)
    found = [_date_row(row) for row in rows]
    return sorted(found, key=lambda r: (r.due_on, str(r.agreement_id), r.rule.value, r.subject))


def agreements_with_passed_dates(db: ViewDB, today: date) -> list[UUID]:
    """Agreements whose expiry has passed or whose entry into force has come."""
    rows = db.fetch(
        "SELECT agreement_id FROM view_dates WHERE rule = 'expiry' AND due_on < ?"
        " UNION SELECT agreement_id FROM view_dates WHERE rule = 'entry_into_force'"
        " AND due_on <= ?",
        [today.isoformat(), today.isoformat()],
    )
    return sorted(UUID(row["agreement_id"]) for row in rows)
