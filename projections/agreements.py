"""`agreements`: one row per agreement, with the columns its list filters and sorts on.

The row holds the agreement's state JSON exactly as the state endpoint returns
it, so a list never folds events. `seq` is the log position of the draft: a
stable, unique order that a rebuild reproduces, and every sort's tie-breaker.

The search document is every word a person might look for (see
`search_texts`) plus the titles and references of the agreement's parent and
children. Those names belong to other agreements, so when an agreement's
title or reference changes (or it is drafted), the rows of its parent and
children are rewritten in the same batch. Documents are folded in Python
(`projections.text`): FTS5 on SQLite, a `tsvector` expression index on
PostgreSQL. Parties are kept one row each (words, country, type), with a
word index for the party filter's prefix match.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from projections.base import AGREEMENT_TOPICS, Batch, Projection
from projections.db import Tx
from projections.text import canonical_reference, distinct_words, party_words, sort_key
from tracker.state import AgreementState

COLUMNS = (
    "id",
    "reference",
    "title",
    "kind",
    "status",
    "parent_id",
    "signed_on",
    "in_force_on",
    "expires_on",
    "ended_on",
    "reference_key",
    "title_key",
    "signed_key",
    "expires_key",
    "state",
)
SEALED = frozenset({"state"})
"""Written through the views' codec: encrypted when the store has a key (never filtered on)."""
SEARCH_COLUMN = "search_text"
"""PostgreSQL only: the document's distinct folded words, indexed as a `tsvector`."""
TSVECTOR = f"array_to_tsvector(string_to_array({SEARCH_COLUMN}, ' '))"
"""The indexed expression; a search must use it verbatim for the index to serve it."""
SORT_KEYS = ("reference_key", "title_key", "signed_key", "expires_key")
MISSING = "1"
"""The sort key of a missing value: after every present one, which is prefixed "0"."""

Names = Mapping[UUID, tuple[str, str | None]]
"""Title and reference of agreements, by id."""


def state_json(state: AgreementState) -> str:
    """The state as `GET /api/agreements/{id}` returns it."""
    return state.model_dump_json()


def search_texts(state: AgreementState) -> list[str]:
    """Everything of the agreement itself that a text search looks through."""
    texts = [state.title, state.reference or "", state.purpose, state.place or "", *state.areas]
    for party in state.parties:
        texts += [party.name, party.short_name or ""]
    for signatory in state.signatories:
        texts += [signatory.name, signatory.title or "", signatory.party or ""]
    for attendee in state.attendees:
        texts += [attendee.name, attendee.role or ""]
    for exchange in state.personnel_exchanges:
        texts += [exchange.person, exchange.from_party, exchange.to_party, exchange.purpose]
    for activity in state.activities:
        texts += [activity.title, activity.description]
    for follow_up in state.follow_ups:
        texts += [follow_up.description, follow_up.outcome or ""]
    for document in state.documents:
        texts += [document.title, document.reference or ""]
    texts += [note.text for note in state.notes]
    return texts


def related_ids(state: AgreementState) -> list[UUID]:
    """The agreements whose names are part of this one's search document."""
    return [*([state.parent_id] if state.parent_id else []), *state.children]


def related_texts(state: AgreementState, names: Names) -> list[str]:
    """Titles and references of the parent and the children that the view holds."""
    found = [names[i] for i in related_ids(state) if i in names]
    return [text for title, reference in found for text in (title, reference or "")]


def _key(value: str | None) -> str:
    return MISSING if value is None else f"0{value}"


@dataclass(frozen=True)
class AgreementRow:
    """What one agreement's state writes: its row, its search document, its parties."""

    seq: int
    values: tuple[Any, ...]
    """In `COLUMNS` order, then the search document on PostgreSQL."""
    document: str
    parties: list[tuple[int, str, str | None, str]]
    """(position, words, country, type) of each party."""

    @classmethod
    def of(cls, seq: int, state: AgreementState, names: Names, tx: Tx) -> AgreementRow:
        """The state document sealed by `tx.codec` (encrypted when the store has a key)."""
        document = distinct_words(search_texts(state) + related_texts(state, names))
        reference = canonical_reference(state.reference) if state.reference else None
        values: tuple[Any, ...] = (
            str(state.id),
            state.reference,
            state.title,
            state.kind.value,
            state.status.value,
            str(state.parent_id) if state.parent_id else None,
            _day(state.signed_on),
            _day(state.in_force_on),
            _day(state.expires_on),
            _day(state.ended_on),
            _key(reference),
            sort_key(state.title),
            _key(_day(state.signed_on)),
            _key(_day(state.expires_on)),
            tx.codec.seal_text(state_json(state)),
        )
        if tx.is_postgres:
            values = (*values, document)
        parties = [
            (n, party_words(p.name) + party_words(p.short_name or ""), p.country, p.type.value)
            for n, p in enumerate(state.parties)
        ]
        return cls(seq, values, document, parties)


