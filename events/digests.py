"""Events of an email digest: prepared for one recipient and period, then each attempt to send it.

A digest is its own event-sourced record, with an id derived from the
recipient and the period (see `tracker.delivery.digest_id`), so two processes
or a retry can never prepare it twice. Sending is claimed before it is done
(`digest_sending`: the store accepts one claim per attempt) and its outcome
recorded after (`delivery_attempted`, the event webhook deliveries use too,
with a `mailto:` URL): a digest goes out once per recipient and period.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import AfterValidator, Field

from events.base import RECORDED, Day, Name, StoredBody, Text
from events.reminders import DeliveryAttempted

MAX_REMINDERS = 2000
"""Reminders one digest lists at most (the soonest due)."""


class Language(StrEnum):
    """The languages a person reads the tracker's messages in."""

    EN = "en"
    ES = "es"
    PT = "pt"
    FR = "fr"


class Frequency(StrEnum):
    """How often a person wants a digest."""

    DAILY = "daily"
    WEEKLY = "weekly"
    OFF = "off"


def _address(value: str) -> str:
    local, at, domain = value.rpartition("@")
    if not (local and at and domain) or any(c.isspace() for c in value):
        raise ValueError("expected an email address, name@example.org")
    return value


Email = Annotated[Name, AfterValidator(_address)]


class DigestEvent(StoredBody):
    pass


class DigestPrepared(DigestEvent):
    """What one digest says: to whom, in which language, for which period, which reminders.

    `period` is the period's first day (a Monday for a weekly digest); `on` is
    the day the digest speaks of (overdue, this week, ...).
    """

    type: Literal["digest_prepared"] = "digest_prepared"
    email: Email
    name: Text = ""
    language: Language
    frequency: Literal[Frequency.DAILY, Frequency.WEEKLY]
    period: Day
    on: Day
    reminders: list[UUID] = Field(min_length=1, max_length=MAX_REMINDERS)
    at: datetime


class DigestSending(DigestEvent):
    """The claim of one attempt, stored before the email is sent: only one process makes it."""

    type: Literal["digest_sending"] = "digest_sending"
    attempt: int = Field(ge=1)
    at: datetime


DIGEST_EVENT_TYPES: dict[str, type[StoredBody]] = {
    cls.type_name(): cls for cls in (DigestPrepared, DigestSending, DeliveryAttempted)
}


def load(type_name: str, schema_version: int, data: dict[str, Any]) -> StoredBody:
    """Decode a stored digest event (every type is still at its first version)."""
    cls = DIGEST_EVENT_TYPES[type_name]
    if schema_version != cls.SCHEMA_VERSION:
        raise ValueError(f"{type_name} has no schema version {schema_version}")
    return cls.model_validate(data, context=RECORDED)
