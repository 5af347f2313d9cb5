"""The aggregates the event store holds, with stable topics.

An `Agreement` keeps its stored facts; the rules live in `lifecycle` and
`timeline`, which it calls. Topics are explicit strings so that moving or
renaming a class never orphans a stored event.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate
from eventsourcing.domain import Snapshot as LibrarySnapshot

from events import catalog
from projections.text import canonical_reference
from tracker.state import AgreementState, Record
from tracker.timeline import fold


def stored_fields(record: Record) -> dict[str, Any]:
    """A record as the store keeps it: JSON-shaped data plus the timeline fields."""
    body = record.body
    return {
        "type": record.type,
        "schema_version": body.SCHEMA_VERSION,
        "occurred_on": record.occurred_on,
        "recorded_at": record.recorded_at,
        "recorded_by": record.recorded_by,
        "source": body.source,
        "data": body.data(),
    }


class Agreement(Aggregate):
    TOPIC = "tracker:Agreement"

    class Created(Aggregate.Created):
        TOPIC = "tracker:Agreement.Drafted"
        type: str
        schema_version: int
        occurred_on: date
        recorded_at: datetime
        recorded_by: str
        source: str | None
        data: dict[str, Any]

    class Recorded(Aggregate.Event):
        TOPIC = "tracker:Agreement.Recorded"
        type: str
        schema_version: int
        occurred_on: date
        recorded_at: datetime
        recorded_by: str
        source: str | None
        data: dict[str, Any]

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Agreement)
            aggregate.facts.append(_fact(self.__dict__, self.originator_version))

    class Snapshot(LibrarySnapshot):
        """Leaves out the decoded cache: it is rebuilt from the facts on load."""

        TOPIC = "tracker:Agreement.Snapshot"

        @classmethod
        def take(cls, aggregate: Any) -> Agreement.Snapshot:
            snapshot: Agreement.Snapshot = super().take(aggregate)
            snapshot.state.pop("_records", None)
            return snapshot

    def __init__(
        self,
        type: str,
        schema_version: int,
        occurred_on: date,
        recorded_at: datetime,
        recorded_by: str,
        source: str | None,
        data: dict[str, Any],
    ) -> None:
        fields = dict(
            type=type,
            schema_version=schema_version,
            occurred_on=occurred_on,
            recorded_at=recorded_at,
            recorded_by=recorded_by,
            source=source,
            data=data,
        )
        self.facts: list[dict[str, Any]] = [_fact(fields, 1)]

    @classmethod
    def draft(cls, record: Record) -> Agreement:
        return cls._create(cls.Created, id=record.agreement_id, **stored_fields(record))

    def append(self, record: Record) -> None:
        if record.version != self.version + 1:
            raise ValueError(f"record {record.version} does not follow version {self.version}")
        self.trigger_event(self.Recorded, **stored_fields(record))

    def __deepcopy__(self, memo: dict[int, Any]) -> Agreement:
        """A copy for one command, as the repository hands out from its cache.

        Stored facts and decoded records never change once made, so the copy
        shares them and only gets lists of its own: copying is cheap, and a
        command that fails leaves the cached agreement as it was.
        """
        decoded = self.records
        copy = object.__new__(type(self))
        copy.__dict__.update(self.__dict__)
        copy.facts = list(self.facts)
        copy.__dict__["_records"] = list(decoded)
        copy._pending_events = list(self._pending_events)
        return copy

    @property
    def records(self) -> list[Record]:
        """The facts decoded; decoded once per fact and kept while the object lives.

        The decoded list is replaced, never extended in place, so two threads
        reading a cached agreement at once cannot decode a fact twice into it.
        """
        cache: list[Record] = self.__dict__.get("_records", [])
        if len(cache) < len(self.facts):
            fresh = [_decode(self.id, fact) for fact in self.facts[len(cache) :]]
            cache = [*cache, *fresh]
            self.__dict__["_records"] = cache
        return cache

    @property
    def state(self) -> AgreementState:
        return fold(self.records)


def recorded(event: Agreement.Created | Agreement.Recorded) -> Record:
    """The record a stored agreement event holds, decoded as the aggregate decodes it."""
    return _decode(event.originator_id, _fact(event.__dict__, event.originator_version))


def _fact(fields: dict[str, Any], version: int) -> dict[str, Any]:
    names = ("type", "schema_version", "occurred_on", "recorded_at", "recorded_by", "source")
    return {"version": version, **{n: fields[n] for n in names}, "data": fields["data"]}


def _decode(agreement_id: UUID, fact: dict[str, Any]) -> Record:
    data = {**fact["data"], "occurred_on": fact["occurred_on"], "source": fact["source"]}
    body = catalog.load(fact["type"], fact["schema_version"], data, recorded=True)
    return Record(
        agreement_id=agreement_id,
        version=fact["version"],
        occurred_on=fact["occurred_on"],
        recorded_at=fact["recorded_at"],
        recorded_by=fact["recorded_by"],
        body=body,
    )


class ReferenceIndex(Aggregate):
    """Claims a reference for one agreement; its id is derived from the reference.

    Saved in the same write as the agreement, so two agreements racing for one
    reference cannot both be stored: the second insert of this id fails. A
    voided agreement releases its claim in the write that voids it, and a
    later agreement claims the same stream again (a race for it fails the
    same way, on the stream's next version).
    """

    TOPIC = "tracker:ReferenceIndex"
    CLAIMED = "reference_claimed"
    RELEASED = "reference_released"

    class Created(Aggregate.Created):
        TOPIC = "tracker:ReferenceIndex.Claimed"
        reference: str
        agreement_id: UUID

    class Recorded(Aggregate.Event):
        """Released by its agreement (`RELEASED`) or claimed again (`CLAIMED`)."""

        TOPIC = "tracker:ReferenceIndex.Recorded"
        type: str
        reference: str
        agreement_id: UUID

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, ReferenceIndex)
            held = self.type == ReferenceIndex.CLAIMED
            aggregate.reference = self.reference
            aggregate.agreement_id = self.agreement_id if held else None

    def __init__(self, reference: str, agreement_id: UUID) -> None:
        self.reference = reference
        self.agreement_id: UUID | None = agreement_id

    @staticmethod
    def id_for(reference: str) -> UUID:
        """Derived from the reference's canonical form: variants of one reference collide."""
        return uuid5(NAMESPACE_URL, f"urn:tracker:reference:{canonical_reference(reference)}")

    @classmethod
    def claim(cls, reference: str, agreement_id: UUID) -> ReferenceIndex:
        return cls._create(
            cls.Created,
            id=cls.id_for(reference),
            reference=reference,
            agreement_id=agreement_id,
        )

    def release(self, agreement_id: UUID) -> None:
        self.trigger_event(
            self.Recorded, type=self.RELEASED, reference=self.reference, agreement_id=agreement_id
        )

    def claim_again(self, reference: str, agreement_id: UUID) -> None:
        """Claimed by `agreement_id`, which writes the reference as `reference`."""
        self.trigger_event(
            self.Recorded, type=self.CLAIMED, reference=reference, agreement_id=agreement_id
        )


class Receipt(Aggregate):
    """The first answer to a request sent with an Idempotency-Key.

    Saved atomically with the events the request recorded: a retry finds the
    receipt and gets the same answer, and nothing is recorded twice.
    """

    TOPIC = "tracker:Receipt"

    class Created(Aggregate.Created):
        TOPIC = "tracker:Receipt.Issued"
        fingerprint: str
        agreement_id: UUID
        agreement_version: int

    def __init__(self, fingerprint: str, agreement_id: UUID, agreement_version: int) -> None:
        self.fingerprint = fingerprint
        self.agreement_id = agreement_id
        self.agreement_version = agreement_version

    @staticmethod
    def id_for(key: str) -> UUID:
        return uuid5(NAMESPACE_URL, f"urn:tracker:idempotency-key:{key}")

    @classmethod
    def issue(cls, key: str, fingerprint: str, agreement_id: UUID, version: int) -> Receipt:
        return cls._create(
            cls.Created,
            id=cls.id_for(key),
            fingerprint=fingerprint,
            agreement_id=agreement_id,
            agreement_version=version,
        )