def _day(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _columns(is_postgres: bool) -> tuple[str, ...]:
    return (*COLUMNS, SEARCH_COLUMN) if is_postgres else COLUMNS


CHUNK = 500
"""Ids per `IN (...)` list: well under both drivers' parameter limits."""


class AgreementsProjection(Projection):
    name = "agreements"
    tables = ("view_agreements", "view_agreement_parties", "view_party_words")
    """`view_party_words` indexes the distinct party names (their `words`), not each party."""
    topics = AGREEMENT_TOPICS

    def ddl(self, is_postgres: bool) -> list[str]:
        seq, day = ("BIGINT", "DATE") if is_postgres else ("INTEGER", "TEXT")
        # Sort keys and party words are compared by code point on both stores.
        ordered = 'TEXT COLLATE "C"' if is_postgres else "TEXT"
        search_column = f", {SEARCH_COLUMN} TEXT NOT NULL" if is_postgres else ""
        keys = "".join(f"{key} {ordered} NOT NULL, " for key in SORT_KEYS)
        without_rowid = "" if is_postgres else " WITHOUT ROWID"
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
                in_force_on {day},
                expires_on {day},
                ended_on {day},
                {keys}state TEXT NOT NULL{search_column}
            )""",
            f"""CREATE TABLE IF NOT EXISTS view_agreement_parties (
                seq {seq} NOT NULL,
                position INTEGER NOT NULL,
                words TEXT NOT NULL,
                country TEXT,
                type TEXT NOT NULL,
                PRIMARY KEY (seq, position)
            ){without_rowid}""",
            f"""CREATE TABLE IF NOT EXISTS view_party_words (
                word {ordered} NOT NULL,
                words TEXT NOT NULL,
                PRIMARY KEY (word, words)
            ){without_rowid}""",
            "CREATE INDEX IF NOT EXISTS view_agreement_parties_words"
            " ON view_agreement_parties (words, seq)",
            "CREATE INDEX IF NOT EXISTS view_agreement_parties_country"
            " ON view_agreement_parties (country, seq)",
            "CREATE INDEX IF NOT EXISTS view_agreement_parties_type"
            " ON view_agreement_parties (type, seq)",
        ]
        for column in ("status", "kind", "parent_id", "signed_on", "expires_on", "in_force_on"):
            statements.append(
                f"CREATE INDEX IF NOT EXISTS view_agreements_{column}"
                f" ON view_agreements ({column}, seq)"
            )
        for key in ("seq", *SORT_KEYS):
            statements.append(
                f"CREATE INDEX IF NOT EXISTS view_agreements_{key}"
                f" ON view_agreements ({', '.join(dict.fromkeys((key, 'seq')))})"
            )
        if is_postgres:
            statements.append(
                f"CREATE INDEX IF NOT EXISTS view_agreements_text ON view_agreements"
                f" USING gin ({TSVECTOR})"
            )
        else:
            # The documents are folded already: the tokenizer only splits them at spaces.
            statements.append(
                "CREATE VIRTUAL TABLE IF NOT EXISTS view_agreements_fts USING fts5("
                "document, tokenize = 'ascii', detail = 'none')"
            )
        return statements

    def reset(self, tx: Tx) -> None:
        """Drops and recreates the tables, so a rebuild also brings an older layout up to date."""
        for table in self.tables:
            tx.execute(f"DROP TABLE IF EXISTS {table}")
        if not tx.is_postgres:
            tx.execute("DROP TABLE IF EXISTS view_agreements_fts")
        for statement in self.ddl(tx.is_postgres):
            tx.execute(statement)

    def process(self, tx: Tx, batch: Batch) -> None:
        """Inserts the rows of agreements drafted in this batch, rewrites the others.

        The others include the parent and children of every agreement drafted
        or renamed in the batch, whose search documents hold its name.
        """
        drafted, is_postgres = batch.drafted(), tx.is_postgres
        states = dict(batch.agreements())
        stored = _stored(tx, [i for i in states if i not in drafted])
        renamed = [
            state
            for i, state in states.items()
            if i in drafted or stored[i][1] != (state.title, state.reference)
        ]
        neighbours = {n for state in renamed for n in related_ids(state)} - states.keys()
        for seq, state in _stored_states(tx, neighbours):
            states[state.id] = state
            stored[state.id] = (seq, (state.title, state.reference))
        names = {i: (s.title, s.reference) for i, s in states.items()}
        names |= _names(tx, {n for s in states.values() for n in related_ids(s)} - names.keys())
        new = [AgreementRow.of(drafted[i], states[i], names, tx) for i in drafted]
        changed = [
            AgreementRow.of(stored[i][0], state, names, tx)
            for i, state in states.items()
            if i not in drafted
        ]
        columns = _columns(is_postgres)
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
        """Parties and party names (both stores) and the FTS5 document (SQLite) of every row."""
        stale = [(row.seq,) for row in changed]
        before = _party_names(tx, [row.seq for row in changed])
        tx.executemany("DELETE FROM view_agreement_parties WHERE seq = ?", stale)
        written = new + changed
        tx.executemany(
            "INSERT INTO view_agreement_parties (seq, position, words, country, type)"
            " VALUES (?, ?, ?, ?, ?)",
            [(row.seq, *party) for row in written for party in row.parties],
        )
        after = {words for row in written for _, words, _, _ in row.parties}
        _name_words(tx, after - _indexed_names(tx, after), before - after)
        if not tx.is_postgres:
            tx.executemany("DELETE FROM view_agreements_fts WHERE rowid = ?", stale)
            tx.executemany(
                "INSERT INTO view_agreements_fts (rowid, document) VALUES (?, ?)",
                [(row.seq, row.document) for row in written],
            )


def _party_names(tx: Tx, seqs: list[int]) -> set[str]:
    """The party names (as their words) the agreements at `seqs` have now."""
    names: set[str] = set()
    for start in range(0, len(seqs), CHUNK):
        chunk = seqs[start : start + CHUNK]
        marks = ", ".join("?" * len(chunk))
        rows = tx.fetch(
            f"SELECT DISTINCT words FROM view_agreement_parties WHERE seq IN ({marks})", chunk
        )
        names |= {row["words"] for row in rows}
    return names


def _indexed_names(tx: Tx, names: set[str]) -> set[str]:
    """Those of `names` the word index already holds (under their first word)."""
    held: set[str] = set()
    for name in names:
        first = _split(name)[0]
        if tx.fetch("SELECT 1 FROM view_party_words WHERE word = ? AND words = ?", (first, name)):
            held.add(name)
    return held


def _name_words(tx: Tx, added: set[str], dropped: set[str]) -> None:
    """Indexes the words of names new to the view; forgets names no party has any more."""
    tx.executemany(
        "INSERT INTO view_party_words (word, words) VALUES (?, ?)",
        [(word, name) for name in added for word in _split(name)],
    )
    unused = [
        name
        for name in dropped
        if not tx.fetch("SELECT 1 FROM view_agreement_parties WHERE words = ? LIMIT 1", (name,))
    ]
    tx.executemany(
        "DELETE FROM view_party_words WHERE word = ? AND words = ?",
        [(word, name) for name in unused for word in _split(name)],
    )


def _split(name: str) -> list[str]:
    """The distinct words of a party name; a name without any is indexed under ""."""
    return list(dict.fromkeys(name.split())) or [""]


def _chunks(ids: Iterable[UUID]) -> Iterable[list[str]]:
    listed = [str(i) for i in ids]
    for start in range(0, len(listed), CHUNK):
        yield listed[start : start + CHUNK]


def _select(tx: Tx, columns: str, ids: Iterable[UUID]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for chunk in _chunks(ids):
        marks = ", ".join("?" * len(chunk))
        rows += tx.fetch(f"SELECT {columns} FROM view_agreements WHERE id IN ({marks})", chunk)
    return rows


def _stored(tx: Tx, ids: list[UUID]) -> dict[UUID, tuple[int, tuple[str, str | None]]]:
    """The `seq`, title and reference of each agreement already in the view."""
    rows = _select(tx, "id, seq, title, reference", ids)
    return {UUID(r["id"]): (int(r["seq"]), (r["title"], r["reference"])) for r in rows}


def _stored_states(tx: Tx, ids: set[UUID]) -> list[tuple[int, AgreementState]]:
    """The `seq` and state of agreements in the view (not in the batch)."""
    rows = _select(tx, "seq, state", ids)
    opened = ((int(r["seq"]), tx.codec.open_text(r["state"])) for r in rows)
    return [(seq, AgreementState.model_validate_json(state)) for seq, state in opened]


def _names(tx: Tx, ids: set[UUID]) -> dict[UUID, tuple[str, str | None]]:
    return {
        UUID(r["id"]): (r["title"], r["reference"])
        for r in _select(tx, "id, title, reference", ids)
    }
