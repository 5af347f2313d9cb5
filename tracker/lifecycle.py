"""`evolve`: how one event changes an agreement, and which states allow it.

Pure functions only. Each event type has one rule: the states that accept it
and a function from (state, record, body) to the fields the event changes;
`evolve` applies them in one copy of the state. Everything that
folds events (the aggregate, as-of views, backdating checks) goes through
`evolve`, so a rule written here holds everywhere.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from uuid import NAMESPACE_URL, UUID, uuid5

from events.base import EventBody
from events.cooperation import (
    ActivityRecorded,
    ComplementaryAgreementAdded,
    FollowUpCompleted,
    FollowUpScheduled,
    PersonnelExchanged,
)
from events.drafting import Amended, Drafted
from events.lifecycle import (
    EnteredIntoForce,
    Expired,
    NoticeGiven,
    Renewed,
    Resumed,
    Signed,
    Suspended,
    Terminated,
)
from events.parties import PartyAdded, PartyWithdrawn
from events.records import DocumentAttached, NoteAdded, Retracted, Voided
from tracker.errors import DomainError, InvalidField, TransitionRefused
from tracker.state import (
    Activity,
    AgreementState,
    Document,
    FollowUp,
    Note,
    PersonnelExchange,
    Record,
    Status,
)

Changes = dict[str, Any]
Rule = Callable[[AgreementState, Record, Any], Changes]
B = TypeVar("B", bound=EventBody)

LIVE = frozenset({Status.DRAFT, Status.SIGNED, Status.IN_FORCE, Status.SUSPENDED})
ACTIVE = frozenset({Status.SIGNED, Status.IN_FORCE})
BOUND = frozenset({Status.SIGNED, Status.IN_FORCE, Status.SUSPENDED})
ANY = frozenset(Status)

_RULES: dict[type[EventBody], tuple[frozenset[Status], Rule]] = {}


def _rule(
    event: type[B], allowed: frozenset[Status]
) -> Callable[[Callable[[AgreementState, Record, B], Changes]], Rule]:
    def register(fn: Callable[[AgreementState, Record, B], Changes]) -> Rule:
        _RULES[event] = (allowed, fn)
        return fn

    return register


def allowed_in(status: Status) -> list[str]:
    """The event types a client may record while an agreement is in `status`."""
    return sorted(
        cls.type_name()
        for cls, (allowed, _) in _RULES.items()
        if status in allowed and cls is not Expired
    )


def follow_up_id(agreement_id: UUID, version: int) -> UUID:
    """Follow-ups are named after the event that scheduled them: stable across replays."""
    return uuid5(NAMESPACE_URL, f"urn:tracker:{agreement_id}:follow-up:{version}")


def start(record: Record) -> AgreementState:
    """The state a `drafted` event creates.

    The record's date is the draft's date as corrected (see `timeline.effective`);
    the expiry is checked against the date the draft was given with.
    """
    body = record.body
    if not isinstance(body, Drafted):
        raise TypeError("an agreement starts with a drafted event")
    given = body.occurred_on or record.occurred_on
    if body.expires_on is not None and body.expires_on < given:
        raise InvalidField(
            "expires_on", f"the expiry date {body.expires_on} is before the draft date {given}"
        )
    return AgreementState(
        id=record.agreement_id,
        reference=body.reference,
        title=body.title,
        kind=body.kind,
        status=Status.DRAFT,
        parties=tuple(body.parties),
        purpose=body.purpose,
        areas=tuple(body.areas),
        drafted_on=record.occurred_on,
        expires_on=body.expires_on,
        renewal=body.renewal,
        provisions=tuple(body.provisions),
        parent_id=body.parent_id,
        version=record.version,
        created_at=record.recorded_at,
        updated_at=record.recorded_at,
    )


def evolve(state: AgreementState, record: Record) -> AgreementState:
    """Apply one event to the state, or raise the domain error that forbids it."""
    body = record.body
    if isinstance(body, Drafted):
        raise TransitionRefused("drafted", state.status, allowed_in(state.status))
    allowed, rule = _RULES[type(body)]
    if state.status not in allowed:
        instead = ""
        if isinstance(body, Voided) and state.status is not Status.VOIDED:
            instead = "only a draft can be voided; once signed, an agreement is terminated instead"
        raise TransitionRefused(record.type, state.status, allowed_in(state.status), instead)
    changes = rule(state, record, body)
    changes["version"] = max(state.version, record.version)
    changes["updated_at"] = max(state.updated_at, record.recorded_at)
    return state.model_copy(update=changes)


def _require_party(state: AgreementState, field: str, name: str) -> None:
    if state.party_named(name) is None:
        known = ", ".join(p.short_name or p.name for p in state.parties) or "none"
        raise InvalidField(field, f"'{name}' is not a party of this agreement (parties: {known})")


@_rule(PartyAdded, LIVE)
def _party_added(state: AgreementState, _: Record, body: PartyAdded) -> Changes:
    if state.party_named(body.party.name) is not None:
        raise InvalidField("party.name", f"'{body.party.name}' is already a party")
    return {"parties": (*state.parties, body.party)}


@_rule(PartyWithdrawn, LIVE)
def _party_withdrawn(state: AgreementState, _: Record, body: PartyWithdrawn) -> Changes:
    _require_party(state, "party_name", body.party_name)
    remaining = tuple(p for p in state.parties if not p.is_named(body.party_name))
    return {"parties": remaining}


@_rule(Amended, LIVE)
def _amended(state: AgreementState, _: Record, body: Amended) -> Changes:
    """A `drafted_on` correction has already moved the draft (see `timeline.effective`)."""
    changes = body.changes.model_dump(exclude_none=True)
    if "areas" in changes:
        changes["areas"] = tuple(changes["areas"])
    if "renewal" in changes:
        changes["renewal"] = body.changes.renewal
    drafted_on = changes.get("drafted_on", state.drafted_on)
    expires_on = changes.get("expires_on", state.expires_on)
    corrected = "expires_on" if "expires_on" in changes else "drafted_on"
    if corrected in changes and expires_on is not None and expires_on < drafted_on:
        raise InvalidField(
            f"changes.{corrected}",
            f"the expiry date {expires_on} would be before the draft date {drafted_on}",
        )
    return changes


@_rule(Signed, frozenset({Status.DRAFT}))
def _signed(state: AgreementState, record: Record, body: Signed) -> Changes:
    force = body.enters_into_force_on
    if force is not None and force < record.occurred_on:
        raise InvalidField(
            "enters_into_force_on",
            f"the entry into force on {force} is before the signature on {record.occurred_on}",
        )
    return {
        "status": Status.SIGNED,
        "signed_on": record.occurred_on,
        "place": body.place,
        "in_force_on": force,
        "signatories": tuple(body.signatories),
        "attendees": tuple(body.attendees),
    }


@_rule(EnteredIntoForce, frozenset({Status.SIGNED}))
def _in_force(state: AgreementState, record: Record, _: EnteredIntoForce) -> Changes:
    return {"status": Status.IN_FORCE, "in_force_on": record.occurred_on}


@_rule(ComplementaryAgreementAdded, ACTIVE)
def _complementary(state: AgreementState, _: Record, body: ComplementaryAgreementAdded) -> Changes:
    if body.child_id is None:
        raise InvalidField("child_id", "is set by the tracker when it creates the child")
    return {"children": (*state.children, body.child_id)}


@_rule(PersonnelExchanged, BOUND)
def _personnel(state: AgreementState, _: Record, body: PersonnelExchanged) -> Changes:
    _require_party(state, "from_party", body.from_party)
    _require_party(state, "to_party", body.to_party)
    exchange = PersonnelExchange(**body.model_dump(exclude={"type", "occurred_on", "source"}))
    return {"personnel_exchanges": (*state.personnel_exchanges, exchange)}


@_rule(ActivityRecorded, BOUND)
def _activity(state: AgreementState, record: Record, body: ActivityRecorded) -> Changes:
    activity = Activity(
        category=body.category,
        title=body.title,
        description=body.description,
        occurred_on=record.occurred_on,
    )
    return {"activities": (*state.activities, activity)}


@_rule(FollowUpScheduled, LIVE)
def _follow_up(state: AgreementState, record: Record, body: FollowUpScheduled) -> Changes:
    if body.due_on < record.occurred_on:
        raise InvalidField(
            "due_on", f"{body.due_on} is before the day it was scheduled, {record.occurred_on}"
        )
    follow_up = FollowUp(
        id=follow_up_id(state.id, record.version),
        due_on=body.due_on,
        description=body.description,
    )
    return {"follow_ups": (*state.follow_ups, follow_up)}


@_rule(FollowUpCompleted, LIVE)
def _follow_up_done(state: AgreementState, record: Record, body: FollowUpCompleted) -> Changes:
    open_ids = {f.id for f in state.follow_ups if f.status == "open"}
    if body.follow_up_id not in open_ids:
        raise InvalidField("follow_up_id", f"there is no open follow-up {body.follow_up_id}")
    done = {"status": "completed", "completed_on": record.occurred_on, "outcome": body.outcome}
    follow_ups = tuple(
        f.model_copy(update=done) if f.id == body.follow_up_id else f for f in state.follow_ups
    )
    return {"follow_ups": follow_ups}


@_rule(Renewed, BOUND)
def _renewed(state: AgreementState, record: Record, body: Renewed) -> Changes:
    floor = max(record.occurred_on, state.expires_on or record.occurred_on)
    if body.expires_on <= floor:
        raise InvalidField("expires_on", f"a renewal must move the expiry past {floor}")
    return {"expires_on": body.expires_on, "notice_given_on": None}


@_rule(NoticeGiven, BOUND)
def _notice(state: AgreementState, record: Record, body: NoticeGiven) -> Changes:
    if state.notice_given_on is not None:
        raise DomainError(f"notice of non-renewal was already given on {state.notice_given_on}")
    _require_party(state, "by_party", body.by_party)
    return {"notice_given_on": record.occurred_on}


@_rule(Suspended, frozenset({Status.IN_FORCE}))
def _suspended(state: AgreementState, _: Record, __: Suspended) -> Changes:
    return {"status": Status.SUSPENDED}


@_rule(Resumed, frozenset({Status.SUSPENDED}))
def _resumed(state: AgreementState, _: Record, __: Resumed) -> Changes:
    return {"status": Status.IN_FORCE}


@_rule(Terminated, LIVE)
def _terminated(state: AgreementState, record: Record, _: Terminated) -> Changes:
    return {"status": Status.TERMINATED, "ended_on": record.occurred_on}


@_rule(Expired, BOUND)
def _expired(state: AgreementState, record: Record, _: Expired) -> Changes:
    if state.expires_on is None:
        raise InvalidField(
            "occurred_on", f"an expiry on {record.occurred_on}: the agreement has no expiry date"
        )
    if record.occurred_on < state.expires_on:
        raise InvalidField(
            "occurred_on",
            f"an expiry on {record.occurred_on}: the agreement expires only on {state.expires_on}",
        )
    return {"status": Status.EXPIRED, "ended_on": record.occurred_on}


@_rule(Voided, frozenset({Status.DRAFT}))
def _voided(state: AgreementState, _: Record, __: Voided) -> Changes:
    return {"status": Status.VOIDED}


@_rule(NoteAdded, ANY)
def _note(state: AgreementState, record: Record, body: NoteAdded) -> Changes:
    note = Note(text=body.text, occurred_on=record.occurred_on, recorded_by=record.recorded_by)
    return {"notes": (*state.notes, note)}


@_rule(DocumentAttached, ANY)
def _document(state: AgreementState, record: Record, body: DocumentAttached) -> Changes:
    document = Document(
        title=body.title,
        url=body.url,
        reference=body.reference,
        sha256=body.sha256,
        attached_on=record.occurred_on,
    )
    return {"documents": (*state.documents, document)}


@_rule(Retracted, ANY)
def _retracted(state: AgreementState, _: Record, __: Retracted) -> Changes:
    """The retracted event is left out of the fold (see `timeline`); this one changes nothing."""
    return {}
