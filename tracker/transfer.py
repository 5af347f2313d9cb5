"""Moving agreement histories between stores: `tracker export` and `tracker import`.

The format is JSON Lines: one stored agreement event per line, in store order,
with the fields the store keeps (`ExportedEvent`). Importing rebuilds each
agreement through the `Agreement` aggregate with its own id, versions and
timeline fields (`occurred_on`, `recorded_at`, `recorded_by`), so a copy's
histories and states equal the original's; events stored in an older schema
version are upcast on the way in.

The whole file is checked, and every agreement planned, before anything is
written: a bad line refuses the import and names its line and field. An
agreement whose first versions are already stored is only completed, and one
whose stored versions differ from the file's is refused; importing a file a
second time therefore records nothing. Each agreement is saved in one write,
together with the claim on its reference.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date
from typing import Any, TextIO
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError, field_validator

from events import catalog
from events.base import EventBody, Name, Version
from events.drafting import Drafted
from tracker.aggregate import Agreement, ReferenceIndex, stored_fields
from tracker.application import Tracker
from tracker.errors import DomainError, WriteConflict
from tracker.state import Record
from tracker.timeline import fold

PAGE_SIZE = 500
PROBLEMS_SHOWN = 20
AGREEMENT_TOPICS = (Agreement.Created.TOPIC, Agreement.Recorded.TOPIC)
OUTSIDE_DATA = frozenset({"occurred_on", "source"})


class ExportedEvent(BaseModel):
    """One line of an export: a stored agreement event and where it stood in the store."""

    model_config = ConfigDict(extra="forbid")

    position: int | None = Field(default=None, ge=1)
    agreement_id: UUID
    version: Version
    type: str
    schema_version: int = Field(ge=1)
    occurred_on: date
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


# Export


def exported_events(tracker: Tracker) -> Iterator[ExportedEvent]:
    """Every agreement event in the store, in store order, read a page at a time."""
    position = 0
    while True:
        page = tracker.recorder.select_notifications(
            position, PAGE_SIZE, topics=AGREEMENT_TOPICS, inclusive_of_start=False
        )
        if not page:
            return
        for notification in page:
            event = tracker.mapper.to_domain_event(notification)
            assert isinstance(event, Agreement.Created | Agreement.Recorded)
            yield ExportedEvent(
                position=notification.id,
                agreement_id=event.originator_id,
                version=event.originator_version,
                type=event.type,
                schema_version=event.schema_version,
                occurred_on=event.occurred_on,
                recorded_at=event.recorded_at,
                recorded_by=event.recorded_by,
                source=event.source,
                data=event.data,
            )
        position = page[-1].id


def write_export(tracker: Tracker, out: TextIO) -> int:
    """Write the export as JSON Lines (UTF-8 text, accents as they are); returns the count."""
    count = 0
    for event in exported_events(tracker):
        out.write(json.dumps(event.model_dump(mode="json"), ensure_ascii=False) + "\n")
        count += 1
    return count


# Import


@dataclass(frozen=True, order=True)
class Problem:
    """Why one line of an import cannot be recorded."""

    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.field}: {self.message}"


class ImportRefused(DomainError):
    """The file has bad lines or conflicts with the store; nothing was imported."""

    code = "import_refused"

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems)
        shown = [str(problem) for problem in self.problems[:PROBLEMS_SHOWN]]
        hidden = len(self.problems) - PROBLEMS_SHOWN
        if hidden > 0:
            shown.append(f"and {hidden} more")
        super().__init__("nothing was imported:\n  " + "\n  ".join(shown))


@dataclass(frozen=True)
class ImportReport:
    agreements: int
    agreements_created: int
    events_added: int
    events_present: int


@dataclass(frozen=True)
class _Line:
    number: int
    record: Record


@dataclass
class _Plan:
    """What importing one agreement writes: its aggregates, with the events to add."""

    aggregates: list[Aggregate] = field(default_factory=list)
    created: bool = False
    added: int = 0
    present: int = 0


class _Refused(Exception):
    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


def import_events(tracker: Tracker, lines: Iterable[str | bytes]) -> ImportReport:
    """Record the events of an export that the store does not hold yet.

    Lines may be bytes (a file opened in binary): text that is not UTF-8 is then
    reported with its line number like any other bad line. Problems are looked
    for in three rounds, each only when the one before found none (a bad line
    would otherwise show up again as a gap in its agreement's versions): the
    lines themselves, then each agreement's sequence, then the store.
    """
    histories = _read(lines)
    plans: list[_Plan] = []
    problems: list[Problem] = []
    claimed: dict[UUID, UUID] = {}
    for agreement_id, history in histories.items():
        try:
            plans.append(_plan(tracker, agreement_id, history, claimed))
        except _Refused as refusal:
            problems.append(refusal.problem)
    if problems:
        raise ImportRefused(problems)
    for plan in plans:
        if plan.added:
            _save(tracker, plan.aggregates)
    return ImportReport(
        agreements=len(plans),
        agreements_created=sum(plan.created for plan in plans),
        events_added=sum(plan.added for plan in plans),
        events_present=sum(plan.present for plan in plans),
    )


def _read(lines: Iterable[str | bytes]) -> dict[UUID, list[_Line]]:
    """Each agreement's records in file order, or every problem of the file's lines."""
    histories: dict[UUID, list[_Line]] = {}
    problems: list[Problem] = []
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        try:
            line = _line(number, text)
        except _Refused as refusal:
            problems.append(refusal.problem)
            continue
        histories.setdefault(line.record.agreement_id, []).append(line)
    if not problems:
        found = (_out_of_sequence(history) for history in histories.values())
        problems = [problem for problem in found if problem is not None]
    if problems:
        raise ImportRefused(problems)
    return histories


def _line(number: int, text: str | bytes) -> _Line:
    try:
        event = ExportedEvent.model_validate_json(text)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "json"
        raise _Refused(Problem(number, where, first["msg"])) from None
    record = Record(
        agreement_id=event.agreement_id,
        version=event.version,
        occurred_on=event.occurred_on,
        recorded_at=event.recorded_at.astimezone(UTC),
        recorded_by=event.recorded_by,
        body=_body(number, event),
    )
    return _Line(number, record)


def _out_of_sequence(history: list[_Line]) -> Problem | None:
    """Versions run 1, 2, 3... in file order, and only version 1 is the draft."""
    for expected, line in enumerate(history, start=1):
        record = line.record
        if record.version != expected:
            message = f"expected version {expected} of agreement {record.agreement_id}"
            return Problem(line.number, "version", f"{message}, got {record.version}")
        if (record.version == 1) != (record.type == "drafted"):
            message = "an agreement's version 1, and only it, is its 'drafted' event"
            return Problem(line.number, "type", message)
    return None


def _body(number: int, event: ExportedEvent) -> EventBody:
    """The event's fields, decoded (and upcast) by the catalog."""
    current = catalog.event_class(event.type).SCHEMA_VERSION
    if event.schema_version > current:
        message = f"{event.schema_version} is newer than '{event.type}' v{current} known here"
        raise _Refused(Problem(number, "schema_version", message))
    data = {**event.data, "occurred_on": event.occurred_on, "source": event.source}
    try:
        return catalog.load(event.type, event.schema_version, data)
    except ValidationError as error:
        first = error.errors()[0]
        loc = [str(part) for part in first["loc"]]
        where = ".".join(loc if loc and loc[0] in OUTSIDE_DATA else ["data", *loc])
        raise _Refused(Problem(number, where, first["msg"])) from None
    except (TypeError, ValueError, AttributeError) as error:
        message = f"cannot be read as '{event.type}' v{event.schema_version}: {error}"
        raise _Refused(Problem(number, "data", message)) from None


def _plan(
    tracker: Tracker, agreement_id: UUID, history: list[_Line], claimed: dict[UUID, UUID]
) -> _Plan:
    """The aggregates to save for one agreement, or the problem that refuses it."""
    records = [line.record for line in history]
    try:
        fold(records)
    except DomainError as error:
        span = f"lines {history[0].number}-{history[-1].number}"
        message = f"agreement {agreement_id} ({span}) is not a possible history: {error}"
        raise _Refused(Problem(history[-1].number, "history", message)) from None
    stored = _stored(tracker, history[0])
    known = stored.records if stored else []
    for line, mine in zip(history, known, strict=False):
        _check_same(line, mine)
    missing = records[len(known) :]
    plan = _Plan(present=min(len(known), len(records)), added=len(missing))
    if not missing:
        return plan
    if stored is None:
        stored = Agreement.draft(missing.pop(0))
        plan.created = True
        plan.aggregates.extend(_claim(tracker, history[0], claimed))
    for record in missing:
        stored.append(record)
    plan.aggregates.insert(0, stored)
    return plan


def _stored(tracker: Tracker, first: _Line) -> Agreement | None:
    agreement_id = first.record.agreement_id
    try:
        aggregate: Aggregate = tracker.repository.get(agreement_id)
    except AggregateNotFoundError:
        return None
    if not isinstance(aggregate, Agreement):
        message = f"{agreement_id} is the id of something other than an agreement here"
        raise _Refused(Problem(first.number, "agreement_id", message))
    return aggregate


def _check_same(line: _Line, stored: Record) -> None:
    """A version already in the store must be the file's, field for field."""
    mine, theirs = stored_fields(line.record), stored_fields(stored)
    for name, value in mine.items():
        if theirs[name] != value:
            message = f"differs from version {stored.version} already stored for this agreement"
            raise _Refused(Problem(line.number, name, message))


def _claim(tracker: Tracker, draft_line: _Line, claimed: dict[UUID, UUID]) -> list[Aggregate]:
    """The reference claim saved with a new agreement's draft, if it has a reference."""
    body = draft_line.record.body
    assert isinstance(body, Drafted)
    if body.reference is None:
        return []
    agreement_id = draft_line.record.agreement_id
    key = ReferenceIndex.id_for(body.reference)
    holder = claimed.get(key) or tracker.agreement_for_reference(body.reference)
    if holder == agreement_id:
        return []
    if holder is not None:
        message = f"'{body.reference}' is already used by agreement {holder}"
        raise _Refused(Problem(draft_line.number, "data.reference", message))
    claimed[key] = agreement_id
    return [ReferenceIndex.claim(body.reference, agreement_id)]


def _save(tracker: Tracker, aggregates: list[Aggregate]) -> None:
    try:
        tracker.save(*aggregates)
    except IntegrityError:
        raise WriteConflict(
            f"agreement {aggregates[0].id} was written by someone else during the import; "
            "the agreements before it were imported, import the file again to finish"
        ) from None
