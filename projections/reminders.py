"""`reminders`: issued reminders, how they were closed, delivery attempts; and the date queries.

`view_reminders` holds one row per reminder (open until acknowledged or
resolved), `view_reminder_attempts` one row per webhook delivery attempt.
The queries at the bottom read these, `view_dates` (the dates projection)
and `view_agreements` (the agreements projection) for the sweep, the API and
the calendar: always by index, never a scan of every agreement.

An older layout of these tables is brought up to date by `tracker
projections rebuild`, which drops and recreates them.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

from pydantic import ValidationError

from events.base import Day
from events.reminders import (
    DeliveryAttempted,
    ReminderAcknowledged,
    ReminderIssued,
    ReminderResolved,
    ReminderRule,
    load,
)
from projections.base import Projection
from projections.db import Row, Tx, ViewDB, fetch_for_ids
from tracker.reminders.aggregate import Reminder
from tracker.reminders.rules import DateId, DateRow, ReminderPolicy, ReminderRow, Window
from tracker.state import AgreementState

CHUNK = 500
"""Ids per `IN (...)` list: well under both drivers' parameter limits."""


class RemindersProjection(Projection):
    name = "reminders"
    tables = ("view_reminders", "view_reminder_attempts")
    topics = frozenset({Reminder.Created.TOPIC, Reminder.Recorded.TOPIC})

    def ddl(self, is_postgres: bool) -> list[str]:
        day = "DATE" if is_postgres else "TEXT"
        return [
            f"""CREATE TABLE IF NOT EXISTS view_reminders (
                id TEXT PRIMARY KEY,
                agreement_id TEXT NOT NULL,
                rule TEXT NOT NULL,
                date_key TEXT NOT NULL,
                due_on {day} NOT NULL,
                stage TEXT NOT NULL,
                subject TEXT NOT NULL,
                title TEXT NOT NULL,
                reference TEXT,
                renewal TEXT,
                issued_at TEXT NOT NULL,
                status TEXT NOT NULL,
                acknowledged_by TEXT,
                acknowledged_at TEXT,
                resolved_at TEXT,
                resolution TEXT
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

    def reset(self, tx: Tx) -> None:
        """Drops and recreates the tables, so a rebuild also brings an older layout up to date."""
        for table in self.tables:
            tx.execute(f"DROP TABLE IF EXISTS {table}")
        for statement in self.ddl(tx.is_postgres):
            tx.execute(statement)

    def apply(self, tx: Tx, event: Any) -> None:
        body = load(event.type, event.schema_version, event.data)
        reminder_id = str(event.originator_id)
        if isinstance(body, ReminderIssued):
            tx.execute(
                "INSERT INTO view_reminders VALUES"
                " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', NULL, NULL, NULL, NULL)",
                (
                    reminder_id,
                    str(body.agreement_id),
                    body.rule.value,
                    body.date_key,
                    body.due_on.isoformat(),
                    body.stage,
                    body.subject,
                    body.title,
                    body.reference,
                    body.renewal,
                    _moment(body.issued_at),
                ),
            )
        elif isinstance(body, ReminderAcknowledged):
            tx.execute(
                "UPDATE view_reminders SET status = 'acknowledged', acknowledged_by = ?,"
                " acknowledged_at = ? WHERE id = ?",
                (body.by, _moment(body.at), reminder_id),
            )
        elif isinstance(body, ReminderResolved):
            tx.execute(
                "UPDATE view_reminders SET status = 'resolved', resolved_at = ?, resolution = ?"
                " WHERE id = ?",
                (_moment(body.at), body.reason, reminder_id),
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


def _at(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _chunks(values: Iterable[str]) -> Iterable[tuple[list[str], str]]:
    """`values` in lists short enough for one `IN (...)`, each with its placeholders."""
    listed = list(values)
    for start in range(0, len(listed), CHUNK):
        chunk = listed[start : start + CHUNK]
        yield chunk, ", ".join("?" * len(chunk))


# Reminders


@dataclass(frozen=True)
class ReminderQuery:
    status: str | None = None
    due_before: Day | None = None
    agreement_id: UUID | None = None
    rule: ReminderRule | None = None
    limit: int = 200


def _reminder(row: Row) -> ReminderRow:
    issued_at = _at(row["issued_at"])
    assert issued_at is not None
    return ReminderRow(
        id=UUID(row["id"]),
        agreement_id=UUID(row["agreement_id"]),
        rule=ReminderRule(row["rule"]),
        date_key=row["date_key"],
        due_on=_day(row["due_on"]),
        stage=row["stage"],
        subject=row["subject"],
        title=row["title"],
        reference=row["reference"],
        renewal=row["renewal"],
        issued_at=issued_at,
        status=row["status"],
        acknowledged_by=row["acknowledged_by"],
        acknowledged_at=_at(row["acknowledged_at"]),
        resolved_at=_at(row["resolved_at"]),
        resolution=row["resolution"],
    )


def list_reminders(db: ViewDB, query: ReminderQuery) -> list[ReminderRow]:
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
        f"SELECT * FROM view_reminders{clause} ORDER BY due_on, issued_at, id LIMIT ?",
        [*params, query.limit],
    )
    return [_reminder(row) for row in rows]


def reminders_of(db: ViewDB, agreement_id: UUID) -> list[ReminderRow]:
    """Every reminder of one agreement, whatever its status, in the order they were issued."""
    rows = db.fetch(
        "SELECT * FROM view_reminders WHERE agreement_id = ? ORDER BY issued_at, id",
        [str(agreement_id)],
    )
    return [_reminder(row) for row in rows]


def issued_among(db: ViewDB, ids: Iterable[UUID]) -> set[UUID]:
    """Which of these reminder ids the read model already holds."""
    found: set[UUID] = set()
    for chunk, marks in _chunks(str(i) for i in ids):
        rows = db.fetch(f"SELECT id FROM view_reminders WHERE id IN ({marks})", chunk)
        found.update(UUID(row["id"]) for row in rows)
    return found


def agreements_to_check(db: ViewDB, day: date, policy: ReminderPolicy) -> list[UUID]:
    """Agreements with an open reminder that may have lost its cause (`reminders.resolution`).

    Its date is gone from the dates read model or moved; a notice deadline has
    passed, an anniversary is past the catch-up horizon; an expiry now renews
    automatically; or a later reminder of the same date was issued. The scan
    covers open reminders only: those a person still has in front of them.
    """
    horizon = day - timedelta(days=policy.catch_up_days)
    rows = db.fetch(
        "SELECT DISTINCT r.agreement_id FROM view_reminders r"
        " LEFT JOIN view_dates d ON d.agreement_id = r.agreement_id AND d.rule = r.rule"
        " AND d.subject = r.date_key"
        " WHERE r.status = 'open' AND (d.agreement_id IS NULL"
        " OR (r.rule <> 'anniversary' AND d.due_on <> r.due_on)"
        " OR (r.rule = 'notice_deadline' AND r.due_on < ?)"
        " OR (r.rule = 'anniversary' AND r.due_on < ?)"
        " OR (r.rule = 'expiry' AND EXISTS (SELECT 1 FROM view_dates n"
        "   WHERE n.agreement_id = r.agreement_id AND n.rule = 'notice_deadline'))"
        " OR EXISTS (SELECT 1 FROM view_reminders s WHERE s.agreement_id = r.agreement_id"
        "   AND s.rule = r.rule AND s.date_key = r.date_key AND s.due_on = r.due_on"
        "   AND (s.issued_at > r.issued_at OR (s.issued_at = r.issued_at AND s.id > r.id))))",
        [day.isoformat(), horizon.isoformat()],
    )
    return sorted(UUID(row["agreement_id"]) for row in rows)


def open_dates(db: ViewDB, agreement_ids: Iterable[UUID]) -> set[DateId]:
    """The dates with an open reminder, of these agreements."""
    found: set[DateId] = set()
    for chunk, marks in _chunks(str(i) for i in set(agreement_ids)):
        rows = db.fetch(
            "SELECT agreement_id, rule, date_key, due_on FROM view_reminders"
            f" WHERE status = 'open' AND agreement_id IN ({marks})",
            chunk,
        )
        found.update(
            (UUID(r["agreement_id"]), ReminderRule(r["rule"]), r["date_key"], _day(r["due_on"]))
            for r in rows
        )
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


# Agreements (the `view_agreements` table of the agreements projection)


def agreement_states(db: ViewDB, ids: Iterable[UUID]) -> dict[UUID, AgreementState]:
    """The states the agreements read model holds for these agreements (those it can read)."""
    found: dict[UUID, AgreementState] = {}
    for chunk, marks in _chunks(str(i) for i in set(ids)):
        rows = db.fetch(f"SELECT id, state FROM view_agreements WHERE id IN ({marks})", chunk)
        for row in rows:
            try:
                state = db.codec.open_text(row["state"])
                found[UUID(row["id"])] = AgreementState.model_validate_json(state)
            except ValidationError:
                continue  # a state of another version's shape: reminded without its details
    return found


# Dates (the `view_dates` table of the dates projection)

REMINDED_RULES = tuple(rule.value for rule in ReminderRule)


def _date_row(row: Row) -> DateRow:
    return DateRow(
        agreement_id=UUID(row["agreement_id"]),
        rule=ReminderRule(row["rule"]),
        due_on=_day(row["due_on"]),
        key=row["subject"],
        title=row["title"],
        reference=row["reference"],
        renews=row.get("notice_on") is not None,
    )


DATE_COLUMNS = "d.agreement_id, d.rule, d.subject, d.due_on, d.title, d.reference"


def date_rows(db: ViewDB, window: Window) -> list[DateRow]:
    """The rows of one rule inside a window; an expiry says whether a notice deadline stands."""
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
        f"SELECT {DATE_COLUMNS}, n.due_on AS notice_on FROM view_dates d"
        " LEFT JOIN view_dates n ON n.agreement_id = d.agreement_id"
        f" AND n.rule = 'notice_deadline' AND d.rule = 'expiry' WHERE {' AND '.join(where)}",
        params,
    )
    return [_date_row(row) for row in rows]


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
    return sorted(found, key=lambda r: (r.due_on, str(r.agreement_id), r.rule.value, r.key))


def agreements_with_passed_dates(db: ViewDB, today: date) -> list[UUID]:
    """Agreements whose expiry has passed or whose entry into force has come."""
    rows = db.fetch(
        "SELECT agreement_id FROM view_dates WHERE rule = 'expiry' AND due_on < ?"
        " UNION SELECT agreement_id FROM view_dates WHERE rule = 'entry_into_force'"
        " AND due_on <= ?",
        [today.isoformat(), today.isoformat()],
    )
    return sorted(UUID(row["agreement_id"]) for row in rows)
