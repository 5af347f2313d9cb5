"""From a database URL to the event store's settings, and the date transcoding."""

from __future__ import annotations

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


class UnsupportedDatabaseURL(ValueError):
    pass


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
            with psycopg.connect(self.conninfo, autocommit=True) as conn:
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
        with psycopg.connect(self.conninfo, autocommit=True) as conn:
            conn.execute("SELECT pg_advisory_lock(%s)", (CREATION_LOCK,))
            try:
                yield
            finally:
                conn.execute("SELECT pg_advisory_unlock(%s)", (CREATION_LOCK,))

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
        raise UnsupportedDatabaseURL(
            f"TRACKER_DATABASE_URL must start with sqlite:/// or postgresql://, not {self.url!r}"
        )


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
