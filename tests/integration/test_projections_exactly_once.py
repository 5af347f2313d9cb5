"""Exactly once: a crash inside a batch stores nothing of it, a replay doubles nothing."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from events.lifecycle import Signed
from events.records import NoteAdded
from projections.agreements import AgreementsProjection
from projections.base import Batch
from projections.dates import DatesProjection
from projections.db import Tx
from projections.listing import AgreementQuery
from projections.registry import PROJECTIONS
from projections.runner import ProjectionRunner
from projections.service import BATCH_SIZE, PositionMoved, ReadModels
from projections.timeline import TimelineProjection
from tests.integration.projection_helpers import draft, dump
from tracker.application import Tracker
from tracker.cli import app


class Crash(BaseException):
    """The process dying half-way: not an event's fault, so nothing is recorded as one."""


class CrashingTimeline(TimelineProjection):
    """Writes its rows, then fails: as if the process died half-way through a batch."""

    armed = False

    def process(self, tx: Tx, batch: Batch) -> None:
        super().process(tx, batch)
        if self.armed:
            raise Crash


@pytest.fixture
def read_models(database_url: str) -> Iterator[ReadModels]:
    models = ReadModels.connect(database_url)
    yield models
    models.close()


def some_history(tracker: Tracker, count: int = 3) -> None:
    """`count` agreements of three events each, and a reference claim each."""
    known = len(tracker.recorder.select_notifications(0, 10_000, inclusive_of_start=False))
    for n in range(known, known + count):
        agreement = draft(tracker, f"Agreement {n}", reference=f"REF-{n}")
        tracker.record(agreement, Signed(), "tester")
        tracker.record(agreement, NoteAdded(text=f"note {n}"), "tester")


def test_a_crash_inside_a_batch_stores_nothing_of_it(tracker: Tracker, database_url: str) -> None:
    timeline = CrashingTimeline()
    models = ReadModels.connect(database_url, [AgreementsProjection(), timeline, DatesProjection()])
    try:
        some_history(tracker)
        models.catch_up(tracker)
        before = dump(models)
        some_history(tracker, 2)
        timeline.armed = True
        with pytest.raises(Crash):
            models.catch_up(tracker)
        assert dump(models) == before
        timeline.armed = False
        models.catch_up(tracker)
        restarted = dump(models)
        assert len(restarted["view_timeline"]) == 5 * 3
        models.rebuild(tracker)
        assert dump(models) == restarted
    finally:
        models.close()


def test_a_batch_already_stored_is_refused_whole(tracker: Tracker, read_models: ReadModels) -> None:
    some_history(tracker)
    read_models.catch_up(tracker)
    stored = dump(read_models)
    log = tracker.recorder.select_notifications(0, BATCH_SIZE, inclusive_of_start=False)
    replay = {p.name: 0 for p in read_models.projections}
    with pytest.raises(PositionMoved), read_models.db.transaction() as tx:
        read_models._process(tx, tracker, log, replay)
    assert dump(read_models) == stored
    assert read_models.catch_up(tracker) == 0
    assert dump(read_models) == stored


def test_two_workers_on_one_view_store_each_event_once(
    tracker: Tracker, read_models: ReadModels, database_url: str
) -> None:
    some_history(tracker, 5)
    other = ReadModels.connect(database_url)
    try:
        workers = [
            threading.Thread(target=models.catch_up, args=(tracker,))
            for models in (read_models, other)
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        together = dump(read_models)
        read_models.rebuild(tracker)
        assert dump(read_models) == together
        assert len(together["view_timeline"]) == 15
    finally:
        other.close()


def test_a_list_after_a_write_sees_the_write(tracker: Tracker, read_models: ReadModels) -> None:
    runner = ProjectionRunner(tracker, read_models, interval=0.05)
    runner.start()
    try:
        for n in range(3):
            agreement = draft(tracker, f"Written {n}")
            assert read_models.wait_for(tracker, timeout=5.0)
            newest = read_models.list_agreements(AgreementQuery(limit=1)).items[0]
            assert newest["id"] == str(agreement)
    finally:
        runner.stop()
    assert runner.last_error is None


def test_waiting_is_bounded_when_nothing_catches_up(
    tracker: Tracker, read_models: ReadModels
) -> None:
    draft(tracker, "Never projected")
    assert read_models.wait_for(tracker, timeout=0.1) is False
    read_models.catch_up(tracker)
    assert read_models.wait_for(tracker, timeout=0.1) is True


def test_the_command_line_rebuilds_and_reports(
    tracker: Tracker, read_models: ReadModels, database_url: str
) -> None:
    some_history(tracker)
    read_models.catch_up(tracker)
    projected = dump(read_models)
    cli = CliRunner()
    env = {"TRACKER_DATABASE_URL": database_url}
    rebuilt = cli.invoke(app, ["projections", "rebuild"], env=env)
    assert rebuilt.exit_code == 0, rebuilt.output
    head = tracker.recorder.max_notification_id() or 0
    assert f"from {head} events" in rebuilt.output
    assert dump(read_models) == projected
    draft(tracker, "Not projected yet")
    status = cli.invoke(app, ["projections", "status"], env=env)
    assert status.exit_code == 0, status.output
    lines = status.stdout.splitlines()
    assert lines[1].split() == ["agreements", str(head), str(head + 1), "1"]
    assert [line.split()[0] for line in lines[1:]] == [p.name for p in PROJECTIONS]
