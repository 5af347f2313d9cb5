"""The `Digest` aggregate: one digest (recipient and period), its claims and outcomes.

Its id is derived from the recipient and the period (`schedule.digest_id`),
so a second process preparing the same digest makes the store refuse the
write; each attempt is claimed (`DigestSending`) in a write of its own before
it is made, so two processes cannot both make it. Topics are explicit
strings, as for the other aggregates.
"""

from __future__ import annotations

from typing import Any

from eventsourcing.domain import Aggregate

from events.base import StoredBody
from events.digests import DigestPrepared, DigestSending, load
from events.reminders import DeliveryAttempted
from tracker.delivery.schedule import digest_id


def _stored(body: StoredBody) -> dict[str, Any]:
    return {
        "type": body.type_name(),
        "schema_version": body.SCHEMA_VERSION,
        "data": body.model_dump(mode="json", exclude={"type"}),
    }


class Digest(Aggregate):
    TOPIC = "tracker:Digest"

    class Created(Aggregate.Created):
        TOPIC = "tracker:Digest.Prepared"
        type: str
        schema_version: int
        data: dict[str, Any]

    class Recorded(Aggregate.Event):
        TOPIC = "tracker:Digest.Recorded"
        type: str
        schema_version: int
        data: dict[str, Any]

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Digest)
            aggregate.bodies.append(load(self.type, self.schema_version, self.data))

    def __init__(self, type: str, schema_version: int, data: dict[str, Any]) -> None:
        self.bodies: list[StoredBody] = [load(type, schema_version, data)]

    @classmethod
    def prepare(cls, body: DigestPrepared) -> Digest:
        id = digest_id(body.email, body.frequency, body.period)
        return cls._create(cls.Created, id=id, **_stored(body))

    def claim(self, body: DigestSending) -> None:
        self.trigger_event(self.Recorded, **_stored(body))

    def record(self, body: DeliveryAttempted) -> None:
        self.trigger_event(self.Recorded, **_stored(body))

    @property
    def prepared(self) -> DigestPrepared:
        first = self.bodies[0]
        assert isinstance(first, DigestPrepared)
        return first

    @property
    def attempts(self) -> list[DeliveryAttempted]:
        return [e for e in self.bodies if isinstance(e, DeliveryAttempted)]
