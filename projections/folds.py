"""Agreement states as the log unfolds, kept incrementally.

The runner needs the state every agreement reaches after a batch. Replaying
each agreement from the store for each batch would cost one query per
agreement and a fold of its whole history; instead the aggregates seen
recently are kept with their state, and each new event is applied with the
domain's own `evolve` when it lands at the end of the effective timeline (the
usual case). A backdated event or a retraction reorders the timeline, so
those refold the whole history with `fold`. An aggregate is reloaded from the
repository (at the event's version, never ahead of the log) when it was
evicted, or when the cached copy is not exactly one version behind the event.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from events.records import Retracted
from tracker.aggregate import Agreement
from tracker.application import Tracker
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
        if isinstance(record.body, Retracted) or record.occurred_on < self.last_day:
            refolded = Folded.of(self.agreement)
            self.state, self.last_day = refolded.state, refolded.last_day
        else:
            self.state, self.last_day = evolve(self.state, record), record.occurred_on


class AgreementFolds:
    def __init__(self, capacity: int = 20_000) -> None:
        self.capacity = capacity
        self._recent: OrderedDict[UUID, Folded] = OrderedDict()

    def advance(self, tracker: Tracker, events: Iterable[Any]) -> dict[UUID, AgreementState]:
        """Apply agreement events in log order; the states of the agreements they touched."""
        touched: dict[UUID, AgreementState] = {}
        for event in events:
            touched[event.originator_id] = self._follow(tracker, event).state
        return touched

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
