"""The command line speaks sentences: each error is one line on stderr, never a traceback.

Every test runs `tracker` in its own process, as a user would.
"""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from events.drafting import AgreementKind, Drafted
from events.records import NoteAdded
from tests.integration.cli_support import TRACKER, copy_url, environment, error, run, said
from tests.integration.test_http_crash import free_port
from tracker.application import Tracker
from tracker.clock import FixedClock
from tracker.progress import SHOWN_FROM
from tracker.seed import load_seed
from tracker.store import sqlite_file

__all__ = ["copy_url"]


@pytest.fixture
def demo_url(database_url: str) -> str:
    """A store holding the sample agreements."""
    assert run(database_url, "demo").returncode == 0
    return database_url


def test_an_output_that_cannot_be_written_is_one_sentence(demo_url: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    missing = run(demo_url, "export", "--output", "/nonexistent/dir/x.jsonl")
    folder = run(demo_url, "export", "--output", str(out))

    assert said(missing) == [
        "error: Invalid value for '--output' / '-o': there is no folder /nonexistent/dir "
        "to write x.jsonl in (see 'tracker export --help')"
    ]
    assert missing.returncode == 2
    assert len(said(folder)) == 1
    assert "is a folder" in error(folder)
    assert list(out.iterdir()) == []


def test_a_database_url_of_another_kind_is_one_sentence() -> None:
    result = run("mysql://tracker:secret@db/tracker", "export")

    assert said(result) == [
        "error: TRACKER_DATABASE_URL must start with sqlite:/// or postgresql://, "
        "not 'mysql://tracker:***@db/tracker'"
    ]
    assert result.returncode == 1


def test_an_unreachable_postgresql_is_one_sentence() -> None:
    url = f"postgresql://tracker:secret@127.0.0.1:{free_port()}/tracker"

    result = run(url, "export")

    [line] = said(result)
    assert line.startswith(
        f"error: cannot open the store postgresql://tracker:***@127.0.0.1:{url.split(':')[3]}"
    )
    assert "secret" not in result.stderr
    assert result.returncode == 1


@pytest.mark.parametrize(
    "command",
    [["export"], ["projections", "status"], ["projections", "rebuild"], ["reminders", "sweep"]],
)
def test_a_command_run_from_another_folder_creates_no_store(
    tmp_path: Path, command: list[str]
) -> None:
    result = run(None, *command, cwd=tmp_path)

    [line] = said(result)
    assert line.startswith(f"error: there is no store at {tmp_path / 'var' / 'tracker.sqlite'}:")
    assert "set TRACKER_DATABASE_URL" in line
    assert result.returncode == 1
    assert list(tmp_path.iterdir()) == []


def test_demo_and_import_create_their_store(tmp_path: Path, sqlite_url: str) -> None:
    assert run(sqlite_url, "demo").returncode == 0
    assert run(sqlite_url, "export", "--output", str(tmp_path / "backup.jsonl")).returncode == 0
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()

    imported = run(None, "import", str(tmp_path / "backup.jsonl"), cwd=elsewhere)

    assert imported.returncode == 0, imported.stderr
    assert (elsewhere / "var" / "tracker.sqlite").exists()
    assert said(imported) == [
        f"Store: sqlite:///var/tracker.sqlite ({elsewhere}/var/tracker.sqlite)"
    ]


def test_each_command_names_its_store_with_the_password_hidden(
    postgres_url: str, tmp_path: Path
) -> None:
    """PostgreSQL here trusts local connections, so any password gets in."""
    url = postgres_url.replace("postgres@", "postgres:s3cret@", 1)
    assert "s3cret" in url
    backup = tmp_path / "backup.jsonl"
    results = [
        run(url, "projections", "status"),
        run(url, "export", "--output", str(backup)),
        run(url, "import", str(backup)),
    ]
    shown = url.replace("s3cret", "***")
    for result in results:
        assert result.returncode == 0, result.stderr
        assert said(result)[0] == f"Store: {shown}"
        assert "s3cret" not in result.stderr + result.stdout


def test_a_refused_import_names_the_line_in_one_sentence_and_imports_nothing(
    demo_url: str, copy_url: str, tmp_path: Path
) -> None:
    lines = run(demo_url, "export").stdout.encode().splitlines()
    lines[3] = lines[3].replace(b'"occurred_on": "', b'"occurred_on": "x')
    lines[5] = b"\xff" + lines[5]
    damaged = tmp_path / "damaged.jsonl"
    damaged.write_bytes(b"\n".join(lines))

    result = run(copy_url, "import", str(damaged))

    line = error(result)
    assert line.startswith("error: nothing was imported: line 4: occurred_on: ")
    assert "; line 6: json: Invalid JSON" in line
    assert result.returncode == 1
    assert run(copy_url, "export").stdout == ""


def test_the_demo_reports_a_taken_reference_and_records_the_rest(database_url: str) -> None:
    """One sample reference is taken by another agreement: the demo says so and goes on."""
    tracker = Tracker.connect(database_url, clock=FixedClock(datetime(2024, 6, 1, tzinfo=UTC)))
    try:
        taken = Drafted(reference="IACHR-DPP-2017", title="Another", kind=AgreementKind.OTHER)
        tracker.draft(taken, "someone")
    finally:
        tracker.close()

    result = run(database_url, "demo")

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert (
        "IACHR-DPP-2017: not loaded: reference 'IACHR-DPP-2017' is used by "
        "'Another (IACHR-DPP-2017)', whose draft is not the sample's; that sample agreement "
        "was not loaded over it"
    ) in lines
    assert lines[-1] == (
        "Recorded 9 events: drafted (4), signed (4), entered_into_force (1); 4 of 5 agreements "
        "are in the store, 1 not loaded (see above)."
    )
    assert not [line for line in said(result) if line.startswith("error")]


def test_usage_errors_are_one_sentence(sqlite_url: str, tmp_path: Path) -> None:
    bad_date = run(sqlite_url, "reminders", "sweep", "--today", "2024-13-01")
    no_command = run(sqlite_url, "teleport")
    no_file = run(sqlite_url, "import", str(tmp_path / "nowhere.jsonl"))

    for result in (bad_date, no_command, no_file):
        assert len(said(result)) == 1
        assert result.returncode == 2
    assert "--today" in error(bad_date)
    assert "No such command 'teleport'" in error(no_command)
    assert "does not exist" in error(no_file)


def test_a_bad_today_is_one_sentence(sqlite_url: str) -> None:
    result = run(sqlite_url, "demo", TRACKER_TODAY="2024-02-30")

    assert said(result) == [
        "error: TRACKER_TODAY: expected a date written YYYY-MM-DD, not '2024-02-30'"
    ]
    assert result.returncode == 1


def test_a_fixed_today_is_announced_and_used(demo_url: str) -> None:
    result = run(demo_url, "reminders", "sweep", TRACKER_TODAY="2025-01-10")

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("2025-01-10: ")
    assert "TRACKER_TODAY is set: today is 2025-01-10 for this process, not the calendar's" in said(
        result
    )


BOOM = """
from tracker.cli import app

@app.command("boom")
def boom() -> None:
    raise KeyError("a key nobody expected")

app()
"""


def test_an_unexpected_error_is_one_sentence_that_says_how_to_see_more(
    sqlite_url: str,
) -> None:
    quiet = subprocess.run(
        [sys.executable, "-c", BOOM, "boom"],
        env=environment(sqlite_url),
        capture_output=True,
        text=True,
        check=False,
    )
    loud = subprocess.run(
        [sys.executable, "-c", BOOM, "boom"],
        env=environment(sqlite_url, TRACKER_DEBUG="1"),
        capture_output=True,
        text=True,
        check=False,
    )

    assert said(quiet) == [
        "error: unexpected KeyError: 'a key nobody expected'; run it again with "
        "TRACKER_DEBUG=1 or 'tracker --debug ...' to see where"
    ]
    assert quiet.returncode == loud.returncode == 1
    assert "Traceback" in loud.stderr
    assert loud.stderr.splitlines()[-1] == said(quiet)[0]


def test_long_work_shows_a_bar_on_a_terminal_only(sqlite_url: str, tmp_path: Path) -> None:
    tracker = Tracker.connect(sqlite_url, clock=FixedClock(datetime(2024, 6, 1, tzinfo=UTC)))
    try:
        load_seed(tracker)
        agreement_id = tracker.agreement_for_reference("IACHR-DPP-2017")
        assert agreement_id is not None
        for n in range(SHOWN_FROM):
            tracker.record(agreement_id, NoteAdded(text=f"note {n}"), "clerk")
    finally:
        tracker.close()
    piped = run(sqlite_url, "export", "--output", str(tmp_path / "piped.jsonl"))
    count = SHOWN_FROM + 11 + 5  # the notes, the sample events and their reference claims

    on_terminal = _on_a_terminal(sqlite_url, "export", "--output", str(tmp_path / "tty.jsonl"))

    store = f"Store: {sqlite_url} ({sqlite_file(sqlite_url)})"
    assert said(piped) == [store, f"exported {count} events"]
    assert "Exporting" in on_terminal
    assert f"exported {count} events" in on_terminal

    rebuilt_piped = run(sqlite_url, "projections", "rebuild")
    assert "Rebuilding" not in rebuilt_piped.stderr
    assert "Rebuilding the read models" in _on_a_terminal(sqlite_url, "projections", "rebuild")
    assert "Sweeping" in _on_a_terminal(sqlite_url, "reminders", "sweep")
    assert "Sweeping" not in run(sqlite_url, "reminders", "sweep").stderr


def _on_a_terminal(database_url: str, *args: str) -> str:
    """What `tracker ARGS` writes to stderr when stderr is a terminal (stdout is not)."""
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [str(TRACKER), *args],
        env=environment(database_url, COLUMNS="100"),
        stdout=subprocess.DEVNULL,
        stderr=follower,
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    process.wait(timeout=60)
    os.close(leader)
    return b"".join(chunks).decode(errors="replace")
