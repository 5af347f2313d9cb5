"""Running `tracker` as a user does: a real process, its exit code, stdout and stderr."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from tests.conftest import POSTGRES_URL
from tracker.store import Database

TRACKER = Path(sys.executable).with_name("tracker")


def environment(database_url: str | None, **env: str) -> dict[str, str]:
    """This process's environment with only the tracker settings given here, and the run's
    cipher key (the suite runs once with a key: every store the tests make is encrypted)."""
    kept = {"TRACKER_CIPHER_KEY"}
    clean = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_") or k in kept}
    if database_url is not None:
        clean["TRACKER_DATABASE_URL"] = database_url
    return {**clean, **env}


def run(
    database_url: str | None, *args: str, cwd: Path | None = None, **env: str
) -> subprocess.CompletedProcess[str]:
    """`tracker ARGS`, in its own process, with the settings given here."""
    return subprocess.run(
        [str(TRACKER), *args],
        env=environment(database_url, **env),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def said(result: subprocess.CompletedProcess[str]) -> list[str]:
    """The lines of stderr, once it is sure none of them is part of a traceback."""
    assert "Traceback" not in result.stderr
    return result.stderr.splitlines()


def error(result: subprocess.CompletedProcess[str]) -> str:
    """The one line that says what went wrong; any other line of stderr names the store."""
    lines = said(result)
    errors = [line for line in lines if line.startswith("error: ")]
    assert len(errors) == 1, result.stderr
    assert all(line.startswith("Store: ") for line in lines if line not in errors), result.stderr
    assert result.returncode != 0
    return errors[0]


@pytest.fixture
def copy_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """A second, empty store on the same kind of database as `database_url`."""
    if not Database(database_url).is_postgres:
        yield f"sqlite:///{tmp_path / 'copy.sqlite'}"
        return
    schema = f"t_{uuid.uuid4().hex[:16]}"
    yield f"{POSTGRES_URL}?schema={schema}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))
