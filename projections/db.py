"""Where the read models live, and the one SQL dialect layer they all write through.

SQL is written once, with `?` placeholders; on PostgreSQL they become `%s`.
On SQLite the views get a file of their own beside the events
(`var/tracker.sqlite` -> `var/tracker.views.sqlite`) so that projecting never
holds the event store's write lock. On PostgreSQL they share the events'
database and schema, with tables prefixed `view_`.

Thread safety: SQLite gets one connection per thread (WAL lets the API's
readers run while the runner writes); PostgreSQL gets a small connection pool.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from tracker.keys import PLAIN, KeyRing
from tracker.store import Database, sqlite_file

Row = dict[str, Any]
Params = Sequence[Any]

VIEWS_SUFFIX = ".views"
SQLITE_BUSY_TIMEOUT_MS = 10_000
SQLITE_CACHE_KIB = 64 * 1024
"""Page cache per connection: the views' indexes stay in memory during a rebuild."""
SQLITE_CHECKPOINT_PAGES = 16_384
"""WAL pages between checkpoints: a batch's commit rarely pays for one."""
WRITER_LOCK = 7402713
"""PostgreSQL advisory lock class of the views' one writer, paired with the schema's hash."""


def views_url(database_url: str) -> str:
    """The URL of the read models for the events at `database_url` (idempotent)."""
    database = Database(database_url)
    if database.is_postgres:
        return database_url
    path = sqlite_file(database_url)
    if path.stem.endswith(VIEWS_SUFFIX):
        return database_url
    return f"sqlite:///{path.with_name(f'{path.stem}{VIEWS_SUFFIX}{path.suffix}')}"


@lru_cache(maxsize=512)
def to_pyformat(statement: str) -> str:
    """`?` placeholders to psycopg's `%s`, leaving quoted literals alone."""
    parts = re.split(r"('(?:[^']|'')*')", statement)
    return "".join(
        part if part.startswith("'") else part.replace("%", "%%").replace("?", "%s")
        for part in parts
    )


ID_CHUNK = 500
"""Ids per `IN (...)` list: well under both drivers' parameter limits."""


def fetch_for_ids(db: ViewDB, statement: str, ids: Iterable[Any], params: Params = ()) -> list[Row]:
    """Rows of `statement` for these ids, `IN (...)` lists of at most `ID_CHUNK` at a time.

    `statement` marks where the list goes with `{ids}`; `params` come before the ids.
    """
    wanted = [str(i) for i in ids]
    rows: list[Row] = []
    for start in range(0, len(wanted), ID_CHUNK):
        chunk = wanted[start : start + ID_CHUNK]
        marks = ", ".join("?" * len(chunk))
        rows += db.fetch(statement.format(ids=marks), [*params, *chunk])
    return rows


class Cursor(Protocol):
    """What both drivers' cursors offer the projections."""

    @property
    def rowcount(self) -> int: ...


class Tx:
    """One open transaction: statements run in it commit or roll back together."""

    def __init__(
        self,
        cursor: sqlite3.Cursor | psycopg.Cursor[Row],
        is_postgres: bool,
        codec: KeyRing = PLAIN,
    ) -> None:
        self._cursor = cursor
        self.is_postgres = is_postgres
        self.codec = codec
        """Seals the state documents (`seal_text`) when the store has a key."""

    def _sql(self, statement: str) -> str:
        return to_pyformat(statement) if self.is_postgres else statement

    def execute(self, statement: str, params: Params = ()) -> Cursor:
        return self._cursor.execute(self._sql(statement), params)

    def executemany(self, statement: str, rows: Sequence[Params]) -> None:
        if rows:
            self._cursor.executemany(self._sql(statement), rows)

    def fetch(self, statement: str, params: Params = ()) -> list[Row]:
        self._cursor.execute(self._sql(statement), params)
        return _rows(self._cursor)

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """Statements inside are undone together if it raises; the transaction itself goes on.

        How one agreement's failed rows are dropped from a batch that keeps the
        others' (on PostgreSQL, also what lets the transaction continue after an error).
        """
        self.execute("SAVEPOINT attempt")
        try:
            yield
        except BaseException:
            self.execute("ROLLBACK TO SAVEPOINT attempt")
            self.execute("RELEASE SAVEPOINT attempt")
            raise
        self.execute("RELEASE SAVEPOINT attempt")

    def lock_writers(self, *, wait: bool = True) -> bool:
        """Make this transaction the views' only writer until it ends; False if another is.

        SQLite's `BEGIN IMMEDIATE` already holds the file's write lock. On
        PostgreSQL a transaction-scoped advisory lock keyed by the schema does
        it: taken first, before any table, so writers queue on it and never
        deadlock on each other's table or row locks. Without `wait`, a
        transaction that finds another writer gives up at once.
        """
        if not self.is_postgres:
            return True
        key = f"{WRITER_LOCK}, hashtext(current_schema())"
        if wait:
            self.execute(f"SELECT pg_advisory_xact_lock({key})")
            return True
        return bool(self.fetch(f"SELECT pg_try_advisory_xact_lock({key}) AS held")[0]["held"])


