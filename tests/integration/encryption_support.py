"""Looking at a store as a thief would: the raw bytes of its files and rows."""

from __future__ import annotations

import json
from uuid import UUID

import psycopg
from psycopg import sql

from projections.service import AgreementQuery, ReadModels
from tracker.application import Tracker
from tracker.keys import Key, KeyRing, Unreadable, generate_key
from tracker.seed import load_seed
from tracker.state import AgreementState, Record
from tracker.store import Database, sqlite_file
from tracker.store_keys import connected, event_tables

NAMES = ("Defensoría", "Álvarez Icaza", "Raúl Isidro Burgos")
"""Names in the sample record (`tracker.seed`) that must not be readable from a stolen disk."""


def new_key() -> Key:
    return Key.parse(generate_key())


def forms(name: str) -> list[bytes]:
    """How a name can appear in stored bytes: UTF-8 as written, or JSON's \\u escapes."""
    return [name.encode("utf-8"), json.dumps(name)[1:-1].encode("ascii")]


def readable_names(raw: bytes) -> set[str]:
    return {name for name in NAMES if any(form in raw for form in forms(name))}


def raw_store(database_url: str) -> bytes:
    """Every byte at rest: on SQLite the files of the events and the views (WAL included);
    on PostgreSQL the stored bodies of events and snapshots and every row of every table."""
    database = Database(database_url)
    if not database.is_postgres:
        path = sqlite_file(database_url)
        return b"".join(p.read_bytes() for p in sorted(path.parent.glob(f"{path.stem}*")))
    options = f"-c search_path={database.schema}"
    chunks: list[bytes] = []
    with psycopg.connect(database.conninfo, options=options) as conn:
        for table in event_tables(is_postgres=True):
            chunks += [bytes(row[0]) for row in conn.execute(f"SELECT state FROM {table}")]
        tables = conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
        ).fetchall()
        for (table,) in tables:
            query = sql.SQL("SELECT t::text FROM {} t").format(sql.Identifier(table))
            chunks += [str(row[0]).encode("utf-8") for row in conn.execute(query)]
    return b"\n".join(chunks)


def stored_bodies(database_url: str) -> list[bytes]:
    """The stored body of every event and snapshot, as the database holds it."""
    database = Database(database_url)
    with connected(database) as connection, connection.transaction() as tx:
        return [
            bytes(row[0])
            for table in event_tables(database.is_postgres)
            if tx.has_table(table)
            for row in tx.execute(f"SELECT state FROM {table}")
        ]


def opening_with(key: Key, bodies: list[bytes]) -> int:
    """How many of the bodies this key alone opens."""
    opened = 0
    for body in bodies:
        try:
            KeyRing(key).decrypt(body)
        except Unreadable:
            continue
        opened += 1
    return opened


def seeded(database_url: str, keys: KeyRing) -> list[UUID]:
    """The sample record stored with `keys` (snapshots every 2 events), its views caught up."""
    tracker = Tracker.connect(database_url, keys=keys, snapshot_interval=2)
    read_models = ReadModels.connect(database_url, keys=keys)
    try:
        ids = [outcome.agreement_id for outcome in load_seed(tracker)]
        read_models.catch_up(tracker)
    finally:
        read_models.close()
        tracker.close()
    return ids


def histories(
    database_url: str, keys: KeyRing, ids: list[UUID]
) -> list[tuple[list[Record], AgreementState]]:
    """Every agreement's history and state, as a tracker with `keys` reads them."""
    tracker = Tracker.connect(database_url, keys=keys)
    try:
        return [(tracker.history(i), tracker.state(i)) for i in ids]
    finally:
        tracker.close()


def listed(database_url: str, keys: KeyRing, q: str | None = None) -> list[dict[str, object]]:
    """The first page of the agreement list (or of a search), read with `keys`."""
    read_models = ReadModels.connect(database_url, keys=keys)
    try:
        return read_models.list_agreements(AgreementQuery(q=q)).items
    finally:
        read_models.close()
