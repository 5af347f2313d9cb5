"""The tracker's command path against the bare eventsourcing library, on the same store.

Usage: .venv/bin/python benchmarks/bench_store.py [--postgres-url URL] [--writes N]

For SQLite (a temporary file) and PostgreSQL (a throwaway schema, dropped
after), it measures:
- the tracker's command path: `Tracker.record` on an existing agreement
  (load, decide, save one `activity_recorded` event);
- the bare library doing the same: `repository.get`, one `@event` method,
  `save`, on a minimal aggregate, in the same store in the same run;
- loading an agreement of 1,000 events with snapshots (interval 50) and
  without (interval 0).
Writes are spread over many agreements and the paths take turns in rounds,
so none gets a warmer machine or a fuller table. The tracker keeps recently
used agreements in the library's aggregate cache (fast-forwarded on every
load); the bare library is measured without it, as the target asks, and
with it, for comparison.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from uuid import UUID

import psycopg
from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from events.cooperation import ActivityCategory, ActivityRecorded  # noqa: E402
from events.drafting import AgreementKind, Drafted  # noqa: E402
from events.lifecycle import Signed  # noqa: E402
from events.parties import Party, PartyType  # noqa: E402
from events.records import NoteAdded  # noqa: E402
from tracker.aggregate import Agreement  # noqa: E402
from tracker.application import Tracker  # noqa: E402
from tracker.clock import FixedClock  # noqa: E402
from tracker.state import Record  # noqa: E402
from tracker.store import Database  # noqa: E402

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"
NOW = datetime(2025, 6, 1, 12, tzinfo=UTC)
ROUNDS = 6


class Counter(Aggregate):
    """The bare library's aggregate: one event that carries a little text."""

    def __init__(self, title: str) -> None:
        self.title = title
        self.notes: list[str] = []

    @event("Noted")
    def note(self, text: str) -> None:
        self.notes.append(text)


class BareApplication(Application[UUID]):
    pass


def _draft(number: int) -> Drafted:
    return Drafted(
        occurred_on=date(2024, 1, 10),
        reference=f"BENCH-{number:05d}",
        title=f"Convenio de cooperación número {number}",
        kind=AgreementKind.COOPERATION_AGREEMENT,
        parties=[Party(name="Comisión Interamericana", type=PartyType.INTERNATIONAL_ORGANIZATION)],
    )


def _activity(n: int) -> ActivityRecorded:
    return ActivityRecorded(
        occurred_on=date(2025, 5, 1), category=ActivityCategory.TRAINING, title=f"Taller {n}"
    )


def _rate(writes: int, seconds: float) -> float:
    return writes / seconds if seconds else float("inf")


def command_paths(
    url: str, bare_url: str, agreements: int, writes: int
) -> tuple[float, float, float]:
    """Events per second: the tracker, the bare library, the bare library with a cache.

    The tracker keeps recently used agreements in the library's aggregate cache
    (with fast-forward); the third figure gives the bare library the same.
    """
    clock = FixedClock(NOW)
    tracker = Tracker.connect(url, clock=clock)
    bare_database = Database(bare_url)
    bare_database.ensure_schema()
    bare = BareApplication(bare_database.store_env())
    cached = BareApplication({**bare_database.store_env(), **Tracker.env})
    try:
        tracker_ids = []
        for n in range(agreements):
            state = tracker.draft(_draft(n), "bench")
            tracker.record(
                state.id,
                Signed(occurred_on=date(2024, 2, 1), enters_into_force_on=date(2024, 2, 1)),
                "bench",
            )
            tracker_ids.append(state.id)
        bare_ids = []
        for n in range(agreements):
            counter = Counter(title=f"Convenio {n}")
            counter.note("firmado")
            bare.save(counter)
            bare_ids.append(counter.id)

        def tracker_write(i: int) -> None:
            tracker.record(tracker_ids[i % agreements], _activity(i), "bench")

        def bare_write(app: BareApplication, i: int) -> None:
            counter: Aggregate = app.repository.get(bare_ids[i % agreements])
            assert isinstance(counter, Counter)
            counter.note(f"Taller {i}")
            app.save(counter)

        spent = {"tracker": 0.0, "bare": 0.0, "cached": 0.0}
        per_round = writes // ROUNDS
        paths: list[tuple[str, Callable[[int], None]]] = [
            ("tracker", tracker_write),
            ("bare", lambda i: bare_write(bare, i)),
            ("cached", lambda i: bare_write(cached, i)),
        ]
        for round_ in range(ROUNDS):
            order = paths[round_ % 3 :] + paths[: round_ % 3]
            for name, write in order:
                started = time.perf_counter()
                for i in range(round_ * per_round, (round_ + 1) * per_round):
                    write(i)
                spent[name] += time.perf_counter() - started
        done = per_round * ROUNDS
        return tuple(_rate(done, spent[name]) for name, _ in paths)  # type: ignore[return-value]
    finally:
        for app in (tracker, bare, cached):
            app.close()


