"""Several processes on one PostgreSQL store: start-up, catch-ups and DDL never collide."""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Callable, Iterator

import psycopg
import pytest

from events.lifecycle import Signed
from events.records import NoteAdded
from projections.db import WRITER_LOCK
from projections.service import ReadModels
from tests.integration.projection_helpers import draft, dump, follow_in_process
from tracker.application import Tracker
from tracker.clock import FixedClock
from tracker.store import Database


def history(tracker: Tracker, count: int, first: int = 0) -> None:
    """`count` agreements of three events each."""
    for n in range(first, first + count):
        agreement = draft(tracker, f"Agreement {n}")
        tracker.record(agreement, Signed(), "tester")
        tracker.record(agreement, NoteAdded(text=f"note {n}"), "tester")


@pytest.fixture
def tracker(postgres_url: str, clock: FixedClock) -> Iterator[Tracker]:
    """The events on PostgreSQL: every test here is about processes sharing one server."""
    app = Tracker.connect(postgres_url, clock=clock)
    yield app
    app.close()


@pytest.fixture
def session(postgres_url: str) -> Iterator[psycopg.Connection[tuple[object, ...]]]:
    """A separate connection to the schema, to hold locks as another process would."""
    database = Database(postgres_url)
    with psycopg.connect(database.conninfo, options=f"-c search_path={database.schema}") as conn:
        yield conn


def finishes(action: Callable[[], object], within: float = 5.0) -> bool:
    done = threading.Event()

    def run() -> None:
        action()
        done.set()

    threading.Thread(target=run, daemon=True).start()
    return done.wait(within)


def test_starting_up_takes_no_lock_once_the_schema_exists(
    postgres_url: str, session: psycopg.Connection[tuple[object, ...]]
) -> None:
    ReadModels.connect(postgres_url).close()
    # As a batch in another process would: the writer lock, and its tables in use.
    session.execute(f"SELECT pg_advisory_xact_lock({WRITER_LOCK}, hashtext(current_schema()))")
    session.execute("LOCK TABLE view_positions, view_agreements IN EXCLUSIVE MODE")
    opened: list[ReadModels] = []
    assert finishes(lambda: opened.append(ReadModels.connect(postgres_url)))
    session.rollback()
    opened[0].close()


def test_a_catch_up_leaves_a_batch_to_the_worker_storing_one(
    tracker: Tracker, postgres_url: str, session: psycopg.Connection[tuple[object, ...]]
) -> None:
    history(tracker, 2)
    read_models = ReadModels.connect(postgres_url)
    try:
        session.execute(f"SELECT pg_advisory_xact_lock({WRITER_LOCK}, hashtext(current_schema()))")
        caught_up: list[int] = []
        assert finishes(lambda: caught_up.append(read_models.catch_up(tracker)))
        assert caught_up == [0]
        assert set(read_models.positions().values()) == {0}
        session.rollback()
        assert read_models.catch_up(tracker) == tracker.recorder.max_notification_id()
    finally:
        read_models.close()


def test_two_start_ups_while_a_third_catches_up(tracker: Tracker, postgres_url: str) -> None:
    history(tracker, 60)
    following = ReadModels.connect(postgres_url)
    errors: list[BaseException] = []

    def start_up() -> None:
        """A process starting after an upgrade: its schema is not recorded yet."""
        try:
            for _ in range(5):
                following.db.execute("DELETE FROM view_schema")
                ReadModels.connect(postgres_url).close()
        except BaseException as error:
            errors.append(error)

    def catch_up() -> None:
        following.catch_up(tracker)
        for _ in range(2):
            following.rebuild(tracker)

    catching_up = threading.Thread(target=catch_up)
    starting = [threading.Thread(target=start_up) for _ in range(2)]
    try:
        for thread in [catching_up, *starting]:
            thread.start()
        for thread in [catching_up, *starting]:
            thread.join(60)
        assert errors == []
        following.catch_up(tracker)
        head = tracker.recorder.max_notification_id()
        assert set(following.positions().values()) == {head}
        caught_up = dump(following)
        following.rebuild(tracker)
        assert dump(following) == caught_up
    finally:
        following.close()


def test_runners_in_several_processes_store_each_event_once(
    tracker: Tracker, postgres_url: str
) -> None:
    history(tracker, 20)
    context = multiprocessing.get_context("spawn")
    stop, results = context.Event(), context.Queue()
    workers = [
        context.Process(target=follow_in_process, args=(postgres_url, stop, results))
        for _ in range(3)
    ]
    for worker in workers:
        worker.start()
    read_models = ReadModels.connect(postgres_url)
    try:
        history(tracker, 20, first=20)
        assert read_models.wait_for(tracker, timeout=60)
        stop.set()
        reports = [results.get(timeout=60) for _ in workers]
        for worker in workers:
            worker.join(30)
        assert reports == [{"logged": [], "last_error": None}] * len(workers)
        together = dump(read_models)
        assert len(together["view_timeline"]) == 40 * 3
        read_models.rebuild(tracker)
        assert dump(read_models) == together
    finally:
        stop.set()
        read_models.close()
