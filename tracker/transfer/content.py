"""What one stream of an export must be on its own, before the store is looked at.

The same rules the application follows when it writes: an agreement's id is
random (version 4), so it can never be one of the ids the tracker derives for
its own records (version 5: reference claims, reminders, idempotency
receipts); its history is one the lifecycle allows, recorded in order (a
`recorded_at` never before the one of the version before). A derived id must
be the one its content derives, as the store's uniqueness relies on it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from uuid import UUID

from pydantic import ValidationError

from events import catalog, digests
from events.base import EventBody, StoredBody
from events.digests import DigestPrepared
from events.reminders import (
    ReminderAcknowledged,
    ReminderEvent,
    ReminderIssued,
    ReminderResolved,
    load,
)
from tracker.aggregate import ReferenceIndex
from tracker.delivery.schedule import digest_id
from tracker.errors import DomainError
from tracker.reminders.rules import id_of
from tracker.state import Record
from tracker.timeline import fold
from tracker.transfer.lines import (
    AgreementLine,
    ClaimLine,
    DigestLine,
    ReceiptLine,
    ReminderLine,
    StoredLine,
)
from tracker.transfer.reading import Numbered, Refused, Stream

RANDOM, DERIVED = 4, 5
"""UUID versions: agreements get random ids; the tracker's own records, derived ones."""
OUTSIDE_DATA = frozenset({"occurred_on", "source"})

T = TypeVar("T")


def agreement_records(stream: Stream) -> list[Record]:
    """The stream's records, decoded, once its id, order and history are found possible."""
    _require_version(stream, RANDOM, "an agreement id is random")
    records: list[Record] = []
    for numbered in stream.lines:
        record = _record(numbered)
        if records and record.recorded_at < records[-1].recorded_at:
            message = (
                f"{record.recorded_at.isoformat()} is before version {records[-1].version}'s "
                f"{records[-1].recorded_at.isoformat()}: events are recorded in order"
            )
            raise Refused(numbered.number, "recorded_at", message)
        records.append(record)
    try:
        fold(records)
    except DomainError as error:
        message = f"{stream.where()} is not a possible history: {error}"
        raise Refused(stream.lines[-1].number, "history", message) from None
    return records


def reminder_issued(stream: Stream) -> ReminderIssued:
    """The reminder's first event, once every event decodes and the id is its own."""
    bodies = [_reminder_body(numbered) for numbered in stream.lines]
    issued = bodies[0]
    assert isinstance(issued, ReminderIssued), "the sequence check puts it first"
    derived = id_of(issued)
    if derived != stream.id:
        message = f"a reminder's id is derived from what it reminds of: {derived}, not {stream.id}"
        raise Refused(stream.first, "id", message)
    closings = [
        numbered
        for numbered, body in zip(stream.lines, bodies, strict=True)
        if isinstance(body, ReminderAcknowledged | ReminderResolved)
    ]
    if len(closings) > 1:
        message = (
            f"a reminder is closed once (acknowledged or resolved); line {closings[0].number} did"
        )
        raise Refused(closings[1].number, "type", message)
    return issued


def digest_prepared(stream: Stream) -> DigestPrepared:
    """The digest's first event, once every event decodes and the id is its own."""
    bodies = [_digest_body(numbered) for numbered in stream.lines]
    prepared = bodies[0]
    assert isinstance(prepared, DigestPrepared), "the sequence check puts it first"
    derived = digest_id(prepared.email, prepared.frequency, prepared.period)
    if derived != stream.id:
        message = (
            f"a digest's id is derived from its recipient and period: {derived}, not {stream.id}"
        )
        raise Refused(stream.first, "id", message)
    return prepared


