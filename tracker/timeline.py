"""Folding a timeline, and `decide`: whether new events fit into it.

An agreement's state is the fold of its *effective* timeline: every event not
retracted, sorted by `occurred_on` then version. The same fold gives the state
as effective on a date, as known at a moment and at a version, and it is how a
backdated event is checked: inserted where it belongs, every later event must
still be possible.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TypeVar
from uuid import UUID

from events.base import EventBody
from events.cooperation import ComplementaryAgreementAdded
from events.drafting import Drafted
from events.lifecycle import EnteredIntoForce, Signed
from events.records import Retracted
from tracker.errors import DomainError, InvalidField, NotYetDrafted, TimelineConflict
from tracker.lifecycle import evolve, start
from tracker.state import AgreementState, Record

Command = TypeVar("Command", bound=EventBody)


@dataclass(frozen=True)
class Moment:
    """Who records, and when: the system-set half of every event."""

    at: datetime
    by: str

    @property
    def today(self) -> date:
        return self.at.date()


def retracted_versions(records: Sequence[Record]) -> set[int]:
    return {r.body.version for r in records if isinstance(r.body, Retracted)}


def effective(records: Sequence[Record]) -> list[Record]:
    """The events that count, in the order they happened."""
    retracted = retracted_versions(records)
    kept = (r for r in records if r.version not in retracted)
    return sorted(kept, key=lambda r: (r.occurred_on, r.version))


def fold(records: Sequence[Record], *, blame: frozenset[int] = frozenset()) -> AgreementState:
    """The state the effective timeline leads to, or the error that makes it impossible.

    With `blame`, the versions being added: when one of them breaks an older
    event, the error says so rather than pointing at the older event.
    """
    timeline = effective(records)
    first = timeline[0]
    if not isinstance(first.body, Drafted):
        drafted_on = next((r.occurred_on for r in records if r.version == 1), None)
        raise NotYetDrafted(first.type, first.occurred_on, drafted_on)
    state = start(first)
    for record in timeline[1:]:
        try:
            state = evolve(state, record)
        except DomainError as error:
            if not blame or record.version in blame:
                raise
            culprit = next(r for r in records if r.version == min(blame))
            raise TimelineConflict(culprit.type, culprit.occurred_on, error) from None
    return state


def view(
    records: Sequence[Record],
    *,
    as_of: date | None = None,
    known_at: datetime | None = None,
    version: int | None = None,
) -> AgreementState | None:
    """The state at a version, as known at a moment, as effective on a date.

    A retraction known by then removes its target whatever the date asked
    for: it corrects the record, it did not happen in the world. None when
    the agreement did not exist yet at that point.
    """
    known = [
        r
        for r in records
        if (version is None or r.version <= version)
        and (known_at is None or r.recorded_at <= known_at)
    ]
    retracted = retracted_versions(known)
    dated = [
        r for r in known if r.version not in retracted and (as_of is None or r.occurred_on <= as_of)
    ]
    if not dated or dated[0].version != 1:
        return None
    return fold(dated)


def decide_draft(agreement_id: UUID, body: Drafted, moment: Moment) -> Record:
    """The first record of a new agreement."""
    occurred_on = _occurred_on(body, moment)
    record = Record(agreement_id, 1, occurred_on, moment.at, moment.by, _dated(body, occurred_on))
    start(record)
    return record


@dataclass(frozen=True)
class Decision:
    """What a command adds, and the state the agreement is in afterwards."""

    records: list[Record]
    state: AgreementState


def decide(records: Sequence[Record], command: EventBody, moment: Moment) -> Decision:
    """The records a command adds to an agreement, or the error that refuses it."""
    occurred_on = _occurred_on(command, moment)
    if isinstance(command, Retracted):
        _check_retraction(records, command)
    bodies: list[EventBody] = [_dated(command, occurred_on)]
    if isinstance(command, Signed):
        force = command.enters_into_force_on
        if force is not None and occurred_on <= force <= moment.today:
            bodies.append(EnteredIntoForce(occurred_on=force, source=command.source))
    head = records[-1].version
    agreement_id = records[0].agreement_id
    new = [
        Record(agreement_id, head + i, body.occurred_on or occurred_on, moment.at, moment.by, body)
        for i, body in enumerate(bodies, start=1)
    ]
    state = fold([*records, *new], blame=frozenset(r.version for r in new))
    return Decision(new, state)


def _occurred_on(body: EventBody, moment: Moment) -> date:
    if body.occurred_on is None:
        return moment.today
    if body.occurred_on > moment.today:
        raise InvalidField("occurred_on", f"{body.occurred_on} is in the future")
    return body.occurred_on


def canonical(command: Command, today: date) -> Command:
    """The command as it is stored when recorded `today`: every default the tracker fills in,
    filled in. Two commands that differ only by leaving a default out are the same command."""
    return _dated(command, command.occurred_on or today)


def _dated(body: Command, occurred_on: date) -> Command:
    """The body as stored: `occurred_on` always explicit, also in a nested draft."""
    update: dict[str, object] = {"occurred_on": occurred_on}
    if isinstance(body, ComplementaryAgreementAdded):
        child = body.agreement.occurred_on or occurred_on
        update["agreement"] = body.agreement.model_copy(update={"occurred_on": child})
    return body.model_copy(update=update)


def _check_retraction(records: Sequence[Record], command: Retracted) -> None:
    target = next((r for r in records if r.version == command.version), None)
    if target is None:
        raise InvalidField("version", f"there is no event at version {command.version}")
    if isinstance(target.body, Drafted):
        raise InvalidField("version", "the draft cannot be retracted; terminate the agreement")
    if isinstance(target.body, Retracted):
        raise InvalidField("version", "a retraction cannot be retracted; record the fact anew")
    if command.version in retracted_versions(records):
        raise InvalidField("version", f"the event at version {command.version} is retracted")
