"""What a projection is: tables, and how a batch of events changes them.

The runner reads the event log in batches and calls `process` on every
projection inside one transaction that also moves the projection's position,
so the rows and the position can never disagree. A projection that only needs
the events implements `apply(tx, event)`, and skips the topics it does not
know; one that needs an agreement's state after its events overrides
`process` and reads `batch.states`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, ClassVar
from uuid import UUID

from projections.db import Tx
from tracker.aggregate import Agreement
from tracker.state import AgreementState

AGREEMENT_TOPICS = frozenset({Agreement.Created.TOPIC, Agreement.Recorded.TOPIC})


@dataclass(frozen=True)
class Positioned:
    """A decoded event and its position in the application's log."""

    position: int
    topic: str
    event: Any

    @property
    def originator_id(self) -> UUID:
        """The agreement (or reminder) the event belongs to."""
        originator: UUID = self.event.originator_id
        return originator

    @property
    def version(self) -> int:
        version: int = self.event.originator_version
        return version


@dataclass(frozen=True)
class Batch:
    """The events one projection has not seen yet, and agreement states after them."""

    events: Sequence[Positioned]
    states: Mapping[UUID, AgreementState]

    def agreements(self) -> Mapping[UUID, AgreementState]:
        """The state, after this batch, of every agreement with an event in it."""
        return self._agreements

    def drafted(self) -> Mapping[UUID, int]:
        """The agreements drafted in this batch, and the position of each draft."""
        return self._drafted

    @cached_property
    def _agreements(self) -> dict[UUID, AgreementState]:
        """Worked out once, however many projections ask."""
        touched = dict.fromkeys(
            e.event.originator_id for e in self.events if e.topic in AGREEMENT_TOPICS
        )
        return {agreement_id: self.states[agreement_id] for agreement_id in touched}

    @cached_property
    def _drafted(self) -> dict[UUID, int]:
        created = Agreement.Created.TOPIC
        return {e.event.originator_id: e.position for e in self.events if e.topic == created}


class Projection(ABC):
    """A read model. Subclasses set `name`, `tables` and the DDL of both dialects."""

    name: ClassVar[str]
    tables: ClassVar[tuple[str, ...]]
    """Every table the projection writes, emptied by `reset`."""
    topics: ClassVar[frozenset[str] | None] = None
    """The topics it reads; None reads every event. Others are never even decoded for it."""

    def reads(self, topic: str) -> bool:
        return self.topics is None or topic in self.topics

    @abstractmethod
    def ddl(self, is_postgres: bool) -> list[str]:
        """CREATE statements (IF NOT EXISTS) for SQLite or PostgreSQL."""

    def reset(self, tx: Tx) -> None:
        for table in self.tables:
            tx.execute(f"DELETE FROM {table}")

    def process(self, tx: Tx, batch: Batch) -> None:
        for positioned in batch.events:
            self.apply(tx, positioned.event)

    def apply(self, tx: Tx, event: Any) -> None:
        """Change the rows for one event; an event of an unknown topic changes nothing.

        Called by the default `process`: a projection overrides one or the other.
        """
        raise NotImplementedError(f"projection {self.name!r} overrides neither apply nor process")
