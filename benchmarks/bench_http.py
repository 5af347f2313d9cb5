"""HTTP write throughput: the tracker's API against a minimal endpoint on the same library.

Both servers run under uvicorn (one worker) in their own process, each on a
copy of one temporary SQLite store holding 1,000 drafted agreements. The same
concurrent clients (threads, on 127.0.0.1) record `note_added` events on
random agreements, through:

- ours: `POST /api/agreements/{id}/events` (`tracker serve`: validation of the
  whole event union, auth, body limit, the full state in the response, and the
  projection runner following the log in the same process);
- bare: a FastAPI endpoint defined here that calls `Tracker.record` and
  answers the new version.

The load alternates between the two in rounds, both servers up throughout.
Prints requests/s, p50 and p99 for each, and the ratio (target: >= 0.7x).
Usage: .venv/bin/python benchmarks/bench_http.py [--requests N] [--clients N]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import uvicorn
from fastapi import Body, FastAPI

from events.drafting import AgreementKind, Drafted
from events.records import NoteAdded
from tracker.application import Tracker
from tracker.errors import WriteConflict

AGREEMENTS = 1_000
ROUNDS = 3
TRACKER = Path(sys.executable).with_name("tracker")


def bare_app(database_url: str) -> FastAPI:
    """The least an HTTP endpoint can do to append an event with the library."""
    tracker = Tracker.connect(database_url)
    app = FastAPI()

    @app.post("/append/{agreement_id}")
    def append(agreement_id: UUID, text: str = Body(embed=True)) -> dict[str, int]:
        while True:  # two clients may pick the same agreement: the loser tries again
            try:
                state = tracker.record(agreement_id, NoteAdded(text=text), "bench")
            except WriteConflict:
                continue
            return {"version": state.version}

    return app


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running(command: list[str], env: dict[str, str], ready_url: str) -> Iterator[None]:
    process = subprocess.Popen(
        command, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 60
        while not _ready(ready_url):
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError(f"{command[0]} did not become ready")
            time.sleep(0.1)
        yield
    finally:
        process.terminate()
        process.wait(timeout=30)


def _ready(url: str) -> bool:
    try:
        response = httpx.get(url, timeout=2)
    except httpx.TransportError:
        return False
    if response.status_code != 200:
        return False
    body = response.json()
    return all(p["lag"] == 0 for p in body.get("projections", []))


def seed(path: Path) -> list[str]:
    tracker = Tracker.connect(f"sqlite:///{path}", snapshot_interval=50)
    try:
        body = Drafted(title="Benchmark agreement", kind=AgreementKind.OTHER)
        return [str(tracker.draft(body, "bench").id) for _ in range(AGREEMENTS)]
    finally:
        tracker.close()


def load(
    url_for: Any, body_for: Any, ids: list[str], requests: int, clients: int
) -> tuple[float, list[float]]:
    """`requests` POSTs from `clients` threads; returns wall seconds and each latency."""
    latencies: list[float] = []
    failures: list[str] = []
    per_client = requests // clients

    def client(n: int) -> None:
        rng = random.Random(n)
        with httpx.Client(timeout=30) as http:
            for i in range(per_client):
                started = time.perf_counter()
                response = http.post(url_for(rng.choice(ids)), json=body_for(f"note {n}-{i}"))
                latencies.append(time.perf_counter() - started)
                if response.status_code not in {200, 201}:
                    failures.append(f"{response.status_code} {response.text[:200]}")

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if failures:
        raise RuntimeError(f"{len(failures)} requests failed, e.g. {failures[0]}")
    return elapsed, latencies


def report(name: str, elapsed: float, latencies: list[float]) -> float:
    rate = len(latencies) / elapsed
    cuts = statistics.quantiles(latencies, n=100)
    p50, p99 = cuts[49] * 1000, cuts[98] * 1000
    print(f"{name:<6} {rate:8.0f} req/s   p50 {p50:6.1f} ms   p99 {p99:6.1f} ms")
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--requests", type=int, default=3_000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--bare-server", nargs=2, metavar=("PORT", "DATABASE_URL"))
    args = parser.parse_args()
    if args.bare_server:
        port, database_url = args.bare_server
        uvicorn.run(bare_app(database_url), host="127.0.0.1", port=int(port), log_level="error")
        return

    with tempfile.TemporaryDirectory() as tmp:
        seeded = Path(tmp) / "seed.sqlite"
        ids = seed(seeded)
        ours_db, bare_db = Path(tmp) / "ours.sqlite", Path(tmp) / "bare.sqlite"
        shutil.copy(seeded, ours_db)
        shutil.copy(seeded, bare_db)
        writes = f"{args.requests} writes from {args.clients} clients per server"
        print(f"{AGREEMENTS} agreements; {writes}")

        bare_port, port = free_port(), free_port()
        bare_cmd = [
            sys.executable,
            __file__,
            "--bare-server",
            str(bare_port),
            f"sqlite:///{bare_db}",
        ]
        env = {"TRACKER_DATABASE_URL": f"sqlite:///{ours_db}", "TRACKER_SCHEDULER": "off"}
        serve_cmd = [str(TRACKER), "serve", "--port", str(port)]
        targets = {
            "bare": (
                lambda i: f"http://127.0.0.1:{bare_port}/append/{i}",
                lambda text: {"text": text},
            ),
            "ours": (
                lambda i: f"http://127.0.0.1:{port}/api/agreements/{i}/events",
                lambda text: {"type": "note_added", "text": text},
            ),
        }
        totals: dict[str, tuple[float, list[float]]] = {name: (0.0, []) for name in targets}
        with (
            running(bare_cmd, {}, f"http://127.0.0.1:{bare_port}/openapi.json"),
            running(serve_cmd, env, f"http://127.0.0.1:{port}/readyz"),
        ):
            for _ in range(ROUNDS):  # alternating, so background load weighs on both alike
                for name, (url_for, body_for) in targets.items():
                    elapsed, latencies = load(
                        url_for, body_for, ids, args.requests // ROUNDS, args.clients
                    )
                    spent, seen = totals[name]
                    totals[name] = (spent + elapsed, seen + latencies)
        rates = {name: report(name, *totals[name]) for name in targets}
        print(f"ratio  {rates['ours'] / rates['bare']:.2f}x (target >= 0.70x)")


if __name__ == "__main__":
    main()
