"""Hypothesis strategies that walk the lifecycle: random but valid event sequences.

A walk starts with a draft and, at each step, picks one event type the
current state allows, with plausible values and a date no earlier than the
previous step (or, for backdating walks, any date since a little before the
draft). Commands are kept as functions of the state they meet, so the same
walk can be replayed on a store, where ids differ, and mean the same thing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from uuid import UUID

from hypothesis import strategies as st

from events.base import EventBody
from events.cooperation import (
    ActivityCategory,
    ActivityRecorded,
    ComplementaryAgreementAdded,
    FollowUpCompleted,
    FollowUpScheduled,
    PersonnelExchanged,
)
from events.drafting import AgreementKind, AmendableTerms, Amended, Drafted
from events.lifecycle import (
    EnteredIntoForce,
    Expired,
    NoticeGiven,
    Renewed,
    Resumed,
    Signatory,
    Signed,
    Suspended,
    Terminated,
)
from events.parties import Party, PartyAdded, PartyType, PartyWithdrawn
from events.records import DocumentAttached, NoteAdded, Retracted, Voided
from tests.strategies import names, texts
from tests.unit.timelines import COMMISSION, UNIVERSITY
from tracker.errors import DomainError
from tracker.lifecycle import BOUND, allowed_in
from tracker.state import AgreementState, Record
from tracker.timeline import Moment, decide, decide_draft, fold, retracted_versions

WALK_ID = UUID("5b0c1d2e-3f40-4152-8637-48596a7b8c9d")
START = date(2020, 1, 6)
WALK_TODAY = date(2023, 6, 1)
FIRST_MOMENT = datetime(2023, 6, 1, 8, tzinfo=UTC)

Command = Callable[[AgreementState], EventBody]
"""Builds the event body from the state it meets (follow-up ids depend on the agreement)."""

PARTY_POOL = (
    Party(name="Defensoría del Pueblo de la Nación", type=PartyType.OMBUDSMAN, country="AR"),
    Party(
        name="Instituto Interamericano de Derechos Humanos",
        short_name="IIDH",
        type=PartyType.INSTITUTE,
    ),
    Party(name="Fundación Myrna Mack", type=PartyType.NGO, country="gt"),
    Party(name="Estado Plurinacional de Bolivia", type=PartyType.STATE, country="BO"),
)

WEIGHTS = {"signed": 6, "entered_into_force": 4, "resumed": 3, "terminated": 1, "expired": 1}
"""How often a kind is picked relative to others: walks should get past the draft."""


@dataclass(frozen=True)
class Step:
    command: Command
    at: datetime


@dataclass
class Walk:
    """A draft, the steps decide accepted, and the pure records and states they left."""

    draft: Drafted
    steps: list[Step] = field(default_factory=list)
    records: list[Record] = field(default_factory=list)
    states: list[AgreementState] = field(default_factory=list)
    refusals: list[DomainError] = field(default_factory=list)


def _fixed(body: EventBody) -> Command:
    return lambda state: body


def _open_follow_up(index: int) -> Command:
    def build(state: AgreementState) -> EventBody:
        open_ids = [f.id for f in state.follow_ups if f.status == "open"]
        return FollowUpCompleted(follow_up_id=open_ids[index % len(open_ids)], outcome="hecho")

    return build


def _retractable(records: list[Record]) -> list[int]:
    gone = retracted_versions(records)
    return [
        r.version
        for r in records
        if r.version > 1 and r.type != "retracted" and r.version not in gone
    ]


def _candidates(state: AgreementState, records: list[Record]) -> list[str]:
    """The event types that make sense now: allowed, and with something to act on."""
    kinds = set(allowed_in(state.status))
    if state.status in BOUND and state.expires_on is not None:
        kinds.add("expired")
    if not any(f.status == "open" for f in state.follow_ups):
        kinds.discard("follow_up_completed")
    if len(state.parties) < 3:
        kinds.discard("party_withdrawn")
    if len(state.parties) < 2:
        kinds.discard("personnel_exchanged")
    if state.notice_given_on is not None or not state.parties:
        kinds.discard("notice_given")
    if not [p for p in PARTY_POOL if state.party_named(p.name) is None]:
        kinds.discard("party_added")
    if not _retractable(records):
        kinds.discard("retracted")
    return [kind for kind in sorted(kinds) for _ in range(WEIGHTS.get(kind, 2))]


@st.composite
def _command(
    draw: st.DrawFn, kind: str, state: AgreementState, records: list[Record], day: date
) -> tuple[date, Command]:
    """The occurred_on and the command for one step of `kind`."""
    party_names = [p.name for p in state.parties]
    body: EventBody
    if kind == "party_added":
        free = [p for p in PARTY_POOL if state.party_named(p.name) is None]
        body = PartyAdded(occurred_on=day, party=draw(st.sampled_from(free)))
    elif kind == "party_withdrawn":
        body = PartyWithdrawn(occurred_on=day, party_name=draw(st.sampled_from(party_names)))
    elif kind == "amended":
        changes = draw(
            st.sampled_from(
                [
                    AmendableTerms(title=draw(names)),
                    AmendableTerms(purpose=draw(texts)),
                    AmendableTerms(expires_on=day + timedelta(days=draw(st.integers(1, 900)))),
                ]
            )
        )
        body = Amended(occurred_on=day, changes=changes)
    elif kind == "signed":
        force = draw(st.none() | st.integers(0, 1500).map(lambda n: day + timedelta(days=n)))
        signatories = [Signatory(name=n) for n in draw(st.lists(names, max_size=2))]
        body = Signed(
            occurred_on=day,
            place=draw(st.none() | names),
            signatories=signatories,
            enters_into_force_on=force,
        )
        if force is not None and force <= WALK_TODAY:
            day = force
    elif kind == "complementary_agreement_added":
        child = Drafted(title=draw(names), kind=AgreementKind.SPECIFIC_AGREEMENT)
        body = ComplementaryAgreementAdded(occurred_on=day, agreement=child, child_id=UUID(int=1))
    elif kind == "personnel_exchanged":
        pair = draw(st.permutations(party_names))[:2]
        body = PersonnelExchanged(
            occurred_on=day, person=draw(names), from_party=pair[0], to_party=pair[1]
        )
    elif kind == "activity_recorded":
        body = ActivityRecorded(
            occurred_on=day,
            category=draw(st.sampled_from(ActivityCategory)),
            title=draw(names),
            description=draw(texts),
        )
    elif kind == "follow_up_scheduled":
        due = day + timedelta(days=draw(st.integers(0, 120)))
        body = FollowUpScheduled(occurred_on=day, due_on=due, description=draw(texts))
    elif kind == "follow_up_completed":
        build = _open_follow_up(draw(st.integers(0, 5)))
        return day, lambda s: build(s).model_copy(update={"occurred_on": day})
    elif kind == "renewed":
        floor = max(day, state.expires_on or day)
        body = Renewed(
            occurred_on=day, expires_on=floor + timedelta(days=draw(st.integers(1, 800)))
        )
    elif kind == "notice_given":
        body = NoticeGiven(occurred_on=day, by_party=draw(st.sampled_from(party_names)))
    elif kind == "expired":
        day = max(day, state.expires_on or day)
        body = Expired(occurred_on=day)
    elif kind == "note_added":
        body = NoteAdded(occurred_on=day, text=draw(texts))
    elif kind == "document_attached":
        body = DocumentAttached(occurred_on=day, title=draw(names), url="https://example.org/d")
    elif kind == "voided":
        body = Voided(occurred_on=day, reason=draw(texts.filter(str.strip)))
    elif kind == "retracted":
        version = draw(st.sampled_from(_retractable(records)))
        body = Retracted(occurred_on=day, version=version, reason=draw(texts))
    else:
        simple = {
            "entered_into_force": EnteredIntoForce,
            "suspended": Suspended,
            "resumed": Resumed,
            "terminated": Terminated,
        }
        body = simple[kind](occurred_on=day)
    return day, _fixed(body)


@st.composite
def drafts(draw: st.DrawFn) -> Drafted:
    parties = [COMMISSION, UNIVERSITY, *draw(st.lists(st.sampled_from(PARTY_POOL[:1]), max_size=1))]
    return Drafted(
        occurred_on=START,
        title=draw(names),
        kind=draw(st.sampled_from(AgreementKind)),
        parties=parties,
        purpose=draw(texts),
        areas=draw(st.lists(names, max_size=3)),
        expires_on=draw(st.none() | st.integers(0, 900).map(lambda n: START + timedelta(days=n))),
    )


@st.composite
def walks(draw: st.DrawFn, *, max_steps: int = 14, backdated: bool = False) -> Walk:
    """A walk through the lifecycle; refused commands (backdating ones) are left out."""
    walk = Walk(draft=draw(drafts()))
    walk.records.append(decide_draft(WALK_ID, walk.draft, Moment(FIRST_MOMENT, "walker")))
    walk.states.append(fold(walk.records))
    last_day = START
    for index in range(draw(st.integers(0, max_steps))):
        state = walk.states[-1]
        if backdated:
            offset = draw(st.integers(-3, (last_day - START).days + 45))
        else:
            offset = (last_day - START).days + draw(st.integers(0, 45))
        day = min(START + timedelta(days=offset), WALK_TODAY)
        kind = draw(st.sampled_from(_candidates(state, walk.records)))
        day, command = draw(_command(kind, state, walk.records, day))
        at = FIRST_MOMENT + timedelta(minutes=index + 1)
        try:
            decision = decide(walk.records, command(state), Moment(at, "walker"))
        except DomainError as refusal:
            walk.refusals.append(refusal)
            continue
        last_day = max(last_day, day)
        walk.records.extend(decision.records)
        walk.states.append(decision.state)
        walk.steps.append(Step(command, at))
    return walk
