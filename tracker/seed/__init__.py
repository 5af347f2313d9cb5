"""Recording the sample agreements (`tracker demo`) through the application.

Safe to repeat and to resume: an agreement is found by its reference, and each
of its events is recorded only when the history does not already hold an
identical one. A second run adds nothing; a run cut short half-way through an
agreement is completed by the next one without doubling what it had stored.
"""

from __future__ import annotations

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

    def __init__(self, reference: str, agreement_id: UUID) -> None:
        super().__init__(
            f"reference '{reference}' is used by agreement {agreement_id}, "
            "whose draft is not the sample's; the sample was not loaded over it"
        )


@dataclass(frozen=True)
class SeedOutcome:
    """What one run did to one sample agreement: event types added and already there."""

    reference: str
    agreement_id: UUID
    added: tuple[str, ...]
    present: tuple[str, ...]


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
        raise SeedConflict(reference, agreement_id)
    for body in events:
        if body in recorded:
            recorded.remove(body)
            present.append(body.type_name())
        else:
            tracker.record(agreement_id, body, actor)
            added.append(body.type_name())
    return SeedOutcome(reference, agreement_id, tuple(added), tuple(present))
