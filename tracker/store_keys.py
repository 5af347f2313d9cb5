"""What a store records about its encryption, and the check each start makes against it.

The table `tracker_encryption`, beside the event tables, holds name/value
rows: `key_check` is empty for a plain store, else the check value of its
key (`Key.check`); while the store is re-encrypted, `rotating_to` holds the
check value of the new key and `resealed:<table>` how far each table has got.
The row is written when a store is first opened; a store that already held
events without it was written before encryption existed, so it is plain.

`admit` is the start-up check: a tracker opens a store only with the keys it
was written with, and says in one sentence what to set otherwise.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import psycopg

from tracker.keys import CURRENT, OLD, Key, KeyRefused, KeyRing
from tracker.store import Database, sqlite_file

TABLE = "tracker_encryption"
SQLITE_BUSY_SECONDS = 10.0
SQLITE_TABLES = ("stored_events", "stored_snapshots")
POSTGRES_TABLES = ("tracker_events", "tracker_snapshots")
"""The library names its tables `stored_<purpose>` on SQLite and `<application>_<purpose>`
on PostgreSQL; the application is `Tracker`."""


def event_tables(is_postgres: bool) -> tuple[str, ...]:
    """The tables that hold stored bodies: the events, then the snapshots."""
    return POSTGRES_TABLES if is_postgres else SQLITE_TABLES


def check_of(key: Key | None) -> str:
    """What `key_check` holds for a store written with `key` (empty: plain)."""
    return key.check if key else ""


class StoreTx:
    """One transaction on the event store's database, with `?` placeholders on both."""

    def __init__(self, cursor: sqlite3.Cursor | psycopg.Cursor[Any], is_postgres: bool) -> None:
        self._cursor = cursor
        self.is_postgres = is_postgres

    def execute(self, statement: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        if self.is_postgres:
            statement = statement.replace("?", "%s")
        self._cursor.execute(statement, params)
        return list(self._cursor.fetchall()) if self._cursor.description else []

    def executemany(self, statement: str, rows: Sequence[Sequence[Any]]) -> None:
        if self.is_postgres:
            statement = statement.replace("?", "%s")
        if rows:
            self._cursor.executemany(statement, rows)

    def has_table(self, name: str) -> bool:
        if self.is_postgres:
            return bool(self.execute("SELECT to_regclass(?) IS NOT NULL", (name,))[0][0])
        return bool(self.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (name,)))

    def set(self, values: dict[str, str]) -> None:
        self.executemany(
            f"INSERT INTO {TABLE} (name, value) VALUES (?, ?)"
            " ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            list(values.items()),
        )

    def unset(self, names: Sequence[str]) -> None:
        self.executemany(f"DELETE FROM {TABLE} WHERE name = ?", [(name,) for name in names])


class StoreConnection:
    """A connection of its own to the event store's database, one transaction at a time."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self._sqlite: sqlite3.Connection | None = None
        self._postgres: psycopg.Connection[Any] | None = None
        if database.is_postgres:
            options = f"-c search_path={database.schema}" if database.schema else ""
            self._postgres = psycopg.connect(database.conninfo, options=options)
        else:
            path = sqlite_file(database.url)
            path.parent.mkdir(parents=True, exist_ok=True)
            self._sqlite = sqlite3.connect(path, isolation_level=None, timeout=SQLITE_BUSY_SECONDS)

    @contextmanager
    def transaction(self) -> Iterator[StoreTx]:
        """Everything in it commits together; on SQLite it holds the write lock throughout."""
        if self._postgres is not None:
            with self._postgres.transaction(), self._postgres.cursor() as cursor:
                yield StoreTx(cursor, is_postgres=True)
            return
        assert self._sqlite is not None
        begun = self._sqlite.execute("BEGIN IMMEDIATE")
        try:
            yield StoreTx(begun, is_postgres=False)
        except BaseException:
            self._sqlite.rollback()
            raise
        self._sqlite.commit()

    def close(self) -> None:
        if self._postgres is not None:
            self._postgres.close()
        if self._sqlite is not None:
            self._sqlite.close()


@contextmanager
def connected(database: Database) -> Iterator[StoreConnection]:
    connection = StoreConnection(database)
    try:
        yield connection
    finally:
        connection.close()


@dataclass(frozen=True)
class Marker:
    """The store's encryption as recorded: its key's check value, and a rotation under way."""

    key_check: str
    rotating_to: str | None = None
    progress: dict[str, str] = field(default_factory=dict)

    @property
    def encrypted(self) -> bool:
        return bool(self.key_check)

    @property
    def rotating(self) -> bool:
        return self.rotating_to is not None


def read_marker(tx: StoreTx, keys: KeyRing) -> Marker:
    """The store's marker; written first for a store opened for the first time.

    A new store is recorded as written with `keys`; a store that already holds
    events without a marker was written before encryption existed: plain.
    """
    tx.execute(f"CREATE TABLE IF NOT EXISTS {TABLE} (name TEXT PRIMARY KEY, value TEXT NOT NULL)")
    values = dict(tx.execute(f"SELECT name, value FROM {TABLE}"))
    if "key_check" not in values:
        written = any(
            tx.has_table(name) and tx.execute(f"SELECT 1 FROM {name} LIMIT 1")
            for name in event_tables(tx.is_postgres)
        )
        values["key_check"] = "" if written else check_of(keys.current)
        tx.set({"key_check": values["key_check"]})
    progress = {
        name.removeprefix("resealed:"): value
        for name, value in values.items()
        if name.startswith("resealed:")
    }
    return Marker(values["key_check"], values.get("rotating_to"), progress)


def where(database: Database) -> str:
    """The store named for people: its file, or its server and database (never a password)."""
    if not database.is_postgres:
        return str(sqlite_file(database.url))
    parts = urlsplit(database.conninfo)
    schema = f" (schema {database.schema})" if database.schema else ""
    return f"{parts.hostname or 'localhost'}:{parts.port or 5432}{parts.path}{schema}"


def admit(database: Database, keys: KeyRing) -> Marker:
    """The store's marker, if `keys` open the store; else `KeyRefused` saying what to set."""
    with connected(database) as connection, connection.transaction() as tx:
        marker = read_marker(tx, keys)
    refusal = _refusal(marker, keys, f"the store at {where(database)}")
    if refusal is not None:
        raise KeyRefused(refusal)
    return marker


def _refusal(marker: Marker, keys: KeyRing, store: str) -> str | None:
    current, old = check_of(keys.current), check_of(keys.old)
    if marker.rotating:
        if marker.encrypted and (current, old) == (marker.rotating_to, marker.key_check):
            return None
        if not marker.encrypted:
            return (
                f"the encryption of {store} is unfinished: run `tracker keys migrate` again "
                f"with {CURRENT} set to its new key"
            )
        return (
            f"a change of key of {store} is unfinished: run `tracker keys rotate` again "
            f"with {CURRENT} set to the new key and {OLD} to the old one"
        )
    if current == marker.key_check:
        return None
    if not marker.encrypted:
        return f"{store} is not encrypted: unset {CURRENT}, or encrypt it (`tracker keys migrate`)"
    if keys.current is None:
        return f"{store} is encrypted: set {CURRENT} to its key"
    if old == marker.key_check:
        return f"{store} is encrypted with {OLD}: `tracker keys rotate` re-encrypts it to {CURRENT}"
    return f"{CURRENT} is not the key {store} is encrypted with"
