"""Projecting events so that one a projection cannot process harms only its own agreement.

A projection's share of a batch is first processed whole, inside a savepoint:
the usual case, as fast as ever. When that raises, the savepoint is rolled
back and the batch's agreements are halved until each failing one is alone
(k failing agreements among n cost about 2k·log2(n) attempts). A failing
agreement's events are halved the same way, each part processed with the
state it leads to, until the event that fails is found: the events before it
are kept, so its rows stop at the last event that worked, and it is recorded
as failed and the later ones as waiting behind it (see `projections.failures`).

Events of one agreement processed together leave its rows at the state after
the last of them, so an event that fails alone (a title a view cannot hold)
passes together with a later one that mends it (the title amended). A retry
therefore processes each agreement's waiting events together first.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from uuid import UUID

from eventsourcing.persistence import Notification

from projections.base import AGREEMENT_TOPICS, Batch, Positioned, Projection
from projections.db import Tx
from projections.failures import Failure, describe, transient
from projections.folds import StatesAt
from tracker.application import Tracker
from tracker.state import AgreementState

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Unreadable:
    """A stored event that could not be decoded: failed for every projection that reads it."""

    position: int
    topic: str
    originator_id: UUID
    error: Exception


Entry = Positioned | Unreadable


def decode(
    tracker: Tracker, notifications: Sequence[Notification], wanted: frozenset[str] | None
) -> list[Entry]:
    """The notifications of the wanted topics (None: all), decoded where they can be."""
    entries: list[Entry] = []
    for n in notifications:
        if wanted is not None and n.topic not in wanted:
            continue
        try:
            entries.append(Positioned(n.id, n.topic, tracker.mapper.to_domain_event(n)))
        except Exception as error:
            if transient(error):
                raise
            entries.append(Unreadable(n.id, n.topic, UUID(str(n.originator_id)), error))
    return entries


def waiting(position: int) -> str:
    return f"waits for the event at position {position} of the same agreement"


class Projector:
    """Runs projections over events in one open transaction, each agreement's failures apart."""

    def __init__(self, tx: Tx, tracker: Tracker) -> None:
        self.tx = tx
        self.tracker = tracker
        self._loaded: dict[tuple[UUID, int], AgreementState] = {}

    def states_at(self, versions: Mapping[UUID, int]) -> StatesAt:
        """Agreement states at these versions, loaded once however many projections ask."""
        return StatesAt(self.tracker, versions, self._loaded)

    def project(
        self,
        projection: Projection,
        entries: Sequence[Entry],
        states: Mapping[UUID, AgreementState],
        parked: Mapping[UUID, int],
    ) -> list[Failure]:
        """Process `entries` (log order); the failures, events waiting behind one included.

        `states` holds each agreement's state after all its entries; `parked`
        maps each agreement already parked for this projection to its failed event.
        """
        failures: list[Failure] = []
        held = dict(parked)
        ready: list[Positioned] = []
        for entry in entries:
            blocked_by = held.get(entry.originator_id)
            if blocked_by is not None:
                failures.append(_failure(projection, entry, waiting(blocked_by), blocked_by))
            elif isinstance(entry, Unreadable):
                failures.append(self._failed(projection, entry, entry.error))
                held[entry.originator_id] = entry.position
            else:
                ready.append(entry)
        error = self._attempt(projection, Batch(ready, states)) if ready else None
        if error is not None:
            self._halve(projection, list(_by_agreement(ready).values()), states, error, failures)
        return failures

    def _halve(
        self,
        projection: Projection,
        groups: list[list[Positioned]],
        states: Mapping[UUID, AgreementState],
        error: Exception,
        failures: list[Failure],
    ) -> None:
        """`groups` (one per agreement) failed together with `error`: find which of them fail."""
        if len(groups) == 1:
            self._first_failure(projection, groups[0], error, failures)
            return
        middle = len(groups) // 2
        for half in (groups[:middle], groups[middle:]):
            events = sorted((e for group in half for e in group), key=lambda e: e.position)
            failed = self._attempt(projection, Batch(events, states))
            if failed is not None:
                self._halve(projection, half, states, failed, failures)

    def _first_failure(
        self,
        projection: Projection,
        events: list[Positioned],
        error: Exception,
        failures: list[Failure],
    ) -> None:
        """One agreement's events failed together with `error`: keep all before the culprit.

        Halving again: the first half of the events still in question is
        processed on its own, with the state it leads to. If that works it is
        kept and the culprit is in the second half; else it is in the first,
        and the second waits. The event left is the culprit.
        """
        pending = events
        while len(pending) > 1:
            first = pending[: len(pending) // 2]
            failed = self._attempt(projection, self._alone(first))
            if failed is None:
                pending = pending[len(first) :]
            else:
                pending, error = first, failed
        culprit = pending[0]
        failures.append(self._failed(projection, culprit, error))
        failures.extend(
            _failure(projection, later, waiting(culprit.position), culprit.position)
            for later in events[events.index(culprit) + 1 :]
        )

    def _alone(self, events: list[Positioned]) -> Batch:
        """A batch of some of one agreement's events, with the state the last of them leads to."""
        last = events[-1]
        if last.topic not in AGREEMENT_TOPICS:
            return Batch(events, {})
        return Batch(events, self.states_at({last.originator_id: last.version}))

    def _attempt(self, projection: Projection, batch: Batch) -> Exception | None:
        """Process a batch in a savepoint; the error that undid it, if any."""
        try:
            with self.tx.savepoint():
                projection.process(self.tx, batch)
        except Exception as error:
            if transient(error):
                raise
            return error
        return None

    @staticmethod
    def _failed(projection: Projection, entry: Entry, error: Exception) -> Failure:
        log.warning(
            "the %s view cannot process event %d of %s; it is parked at its last good state",
            projection.name,
            entry.position,
            entry.originator_id,
            exc_info=error,
        )
        return _failure(projection, entry, describe(error))


def _failure(
    projection: Projection, entry: Entry, error: str, blocked_by: int | None = None
) -> Failure:
    return Failure(
        projection.name, entry.position, entry.originator_id, entry.topic, error, blocked_by
    )


def _by_agreement(events: Sequence[Positioned]) -> dict[UUID, list[Positioned]]:
    """The events of each agreement (or reminder), in log order."""
    groups: dict[UUID, list[Positioned]] = {}
    for event in events:
        groups.setdefault(event.originator_id, []).append(event)
    return groups
