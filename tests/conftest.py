"""Fixtures shared by every test: an injected clock, and real stores.

With `TRACKER_TEST_CIPHER_KEY` (a key from `tracker keys generate`) every store
the tests open is encrypted with it; `make test` runs the integration tests a
second time that way.

PostgreSQL tests use `TRACKER_TEST_POSTGRES_URL` (default: the local server's
`test` database) with a fresh schema per test, dropped afterwards. When the
server is unreachable they skip, unless `TRACKER_REQUIRE_POSTGRES=1`, which
turns the skip into a failure (CI sets it).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from tracker.application import Tracker
from tracker.clock import FixedClock

POSTGRES_URL = os.environ.get(
    "TRACKER_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
REQUIRE_POSTGRES = os.environ.get("TRACKER_REQUIRE_POSTGRES", "") in {"1", "true", "yes", "on"}

# Every tracker, read model and server the tests open reads its key from the environment:
# with TRACKER_TEST_CIPHER_KEY the whole run is encrypted at rest, without it none is
# (whatever TRACKER_CIPHER_KEY the shell running the tests has).
os.environ["TRACKER_CIPHER_KEY"] = os.environ.get("TRACKER_TEST_CIPHER_KEY", "")
os.environ.pop("TRACKER_CIPHER_KEY_OLD", None)


def _postgres_problem() -> str | None:
    try:
        with psycopg.connect(POSTGRES_URL, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as error:
        return f"PostgreSQL at {POSTGRES_URL} is unreachable: {error}".strip()
    return None


_PROBLEM: list[str | None] = []


def require_postgres() -> None:
    """Skip (or fail, when required) a test that needs the PostgreSQL server."""
    if not _PROBLEM:
        _PROBLEM.append(_postgres_problem())
    problem = _PROBLEM[0]
    if problem is None:
        return
    if REQUIRE_POSTGRES:
        pytest.fail(f"TRACKER_REQUIRE_POSTGRES=1 but {problem}")
    pytest.skip(problem)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A PostgreSQL URL with a schema of its own, dropped after the test."""
    require_postgres()
    schema = f"t_{uuid.uuid4().hex[:16]}"
    yield f"{POSTGRES_URL}?schema={schema}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'events.sqlite'}"


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest) -> str:
    """Each test that takes this runs once on SQLite and once on PostgreSQL."""
    name = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    return str(request.getfixturevalue(name))


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2024, 6, 1, 9, 30, tzinfo=UTC))


@pytest.fixture
def tracker(database_url: str, clock: FixedClock) -> Iterator[Tracker]:
    app = Tracker.connect(database_url, clock=clock)
    yield app
    app.close()
