"""Folding a timeline, and `decide`: whether new events fit into it.

An agreement's state is the fold of its *effective* timeline: every event not
retracted, sorted by `occurred_on` then version, the draft dated as the last
`drafted_on` correction says. The same fold gives the state as effective on a
date, as known at a moment and at a version, and it is how a backdated event
is checked: inserted where it belongs, every later event must still be
possible. A derived event (`tracker.derived`) is the exception: a person's
fact that makes one impossible withdraws it in the same write.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import TypeVar
from uuid import UUID

from events.base import EventBody
from events.cooperation import ComplementaryAgreementAdded
from events.drafting import Amended, Drafted
from events.lifecycle import EnteredIntoForce, Signed
from events.records import Retracted
from tracker.derived import (
    DERIVER,
    Key,
    called_for,
    is_derived,
    justified,
    key,
    withdrawal,
    withdrawn_by_people,
)
from tracker.errors import DomainError, InvalidField, NotYetDrafted, TimelineConflict, event_words
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


def _order(record: Record) -> tuple[date, int]:
    return record.occurred_on, record.version


def _corrected(kept: list[Record]) -> list[Record]:
    """The records with the draft dated as the `drafted_on` correction latest in the timeline.

    A correction of the record, like a retraction: it moves the draft whatever
    the amendment's own date.
    """
    corrections = [
        r for r in kept if isinstance(r.body, Amended) and r.body.changes.drafted_on is not None
    ]
    if not corrections:
        return kept
    last = max(corrections, key=_order).body
    assert isinstance(last, Amended) and last.changes.drafted_on is not None
    day = last.changes.drafted_on
    return [replace(r, occurred_on=day) if r.version == 1 else r for r in kept]


def _counted(records: Sequence[Record]) -> list[Record]:
    """The events not retracted, in recorded order, the draft dated as corrected."""
    retracted = retracted_versions(records)
    return _corrected([r for r in records if r.version not in retracted])


def effective(records: Sequence[Record]) -> list[Record]:
    """The events that count, in the order they happened."""
    return sorted(_counted(records), key=_order)


@dataclass(frozen=True)
class Walked:
    """How far a timeline folds: its state, or the record that cannot follow and why."""

    state: AgreementState
    failed: Record | None = None
    error: DomainError | None = None
    unjustified: frozenset[int] = frozenset()
    """When judged: derived events whose derivation no longer holds where they stand."""


def walk(timeline: list[Record], *, judge: frozenset[Key] | None = None) -> Walked:
    """Fold an effective timeline as far as it goes.

    `judge`: check each derived event against the derivation, which leaves out
    these (the derived events people retracted).
    """
    first = timeline[0]
    if not isinstance(first.body, Drafted):
        raise _before_the_draft(first, timeline)
    state = start(first)
    unjustified: set[int] = set()
    for record in timeline[1:]:
        if judge is not None and is_derived(record) and not justified(state, record, judge):
            unjustified.add(record.version)
        try:
            state = evolve(state, record)
        except DomainError as error:
            return Walked(state, record, error, frozenset(unjustified))
    return Walked(state, unjustified=frozenset(unjustified))


def _before_the_draft(first: Record, timeline: list[Record]) -> DomainError:
    draft = next((r for r in timeline if r.version == 1), None)
    body = draft.body if draft is not None else None
    if draft is not None and isinstance(body, Drafted) and body.occurred_on != draft.occurred_on:
        return InvalidField(
            "changes.drafted_on",
            f"the draft cannot be dated {draft.occurred_on}: {event_words(first.type)} on "
            f"{first.occurred_on} would come before it",
        )
    return NotYetDrafted(first.type, first.occurred_on, draft.occurred_on if draft else None)


@dataclass(frozen=True)
class Settled:
    """A timeline folded with derived events giving way to facts (see `settle`)."""

    walked: Walked
    """The last walk: the state, or the failure no derived event could lift."""
    gave_way: dict[int, Record]
    """The derived events left out, by version."""
    tried: frozenset[int]
    """Of those, the ones left out because a fact after them failed."""
    first: Walked | None
    """The first failure of a fact, if one failed."""

    @property
    def outcome(self) -> Walked:
        """The state reached, or else the failure to report: the first a fact met."""
        return self.walked if self.walked.failed is None else self.first or self.walked


def settle(
    timeline: list[Record],
    *,
    left_out: Mapping[int, Record] | None = None,
    judge: frozenset[Key] | None = None,
    keep: frozenset[int] = frozenset(),
) -> Settled:
    """Fold an effective timeline in which derived events give way to facts.

    A derived event that cannot happen where it stands is left out; when a
    fact cannot happen, the latest derived event before it is left out, in
    case it is what stands in the way, and the walk starts again. Derived
    events in `keep` (being recorded) never give way.
    """
    gave_way = dict(left_out or {})
    tried: set[int] = set()
    first: Walked | None = None
    while True:
        walked = walk([r for r in timeline if r.version not in gave_way], judge=judge)
        failed = walked.failed
        if failed is None:
            break
        if is_derived(failed) and failed.version not in keep:
            gave_way[failed.version] = failed
            continue
        first = first or walked
        ahead = timeline[: timeline.index(failed)]
        prior = next(
            (
                r
                for r in reversed(ahead)
                if is_derived(r) and r.version not in keep and r.version not in gave_way
            ),
            None,
        )
        if prior is None:
            break
        gave_way[prior.version] = prior
        tried.add(prior.version)
    return Settled(walked, gave_way, frozenset(tried), first)


def fold(records: Sequence[Record], *, blame: frozenset[int] = frozenset()) -> AgreementState:
    """The state the effective timeline leads to, or the error that makes it impossible.

    Derived events give way to facts (`settle`). With `blame`, the versions
    being added (by the sweep): nothing gives way, and when one of them breaks
    an older event, the error says so rather than pointing at the older event.
    """
    timeline = effective(records)
    walked = walk(timeline) if blame else settle(timeline).outcome
    if walked.error is not None:
        raise _blamed(walked, records, blame)
    return walked.state


def _blamed(walked: Walked, records: Sequence[Record], blame: frozenset[int]) -> DomainError:
    assert walked.failed is not None and walked.error is not None
    if not blame or walked.failed.version in blame:
        return walked.error
    culprit = next(r for r in records if r.version == min(blame))
    return TimelineConflict(culprit.type, culprit.occurred_on, walked.error)


def view(
    records: Sequence[Record],
    *,
    as_of: date | None = None,
    known_at: datetime | None = None,
    version: int | None = None,
) -> AgreementState | None:
    """The state at a version, as known at a moment, as effective on a date.

    A retraction or a `drafted_on` correction known by then applies whatever
    the date asked for: it corrects the record, it did not happen in the
    world. None when the agreement did not exist yet at that point.
    """
    known = [
        r
        for r in records
        if (version is None or r.version <= version)
        and (known_at is None or r.recorded_at <= known_at)
    ]
    dated = [r for r in _counted(known) if as_of is None or r.occurred_on <= as_of]
    if not dated or dated[0].version != 1:
        return None
    walked = settle(sorted(dated, key=_order)).outcome
    if walked.error is not None:
        raise walked.error
    return walked.state


def decide_draft(agreement_id: UUID, body: Drafted, moment: Moment) -> Record:
    """The first record of a new agreement."""
    occurred_on = _occurred_on(body, moment)
    record = Record(agreement_id, 1, occurred_on, moment.at, moment.by, _dated(body, occurred_on))
    start(record)
    return record


@dataclass(frozen=True)
class Decision:
    """What a command adds, the state the agreement is in afterwards, and a child it drafts."""

    records: list[Record]
    state: AgreementState
    child: Record | None = None


def decide(records: Sequence[Record], command: EventBody, moment: Moment) -> Decision:
    """The records a command adds to an agreement, or the error that refuses it.

    A `complementary_agreement_added` must carry the child's id (the caller
    chooses it); its draft is decided here, against this agreement's timeline.
    """
    occurred_on = _occurred_on(command, moment)
    body = _dated(command, occurred_on, records[0].agreement_id)
    child = _check(records, body, moment)
    bodies: list[tuple[EventBody, str]] = [(body, moment.by)]
    if isinstance(body, Signed):
        force = body.enters_into_force_on
        if force is not None and occurred_on <= force <= moment.today:
            bodies.append((EnteredIntoForce(occurred_on=force, source=body.source), DERIVER))
    head = records[-1].version
    agreement_id = records[0].agreement_id
    new = [
        Record(agreement_id, head + i, b.occurred_on or occurred_on, moment.at, by, b)
        for i, (b, by) in enumerate(bodies, start=1)
    ]
    if moment.by == DERIVER:
        state = fold([*records, *new], blame=frozenset(r.version for r in new))
        return Decision(new, state, child)
    added, state = _reconciled(records, new, moment)
    return Decision(added, state, child)


def _reconciled(
    records: Sequence[Record], new: list[Record], moment: Moment
) -> tuple[list[Record], AgreementState]:
    """A person's records, with the withdrawals of the derived events they make impossible.

    A derived event is withdrawn when it gives way to the new facts (`settle`),
    or when it is no longer justified where it stands (it was before). One
    left out only because a fact failed after it is withdrawn only if the
    facts, once recorded, no longer call for it, so the sweep will not record
    it again; otherwise the fact is refused as it was first.
    """
    blame = frozenset(r.version for r in new)
    candidate = [*records, *new]
    timeline = effective(candidate)
    refused = withdrawn_by_people(candidate)
    withdrawn: dict[int, Record] = {}
    tried: set[int] = set()
    refusal: Walked | None = None
    before: frozenset[int] | None = None
    while True:
        settled = settle(timeline, left_out=withdrawn, judge=refused, keep=blame)
        refusal = refusal or settled.first
        if settled.walked.failed is not None:
            assert refusal is not None
            raise _blamed(refusal, candidate, blame)
        withdrawn, tried = settled.gave_way, tried | settled.tried
        unjustified = settled.walked.unjustified - blame
        if unjustified and before is None:
            old = effective(records)
            before = settle(old, judge=withdrawn_by_people(records)).walked.unjustified
        fresh = unjustified - (before or frozenset())
        if not fresh:
            break
        withdrawn.update({r.version: r for r in timeline if r.version in fresh})
    state = settled.walked.state
    if refusal is not None:
        wanted = called_for(state, moment.today, refused)
        if any(key(withdrawn[v].body) in wanted for v in tried):
            raise _blamed(refusal, candidate, blame)
    retractions = [
        Record(
            new[0].agreement_id,
            new[-1].version + i,
            new[0].occurred_on,
            moment.at,
            DERIVER,
            withdrawal(target, new[0], records),
        )
        for i, target in enumerate(withdrawn.values(), start=1)
    ]
    for retraction in retractions:
        state = evolve(state, retraction)
    return [*new, *retractions], state


def _occurred_on(body: EventBody, moment: Moment) -> date:
    if body.occurred_on is None:
        return moment.today
    if body.occurred_on > moment.today:
        raise InvalidField("occurred_on", f"{body.occurred_on} is after today ({moment.today})")
    return body.occurred_on


def canonical(command: Command, today: date) -> Command:
    """The command as it is stored when recorded `today`: every default the tracker fills in,
    filled in. Two commands that differ only by leaving a default out are the same command."""
    return _dated(command, command.occurred_on or today)


def _dated(body: Command, occurred_on: date, parent_id: UUID | None = None) -> Command:
    """The body as stored: `occurred_on` explicit, also in a nested draft (and its parent)."""
    update: dict[str, object] = {"occurred_on": occurred_on}
    if isinstance(body, ComplementaryAgreementAdded):
        nested = body.agreement
        child: dict[str, object] = {"occurred_on": nested.occurred_on or occurred_on}
        if nested.parent_id is None:
            child["parent_id"] = parent_id
        update["agreement"] = nested.model_copy(update=child)
    return body.model_copy(update=update)


def _check(records: Sequence[Record], body: EventBody, moment: Moment) -> Record | None:
    """What a command must meet beyond the lifecycle's rules; the child record it drafts."""
    if isinstance(body, Retracted):
        _check_retraction(records, body)
    if isinstance(body, Amended) and body.changes.drafted_on is not None:
        _check_children(records, body.changes.drafted_on)
    if isinstance(body, ComplementaryAgreementAdded):
        return _child(records, body, moment)
    return None


