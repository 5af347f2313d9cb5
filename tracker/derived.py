"""What the tracker derives from the facts and the calendar, and when it must stand down.

Some events are facts a person gives (signed, renewed, notice given); others
are derived by the tracker: the entry into force on its date, the expiry, the
automatic renewal (`tracker.reminders.consequences` says which the facts call
for on a day). A derived event is one of those types recorded by `DERIVER`:
by the sweep, or with a signature whose entry into force has come.

A derived event is not a fact, so it never stands in a person's way:

- `justified`: whether the derivation, from the state just before the
  derived event, still leads to it. A person's fact that makes it
  impossible or unjustified has it withdrawn in the same write
  (`timeline.decide`): a retraction recorded by `DERIVER`, whose reason
  (`withdrawal`) names the person's fact in words.
- `derive`: what a sweep records on a day: what the facts call for, less
  what a person withdrew by hand (a person's word that it did not happen
  stands for that date). What the tracker withdrew is recorded again only
  when the facts call for it anew, e.g. once the person's fact is retracted.

Reading the store, a derived event that the facts make impossible gives way
in the fold itself (`timeline.settle`), so a fact read before the withdrawal
recorded with it (a read model at that version) folds as well.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from pydantic import ValidationError

from events.base import EventBody
from events.drafting import Amended
from events.lifecycle import EnteredIntoForce, Expired, Renewed
from events.records import Retracted
from tracker.days import add_days
from tracker.errors import DomainError
from tracker.lifecycle import evolve
from tracker.reminders.consequences import consequences
from tracker.state import AgreementState, Record

DERIVER = "scheduler"
"""Who records derived events and their withdrawals."""

DERIVED_TYPES = (EnteredIntoForce, Expired, Renewed)

Key = tuple[str, date]
"""A derived event's type and date: what a sweep would record again."""

TERMS = {
    "drafted_on": "the draft date",
    "title": "the title",
    "purpose": "the purpose",
    "areas": "the areas",
    "expires_on": "the expiry date",
    "renewal": "the renewal terms",
}


def is_derived(record: Record) -> bool:
    return record.recorded_by == DERIVER and isinstance(record.body, DERIVED_TYPES)


def key(body: EventBody) -> Key:
    assert body.occurred_on is not None, "derived events are dated"
    return body.type_name(), body.occurred_on


def _content(body: EventBody) -> tuple[Key, date | None]:
    """A derived event's type, date and, for a renewal, the expiry it leads to."""
    return key(body), body.expires_on if isinstance(body, Renewed) else None


def following(
    state: AgreementState, day: date, refused: frozenset[Key] = frozenset()
) -> list[EventBody]:
    """What time does to `state` by `day`, followed to the end, less what a person refused.

    One step can call for another: a renewal can bring an entry into force
    within the agreement's new term. Nothing is dated before the signature:
    an expiry date that passed before the agreement was signed is a mistake
    for a person to correct, not an event.
    """
    found: list[EventBody] = []
    done = set(refused)
    while fresh := [
        body
        for body in consequences(state, day)
        if key(body) not in done and key(body)[1] >= (state.signed_on or day)
    ]:
        found += fresh
        done |= {key(body) for body in fresh}
        try:
            for body in fresh:
                on = key(body)[1]
                record = Record(state.id, state.version + 1, on, state.updated_at, DERIVER, body)
                state = evolve(state, record)
        except DomainError:
            break
    return found


def justified(before: AgreementState, record: Record, refused: frozenset[Key]) -> bool:
    """Whether the facts, as they stand just before it, still call for this derived event.

    Asked of the derivation itself, on the day the event shows what time did:
    its date for an entry into force, the day after for an expiry, the new
    expiry for a renewal (so its periods must match the renewal terms).
    """
    body = record.body
    day: date | None = record.occurred_on
    if isinstance(body, Expired):
        day = add_days(record.occurred_on, 1)
    elif isinstance(body, Renewed):
        day = body.expires_on
    if day is None:
        return True
    try:
        found = following(before, day, refused)
    except ValidationError:
        return True  # dates beyond the catalog's bounds, recorded before them: left as they are
    return _content(body) in {_content(event) for event in found}


def called_for(state: AgreementState, day: date, refused: frozenset[Key]) -> set[Key]:
    """The derived events a sweep on `day` would find the facts calling for."""
    try:
        return {key(body) for body in following(state, day, refused)}
    except ValidationError:
        return set()


def withdrawn_by_people(records: Sequence[Record]) -> frozenset[Key]:
    """Derived events that a person retracted: the sweep leaves their dates alone."""
    by_version = {record.version: record for record in records}
    found: set[Key] = set()
    for record in records:
        if isinstance(record.body, Retracted) and record.recorded_by != DERIVER:
            target = by_version.get(record.body.version)
            if target is not None and is_derived(target):
                found.add(key(target.body))
    return frozenset(found)


def derive(state: AgreementState, records: Sequence[Record], day: date) -> list[EventBody]:
    """What a sweep on `day` records for the agreement whose records lead to `state`."""
    return following(state, day, withdrawn_by_people(records))


def describe(fact: Record, records: Sequence[Record]) -> str:
    """A person's fact in words, for the reason of a withdrawal."""
    body = fact.body
    if isinstance(body, Retracted):
        target = next(r for r in records if r.version == body.version)
        return f"the retraction of {target.body.words()} of {target.occurred_on}"
    if isinstance(body, Amended):
        changed = [TERMS.get(name, name) for name in body.changes.model_dump(exclude_none=True)]
        return f"an amendment of {' and '.join(changed)} dated {fact.occurred_on}"
    return f"{body.words()} dated {fact.occurred_on}"


def withdrawal(target: Record, fact: Record, records: Sequence[Record]) -> Retracted:
    """The retraction of a derived event that `fact` made impossible, saying so."""
    reason = (
        f"{target.body.words().capitalize()} of {target.occurred_on}, recorded by the "
        f"{DERIVER}, no longer follows from the record: {describe(fact, records)} was recorded."
    )
    return Retracted(occurred_on=fact.occurred_on, version=target.version, reason=reason)