def claim(stream: Stream) -> list[ClaimLine]:
    """The claim's lines, once each is of this reference and claims or releases in its turn.

    A reference is claimed, released by the agreement holding it (voided), and
    claimed again; never claimed while held.
    """
    lines: list[ClaimLine] = []
    holder: UUID | None = None
    for numbered in stream.lines:
        line = numbered.line
        assert isinstance(line, ClaimLine)
        reference = line.data.reference
        derived = ReferenceIndex.id_for(reference)
        if derived != stream.id:
            message = f"the claim of '{reference}' has the id {derived}, not {stream.id}"
            raise Refused(numbered.number, "id", message)
        if line.type == ReferenceIndex.RELEASED and holder != line.data.agreement_id:
            message = f"only the agreement holding '{reference}' releases it"
            raise Refused(numbered.number, "data.agreement_id", message)
        if line.type == ReferenceIndex.CLAIMED and holder is not None:
            message = f"'{reference}' is held by agreement {holder} until it releases it"
            raise Refused(numbered.number, "type", message)
        holder = line.data.agreement_id if line.type == ReferenceIndex.CLAIMED else None
        lines.append(line)
    return lines


def holder(lines: list[ClaimLine]) -> UUID | None:
    """The agreement a claim's lines leave holding the reference; None once released."""
    last = lines[-1]
    return last.data.agreement_id if last.type == ReferenceIndex.CLAIMED else None


def receipt(stream: Stream) -> ReceiptLine:
    line = stream.lines[0].line
    assert isinstance(line, ReceiptLine)
    _require_version(stream, DERIVED, "a receipt's id is derived from its Idempotency-Key")
    return line


def _require_version(stream: Stream, version: int, rule: str) -> None:
    if stream.id.version != version:
        message = f"{rule} (a version {version} UUID), and {stream.id} is of version "
        message += f"{stream.id.version}"
        if version == RANDOM:
            message += ", the kind the tracker derives for its own records"
        raise Refused(stream.first, "id", message)


def _record(numbered: Numbered) -> Record:
    line = numbered.line
    assert isinstance(line, AgreementLine)
    return Record(
        agreement_id=line.id,
        version=line.version,
        occurred_on=line.occurred_on,
        recorded_at=line.recorded_at,
        recorded_by=line.recorded_by,
        body=_agreement_body(numbered.number, line),
    )


def _agreement_body(number: int, line: AgreementLine) -> EventBody:
    """The event's fields, decoded (and upcast) by the catalog."""
    current = catalog.event_class(line.type).SCHEMA_VERSION
    if line.schema_version > current:
        message = f"{line.schema_version} is newer than '{line.type}' v{current} known here"
        raise Refused(number, "schema_version", message)
    data = {**line.data, "occurred_on": line.occurred_on, "source": line.source}
    return _decoded(
        number,
        line.type,
        line.schema_version,
        lambda: catalog.load(line.type, line.schema_version, data),
    )


def _reminder_body(numbered: Numbered) -> ReminderEvent:
    return _stored_body(numbered, ReminderLine, load)


def _digest_body(numbered: Numbered) -> StoredBody:
    return _stored_body(numbered, DigestLine, digests.load)


def _stored_body(
    numbered: Numbered, kind: type[StoredLine], decode: Callable[[str, int, dict[str, Any]], T]
) -> T:
    """The event of a reminder or digest line, decoded by its stream's `load`."""
    line = numbered.line
    assert isinstance(line, kind)
    return _decoded(
        numbered.number,
        line.type,
        line.schema_version,
        lambda: decode(line.type, line.schema_version, line.data),
    )


def _decoded(number: int, type_name: str, schema_version: int, decode: Callable[[], T]) -> T:
    try:
        body = decode()
    except ValidationError as error:
        first = error.errors()[0]
        loc = [str(part) for part in first["loc"]]
        where = ".".join(loc if loc and loc[0] in OUTSIDE_DATA else ["data", *loc])
        raise Refused(number, where, first["msg"]) from None
    except (TypeError, ValueError, AttributeError) as error:
        message = f"cannot be read as '{type_name}' v{schema_version}: {error}"
        raise Refused(number, "data", message) from None
    return body
