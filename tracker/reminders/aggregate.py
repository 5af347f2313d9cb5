"""The `Reminder` aggregate: one reminder, how it was closed, and its deliveries.

A reminder is open until a person acknowledges it or the tracker resolves it
(its cause is gone); whichever comes first closes it, and nothing reopens it.

Its id is derived from what it reminds of (see `rules.reminder_id`), so a
second sweep, a second scheduler or a retry that tries to issue the same
reminder makes the store refuse the write. Topics are explicit strings, as
for the agreement, so stored events never depend on module paths.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from eventsourcing.domain import Aggregate

from events.reminders import (
    DeliveryAttempted,
    ReminderAcknowledged,
    ReminderEvent,
    ReminderIssued,
    ReminderResolved,
    load,
)
from tracker.reminders.rules import ReminderRow, ReminderStatus, id_of


def _stored(body: ReminderEvent) -> dict[str, Any]:
    return {
        "type": body.type_name(),
        "schema_version": body.SCHEMA_VERSION,
        "data": body.model_dump(mode="json", exclude={"type"}),
    }


class Reminder(Aggregate):
    TOPIC = "tracker:Reminder"

    class Created(Aggregate.Created):
        TOPIC = "tracker:Reminder.Issued"
        type: str
        schema_version: int
        data: dict[str, Any]

    class Recorded(Aggregate.Event):
        TOPIC = "tracker:Reminder.Recorded"
        type: str
        schema_version: int
        data: dict[str, Any]

        def apply(self, aggregate: Aggregate) -> None:
            assert isinstance(aggregate, Reminder)
            aggregate.facts.append(_fact(self.__dict__))

    def __init__(self, type: str, schema_version: int, data: dict[str, Any]) -> None:
        first = {"type": type, "schema_version": schema_version, "data": data}
        self.facts: list[dict[str, Any]] = [first]

    @classmethod
    def issue(cls, body: ReminderIssued) -> Reminder:
        return cls._create(cls.Created, id=id_of(body), **_stored(body))

    def acknowledge(self, body: ReminderAcknowledged) -> None:
        self._close(body)

    def resolve(self, body: ReminderResolved) -> None:
        self._close(body)

    def _close(self, body: ReminderAcknowledged | ReminderResolved) -> None:
        if self.status != "open":
            raise ValueError(f"reminder {self.id} is {self.status} already")
        self.trigger_event(self.Recorded, **_stored(body))

    def record_attempt(self, body: DeliveryAttempted) -> None:
        self.trigger_event(self.Recorded, **_stored(body))

    @property
    def bodies(self) -> list[ReminderEvent]:
        return [load(f["type"], f["schema_version"], f["data"]) for f in self.facts]

    @property
    def issued(self) -> ReminderIssued:
        first = self.bodies[0]
        assert isinstance(first, ReminderIssued)
        return first

    @property
    def acknowledged(self) -> ReminderAcknowledged | None:
        return next((e for e in self.bodies if isinstance(e, ReminderAcknowledged)), None)

    @property
    def resolved(self) -> ReminderResolved | None:
        return next((e for e in self.bodies if isinstance(e, ReminderResolved)), None)

    @property
    def status(self) -> ReminderStatus:
        """`open`, or how it was closed: `acknowledged` or `resolved`, whichever came first."""
        for body in self.bodies:
            if isinstance(body, ReminderAcknowledged):
                return "acknowledged"
            if isinstance(body, ReminderResolved):
                return "resolved"
        return "open"

    @property
    def attempts(self) -> list[DeliveryAttempted]:
        return [e for e in self.bodies if isinstance(e, DeliveryAttempted)]

    def row(self) -> ReminderRow:
        """The reminder as the read model holds it, read from the store."""
        acknowledged, resolved = self.acknowledged, self.resolved
        return replace(
            ReminderRow.issued(self.id, self.issued),
            status=self.status,
            acknowledged_by=acknowledged.by if acknowledged else None,
            acknowledged_at=acknowledged.at if acknowledged else None,
            resolved_at=resolved.at if resolved else None,
            resolution=resolved.reason if resolved else None,
        )


def _fact(fields: dict[str, Any]) -> dict[str, Any]:
    return {n: fields[n] for n in ("type", "schema_version", "data")}
