"""`agreements`: one row per agreement, with the columns its list filters on.

The row holds the agreement's state JSON exactly as the state endpoint returns
it, so a list never folds events. `seq` is the log position of the draft: a
stable, unique order that a rebuild reproduces, and the list's keyset.
Parties are kept folded in a side table (a filter by name or short name is an
index lookup) and the search document in FTS5 on SQLite, in a `tsvector`
expression index on PostgreSQL.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from projections.base import AGREEMENT_TOPICS, Batch, Projection
from projections.db import Tx
from projections.text import fold, fold_name, words
from tracker.state import AgreementState

COLUMNS = (
    "id",
    "reference",
    "title",
    "kind",
    "status",
    "parent_id",
    "signed_on",
    "expires_on",
    "party_names",
    "party_short_names",
    "state",
)
SEALED = frozenset({"party_names", "party_short_names", "state"})
"""Written through the views' codec: encrypted when the store has a key (never filtered on)."""
SEARCH_COLUMN = "search_text"
"""PostgreSQL only: the folded search words, indexed as a `tsvector`."""


def state_json(state: AgreementState) -> str:
    """The state as `GET /api/agreements/{id}` returns it."""
    return state.model_dump_json()


def search_text(state: AgreementState) -> str:
    """What a text search looks through: titles, references, purpose, parties, areas, notes."""
    texts = [state.title, state.reference or "", state.purpose]
    texts += [p.name for p in state.parties] + [p.short_name or "" for p in state.parties]
    texts += list(state.areas)
    texts += [n.text for n in state.notes]
    texts += [a.title for a in state.activities] + [d.title for d in state.documents]
    return "\n".join(texts)


def party_keys(state: AgreementState) -> set[str]:
    """The folded names and short names the party filter matches."""
    names = [p.name for p in state.parties] + [p.short_name for p in state.parties]
    return {fold_name(name) for name in names if name}


@dataclass(frozen=True)
class AgreementRow:
    """What one agreement's state writes: its row, its search document, its party keys."""

    seq: int
    values: tuple[Any, ...]
    """In `COLUMNS` order, then the folded search words on PostgreSQL."""
    document: str
    parties: list[str]

    @classmethod
    def of(cls, seq: int, state: AgreementState, tx: Tx) -> AgreementRow:
        """The `SEALED` columns sealed by `tx.codec`; the search document folded."""
        document = fold(search_text(state))
        plain: tuple[Any, ...] = (
            str(state.id),
            state.reference,
            state.title,
            state.kind.value,
            state.status.value,
            str(state.parent_id) if state.parent_id else None,
            state.signed_on.isoformat() if state.signed_on else None,
            state.expires_on.isoformat() if state.expires_on else None,
            "\n".join(p.name for p in state.parties),
            "\n".join(p.short_name for p in state.parties if p.short_name),
            state_json(state),
        )
        values: tuple[Any, ...] = tuple(
            tx.codec.seal_text(value) if column in SEALED else value
            for column, value in zip(COLUMNS, plain, strict=True)
        )
        if tx.is_postgres:
            values = (*values, " ".join(words(document)))
        return cls(seq, values, document, sorted(party_keys(state)))


def _columns(is_postgres: bool) -> tuple[str, ...]:
    return (*COLUMNS, SEARCH_COLUMN) if is_postgres else COLUMNS


CHUNK = 500
"""Ids per `IN (...)` list: well under both drivers' parameter limits."""


