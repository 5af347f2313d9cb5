"""Poison for the read models, and what every other agreement must still get.

Poison is written past the catalog's validation (`model_construct`) or
appended to the store with the library itself, so it stays possible however
strict the catalog becomes: events already stored or imported can be poison.
Faults are injected with projection subclasses that raise on chosen events.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from fastapi.testclient import TestClient

from api.app import create_app
from events.cooperation import FollowUpScheduled
from events.drafting import AgreementKind, Drafted
from events.lifecycle import Signed
from events.parties import Party
from projections.agreements import AgreementsProjection
from projections.base import Batch, Projection
from projections.dates import DatesProjection
from projections.db import Tx
from projections.listing import AgreementQuery
from projections.reminders import ReminderQuery, list_reminders
from projections.service import ReadModels
from projections.timeline import TimelineProjection
from tests.integration.projection_helpers import IACHR, draft, dump
from tracker.aggregate import Agreement
from tracker.application import Tracker
from tracker.settings import Settings
from tracker.sweep import sweep

OMBUDSMAN = Party(name="Defensoría del Pueblo de Ecuador", short_name="DPE", type="ombudsman")


class InjectedFault(Exception):
    """What a faulty projection raises on a chosen event."""


@dataclass
class Faults:
    """The events (agreement, version) a faulty projection raises on, while armed."""

    events: set[tuple[UUID, int]] = field(default_factory=set)
    armed: bool = True

    def hit(self, batch: Batch) -> bool:
        return self.armed and any((e.originator_id, e.version) in self.events for e in batch.events)


class Faulty(Projection):
    """Mixed into a real projection: raises on a chosen event, else does its work."""

    def __init__(self, faults: Faults) -> None:
        self.faults = faults

    def process(self, tx: Tx, batch: Batch) -> None:
        if self.faults.hit(batch):
            raise InjectedFault("injected fault")
        super().process(tx, batch)


class FaultyAgreements(Faulty, AgreementsProjection):
    pass


class FaultyTimeline(Faulty, TimelineProjection):
    pass


class FaultyDates(Faulty, DatesProjection):
    pass


@dataclass(frozen=True)
class Others:
    """Agreements with nothing wrong: each must stay listed, searchable and reminded of."""

    expiring: UUID
    following: UUID

    def ids(self) -> set[str]:
        return {str(self.expiring), str(self.following)}


def others(tracker: Tracker) -> Others:
    """One expiring in 30 days, one with a follow-up in 9 (the clock says 2024-06-01)."""
    expiring = draft(
        tracker,
        "Acuerdo con la Defensoría",
        parties=[IACHR, OMBUDSMAN],
        occurred_on=date(2024, 1, 10),
        expires_on=date(2024, 7, 1),
    )
    tracker.record(expiring, Signed(occurred_on=date(2024, 1, 10)), "tester")
    following = draft(tracker, "Programme with the university", occurred_on=date(2024, 2, 1))
    tracker.record(following, FollowUpScheduled(due_on=date(2024, 6, 10)), "tester")
    return Others(expiring, following)


def draft_unchecked(tracker: Tracker, **fields: Any) -> UUID:
    """A draft the catalog never validated, recorded through the application."""
    body = Drafted.model_construct(kind=AgreementKind.OTHER, **fields)
    return tracker.draft(body, "tester").id


def append_stored(tracker: Tracker, agreement_id: UUID, topic: str, state: bytes) -> int:
    """Append a stored event to an agreement with the library alone; returns its position."""
    version = len(list(tracker.events.get(agreement_id))) + 1
    event = StoredEvent(agreement_id, version, topic, state)
    positions = tracker.recorder.insert_events([event])
    assert positions
    return positions[0]


def append_unknown_kind(tracker: Tracker, agreement_id: UUID) -> int:
    """Append an event of a kind this catalog does not know, as a newer version might."""
    agreement: Any = tracker.repository.get(agreement_id)
    agreement.trigger_event(
        Agreement.Recorded,
        type="mediation_requested",
        schema_version=1,
        occurred_on=date(2024, 5, 20),
        recorded_at=tracker.clock.now(),
        recorded_by="a newer tracker",
        source=None,
        data={"mediator": "Ombudsman"},
    )
    recordings = tracker.save(agreement)
    return recordings[-1].notification.id


def ids_listed(read_models: ReadModels, **filters: Any) -> set[str]:
    page = read_models.list_agreements(AgreementQuery.model_validate({"limit": 200, **filters}))
    return {item["id"] for item in page.items}


def assert_served(
    tracker: Tracker, read_models: ReadModels, others: Others, poisoned: str | None = None
) -> None:
    """Every other agreement is listed, found by search, and reminded of by a sweep.

    The sweep reports problems only of the agreement titled `poisoned`, if any.
    """
    read_models.catch_up(tracker)
    assert others.ids() <= ids_listed(read_models)
    assert ids_listed(read_models, q="defensoria") == {str(others.expiring)}
    assert ids_listed(read_models, q="university") == {str(others.following)}
    assert ids_listed(read_models, party="dpe") == {str(others.expiring)}
    report = sweep(tracker, read_models, Settings(scheduler=False))
    assert [p for p in report.problems if poisoned is None or poisoned not in str(p)] == []
    read_models.catch_up(tracker)
    reminded = {str(r.agreement_id) for r in list_reminders(read_models.db, ReminderQuery())}
    assert others.ids() <= reminded
    assert {s.lag for s in read_models.status(tracker)} == {0}


def readiness(tracker: Tracker, read_models: ReadModels) -> tuple[int, dict[str, Any]]:
    """`GET /readyz` through the API, on these read models."""
    settings = Settings(scheduler=False)
    app = create_app(settings, tracker=tracker, read_models=read_models, background=False)
    with TestClient(app) as client:
        response = client.get("/readyz")
    return response.status_code, response.json()


def failures(read_models: ReadModels) -> list[tuple[str, int, str, int | None]]:
    """Every recorded failure: (projection, position, agreement, waiting behind)."""
    rows = read_models.db.fetch("SELECT * FROM view_failures")
    return sorted(
        (r["projection"], int(r["position"]), r["aggregate_id"], r["blocked_by"]) for r in rows
    )


def dump_all(read_models: ReadModels) -> dict[str, list[tuple[Any, ...]]]:
    """Every view table and the failures, in a fixed order."""
    rows = read_models.db.fetch("SELECT * FROM view_failures")
    return {
        **dump(read_models),
        "view_failures": sorted(tuple(str(v) for v in row.values()) for row in rows),
    }


def assert_equals_a_rebuild(tracker: Tracker, read_models: ReadModels) -> None:
    """The views as they stand equal the views rebuilt from zero, failures included."""
    kept = dump_all(read_models)
    read_models.rebuild(tracker)
    assert dump_all(read_models) == kept
