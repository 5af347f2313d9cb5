"""One line of an export: one stored event of any stream, as JSON (see the README's table).

Every aggregate the store holds is a stream of its own kind: `agreement`,
`reminder`, `digest` (one email digest and its sending attempts),
`reference` (the claim that makes a reference unique) and `receipt` (the
answer kept for an Idempotency-Key). A line names its stream and the event's
version in it; agreement, reminder and digest events carry their
stored `type`, `schema_version` and `data` unchanged, so an event stored in
an older schema version stays in it (it is upcast when read, as in the
store). The library's own bookkeeping (its timestamp, the aggregate's topic)
is not part of a line: the tracker's moments are `recorded_at` and the
moments inside `data`.

`line_of` turns a stored event into a line and `event_of` a line back into
the event the store keeps; they are each other's inverse, which is what
makes an export of an imported export the same file.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, ClassVar, Literal
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.utils import get_topic
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, TypeAdapter, field_validator

from events import catalog
from events.base import Day, Name, Sha256, Version
from events.digests import DIGEST_EVENT_TYPES
from events.reminders import REMINDER_EVENT_TYPES
from tracker.aggregate import Agreement, Receipt, ReferenceIndex
from tracker.delivery.aggregate import Digest
from tracker.reminders.aggregate import Reminder

LIBRARY_FIELDS = frozenset({"originator_id", "originator_version", "timestamp", "originator_topic"})


class _Line(BaseModel):
    model_config = ConfigDict(extra="forbid")

    stream: str
    id: UUID
    version: Version


class AgreementLine(_Line):
    """An agreement event: the lifecycle event and its timeline fields."""

    stream: Literal["agreement"]
    type: str
    schema_version: int = Field(ge=1)
    occurred_on: Day
    recorded_at: AwareDatetime
    recorded_by: Name
    source: str | None = None
    data: dict[str, Any]

    @field_validator("type")
    @classmethod
    def _known_type(cls, value: str) -> str:
        if value not in catalog.EVENT_TYPES:
            raise ValueError(f"unknown event type '{value}'")
        return value

    @field_validator("recorded_at")
    @classmethod
    def _in_utc(cls, value: datetime) -> datetime:
        return value.astimezone(UTC)


class StoredLine(_Line):
    """An event of a stream that keeps its stored `type`, `schema_version` and `data`."""

    KIND: ClassVar[str]
    TYPES: ClassVar[Mapping[str, Any]]
    type: str
    schema_version: int = Field(ge=1)
    data: dict[str, Any]

    @field_validator("type")
    @classmethod
    def _known_type(cls, value: str) -> str:
        if value not in cls.TYPES:
            known = ", ".join(cls.TYPES)
            raise ValueError(f"unknown {cls.KIND} event type '{value}' (known: {known})")
        return value


class ReminderLine(StoredLine):
    """A reminder event: issued, acknowledged, resolved, or one webhook delivery attempt."""

    KIND = "reminder"
    TYPES = REMINDER_EVENT_TYPES
    stream: Literal["reminder"]


class DigestLine(StoredLine):
    """A digest event: prepared, an attempt claimed, or an attempt's outcome."""

    KIND = "digest"
    TYPES = DIGEST_EVENT_TYPES
    stream: Literal["digest"]


class Claim(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reference: Name
    agreement_id: UUID


class ClaimLine(_Line):
    """The claim of a reference by one agreement; its id is derived from the reference.

    A voided agreement releases it (`reference_released`), and a later agreement
    claims it again, in the same stream.
    """

    stream: Literal["reference"]
    type: Literal["reference_claimed", "reference_released"]
    schema_version: Literal[1]
    data: Claim


class Answer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    fingerprint: Sha256
    agreement_id: UUID
    agreement_version: Version


class ReceiptLine(_Line):
    """The first answer to a request sent with an Idempotency-Key (derived from the key)."""

    stream: Literal["receipt"]
    version: Literal[1]
    type: Literal["receipt_issued"]
    schema_version: Literal[1]
    data: Answer


Line = AgreementLine | ReminderLine | DigestLine | ClaimLine | ReceiptLine
LINE: TypeAdapter[Line] = TypeAdapter(Annotated[Line, Field(discriminator="stream")])


@dataclass(frozen=True)
class _Kind:
    """A kind of stream: its aggregate, its first event and (if it grows) its later ones."""

    aggregate: type[Aggregate]
    created: type[Any]
    recorded: type[Any] | None = None


KINDS: dict[str, _Kind] = {
    "agreement": _Kind(Agreement, Agreement.Created, Agreement.Recorded),
    "reminder": _Kind(Reminder, Reminder.Created, Reminder.Recorded),
    "digest": _Kind(Digest, Digest.Created, Digest.Recorded),
    "reference": _Kind(ReferenceIndex, ReferenceIndex.Created, ReferenceIndex.Recorded),
    "receipt": _Kind(Receipt, Receipt.Created),
}
_STREAMS: dict[type[Any], str] = {
    event_class: stream
    for stream, kind in KINDS.items()
    for event_class in (kind.created, kind.recorded)
    if event_class is not None
}


class NotExportable(Exception):
    """The store holds an event of a kind this version cannot write as a line."""


def parse(text: str | bytes) -> Line:
    """A line of an export, validated; raises pydantic's ValidationError."""
    return LINE.validate_json(text)


def dump(line: Line) -> dict[str, Any]:
    """The line as JSON-shaped values, fields in the documented order."""
    return line.model_dump(mode="json")


def line_of(event: Any) -> Line:
    """A stored event as a line, as it is: nothing is validated or upcast on the way out."""
    stream = _STREAMS.get(type(event))
    if stream is None:
        raise NotExportable(f"events of kind '{get_topic(type(event))}' cannot be exported yet")
    own = {name: value for name, value in event.__dict__.items() if name not in LIBRARY_FIELDS}
    head = {"stream": stream, "id": event.originator_id, "version": event.originator_version}
    if stream == "agreement":
        return AgreementLine.model_construct(**head, **own)
    if stream == "reminder":
        return ReminderLine.model_construct(**head, **own)
    if stream == "digest":
        return DigestLine.model_construct(**head, **own)
    if stream == "reference":
        kind = own.pop("type", ReferenceIndex.CLAIMED)
        claim = Claim.model_construct(**own)
        return ClaimLine.model_construct(**head, type=kind, schema_version=1, data=claim)
    answer = Answer.model_construct(**own)
    return ReceiptLine.model_construct(**head, type="receipt_issued", schema_version=1, data=answer)


def event_of(line: Line) -> Any:
    """The event the store keeps for this line (stamped now in the library's own field)."""
    kind = KINDS[line.stream]
    own: dict[str, Any]
    if isinstance(line, ClaimLine | ReceiptLine):
        own = line.data.model_dump()
        if isinstance(line, ClaimLine) and line.version > 1:
            own["type"] = line.type
    else:
        own = line.model_dump(exclude={"stream", "id", "version"})
    fields = {
        "originator_id": line.id,
        "originator_version": line.version,
        "timestamp": kind.aggregate.Event.create_timestamp(),
        **own,
    }
    if line.version == 1:
        return kind.created(originator_topic=get_topic(kind.aggregate), **fields)
    assert kind.recorded is not None, "a line past version 1 is of a stream that grows"
    return kind.recorded(**fields)
