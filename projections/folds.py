"""Agreement states as the log unfolds, kept incrementally.

The runner needs the state every agreement reaches after a batch. Replaying
each agreement from the store for each batch would cost one query per
agreement and a fold of its whole history; instead the aggregates seen
recently are kept with their state, and each new event is applied with the
domain's own `evolve` when it lands at the end of the effective timeline (the
usual case). A backdated event or a retraction reorders the timeline, and a
derived event may give way to a new one, so those refold the whole history
with `fold`. An aggregate is reloaded from the
repository (at the event's version, never ahead of the log) when it was
evicted, or when the cached copy is not exactly one version behind the event.

An agreement whose events cannot be folded (an event that no longer decodes,
or that the lifecycle refuses) does not stop the others: its state reads as
the error, which the projections that need it record as a failure.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from contextlib import suppress
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from events.records import Retracted
from projections.failures import transient
from tracker.aggregate import Agreement
from tracker.application import Tracker
from tracker.errors import DomainError
from tracker.lifecycle import evolve
from tracker.state import AgreementState
from tracker.timeline import effective


@dataclass
class Folded:
    agreement: Agreement
    state: AgreementState
    last_day: date
    """The latest `occurred_on` in the effective timeline: a later-or-equal event sorts last."""

    @classmethod
    def of(cls, agreement: Agreement) -> Folded:
        last_day = max(record.occurred_on for record in effective(agreement.records))
        return cls(agreement, agreement.state, last_day)

    def follow(self, event: Any) -> None:
        self.agreement = event.mutate(self.agreement)
        record = self.agreement.records[-1]
        if not (isinstance(record.body, Retracted) or record.occurred_on < self.last_day):
            with suppress(DomainError):  # a derived event gives way to it: the fold decides
                self.state, self.last_day = evolve(self.state, record), record.occurred_on
                return
        refolded = Folded.of(self.agreement)
        self.state, self.last_day = refolded.state, refolded.last_day


class AgreementFolds:
    def __init__(self, capacity: int = 20_000) -> None:
        self.capacity = capacity
        self._recent: OrderedDict[UUID, Folded] = OrderedDict()

    def advance(self, tracker: Tracker, events: Iterable[Any]) -> States:
        """Apply agreement events in log order; the states of the agreements they touched.

        An agreement that fails to fold is dropped from the cache and skipped
        for the rest of the batch: its state reads as the error.
        """
        touched: dict[UUID, AgreementState] = {}
        broken: dict[UUID, Exception] = {}
        for event in events:
            agreement_id: UUID = event.originator_id
            if agreement_id in broken:
                continue
            try:
                touched[agreement_id] = self._follow(tracker, event).state
            except Exception as error:
                if transient(error):
                    raise
                touched.pop(agreement_id, None)
                broken[agreement_id] = error
        return States(touched, broken)

    def forget(self) -> None:
        """Drop every cached aggregate (after a failed batch: they may be ahead of the views)."""
        self._recent.clear()

    def _follow(self, tracker: Tracker, event: Any) -> Folded:
        agreement_id: UUID = event.originator_id
        version: int = event.originator_version
        folded = self._recent.pop(agreement_id, None)
        if version == 1:
            folded = Folded.of(event.mutate(None))
        elif folded is not None and folded.agreement.version == version - 1:
            folded.follow(event)
        else:
            loaded: object = tracker.repository.get(agreement_id, version=version)
            assert isinstance(loaded, Agreement)
            folded = Folded.of(loaded)
        self._recent[agreement_id] = folded
        if len(self._recent) > self.capacity:
            self._recent.popitem(last=False)
        return folded


class States(Mapping[UUID, AgreementState]):
    """Agreement states after a batch; reading one that could not be folded raises why."""

    def __init__(self, folded: dict[UUID, AgreementState], broken: dict[UUID, Exception]) -> None:
        self._folded = folded
        self._broken = broken

    def __getitem__(self, agreement_id: UUID) -> AgreementState:
        if agreement_id in self._broken:
            raise self._broken[agreement_id]
        return self._folded[agreement_id]

    def __contains__(self, agreement_id: object) -> bool:
        return agreement_id in self._folded or agreement_id in self._broken

    def __iter__(self) -> Iterator[UUID]:
        return iter([*self._folded, *self._broken])

    def __len__(self) -> int:
        return len(self._folded) + len(self._broken)


class StatesAt(Mapping[UUID, AgreementState]):
    """Each agreement's state at a chosen version, folded from the store when first read.

    For the slow paths only (an agreement's events one at a time, a retry):
    the loads are shared through `loaded`, keyed by agreement and version.
    """

    def __init__(
        self,
        tracker: Tracker,
        versions: Mapping[UUID, int],
        loaded: dict[tuple[UUID, int], AgreementState],
    ) -> None:
        self._tracker = tracker
        self._versions = versions
        self._loaded = loaded

    def __getitem__(self, agreement_id: UUID) -> AgreementState:
        key = (agreement_id, self._versions[agreement_id])
        if key not in self._loaded:
            agreement: object = self._tracker.repository.get(agreement_id, version=key[1])
            assert isinstance(agreement, Agreement)
            self._loaded[key] = Folded.of(agreement).state
        return self._loaded[key]

    def __iter__(self) -> Iterator[UUID]:
        return iter(self._versions)

    def __len__(self) -> int:
        return len(self._versions)
