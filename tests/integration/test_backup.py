"""`tracker export` is a backup: restored into an empty store, every stream and view is back.

Everything runs as a user runs it, `tracker` in its own process, on SQLite
and on PostgreSQL; the clock is fixed with TRACKER_TODAY.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx

from events.reminders import ReminderAcknowledged
from projections.reminders import ReminderQuery, list_reminders
from projections.service import ReadModels
from tests.integration.cli_support import TRACKER, copy_url, environment, run
from tests.integration.test_http_crash import free_port, wait_until
from tracker.application import Tracker
from tracker.reminders.aggregate import Reminder
from tracker.settings import Settings

__all__ = ["copy_url"]

TODAY = "2025-01-10"


def reminders_in(database_url: str, *, catch_up: bool) -> dict[str, str]:
    """Each reminder's status in the read model, brought up to date first only if told."""
    tracker = Tracker.connect(database_url)
    read_models = ReadModels.connect(database_url)
    try:
        if catch_up:
            read_models.catch_up(tracker)
        else:
            assert {status.lag for status in read_models.status(tracker)} == {0}
        listed = list_reminders(read_models.db, ReminderQuery())
        return {str(row.id): row.status for row in listed}
    finally:
        read_models.close()
        tracker.close()


def stored_reminders(database_url: str) -> dict[UUID, list[Any]]:
    """Every reminder in the store with all its events, read through the application."""
    tracker = Tracker.connect(database_url)
    try:
        issued = tracker.recorder.select_notifications(1, 10_000, topics=[Reminder.Created.TOPIC])
        found = {n.originator_id: tracker.repository.get(n.originator_id) for n in issued}
        return {reminder_id: reminder.bodies for reminder_id, reminder in found.items()}
    finally:
        tracker.close()


def acknowledge_first_reminder(database_url: str) -> UUID:
    """What `POST /api/reminders/{id}/acknowledge` records."""
    clock = Settings.from_env({"TRACKER_TODAY": TODAY}).clock
    tracker = Tracker.connect(database_url, clock=clock)
    try:
        [first] = tracker.recorder.select_notifications(1, 1, topics=[Reminder.Created.TOPIC])
        reminder: Any = tracker.repository.get(first.originator_id)
        reminder.acknowledge(ReminderAcknowledged(by="ana.lópez", at=clock.now()))
        tracker.save(reminder)
        return first.originator_id
    finally:
        tracker.close()


def test_demo_sweep_acknowledge_export_import_export_gives_the_same_file(
    database_url: str, copy_url: str, tmp_path: Path
) -> None:
    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    assert run(database_url, "demo", TRACKER_TODAY=TODAY).returncode == 0
    swept = run(database_url, "reminders", "sweep", TRACKER_TODAY=TODAY)
    assert swept.stdout.startswith(f"{TODAY}: ")
    acknowledged = acknowledge_first_reminder(database_url)
    assert run(database_url, "export", "--output", str(first)).returncode == 0

    imported = run(copy_url, "import", str(first))
    exported = run(copy_url, "export", "--output", str(second))

    assert imported.returncode == 0, imported.stderr
    assert exported.returncode == 0, exported.stderr
    assert second.read_bytes() == first.read_bytes()
    streams = {json.loads(line)["stream"] for line in first.read_text().splitlines()}
    assert streams == {"agreement", "reference", "reminder"}
    original = stored_reminders(database_url)
    assert len(original) >= 1
    assert stored_reminders(copy_url) == original
    restored = reminders_in(copy_url, catch_up=False)
    assert restored == reminders_in(database_url, catch_up=True)
    assert restored[str(acknowledged)] == "acknowledged"
    assert f"{len(original)} new reminder" in imported.stdout


def test_a_running_server_shows_what_is_imported_without_a_restart(
    database_url: str, copy_url: str, tmp_path: Path
) -> None:
    backup = tmp_path / "backup.jsonl"
    run(database_url, "demo", TRACKER_TODAY=TODAY)
    run(database_url, "export", "--output", str(backup))
    log = tmp_path / "serve.log"
    port = free_port()
    env = environment(copy_url, TRACKER_TODAY=TODAY, TRACKER_SCHEDULER="off")
    with log.open("w") as out:
        server = subprocess.Popen(
            [str(TRACKER), "serve", "--port", str(port)], env=env, stdout=out, stderr=out
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: _answers(f"{base}/healthz"), "the server to start")
        health = httpx.get(f"{base}/healthz").json()
        assert health == {"status": "ok", "today": TODAY, "clock": "fixed"}
        assert _listed(base) == []

        assert run(copy_url, "import", str(backup)).returncode == 0

        wait_until(lambda: len(_listed(base)) == 5, "the imported agreements to be listed")
        [dpe] = [a for a in _listed(base) if a["reference"] == "IACHR-DPE-2020"]
        note = {"type": "note_added", "text": "Noted after the import"}
        written = httpx.post(f"{base}/api/agreements/{dpe['id']}/events", json=note)
        assert written.status_code == 201, written.text
        assert written.json()["updated_at"].startswith(TODAY)
        wait_until(lambda: set(_lags(base)) == {0}, "the views to follow the note")
        [noted] = [a for a in _listed(base) if a["reference"] == "IACHR-DPE-2020"]
        assert noted["version"] == dpe["version"] + 1
    finally:
        server.terminate()
        server.wait(timeout=20)
    assert f"TRACKER_TODAY is set: today is {TODAY}" in log.read_text()


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.TransportError:
        return False


def _listed(base: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = httpx.get(f"{base}/api/agreements").json()["items"]
    return items


def _lags(base: str) -> list[int]:
    return [p["lag"] for p in httpx.get(f"{base}/readyz").json()["projections"]]
