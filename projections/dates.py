"""`dates`: every date of an agreement that matters, for the scheduler to read.

One row per (agreement, rule, subject), recomputed from the agreement's state
after its events: a renewal moves the expiry row, a notice removes the notice
deadline, an ended or voided agreement keeps none, a completed follow-up drops out.
A date that would fall outside the recordable days (a notice deadline before
1900, from a history recorded before the bounds) has no row: none is due.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from projections.base import AGREEMENT_TOPICS, Batch, Projection
from projections.db import Tx
from tracker.state import AgreementState, Status

BOUND = frozenset({Status.SIGNED, Status.IN_FORCE, Status.SUSPENDED})
ENDED = frozenset({Status.EXPIRED, Status.TERMINATED, Status.VOIDED})


@dataclass(frozen=True)
class DateRow:
    rule: str
    due_on: date
    subject: str = ""

    @property
    def month_day(self) -> str | None:
        return self.due_on.strftime("%m-%d") if self.rule == "anniversary" else None


def dates_of(state: AgreementState) -> list[DateRow]:
    """The dates the reminder rules watch, as the agreement's state stands."""
    rows: list[DateRow] = []
    if state.status in BOUND:
        if state.signed_on is not None:
            rows.append(DateRow("anniversary", state.signed_on))
        if state.expires_on is not None:
            rows.append(DateRow("expiry", state.expires_on))
        if (deadline := state.notice_deadline) is not None:
            rows.append(DateRow("notice_deadline", deadline))
    if state.status is Status.SIGNED and state.in_force_on is not None:
        rows.append(DateRow("entry_into_force", state.in_force_on))
    if state.status not in ENDED:
        open_follow_ups = (f for f in state.follow_ups if f.status == "open")
        rows.extend(DateRow("follow_up", f.due_on, str(f.id)) for f in open_follow_ups)
    return rows


class DatesProjection(Projection):
    name = "dates"
    tables = ("view_dates",)
    topics = AGREEMENT_TOPICS

    def ddl(self, is_postgres: bool) -> list[str]:
        day = "DATE" if is_postgres else "TEXT"
        return [
            f"""CREATE TABLE IF NOT EXISTS view_dates (
                agreement_id TEXT NOT NULL,
                rule TEXT NOT NULL,
                subject TEXT NOT NULL,
                due_on {day} NOT NULL,
                month_day TEXT,
                title TEXT NOT NULL,
                reference TEXT,
                PRIMARY KEY (agreement_id, rule, subject)
            )""",
            "CREATE INDEX IF NOT EXISTS view_dates_due ON view_dates (rule, due_on)",
            "CREATE INDEX IF NOT EXISTS view_dates_month_day ON view_dates (rule, month_day)",
        ]

    def process(self, tx: Tx, batch: Batch) -> None:
        """Replaces the rows of every agreement in the batch (one drafted in it has none yet)."""
        states, drafted = batch.agreements(), batch.drafted()
        tx.executemany(
            "DELETE FROM view_dates WHERE agreement_id = ?",
            [(str(i),) for i in states if i not in drafted],
        )
        tx.executemany(
            "INSERT INTO view_dates VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    str(state.id),
                    row.rule,
                    row.subject,
                    row.due_on.isoformat(),
                    row.month_day,
                    state.title,
                    state.reference,
                )
                for state in states.values()
                for row in dates_of(state)
            ],
        )