def long_agreement_loads(url: str, events: int) -> tuple[float, float]:
    """Median seconds to load (and fold) one agreement of `events` events: snapshots on, off."""
    clock = FixedClock(NOW)
    writer = Tracker.connect(url, clock=clock, snapshot_interval=50)
    # Readers without the aggregate cache, so every load reads and folds the whole agreement.
    uncached = {**Database(url).store_env(), "AGGREGATE_CACHE_MAXSIZE": ""}
    with_snapshots = Tracker(uncached, clock=clock, snapshot_interval=50)
    without = Tracker(uncached, clock=clock, snapshot_interval=0)
    try:
        agreement_id = writer.draft(_draft(99_999), "bench").id
        agreement: Aggregate = writer.repository.get(agreement_id)
        assert isinstance(agreement, Agreement)
        # Valid notes appended directly: deciding each of them would time the setup, not the load.
        while agreement.version < events:
            version = agreement.version + 1
            note = NoteAdded(occurred_on=date(2024, 1, 10), text=f"nota {version}")
            moment = NOW + timedelta(seconds=version)
            agreement.append(
                Record(agreement_id, version, note.occurred_on or date.min, moment, "bench", note)
            )
            if version % 100 == 0 or version == events:
                writer.save(agreement)
        assert writer.snapshots is not None and list(writer.snapshots.get(agreement_id))

        def load(app: Tracker) -> float:
            timings = []
            for _ in range(5):
                started = time.perf_counter()
                state = app.state(agreement_id)
                timings.append(time.perf_counter() - started)
                assert state.version == events and len(state.notes) == events - 1
            return statistics.median(timings)

        return load(with_snapshots), load(without)
    finally:
        for app in (writer, with_snapshots, without):
            app.close()


def run(name: str, urls: tuple[str, str], agreements: int, writes: int, events: int) -> None:
    """Both measures on one store: `urls` are the tracker's and the bare library's."""
    started = time.perf_counter()
    url, bare_url = urls
    tracker_rate, bare_rate, cached_rate = command_paths(url, bare_url, agreements, writes)
    snap, full = long_agreement_loads(url, events)
    print(f"{name}:")
    print(f"  tracker command path   {tracker_rate:8.0f} events/s")
    print(f"  bare library           {bare_rate:8.0f} events/s")
    print(f"  ratio                  {tracker_rate / bare_rate:8.2f}x  (target >= 0.80x)")
    print(f"  bare library, cached   {cached_rate:8.0f} events/s (the tracker's aggregate cache)")
    print(f"  ratio to cached        {tracker_rate / cached_rate:8.2f}x")
    print(f"  load {events} events   {snap * 1000:8.1f} ms with snapshots (interval 50)")
    print(f"  load {events} events   {full * 1000:8.1f} ms without snapshots (interval 0)")
    print(f"  ({time.perf_counter() - started:.1f} s)")


def postgres_reachable(url: str) -> str | None:
    try:
        with psycopg.connect(url, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as error:
        return str(error).strip()
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL)
    parser.add_argument("--agreements", type=int, default=200)
    parser.add_argument("--writes", type=int, default=2000)
    parser.add_argument("--events", type=int, default=1000)
    args = parser.parse_args()
    print(f"{args.writes} writes over {args.agreements} agreements per path and store")

    with tempfile.TemporaryDirectory() as directory:
        url = f"sqlite:///{Path(directory) / 'bench.sqlite'}"
        run("SQLite (temporary file)", (url, url), args.agreements, args.writes, args.events)

    problem = postgres_reachable(args.postgres_url)
    if problem is not None:
        print(f"PostgreSQL skipped: {args.postgres_url} is unreachable ({problem})")
        return
    # Two schemas: with database functions on, two applications in one schema share one
    # insert function, and the second one created would write the other's events.
    schemas = [f"bench_{uuid.uuid4().hex[:12]}" for _ in range(2)]
    urls = (f"{args.postgres_url}?schema={schemas[0]}", f"{args.postgres_url}?schema={schemas[1]}")
    try:
        run("PostgreSQL (throwaway schemas)", urls, args.agreements, args.writes, args.events)
    finally:
        with psycopg.connect(args.postgres_url, autocommit=True) as conn:
            for schema in schemas:
                drop = sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE")
                conn.execute(drop.format(sql.Identifier(schema)))


if __name__ == "__main__":
    main()
