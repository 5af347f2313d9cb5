"""Projecting events so that one a projection cannot process harms only its own agreement.

A projection's share of a batch is first processed whole, inside a savepoint:
the usual case, as fast as ever. When that raises, the savepoint is rolled
back and the batch's agreements are halved until each failing one is alone
(k failing agreements among n cost about 2k·log2(n) attempts). A failing
agreement's events are then processed one at a time, each with the state it
leads to, so its rows stop at the last event that worked; that event is
recorded as failed and the later ones as waiting behind it (see
`projections.failures`).

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
        if ready and self._attempt(projection, Batch(ready, states)) is not None:
            self._halve(projection, list(_by_agreement(ready).values()), states, failures)
        return failures

    def _halve(
        self,
        projection: Projection,
        groups: list[list[Positioned]],
        states: Mapping[UUID, AgreementState],
        failures: list[Failure],
    ) -> None:
        """`groups` (one per agreement) failed together: find which of them fail."""
        if len(groups) == 1:
            self._one_by_one(projection, groups[0], failures)
            return
        middle = len(groups) // 2
        for half in (groups[:middle], groups[middle:]):
            events = sorted((e for group in half for e in group), key=lambda e: e.position)
            if self._attempt(projection, Batch(events, states)) is not None:
                self._halve(projection, half, states, failures)

    def _one_by_one(
        self, projection: Projection, events: list[Positioned], failures: list[Failure]
    ) -> None:
        """One agreement's events in turn, up to the first that fails; the rest wait behind it."""
        for index, event in enumerate(events):
            states: Mapping[UUID, AgreementState] = {}
            if event.topic in AGREEMENT_TOPICS:
                states = self.states_at({event.originator_id: event.version})
            error = self._attempt(projection, Batch([event], states))
            if error is not None:
                failures.append(self._failed(projection, event, error))
                failures.extend(
                    _failure(projection, later, waiting(event.position), event.position)
                    for later in events[index + 1 :]
                )
                return

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
