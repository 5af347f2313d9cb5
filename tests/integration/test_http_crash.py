"""SIGKILL during a burst of writes: no acknowledged event is lost, and the views,
once the restarted server has caught up, equal a rebuild from the events."""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from projections.service import ReadModels
from tests.integration.projection_helpers import opened
from tracker.application import Tracker

TRACKER = Path(sys.executable).with_name("tracker")
WRITERS = 4
ACKS_BEFORE_KILL = 60


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def server(database_url: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`tracker serve` in its own process, yielded once it answers."""
    port = free_port()
    env = {**os.environ, "TRACKER_DATABASE_URL": database_url, "TRACKER_SCHEDULER": "off"}
    process = subprocess.Popen(
        [str(TRACKER), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: _answers(f"{base}/healthz"), "the server to start")
        yield base, process
    finally:
        if process.poll() is None:
            process.terminate()
        process.wait(timeout=20)


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.TransportError:
        return False


def wait_until(condition: Any, what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.05)


def burst(base: str, agreements: list[str], acked: list[tuple[str, int, str]], n: int) -> None:
    """Write notes until the server dies; keep the ones it acknowledged with 201.

    Any other answer is kept with a negative version, so the test can report it.
    """
    rng = random.Random(n)
    with httpx.Client(base_url=base, timeout=5) as client:
        for i in range(10_000):
            agreement_id = rng.choice(agreements)
            text = f"writer {n} note {i}"
            try:
                response = client.post(
                    f"/api/agreements/{agreement_id}/events",
                    json={"type": "note_added", "text": text},
                )
            except httpx.TransportError:
                return
            if response.status_code != 201:
                acked.append((agreement_id, -response.status_code, response.text))
                return
            acked.append((agreement_id, response.json()["version"], text))


def view_rows(read_models: ReadModels) -> dict[str, list[str]]:
    return {
        table: sorted(
            repr(sorted(opened(read_models, table, row).items()))
            for row in read_models.db.fetch(f"SELECT * FROM {table}")
        )
        for projection in read_models.projections
        for table in projection.tables
    }


def test_sigkill_during_a_burst_loses_no_acknowledged_write(tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path / 'events.sqlite'}"
    acked: list[tuple[str, int, str]] = []
    with server(database_url) as (base, process):
        agreements = [
            httpx.post(f"{base}/api/agreements", json={"title": f"A{i}", "kind": "other"}).json()[
                "id"
            ]
            for i in range(20)
        ]
        writers = [
            threading.Thread(target=burst, args=(base, agreements, acked, n))
            for n in range(WRITERS)
        ]
        for writer in writers:
            writer.start()
        wait_until(lambda: len(acked) >= ACKS_BEFORE_KILL, "writes to be acknowledged")
        process.send_signal(signal.SIGKILL)
        for writer in writers:
            writer.join(timeout=30)
        assert process.wait(timeout=10) == -signal.SIGKILL

    assert [ack for ack in acked if ack[1] < 0] == [], "every write before the kill succeeds"
    assert len(acked) >= ACKS_BEFORE_KILL
    with server(database_url) as (base, _):

        def caught_up() -> bool:
            projections = httpx.get(f"{base}/readyz").json()["projections"]
            return all(p["lag"] == 0 for p in projections)

        wait_until(caught_up, "the views to catch up")
        for agreement_id, version, text in acked:
            events = httpx.get(f"{base}/api/agreements/{agreement_id}/history").json()["events"]
            assert events[version - 1]["data"]["text"] == text

    tracker = Tracker.connect(database_url)
    read_models = ReadModels.connect(database_url)
    try:
        before = view_rows(read_models)
        read_models.rebuild(tracker)
        assert view_rows(read_models) == before
        assert sum(len(rows) for rows in before.values()) > len(acked)
    finally:
        read_models.close()
        tracker.close()