def _child(records: Sequence[Record], body: ComplementaryAgreementAdded, moment: Moment) -> Record:
    """The complementary agreement's draft, within this agreement's timeline."""
    parent_id = records[0].agreement_id
    nested = body.agreement
    if nested.parent_id != parent_id:
        raise InvalidField(
            "agreement.parent_id",
            f"names agreement {nested.parent_id}, but a complementary agreement belongs to the "
            f"agreement it is added to ({parent_id}); leave it out",
        )
    drafted_on = effective(records)[0].occurred_on
    if nested.occurred_on is not None and nested.occurred_on < drafted_on:
        raise InvalidField(
            "agreement.occurred_on",
            f"the complementary agreement's draft on {nested.occurred_on} is before the draft of "
            f"the agreement it belongs to, on {drafted_on}",
        )
    if body.child_id is None:
        raise InvalidField("child_id", "is set by the tracker when it creates the child")
    try:
        return decide_draft(body.child_id, nested, moment)
    except InvalidField as error:
        raise InvalidField(f"agreement.{error.field}", error.reason) from None


def _check_children(records: Sequence[Record], drafted_on: date) -> None:
    """A draft is not dated after the drafts of its complementary agreements."""
    for record in _counted(records):
        body = record.body
        if isinstance(body, ComplementaryAgreementAdded):
            child_on = body.agreement.occurred_on
            if child_on is not None and child_on < drafted_on:
                raise InvalidField(
                    "changes.drafted_on",
                    f"the draft cannot be dated {drafted_on}: its complementary agreement "
                    f"'{body.agreement.title}' was drafted on {child_on}",
                )


def _check_retraction(records: Sequence[Record], command: Retracted) -> None:
    target = next((r for r in records if r.version == command.version), None)
    if target is None:
        raise InvalidField("version", f"there is no event at version {command.version}")
    if isinstance(target.body, Drafted):
        raise InvalidField(
            "version",
            "the draft cannot be retracted: void the agreement if it was recorded by mistake, "
            "or terminate it if it was signed",
        )
    if isinstance(target.body, Retracted):
        raise InvalidField("version", "a retraction cannot be retracted; record the fact anew")
    if command.version in retracted_versions(records):
        raise InvalidField(
            "version", f"{target.body.words()} at version {command.version} is already retracted"
        )
