"""Reminder sweep benchmark: the cost follows what is due, not how much is stored.

    .venv/bin/python benchmarks/bench_sweep.py [--sizes 100000,1000000] [--due 1000]

For each size, a fresh SQLite store whose dates read model holds that many
agreements, of which `--due` reminders are due on the sweep day (anniversaries,
expiries, notice deadlines, follow-ups); every other date
lies outside the windows a sweep reads. Measured in the same run, per size:
- the first sweep: reads the windows, checks which reminders exist, issues
  `--due` new reminders (one write);
- the second sweep on the same day: projects those reminder events, finds
  them all issued, issues nothing.
Target: the first sweep under 1 s at 100,000 agreements; the ratio between
sizes close to 1.

Shortcut (documented): `view_dates` is filled with rows directly instead of
recording millions of agreement events and projecting them. The sweep reads
only that table (and writes reminders to the event store), so this measures
exactly the sweep; building 1,000,000 agreements through the tracker would
take far longer than the sweep itself and is what bench_projections measures.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from uuid import UUID

from projections.service import ReadModels
from tracker.application import Tracker
from tracker.clock import FixedClock
from tracker.reminders.rules import ReminderPolicy, windows
from tracker.settings import Settings
from tracker.sweep import sweep

DAY = date(2024, 6, 1)
BATCH = 50_000
Row = tuple[str, str, str, str, str | None, str, str | None]


def _row(agreement: UUID, rule: str, due_on: date, subject: str = "") -> Row:
    month_day = due_on.strftime("%m-%d") if rule == "anniversary" else None
    return (str(agreement), rule, subject, due_on.isoformat(), month_day, "Agreement", None)


def _uuid(rng: random.Random) -> UUID:
    return UUID(int=rng.getrandbits(128), version=4)


def due_rows(rng: random.Random, due: int) -> Iterator[Row]:
    """Agreements with exactly `due` reminders due on DAY, in four equal parts: anniversaries,
    expiries, notice deadlines (with the expiry an automatic renewal moves, which is not
    reminded of) and follow-ups."""
    share = due // 4
    for n in range(share):
        yield _row(_uuid(rng), "anniversary", date(2015 + n % 8, 6, 1 + n % 14))
        yield _row(_uuid(rng), "expiry", DAY + timedelta(days=1 + n % 90))
        automatic = _uuid(rng)
        yield _row(automatic, "notice_deadline", DAY + timedelta(days=1 + n % 30))
        yield _row(automatic, "expiry", DAY + timedelta(days=60 + n % 30))
        yield _row(_uuid(rng), "follow_up", DAY + timedelta(days=n % 14), str(_uuid(rng)))


def quiet_rows(rng: random.Random, count: int, policy: ReminderPolicy) -> Iterator[Row]:
    """Agreements whose dates lie outside every window the sweep reads on DAY."""
    near = {md for w in windows(DAY, policy) for md in w.month_days}
    far = DAY + timedelta(days=400)
    for _ in range(count):
        agreement = _uuid(rng)
        signed_on = date(2010 + rng.randrange(14), 1, 1) + timedelta(days=rng.randrange(365))
        if signed_on.strftime("%m-%d") in near:
            signed_on -= timedelta(days=60)
        yield _row(agreement, "anniversary", signed_on)
        expires_on = far + timedelta(days=rng.randrange(2000))
        yield _row(agreement, "expiry", expires_on)
        if rng.random() < 0.3:
            yield _row(agreement, "notice_deadline", expires_on - timedelta(days=90))
        if rng.random() < 0.2:
            yield _row(
                agreement, "follow_up", far + timedelta(days=rng.randrange(900)), str(agreement)
            )


def fill(read_models: ReadModels, rows: Iterator[Row]) -> int:
    written = 0
    batch: list[Row] = []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            written += _insert(read_models, batch)
            batch = []
    return written + _insert(read_models, batch)


def _insert(read_models: ReadModels, rows: list[Row]) -> int:
    with read_models.db.transaction() as tx:
        tx.executemany("INSERT INTO view_dates VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    return len(rows)


@dataclass(frozen=True)
class Result:
    agreements: int
    rows: int
    fill_seconds: float
    first_seconds: float
    first_issued: int
    second_seconds: float
    second_issued: int


def run(agreements: int, due: int, folder: Path) -> Result:
    rng = random.Random(agreements)
    url = f"sqlite:///{folder / f'events-{agreements}.sqlite'}"
    clock = FixedClock(datetime(DAY.year, DAY.month, DAY.day, 6, tzinfo=UTC))
    tracker = Tracker.connect(url, clock=clock)
    read_models = ReadModels.connect(url)
    settings = Settings(database_url=url)
    started = time.perf_counter()
    rows = fill(read_models, due_rows(rng, due))
    rows += fill(read_models, quiet_rows(rng, agreements - due // 4 * 4, settings.reminders))
    read_models.db.execute("ANALYZE")
    fill_seconds = time.perf_counter() - started
    try:
        started = time.perf_counter()
        first = sweep(tracker, read_models, settings, DAY)
        first_seconds = time.perf_counter() - started
        clock.advance(timedelta(hours=1))
        started = time.perf_counter()
        second = sweep(tracker, read_models, settings, DAY)
        second_seconds = time.perf_counter() - started
    finally:
        read_models.close()
        tracker.close()
    return Result(
        agreements,
        rows,
        fill_seconds,
        first_seconds,
        len(first.issued),
        second_seconds,
        len(second.issued),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--due", type=int, default=1000)
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="bench-sweep-") as folder:
        for size in sizes:
            result = run(size, args.due, Path(folder))
            results.append(result)
            print(
                f"{result.agreements:>9,} agreements ({result.rows:,} date rows, filled in"
                f" {result.fill_seconds:.1f} s): first sweep {result.first_seconds * 1000:.0f} ms"
                f" issued {result.first_issued}; second sweep"
                f" {result.second_seconds * 1000:.0f} ms issued {result.second_issued}"
            )
    base = results[0]
    for result in results[1:]:
        print(
            f"{result.agreements:,} / {base.agreements:,} agreements:"
            f" first sweep x{result.first_seconds / base.first_seconds:.2f},"
            f" second sweep x{result.second_seconds / base.second_seconds:.2f}"
            f" (stored x{result.agreements / base.agreements:.0f})"
        )
    target = "met" if base.first_seconds < 1.0 else "MISSED"
    print(f"target: first sweep < 1 s at {base.agreements:,} agreements: {target}")


if __name__ == "__main__":
    main()
