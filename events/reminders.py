"""Events of a reminder: issued by the scheduler, acknowledged by a person, delivered.

A reminder is its own event-sourced record, apart from the agreement it is
about, so that issuing one never competes with writes to the agreement. The
bodies here are what the store keeps (as JSON, with their schema version),
in the same style as the agreement catalog.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Literal
from uuid import UUID

from pydantic import Field

from events.base import RECORDED, Day, Name, StoredBody, Text


class ReminderRule(StrEnum):
    """The dates that call for a reminder (the `view_dates` rules users are told about)."""

    ANNIVERSARY = "anniversary"
    EXPIRY = "expiry"
    NOTICE_DEADLINE = "notice_deadline"
    FOLLOW_UP = "follow_up"


class ReminderEvent(StoredBody):
    pass


class ReminderIssued(ReminderEvent):
    """A reminder for one date of one agreement, at one stage.

    `due_on` is the date reminded of (for an anniversary, that year's
    anniversary); `stage` is how far ahead or overdue it was issued
    (`lead-30`, `overdue-2`), so every stage is a reminder of its own.
    """

    type: Literal["reminder_issued"] = "reminder_issued"
    agreement_id: UUID
    rule: ReminderRule
    subject: Text = ""
    due_on: Day
    stage: Name
    message: Text
    title: Text = ""
    reference: Text | None = None
    issued_at: datetime


class ReminderAcknowledged(ReminderEvent):
    type: Literal["reminder_acknowledged"] = "reminder_acknowledged"
    by: Name
    at: datetime


class DeliveryAttempted(ReminderEvent):
    """One attempt to deliver a reminder (to a webhook) or a digest (by email), successful or not.

    `url` is where it went (`mailto:` for an email). `response` is the start of
    the receiver's answer and `response_bytes` how much of it was read (never
    more than the tracker's limit); `retry_after` is when the receiver asked
    to be tried again (its `Retry-After`), which the next attempt honours.
    """

    type: Literal["delivery_attempted"] = "delivery_attempted"
    url: Text
    attempt: int = Field(ge=1)
    ok: bool
    status: int | None = None
    error: Text | None = None
    at: datetime
    response: Text | None = None
    response_bytes: int | None = Field(default=None, ge=0)
    retry_after: datetime | None = None


REMINDER_EVENT_TYPES: dict[str, type[ReminderEvent]] = {
    cls.type_name(): cls for cls in (ReminderIssued, ReminderAcknowledged, DeliveryAttempted)
}


def load(type_name: str, schema_version: int, data: dict[str, Any]) -> ReminderEvent:
    """Decode a stored reminder event (every type is still at its first version).

    Only what the store holds is decoded here, so the bounds on incoming
    values are not applied again (see `events.base`).
    """
    cls = REMINDER_EVENT_TYPES[type_name]
    if schema_version != cls.SCHEMA_VERSION:
        raise ValueError(f"{type_name} has no schema version {schema_version}")
    return cls.model_validate(data, context=RECORDED)
