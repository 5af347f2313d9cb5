"""Events of a reminder: issued by the scheduler, acknowledged by a person, resolved by the
tracker when its cause is gone, delivered to webhooks.

A reminder is its own event-sourced record, apart from the agreement it is
about, so that issuing one never competes with writes to the agreement. The
bodies here are what the store keeps (as JSON, with their schema version),
in the same style as the agreement catalog: an older shape is upcast when it
is read, and the stored rows never change.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar, Literal
from uuid import UUID

from pydantic import Field

from events.base import RECORDED, Day, Name, StoredBody, Text, printable


class ReminderRule(StrEnum):
    """The dates that call for a reminder (the `view_dates` rules users are told about)."""

    ANNIVERSARY = "anniversary"
    EXPIRY = "expiry"
    NOTICE_DEADLINE = "notice_deadline"
    FOLLOW_UP = "follow_up"


RenewalMode = Literal["none", "automatic", "by_agreement"]

NOUNS = {
    ReminderRule.ANNIVERSARY: "anniversary",
    ReminderRule.EXPIRY: "expiry",
    ReminderRule.NOTICE_DEADLINE: "notice deadline",
    ReminderRule.FOLLOW_UP: "follow-up",
}
"""How people call the date each rule is about."""
SUBJECT_LENGTH = 120
"""A follow-up's description is cut to this many characters to serve as a subject."""


def subject_of(rule: ReminderRule, title: str, reference: str | None, description: str = "") -> str:
    """What a reminder is about, as a person names it.

    A follow-up is named by the first line of its description; any other date
    (or a follow-up without description) by the rule and the agreement's
    reference, or its title when it has none: "expiry of IACHR-DPE-2020".
    """
    line = next((text.strip() for text in description.splitlines() if text.strip()), "")
    if rule is ReminderRule.FOLLOW_UP and line:
        if len(line) > SUBJECT_LENGTH:
            line = line[: SUBJECT_LENGTH - 1].rstrip() + "…"
        return printable(line)
    return f"{NOUNS[rule]} of {printable(reference or title)}"


class ReminderEvent(StoredBody):
    pass


class ReminderIssued(ReminderEvent):
    """A reminder for one date of one agreement, at one stage.

    `due_on` is the date reminded of (for an anniversary, that year's
    anniversary); `stage` is how far ahead or overdue it was issued
    (`lead-30`, `overdue-2`), so every stage is a reminder of its own.
    `follow_up_id` tells apart the follow-ups of one agreement. `subject` and
    `message` are for people; the message names the date, never how far away
    it is (that is worked out when the reminder is read). `renewal` is the
    agreement's renewal mode when it was issued.

    Version 2 added `follow_up_id` and `renewal` and made `subject` a label;
    version 1 kept the follow-up's id in `subject` (empty for other rules).
    """

    SCHEMA_VERSION: ClassVar[int] = 2
    type: Literal["reminder_issued"] = "reminder_issued"
    agreement_id: UUID
    rule: ReminderRule
    follow_up_id: UUID | None = None
    subject: Text
    due_on: Day
    stage: Name
    message: Text
    title: Text = ""
    reference: Text | None = None
    renewal: RenewalMode | None = None
    issued_at: datetime

    @property
    def date_key(self) -> str:
        """What tells apart several dates of one rule of one agreement: the follow-up's id."""
        return str(self.follow_up_id) if self.follow_up_id else ""

    @staticmethod
    def upcast_v1_v2(data: dict[str, Any]) -> dict[str, Any]:
        try:
            rule = ReminderRule(str(data.get("rule")))
        except ValueError:
            return {**data, "follow_up_id": data.get("subject") or None}  # refused on the rule
        title, reference = str(data.get("title") or ""), data.get("reference")
        return {
            **data,
            "follow_up_id": data.get("subject") or None,
            "subject": subject_of(rule, title, reference),
        }


class ReminderAcknowledged(ReminderEvent):
    type: Literal["reminder_acknowledged"] = "reminder_acknowledged"
    by: Name
    at: datetime


class Cause(StrEnum):
    """Why the tracker resolved a reminder (`ReminderResolved.reason` says it in words)."""

    AGREEMENT_ENDED = "agreement_ended"
    FOLLOW_UP_COMPLETED = "follow_up_completed"
    FOLLOW_UP_WITHDRAWN = "follow_up_withdrawn"
    DATE_MOVED = "date_moved"
    NO_LONGER_DUE = "no_longer_due"
    PASSED = "passed"
    SUPERSEDED = "superseded"


class ReminderResolved(ReminderEvent):
    """The tracker closed the reminder: what it reminded of no longer calls for anything."""

    type: Literal["reminder_resolved"] = "reminder_resolved"
    cause: Cause
    reason: Text
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
    cls.type_name(): cls
    for cls in (ReminderIssued, ReminderAcknowledged, ReminderResolved, DeliveryAttempted)
}


def load(type_name: str, schema_version: int, data: dict[str, Any]) -> ReminderEvent:
    """Decode a stored reminder event, upcasting an older shape first.

    Only what the store holds is decoded here, so the bounds on incoming
    values are not applied again (see `events.base`).
    """
    cls = REMINDER_EVENT_TYPES[type_name]
    if not 1 <= schema_version <= cls.SCHEMA_VERSION:
        raise ValueError(f"{type_name} has no schema version {schema_version}")
    for version in range(schema_version, cls.SCHEMA_VERSION):
        data = getattr(cls, f"upcast_v{version}_v{version + 1}")(data)
    return cls.model_validate(data, context=RECORDED)
