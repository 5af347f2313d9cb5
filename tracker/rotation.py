"""Re-encrypting a store: to a new key (rotation), or a plain store to its first key (migration).

This rewrites stored rows: a maintenance act outside the event model. Every
event keeps its id, version, topic and contents; only the bytes that hold its
body (and each snapshot's) change. It runs in batches, each one transaction
that rewrites its rows and records how far it got, so it can stop anywhere
(a crash, or `max_batches`) and be run again to go on from there. At every
moment each body opens with the old key or the new one, and a tracker given
both (TRACKER_CIPHER_KEY the new, TRACKER_CIPHER_KEY_OLD the old) reads the
whole store. A plain body is compressed and encrypted as the store's settings
do; an encrypted one is only decrypted and encrypted again.

The marker records the rotation until `finish`, which the caller runs once
the read models are rebuilt with the new key: until then, a start with the
new key alone is refused rather than half able to read.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import psycopg
from psycopg import sql

from tracker.keys import CURRENT, OLD, Key, KeyRefused, KeyRing, Unreadable
from tracker.store import Database, sqlite_file
from tracker.store_keys import (
    Marker,
    StoreConnection,
    StoreTx,
    check_of,
    connected,
    event_tables,
    read_marker,
    where,
)

BATCH_SIZE = 500


@dataclass(frozen=True)
class ResealReport:
    rewritten: int
    """Bodies re-encrypted by this run (a body already under the new key is left as it is)."""
    batches: int
    finished: bool
    """Every table is done; False when `max_batches` stopped the run first."""


def reseal(
    database: Database,
    source: Key | None,
    target: Key,
    *,
    batch_size: int = BATCH_SIZE,
    max_batches: int | None = None,
) -> ResealReport:
    """Re-encrypt every stored body from `source` (None: plain) to `target`, from where it got."""
    rewritten = batches = 0
    with connected(database) as connection:
        with connection.transaction() as tx:
            marker = _begin(tx, read_marker(tx, KeyRing(source)), source, target, database)
        if not marker.rotating:
            return ResealReport(0, 0, finished=True)
        for table in event_tables(database.is_postgres):
            cursor: str | None = marker.progress.get(table)
            while max_batches is None or batches < max_batches:
                moved = _batch(connection, table, cursor, source, target, batch_size)
                if moved is None:
                    break
                cursor, count = moved
                rewritten += count
                batches += 1
            else:
                return ResealReport(rewritten, batches, finished=False)
    return ResealReport(rewritten, batches, finished=True)


def finish(database: Database, target: Key) -> None:
    """Record the store as encrypted with `target` alone, once everything was re-encrypted."""
    with connected(database) as connection, connection.transaction() as tx:
        marker = read_marker(tx, KeyRing(target))
        if not marker.rotating and marker.key_check == target.check:
            return
        if marker.rotating_to != target.check:
            raise KeyRefused(f"no change to {CURRENT} is under way in {where(database)}")
        tx.set({"key_check": target.check})
        names = ["rotating_to", *(f"resealed:{table}" for table in marker.progress)]
        tx.unset(names)


def compact(database: Database, tables: Sequence[str]) -> None:
    """Rewrite the files so no freed page keeps an old body (PostgreSQL: `tables` only).

    Nothing else may write meanwhile: SQLite waits for its lock, PostgreSQL
    takes an exclusive lock on each table while it rewrites it.
    """
    if not database.is_postgres:
        file = sqlite3.connect(sqlite_file(database.url), isolation_level=None, timeout=60)
        try:
            file.execute("VACUUM")
            file.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            file.close()
        return
    options = f"-c search_path={database.schema}" if database.schema else ""
    with psycopg.connect(database.conninfo, options=options, autocommit=True) as conn:
        for table in tables:
            conn.execute(sql.SQL("VACUUM FULL {}").format(sql.Identifier(table)))


def _begin(
    tx: StoreTx, marker: Marker, source: Key | None, target: Key, database: Database
) -> Marker:
    """Record the rotation from `source` to `target`, or check it is the one under way."""
    store = f"the store at {where(database)}"
    if source is not None and source.check == target.check:
        raise KeyRefused(f"{CURRENT} and {OLD} are the same key")
    if marker.rotating:
        if (marker.key_check, marker.rotating_to) == (check_of(source), target.check):
            return marker
        raise KeyRefused(
            f"another change of key of {store} is unfinished: run it again with the keys "
            "it was started with"
        )
    if marker.key_check == target.check:
        return marker
    if marker.key_check != check_of(source):
        if not marker.encrypted:
            raise KeyRefused(f"{store} is not encrypted: encrypt it with `tracker keys migrate`")
        if source is None:
            raise KeyRefused(f"{store} is encrypted already: `tracker keys rotate` changes its key")
        raise KeyRefused(f"{OLD} is not the key {store} is encrypted with")
    tx.set({"rotating_to": target.check})
    return Marker(marker.key_check, target.check, {})


def _batch(
    connection: StoreConnection,
    table: str,
    cursor: str | None,
    source: Key | None,
    target: Key,
    batch_size: int,
) -> tuple[str, int] | None:
    """Re-encrypt the next `batch_size` rows of `table` after `cursor` in one transaction.

    Returns the new cursor and how many bodies changed; None when no row is left.
    """
    with connection.transaction() as tx:
        if not tx.has_table(table):
            return None
        after = _after(cursor, tx.is_postgres)
        rows = tx.execute(
            f"SELECT originator_id, originator_version, state FROM {table}"
            f"{' WHERE (originator_id, originator_version) > (?, ?)' if after else ''}"
            " ORDER BY originator_id, originator_version LIMIT ?",
            (*after, batch_size),
        )
        if not rows:
            return None
        changed = [
            (body, originator_id, version)
            for originator_id, version, state in rows
            if (body := _resealed(bytes(state), source, target, table, originator_id, version))
        ]
        tx.executemany(
            f"UPDATE {table} SET state = ? WHERE originator_id = ? AND originator_version = ?",
            changed,
        )
        last_id, last_version, _ = rows[-1]
        moved = f"{last_id} {last_version}"
        tx.set({f"resealed:{table}": moved})
    return moved, len(changed)


def _after(cursor: str | None, is_postgres: bool) -> tuple[Any, ...]:
    if cursor is None:
        return ()
    originator_id, version = cursor.split(" ")
    return (UUID(originator_id) if is_postgres else originator_id, int(version))


def _resealed(
    state: bytes, source: Key | None, target: Key, table: str, originator_id: Any, version: int
) -> bytes | None:
    """The body under `target`; None when it already is (a tracker with the new key wrote it)."""
    new = KeyRing(target)
    try:
        new.decrypt(state)
        return None
    except Unreadable:
        pass
    if source is None:
        if not state.startswith(b"{"):
            raise KeyRefused(
                f"version {version} of {originator_id} in {table} is neither plain nor "
                f"encrypted with {CURRENT}; the rows after it were left as they were"
            )
        return new.seal(state)
    try:
        return new.encrypt(KeyRing(source).decrypt(state))
    except Unreadable:
        raise KeyRefused(
            f"version {version} of {originator_id} in {table} opens with neither {CURRENT} "
            f"nor {OLD}; the rows after it were left as they were"
        ) from None