class AgreementsProjection(Projection):
    name = "agreements"
    tables = ("view_agreements", "view_agreement_parties")
    topics = AGREEMENT_TOPICS

    def ddl(self, is_postgres: bool) -> list[str]:
        seq, day = ("BIGINT", "DATE") if is_postgres else ("INTEGER", "TEXT")
        search_column = f", {SEARCH_COLUMN} TEXT NOT NULL" if is_postgres else ""
        statements = [
            f"""CREATE TABLE IF NOT EXISTS view_agreements (
                seq {seq} PRIMARY KEY,
                id TEXT NOT NULL UNIQUE,
                reference TEXT,
                title TEXT NOT NULL,
                kind TEXT NOT NULL,
                status TEXT NOT NULL,
                parent_id TEXT,
                signed_on {day},
                expires_on {day},
                party_names TEXT NOT NULL,
                party_short_names TEXT NOT NULL,
                state TEXT NOT NULL{search_column}
            )""",
            f"""CREATE TABLE IF NOT EXISTS view_agreement_parties (
                name TEXT NOT NULL,
                seq {seq} NOT NULL,
                PRIMARY KEY (name, seq)
            ){"" if is_postgres else " WITHOUT ROWID"}""",
            # Rewriting an agreement replaces its party names: found by `seq`, not scanned for.
            "CREATE INDEX IF NOT EXISTS view_agreement_parties_seq ON view_agreement_parties (seq)",
        ]
        for column in ("status", "kind", "parent_id", "signed_on", "expires_on"):
            statements.append(
                f"CREATE INDEX IF NOT EXISTS view_agreements_{column}"
                f" ON view_agreements ({column}, seq)"
            )
        for column, day in itertools.product(("status", "kind"), ("signed_on", "expires_on")):
            # A date bound with few matches scans its range rather than every agreement.
            statements.append(
                f"CREATE INDEX IF NOT EXISTS view_agreements_{column}_{day}"
                f" ON view_agreements ({column}, {day}, seq)"
            )
        if is_postgres:
            statements.append(
                "CREATE INDEX IF NOT EXISTS view_agreements_text ON view_agreements"
                " USING gin (to_tsvector('simple', search_text))"
            )
        else:
            statements.append(
                "CREATE VIRTUAL TABLE IF NOT EXISTS view_agreements_fts USING fts5("
                "document, tokenize = 'unicode61 remove_diacritics 2')"
            )
        return statements

    def reset(self, tx: Tx) -> None:
        super().reset(tx)
        if not tx.is_postgres:
            tx.execute("DELETE FROM view_agreements_fts")

    def process(self, tx: Tx, batch: Batch) -> None:
        """Inserts the rows of agreements drafted in this batch, rewrites the others."""
        drafted, states = batch.drafted(), batch.agreements()
        new = [AgreementRow.of(drafted[i], s, tx) for i, s in states.items() if i in drafted]
        kept = [i for i in states if i not in drafted]
        seqs = _seqs(tx, kept)
        changed = [AgreementRow.of(seqs[i], states[i], tx) for i in kept]
        columns = _columns(tx.is_postgres)
        tx.executemany(
            f"INSERT INTO view_agreements (seq, {', '.join(columns)})"
            f" VALUES (?{', ?' * len(columns)})",
            [(row.seq, *row.values) for row in new],
        )
        tx.executemany(
            f"UPDATE view_agreements SET {', '.join(f'{c} = ?' for c in columns[1:])}"
            " WHERE seq = ?",
            [(*row.values[1:], row.seq) for row in changed],
        )
        self._index(tx, new, changed)

    def _index(self, tx: Tx, new: list[AgreementRow], changed: list[AgreementRow]) -> None:
        """Party names (both stores) and the FTS5 document (SQLite) of every written row."""
        stale = [(row.seq,) for row in changed]
        tx.executemany("DELETE FROM view_agreement_parties WHERE seq = ?", stale)
        written = new + changed
        tx.executemany(
            "INSERT INTO view_agreement_parties (name, seq) VALUES (?, ?)",
            [(name, row.seq) for row in written for name in row.parties],
        )
        if not tx.is_postgres:
            tx.executemany("DELETE FROM view_agreements_fts WHERE rowid = ?", stale)
            tx.executemany(
                "INSERT INTO view_agreements_fts (rowid, document) VALUES (?, ?)",
                [(row.seq, row.document) for row in written],
            )


def _seqs(tx: Tx, agreement_ids: list[UUID]) -> dict[UUID, int]:
    """The `seq` of each agreement already in the view."""
    found: dict[UUID, int] = {}
    for start in range(0, len(agreement_ids), CHUNK):
        chunk = [str(i) for i in agreement_ids[start : start + CHUNK]]
        marks = ", ".join("?" * len(chunk))
        rows = tx.fetch(f"SELECT id, seq FROM view_agreements WHERE id IN ({marks})", chunk)
        found.update((UUID(row["id"]), int(row["seq"])) for row in rows)
    return found
