"""Importing an export: everything is checked first, then everything new is written at once.

Problems are looked for in rounds, each only when the one before found none:
the lines themselves and each stream's sequence (`reading`); each stream on
its own (`content`) and against what the store already holds of it; then the
streams against each other and the store: an agreement's parent and
children, the agreement a reminder, a claim or a receipt belongs to, the
reminders a digest lists, and the claim on each new agreement's reference.
Any problem refuses the whole file.

A stream whose first versions are already stored is only completed, and one
whose stored versions differ from the file's is refused, so importing a file
a second time records nothing. A new agreement with a reference and no claim
in the file gets one, as the application would have written. Everything new
is then written in one transaction, in the file's order: the store's order is
the file's, and an import either happens entirely or not at all.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from events.cooperation import ComplementaryAgreementAdded
from events.drafting import Drafted
from events.records import Voided
from tracker.aggregate import ReferenceIndex
from tracker.application import Tracker
from tracker.errors import AgreementNotFound, WriteConflict
from tracker.progress import Advance, ignore
from tracker.state import Record
from tracker.timeline import retracted_versions
from tracker.transfer import content
from tracker.transfer.lines import Claim, ClaimLine, Line, ReceiptLine, event_of, line_of
from tracker.transfer.reading import (
    ImportRefused,
    Numbered,
    Problem,
    Refused,
    Stream,
    read_streams,
)


@dataclass(frozen=True)
class ImportReport:
    added: int
    """Events written (claims made for new agreements included)."""
    present: int
    """Lines of the file the store already held."""
    created: dict[str, int]
    """New streams, by kind (`agreement`, `reminder`, `digest`, `reference`, `receipt`)."""


def import_events(
    tracker: Tracker, lines: Iterable[str | bytes], advance: Advance = ignore
) -> ImportReport:
    """Record the events of an export that the store does not hold yet.

    `advance` is called once per line read and once per event written.
    """
    return prepare_import(tracker, lines, advance).write(advance)


def prepare_import(
    tracker: Tracker, lines: Iterable[str | bytes], advance: Advance = ignore
) -> PreparedImport:
    """Every check of the file against the store; ImportRefused names each problem.

    `advance` is called twice per line: once when it is read, once when its
    stream has been checked on its own (the longest of the checks).
    """
    streams = read_streams(lines, advance)
    plan = _Plan(tracker, streams)
    plan.check(advance)
    return PreparedImport(tracker, plan.events(), plan.report())


@dataclass(frozen=True)
class PreparedImport:
    """A checked file: the events it adds to the store, in the order they will be stored."""

    tracker: Tracker
    events: list[Any]
    report: ImportReport

    def write(self, advance: Advance = ignore) -> ImportReport:
        """Store every new event in one transaction; `advance` is called once per event."""
        stored = []
        for event in self.events:
            stored.append(self.tracker.mapper.to_stored_event(event))
            advance(1)
        if stored:
            try:
                self.tracker.recorder.insert_events(stored)
            except IntegrityError:
                raise WriteConflict(
                    "another writer stored some of the same records during the import; "
                    "nothing was imported: import the file again"
                ) from None
        return self.report


@dataclass(frozen=True)
class _Facts:
    """What other streams need to know of an agreement."""

    reference: str | None
    parent_id: UUID | None
    children: frozenset[UUID]
    version: int

    @classmethod
    def of(cls, records: Sequence[Record]) -> _Facts:
        draft = _draft(records)
        children = frozenset(
            r.body.child_id
            for r in records
            if isinstance(r.body, ComplementaryAgreementAdded) and r.body.child_id is not None
        )
        return cls(draft.reference, draft.parent_id, children, len(records))


class _Store:
    """The importing store, each stream read once; an empty store is not asked at all."""

    def __init__(self, tracker: Tracker) -> None:
        self.tracker = tracker
        self.empty = not tracker.recorder.max_notification_id()
        self._lines: dict[UUID, list[Line]] = {}

    def lines(self, stream_id: UUID) -> list[Line]:
        if self.empty:
            return []
        if stream_id not in self._lines:
            events = self.tracker.events.get(stream_id)
            self._lines[stream_id] = [line_of(event) for event in events]
        return self._lines[stream_id]

    def agreement(self, agreement_id: UUID) -> list[Record] | None:
        stored = self.lines(agreement_id)
        if not stored or stored[0].stream != "agreement":
            return None
        try:
            return self.tracker.history(agreement_id)
        except AgreementNotFound:
            return None


class _Plan:
    def __init__(self, tracker: Tracker, streams: dict[UUID, Stream]) -> None:
        self.store = _Store(tracker)
        self.streams = streams
        self.present: dict[UUID, int] = {}
        self.records: dict[UUID, list[Record]] = {}
        self.reminded: dict[UUID, UUID] = {}
        """The agreement each reminder of the file is about."""
        self.digested: dict[UUID, list[UUID]] = {}
        """The reminders each digest of the file lists."""
        self.claims: dict[UUID, UUID] = {}
        """Reference claims the import makes: claim id -> agreement id."""
        self.made: dict[int, Any] = {}
        """The claim event to write after the draft of this line number."""
        self.claim_lines: dict[UUID, list[ClaimLine]] = {}
        """The lines of each claim in the file."""
        self._facts: dict[UUID, _Facts | None] = {}

    def check(self, advance: Advance) -> None:
        """Raise ImportRefused with every problem found, round by round."""
        for check, checked in ((self._alone, advance), (self._together, ignore)):
            problems: list[Problem] = []
            for stream in self.streams.values():
                try:
                    check(stream)
                except Refused as refusal:
                    problems.append(refusal.problem)
                checked(len(stream.lines))
            if problems:
                raise ImportRefused(problems)

    def events(self) -> list[Any]:
        """Every event to write, in file order; a made claim right after its draft."""
        new = sorted(
            (numbered for s in self.streams.values() for numbered in s.lines[self.present[s.id] :]),
            key=lambda numbered: numbered.number,
        )
        events: list[Any] = []
        for numbered in new:
            events.append(event_of(numbered.line))
            if numbered.number in self.made:
                events.append(self.made[numbered.number])
        return events

    def report(self) -> ImportReport:
        kinds = Counter(s.kind for s in self.streams.values() if self.present[s.id] == 0)
        kinds["reference"] += len(self.made)
        return ImportReport(
            added=sum(len(s.lines) - self.present[s.id] for s in self.streams.values())
            + len(self.made),
            present=sum(self.present.values()),
            created={kind: count for kind, count in kinds.items() if count},
        )

    # Round one: each stream on its own, and against what the store holds of it.

    def _alone(self, stream: Stream) -> None:
        if stream.kind == "agreement":
            self.records[stream.id] = content.agreement_records(stream)
        elif stream.kind == "reminder":
            self.reminded[stream.id] = content.reminder_issued(stream).agreement_id
        elif stream.kind == "digest":
            self.digested[stream.id] = content.digest_prepared(stream).reminders
        elif stream.kind == "reference":
            self.claim_lines[stream.id] = content.claim(stream)
        else:
            content.receipt(stream)
        self.present[stream.id] = self._stored_prefix(stream)

    def _stored_prefix(self, stream: Stream) -> int:
        """How many of the stream's lines the store holds already, each one the same."""
        stored = self.store.lines(stream.id)
        if stored and stored[0].stream != stream.kind:
            message = f"{stream.id} is the id of a {stored[0].stream} in the store"
            raise Refused(stream.first, "id", message)
        for numbered, theirs in zip(stream.lines, stored, strict=False):
            mine, kept = numbered.line.model_dump(mode="json"), theirs.model_dump(mode="json")
            field = _first_difference(mine, kept)
            if field is not None:
                where = f"version {theirs.version} of this {stream.kind} in the store"
                raise Refused(numbered.number, field, f"differs from {where}")
        return min(len(stored), len(stream.lines))

    # Round two: the streams against each other and the store.

    def _together(self, stream: Stream) -> None:
        first = stream.lines[0]
        line = first.line
        if stream.kind == "agreement":
            self._links(stream)
            if self.present[stream.id] == 0:
                self._claim_for(stream.id, first)
        elif stream.kind == "reminder":
            self._agreement(first, "data.agreement_id", self.reminded[stream.id])
        elif stream.kind == "digest":
            for reminder_id in self.digested[stream.id]:
                self._reminder(first, reminder_id)
        elif isinstance(line, ClaimLine):
            for numbered in stream.lines:
                self._claimed(stream, numbered)
        elif isinstance(line, ReceiptLine):
            facts = self._agreement(first, "data.agreement_id", line.data.agreement_id)
            if facts.version < line.data.agreement_version:
                message = f"agreement {line.data.agreement_id} has {facts.version} versions"
                raise Refused(first.number, "data.agreement_version", message)

    def _agreement(self, numbered: Numbered, field: str, agreement_id: UUID) -> _Facts:
        facts = self._facts_of(agreement_id)
        if facts is None:
            message = f"there is no agreement {agreement_id} in the file or the store"
            raise Refused(numbered.number, field, message)
        return facts

    def _reminder(self, numbered: Numbered, reminder_id: UUID) -> None:
        in_file = self.streams.get(reminder_id)
        lines = [in_file.lines[0].line] if in_file else self.store.lines(reminder_id)
        if not lines or lines[0].stream != "reminder":
            message = f"there is no reminder {reminder_id} in the file or the store"
            raise Refused(numbered.number, "data.reminders", message)

    def _facts_of(self, agreement_id: UUID) -> _Facts | None:
        """The agreement as it will be: the file's history, or the store's when it is longer."""
        if agreement_id not in self._facts:
            records = self.records.get(agreement_id)
            if records is None or len(self.store.lines(agreement_id)) > len(records):
                records = self.store.agreement(agreement_id)
            self._facts[agreement_id] = _Facts.of(records) if records else None
        return self._facts[agreement_id]

    def _links(self, stream: Stream) -> None:
        """A parent lists its child and the child names its parent, both existing."""
        records = self.records[stream.id]
        draft = _draft(records)
        if draft.parent_id is not None:
            parent = self._agreement(stream.lines[0], "data.parent_id", draft.parent_id)
            if stream.id not in parent.children:
                message = f"agreement {draft.parent_id} does not list it as a complementary one"
                raise Refused(stream.first, "data.parent_id", message)
        for numbered, record in zip(stream.lines, records, strict=True):
            body = record.body
            if isinstance(body, ComplementaryAgreementAdded) and body.child_id is not None:
                child = self._agreement(numbered, "data.child_id", body.child_id)
                if child.parent_id != stream.id:
                    message = f"agreement {body.child_id} is not drafted under this one"
                    raise Refused(numbered.number, "data.child_id", message)

    def _claim_for(self, agreement_id: UUID, draft: Numbered) -> None:
        """A new agreement's reference is claimed by it in the file or store, or now.

        A voided agreement holds no claim, as the application releases it.
        """
        records = self.records[agreement_id]
        reference = _draft(records).reference
        if reference is None or _voided(records):
            return
        key = ReferenceIndex.id_for(reference)
        lines = self._claim(key, draft)
        holder = self.claims.get(key) or (content.holder(lines) if lines else None)
        if holder is None:
            self.claims[key] = agreement_id
            claimed = ClaimLine(
                stream="reference",
                id=key,
                version=len(lines) + 1,
                type=ReferenceIndex.CLAIMED,
                schema_version=1,
                data=Claim(reference=reference, agreement_id=agreement_id),
            )
            self.made[draft.number] = event_of(claimed)
        elif holder != agreement_id:
            message = f"'{reference}' is already used by agreement {holder}"
            raise Refused(draft.number, "data.reference", message)

    def _claim(self, key: UUID, draft: Numbered) -> list[ClaimLine]:
        """The lines of the reference's claim with this id, in the file or the store."""
        in_file = self.claim_lines.get(key)
        if in_file is not None:
            return in_file
        if key in self.streams:
            lines: list[Line] = [self.streams[key].lines[0].line]
        else:
            lines = self.store.lines(key)
        if lines and not isinstance(lines[0], ClaimLine):
            where = f"line {self.streams[key].first}" if key in self.streams else "the store"
            message = f"its reference's claim would take the id of the {lines[0].stream} of {where}"
            raise Refused(draft.number, "data.reference", message)
        return [line for line in lines if isinstance(line, ClaimLine)]

    def _claimed(self, stream: Stream, numbered: Numbered) -> None:
        """A claim belongs to an agreement with that very reference."""
        line = numbered.line
        assert isinstance(line, ClaimLine)
        facts = self._agreement(numbered, "data.agreement_id", line.data.agreement_id)
        if facts.reference is None or ReferenceIndex.id_for(facts.reference) != stream.id:
            holds = f"'{facts.reference}'" if facts.reference else "none"
            message = f"agreement {line.data.agreement_id}'s reference is {holds}"
            raise Refused(numbered.number, "data.reference", message)


def _first_difference(mine: dict[str, Any], kept: dict[str, Any], prefix: str = "") -> str | None:
    """The first field, by its dotted name, whose value differs."""
    for name, value in mine.items():
        theirs = kept.get(name)
        if value == theirs:
            continue
        if isinstance(value, dict) and isinstance(theirs, dict):
            return _first_difference(value, theirs, f"{prefix}{name}.")
        return f"{prefix}{name}"
    return None


def _voided(records: Sequence[Record]) -> bool:
    """Whether the agreement ends voided (its claim released): a voiding not retracted."""
    retracted = retracted_versions(records)
    return any(isinstance(r.body, Voided) and r.version not in retracted for r in records)


def _draft(records: Sequence[Record]) -> Drafted:
    draft = records[0].body
    assert isinstance(draft, Drafted), "every agreement starts with its draft"
    return draft
