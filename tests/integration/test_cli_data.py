"""`tracker demo`, `tracker export` and `tracker import` as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner, Result

from tracker.cli import app

runner = CliRunner()


def run(database_url: str, *args: str) -> Result:
    return runner.invoke(app, list(args), env={"TRACKER_DATABASE_URL": database_url})


def test_demo_twice_then_export_and_import_into_another_store(
    database_url: str, tmp_path: Path
) -> None:
    first = run(database_url, "demo")
    second = run(database_url, "demo")
    exported = run(database_url, "export")
    export_file = tmp_path / "events.jsonl"
    to_file = run(database_url, "export", "--output", str(export_file))
    copy_url = f"sqlite:///{tmp_path / 'copy.sqlite'}"
    imported = run(copy_url, "import", str(export_file))
    again = run(copy_url, "import", str(export_file))
    copied = run(copy_url, "export")

    assert [r.exit_code for r in (first, second, exported, to_file, imported, again)] == [0] * 6
    assert "IACHR-MX-AYOTZINAPA-2014: added drafted, signed;" in first.stdout
    assert second.stdout.count("added nothing") == 5
    assert exported.stdout == export_file.read_text(encoding="utf-8")
    assert len(exported.stdout.splitlines()) == 17
    assert "exported 17 events" in exported.stderr
    assert "Defensoría del Pueblo de Ecuador" in exported.stdout
    assert "imported 17 events (5 new agreements); 0 were already recorded" in imported.stdout
    assert "imported 0 events (0 new agreements); 17 were already recorded" in again.stdout
    original = [json.loads(line) for line in exported.stdout.splitlines()]
    copy = [json.loads(line) for line in copied.stdout.splitlines()]
    assert [{**e, "position": 0} for e in copy] == [{**e, "position": 0} for e in original]


def test_import_of_a_damaged_file_names_the_line_and_imports_nothing(
    sqlite_url: str, tmp_path: Path
) -> None:
    run(sqlite_url, "demo")
    lines = run(sqlite_url, "export").stdout.encode().splitlines()
    lines[3] = lines[3].replace(b'"occurred_on": "', b'"occurred_on": "x')
    lines[5] = b"\xff" + lines[5]
    damaged = tmp_path / "damaged.jsonl"
    damaged.write_bytes(b"\n".join(lines))
    copy_url = f"sqlite:///{tmp_path / 'copy.sqlite'}"

    result = run(copy_url, "import", str(damaged))
    after = run(copy_url, "export")

    assert result.exit_code == 1
    assert "nothing was imported" in result.stderr
    assert "line 4: occurred_on:" in result.stderr
    assert "line 6: json: Invalid JSON" in result.stderr
    assert "Traceback" not in result.output
    assert after.stdout == ""


def test_import_of_a_missing_file_is_a_usage_error(sqlite_url: str, tmp_path: Path) -> None:
    result = run(sqlite_url, "import", str(tmp_path / "nowhere.jsonl"))

    assert result.exit_code == 2
    assert "does not exist" in result.output
