"""Writers racing on one store, each with its own Tracker, as separate processes would.

The writers' clock waits at a barrier: the Tracker reads the clock after it
has loaded the agreement and before it saves, so every writer has seen the
same version when the first one saves. The race is then certain, not likely.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime

import pytest

from events.drafting import AgreementKind, Drafted
from events.records import NoteAdded
from tests.unit.timelines import COMMISSION
from tracker.application import Tracker
from tracker.clock import FixedClock
from tracker.errors import DomainError, DuplicateReference, WriteConflict
from tracker.state import AgreementState

WRITERS = 4
NOW = datetime(2024, 6, 1, 9, 30, tzinfo=UTC)


class BarrierClock(FixedClock):
    """A fixed clock that holds every reader until all writers have asked for the time."""

    def __init__(self, barrier: threading.Barrier) -> None:
        super().__init__(NOW)
        self.barrier = barrier

    def now(self) -> datetime:
        self.barrier.wait(timeout=20)
        return super().now()


@pytest.fixture
def writers(database_url: str) -> Iterator[list[Tracker]]:
    barrier = threading.Barrier(WRITERS)
    apps = [Tracker.connect(database_url, clock=BarrierClock(barrier)) for _ in range(WRITERS)]
    yield apps
    for app in apps:
        app.close()


def race(
    writers: list[Tracker], write: Callable[[Tracker, int], AgreementState]
) -> list[AgreementState | DomainError]:
    """Run `write` in one thread per writer; each result is a state or the refusal."""

    def attempt(index: int) -> AgreementState | DomainError:
        try:
            return write(writers[index], index)
        except DomainError as refusal:
            return refusal

    with ThreadPoolExecutor(max_workers=len(writers)) as pool:
        return list(pool.map(attempt, range(len(writers))))


def draft(reference: str | None) -> Drafted:
    return Drafted(
        occurred_on=date(2024, 1, 10),
        reference=reference,
        title="Convenio de cooperación",
        kind=AgreementKind.COOPERATION_AGREEMENT,
        parties=[COMMISSION],
    )


def test_drafts_racing_for_one_reference_store_exactly_one(
    writers: list[Tracker], tracker: Tracker
) -> None:
    results = race(writers, lambda app, i: app.draft(draft("CIDH-CARRERA"), f"writer-{i}"))
    won = [r for r in results if isinstance(r, AgreementState)]
    lost = [r for r in results if not isinstance(r, AgreementState)]
    assert len(won) == 1
    assert all(isinstance(r, DuplicateReference) for r in lost), lost
    assert {r.agreement_id for r in lost if isinstance(r, DuplicateReference)} == {won[0].id}
    assert tracker.agreement_for_reference("CIDH-CARRERA") == won[0].id
    stored = tracker.recorder.select_notifications(1, 100)
    assert len(stored) == 2  # the draft and its reference claim


def test_writers_to_one_agreement_win_once_per_version(
    writers: list[Tracker], tracker: Tracker
) -> None:
    agreement = tracker.draft(draft(None), "setup").id
    saved: list[str] = []
    for round_ in range(3):
        results = race(
            writers,
            lambda app, i, r=round_: app.record(  # type: ignore[misc]
                agreement, NoteAdded(text=f"round {r} writer {i}"), f"writer-{i}"
            ),
        )
        won = [r for r in results if isinstance(r, AgreementState)]
        assert len(won) == 1, results
        assert won[0].version == round_ + 2
        assert sum(isinstance(r, WriteConflict) for r in results) == WRITERS - 1, results
        saved.append(won[0].notes[-1].text)
    history = tracker.history(agreement)
    assert [r.version for r in history] == [1, 2, 3, 4]
    assert [n.text for n in tracker.state(agreement).notes] == saved
