"""From a database URL to the event store's settings, and the date transcoding."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import psycopg
from eventsourcing.persistence import Transcoding
from psycopg import sql

from tracker.keys import KeyRing

CREATION_LOCK = 7_402_711
"""The advisory lock key held while the event store's tables are created."""
CONNECT_TIMEOUT_SECONDS = 10
"""How long opening a PostgreSQL store waits for the server before saying it is unreachable."""


class UnsupportedDatabaseURL(ValueError):
    pass


class StoreMissing(Exception):
    """A command that only reads or changes a store found none where the URL points."""


@dataclass(frozen=True)
class Database:
    """Where the events live: a SQLite file or a PostgreSQL database (and schema)."""

    url: str

    @property
    def scheme(self) -> str:
        return urlsplit(self.url).scheme.split("+")[0]

    @property
    def is_postgres(self) -> bool:
        return self.scheme in {"postgres", "postgresql"}

    @property
    def is_sqlite(self) -> bool:
        return self.scheme == "sqlite"

    @property
    def redacted(self) -> str:
        """The URL to show people: its password, if any, replaced by `***`."""
        password = urlsplit(self.url).password
        shown = self.url if password is None else self.url.replace(f":{password}@", ":***@", 1)
        return re.sub(r"\bpassword=[^&]*", "password=***", shown)

    def describe(self) -> str:
        """Which store this is, for a person: a SQLite URL also gets its absolute path."""
        if self.is_sqlite:
            return f"{self.redacted} ({sqlite_file(self.url).resolve()})"
        return self.redacted

    def require_supported(self) -> None:
        if not (self.is_sqlite or self.is_postgres):
            raise self._unsupported()

    def _unsupported(self) -> UnsupportedDatabaseURL:
        return UnsupportedDatabaseURL(
            f"TRACKER_DATABASE_URL must start with sqlite:/// or postgresql://, "
            f"not {self.redacted!r}"
        )

    def require_existing(self) -> None:
        """Refuse a SQLite store that is not there yet, rather than create an empty one.

        PostgreSQL databases are made by an administrator; the tracker only adds tables.
        """
        path = sqlite_file(self.url).resolve() if self.is_sqlite else None
        if path is not None and not path.exists():
            raise StoreMissing(
                f"there is no store at {path}: run the command from the folder that holds "
                f"{sqlite_file(self.url)}, or set TRACKER_DATABASE_URL to the store's URL "
                "(tracker serve, demo and import create a new store)"
            )

    def reach(self) -> None:
        """Connect once, so that an unreachable server is said before any work starts."""
        if self.is_postgres:
            with self._connect():
                pass

    def unreachable(self, error: Exception) -> str:
        """One sentence for a store that cannot be opened, from the driver's error."""
        lines = [line.strip() for line in str(error).splitlines() if line.strip()]
        reason = lines[0].rpartition(" failed: ")[2] if lines else type(error).__name__
        reason = reason.removeprefix("FATAL:").strip()
        return f"cannot open the store {self.redacted}: {reason}"

    @property
    def schema(self) -> str | None:
        """PostgreSQL schema from `?schema=NAME`; tables go to `public` without it."""
        values = parse_qs(urlsplit(self.url).query).get("schema")
        return values[0] if values else None

    @property
    def conninfo(self) -> str:
        """The PostgreSQL URL without the tracker's own query parameters."""
        return self.url.split("?", 1)[0]

    def ensure_schema(self) -> None:
        if self.is_postgres and self.schema:
            with self._connect() as conn:
                conn.execute(
                    sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(self.schema))
                )

    @contextmanager
    def creation_lock(self) -> Iterator[None]:
        """Serialise table creation across processes starting together.

        The library's CREATE TYPE/TABLE ... IF NOT EXISTS races when two
        processes create the same PostgreSQL tables at once; SQLite needs nothing.
        """
        if not self.is_postgres:
            yield
            return
        with self._connect() as conn:
            conn.execute("SELECT pg_advisory_lock(%s)", (CREATION_LOCK,))
            try:
                yield
            finally:
                conn.execute("SELECT pg_advisory_unlock(%s)", (CREATION_LOCK,))

    def _connect(self) -> psycopg.Connection[tuple[object, ...]]:
        return psycopg.connect(
            self.conninfo, autocommit=True, connect_timeout=CONNECT_TIMEOUT_SECONDS
        )

    def store_env(self) -> dict[str, str]:
        """The eventsourcing settings for this database."""
        parts = urlsplit(self.url)
        if self.scheme == "sqlite":
            path = sqlite_file(self.url)
            path.parent.mkdir(parents=True, exist_ok=True)
            return {"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": str(path)}
        if self.is_postgres:
            env = {
                "PERSISTENCE_MODULE": "eventsourcing.postgres",
                "POSTGRES_DBNAME": unquote(parts.path.lstrip("/")) or "postgres",
                "POSTGRES_HOST": parts.hostname or "127.0.0.1",
                "POSTGRES_PORT": str(parts.port or 5432),
                "POSTGRES_USER": unquote(parts.username or "postgres"),
                "POSTGRES_PASSWORD": unquote(parts.password or ""),
                "POSTGRES_ENABLE_DB_FUNCTIONS": "y",
            }
            if self.schema:
                env["POSTGRES_SCHEMA"] = self.schema
            return env
        raise self._unsupported()


def cipher_env(keys: KeyRing, prefix: str) -> dict[str, str]:
    """The event store's encryption settings: AES-GCM after zlib with a key, neither without.

    Named with the application's prefix (`TRACKER_`), which the library reads
    before the process environment's unprefixed names, so that only `keys` decide.
    """
    if keys.current is None:
        settings = {"CIPHER_TOPIC": "", "CIPHER_KEY": "", "COMPRESSOR_TOPIC": ""}
    else:
        settings = {
            "CIPHER_TOPIC": "tracker.keys:KeyRingCipher",
            "CIPHER_KEY": keys.current.encoded,
            "CIPHER_KEY_OLD": keys.old.encoded if keys.old else "",
            "COMPRESSOR_TOPIC": "eventsourcing.compressor:ZlibCompressor",
        }
    return {f"{prefix}_{name}": value for name, value in settings.items()}


def sqlite_file(url: str) -> Path:
    """`sqlite:///var/x.sqlite` is relative, `sqlite:////abs/x.sqlite` absolute."""
    parts = urlsplit(url)
    return Path(unquote(parts.path[1:] if parts.path.startswith("/") else parts.path))


class DateAsISO(Transcoding):
    """Dates are stored as ISO strings and come back as dates, exactly."""

    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)
