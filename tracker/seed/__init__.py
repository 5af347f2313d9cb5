"""Recording the sample agreements (`tracker demo`) through the application.

Safe to repeat and to resume: an agreement is found by its reference, and each
of its events is recorded only when the history does not already hold an
identical one. A second run adds nothing; a run cut short half-way through an
agreement is completed by the next one without doubling what it had stored.
A reference already used by an agreement that is not the sample's (someone
tried it by hand) is reported, and every other sample agreement is recorded.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from events.base import EventBody
from events.catalog import recordable_adapter
from events.drafting import Drafted
from tracker.application import Tracker
from tracker.errors import DomainError
from tracker.seed.iachr import AGREEMENTS

SEED_ACTOR = "tracker demo"


class SeedConflict(DomainError):
    """A sample agreement's reference is held by an agreement with a different draft."""

    code = "seed_conflict"

    def __init__(self, reference: str, holder: str) -> None:
        super().__init__(
            f"reference '{reference}' is used by '{holder}', whose draft is not the sample's; "
            "that sample agreement was not loaded over it"
        )


@dataclass(frozen=True)
class SeedOutcome:
    """What one run did to one sample agreement: event types added and already there.

    `conflict` says why the agreement was left out, when it was.
    """

    reference: str
    agreement_id: UUID
    added: tuple[str, ...]
    present: tuple[str, ...]
    conflict: SeedConflict | None = None

    def line(self) -> str:
        if self.conflict is not None:
            return f"{self.reference}: not loaded: {self.conflict.message}"
        added = ", ".join(self.added) or "nothing"
        present = ", ".join(self.present) or "nothing"
        return f"{self.reference}: added {added}; already recorded: {present}"


def summary(outcomes: Sequence[SeedOutcome]) -> str:
    """One line: how many events of each type the run recorded, and what it left out."""
    counted = Counter(kind for outcome in outcomes for kind in outcome.added)
    kinds = ", ".join(f"{kind} ({count})" for kind, count in counted.items()) or "nothing new"
    loaded = sum(outcome.conflict is None for outcome in outcomes)
    line = f"Recorded {counted.total()} events: {kinds}; {loaded} of {len(outcomes)} agreements"
    line += " are in the store"
    left_out = len(outcomes) - loaded
    if left_out:
        line += f", {left_out} not loaded (see above)"
    return line + "."


def load_seed(
    tracker: Tracker,
    agreements: Sequence[dict[str, Any]] = AGREEMENTS,
    actor: str = SEED_ACTOR,
) -> list[SeedOutcome]:
    """Record every sample agreement that is not (entirely) in the store yet."""
    return [_load_agreement(tracker, spec, actor) for spec in agreements]


def _load_agreement(tracker: Tracker, spec: dict[str, Any], actor: str) -> SeedOutcome:
    draft = Drafted.model_validate(spec["draft"])
    events: list[EventBody] = [recordable_adapter.validate_python(e) for e in spec["events"]]
    reference = str(spec["draft"]["reference"])
    added: list[str] = []
    present: list[str] = []
    agreement_id = tracker.agreement_for_reference(reference)
    if agreement_id is None:
        agreement_id = tracker.draft(draft, actor).id
        added.append(draft.type_name())
    else:
        present.append(draft.type_name())
    first, *recorded = [record.body for record in tracker.history(agreement_id)]
    if first != draft:
        holder = tracker.state(agreement_id).display_name
        return SeedOutcome(reference, agreement_id, (), (), SeedConflict(reference, holder))
    for body in events:
        if body in recorded:
            recorded.remove(body)
            present.append(body.type_name())
        else:
            tracker.record(agreement_id, body, actor)
            added.append(body.type_name())
    return SeedOutcome(reference, agreement_id, tuple(added), tuple(present))