def _rows(cursor: sqlite3.Cursor | psycopg.Cursor[Row]) -> list[Row]:
    if isinstance(cursor, sqlite3.Cursor):
        names = [column[0] for column in cursor.description or ()]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    return cursor.fetchall()


class ViewDB(ABC):
    """The read models' database. Use `ViewDB.connect(database_url)`."""

    is_postgres: bool
    codec: KeyRing = PLAIN
    """Seals and opens the state documents with the event store's keys (plain without)."""

    @staticmethod
    def connect(database_url: str, keys: KeyRing | None = None) -> ViewDB:
        """The views for the events at `database_url` (an events or a views URL).

        `keys` default to TRACKER_CIPHER_KEY (and _OLD), as for the event store.
        """
        database = Database(views_url(database_url))
        db: ViewDB
        if database.is_postgres:
            database.ensure_schema()
            db = PostgresViewDB(database)
        else:
            db = SQLiteViewDB(sqlite_file(database.url))
        db.codec = KeyRing.from_env() if keys is None else keys
        return db

    @abstractmethod
    def transaction(self) -> AbstractContextManager[Tx]:
        """Everything done with the yielded `Tx` commits together, or nothing does."""

    def fetch(self, statement: str, params: Params = ()) -> list[Row]:
        with self.transaction() as tx:
            return tx.fetch(statement, params)

    def execute(self, statement: str, params: Params = ()) -> int:
        """Runs one statement in its own transaction; returns the rows it changed."""
        with self.transaction() as tx:
            return tx.execute(statement, params).rowcount

    @abstractmethod
    def has_table(self, name: str) -> bool:
        """Whether the table exists (a read only: it takes no lock a writer waits for)."""

    @abstractmethod
    def close(self) -> None: ...


class SQLiteViewDB(ViewDB):
    is_postgres = False

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()

    def _connection(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            conn.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
            conn.execute(f"PRAGMA wal_autocheckpoint = {SQLITE_CHECKPOINT_PAGES}")
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        """`BEGIN IMMEDIATE`: a writer takes the lock up front, so it never has to upgrade."""
        conn = self._connection()
        cursor = conn.cursor()
        cursor.execute("BEGIN IMMEDIATE")
        try:
            yield Tx(cursor, is_postgres=False, codec=self.codec)
        except BaseException:
            conn.rollback()
            raise
        conn.commit()

    def fetch(self, statement: str, params: Params = ()) -> list[Row]:
        """Reads run outside a write transaction: they never wait for the runner."""
        return _rows(self._connection().execute(statement, params))

    def has_table(self, name: str) -> bool:
        return bool(self.fetch("SELECT 1 FROM sqlite_master WHERE name = ?", (name,)))

    def close(self) -> None:
        with self._lock:
            for conn in self._all:
                conn.close()
            self._all.clear()
        self._local = threading.local()


class PostgresViewDB(ViewDB):
    is_postgres = True

    def __init__(self, database: Database, max_size: int = 8) -> None:
        options = f"-c search_path={database.schema}" if database.schema else ""
        self._pool: ConnectionPool[psycopg.Connection[Row]] = ConnectionPool(
            database.conninfo,
            connection_class=psycopg.Connection[Row],
            kwargs={"autocommit": True, "row_factory": dict_row, "options": options},
            min_size=1,
            max_size=max_size,
            open=True,
        )

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        with self._pool.connection() as conn, conn.transaction(), conn.cursor() as cursor:
            yield Tx(cursor, is_postgres=True, codec=self.codec)

    def fetch(self, statement: str, params: Params = ()) -> list[Row]:
        with self._pool.connection() as conn:
            return conn.execute(to_pyformat(statement), params).fetchall()

    def has_table(self, name: str) -> bool:
        """Looked up in the connection's schema (its `search_path`)."""
        return bool(self.fetch("SELECT to_regclass(?) IS NOT NULL AS found", (name,))[0]["found"])

    def close(self) -> None:
        self._pool.close()
