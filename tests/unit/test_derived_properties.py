"""Random facts and sweeps: derived events never stand in a person's way, nor come back twice.

A run starts with a draft and, step by step, either sweeps (on a day no
earlier than the last) or records a person's fact dated any day up to today:
a signature (entering into force now, later or never), an entry into force, a
renewal, a notice, an amendment of the expiry, the renewal terms or the
draft's date, a suspension, a resumption, a termination, a note, or the
retraction of any event, derived ones included. The sweep is the pure one
(`derived.derive`, then `decide` as the scheduler).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from uuid import UUID

from hypothesis import given, settings
from hypothesis import strategies as st

from events.base import EventBody
from events.drafting import AgreementKind, AmendableTerms, Amended, Drafted, Renewal
from events.lifecycle import (
    EnteredIntoForce,
    NoticeGiven,
    Renewed,
    Resumed,
    Signed,
    Suspended,
    Terminated,
)
from events.records import NoteAdded, Retracted
from tests.unit.timelines import COMMISSION, UNIVERSITY
from tracker.derived import DERIVER, called_for, derive, is_derived, key, withdrawn_by_people
from tracker.errors import DomainError
from tracker.state import Record
from tracker.timeline import Moment, decide, decide_draft, effective, fold, retracted_versions

RUN_ID = UUID("6e7f8091-a2b3-44c5-9d6e-7f8091a2b3c4")
START = date(2020, 1, 6)
PERSON = "ana.lopez"

Content = tuple[str, date, date | None]


def content(record: Record) -> Content:
    body = record.body
    return (*key(body), body.expires_on if isinstance(body, Renewed) else None)


@dataclass
class Run:
    records: list[Record]
    today: date
    moment: datetime
    withdrawn_since_fact: set[Content] = field(default_factory=set)
    """What the tracker withdrew with the last fact: no sweep may record it before another fact."""
    retracted_by_people: set[tuple[str, date]] = field(default_factory=set)

    def at(self, by: str) -> Moment:
        self.moment = max(
            self.moment + timedelta(minutes=1),
            datetime.combine(self.today, datetime.min.time(), UTC),
        )
        return Moment(self.moment, by)

    def sweep(self) -> None:
        """Sweep twice; like the real sweep, skip what contradicts a person's facts (reported)."""
        for _ in range(2):
            found = []
            for body in derive(fold(self.records), self.records, self.today):
                try:
                    decision = decide(self.records, body, self.at(DERIVER))
                except DomainError:
                    continue
                found.append(body)
                self.records.extend(decision.records)
                recorded = content(decision.records[0])
                assert recorded not in self.withdrawn_since_fact, "recorded again, same cause"
                assert recorded[:2] not in self.retracted_by_people, "a person retracted it"
        assert not found, "a second sweep on the same day records nothing"

    def fact(self, body: EventBody) -> None:
        moment = self.at(PERSON)
        try:
            decision = decide(self.records, body, moment)
        except DomainError:
            self._refused_only_for_a_cause(body, moment)
            return
        by_version = {r.version: r for r in self.records}
        self.withdrawn_since_fact = set()
        for record in decision.records:
            if isinstance(record.body, Retracted):
                target = by_version[record.body.version]
                if record.recorded_by == DERIVER:
                    assert is_derived(target)
                    self.withdrawn_since_fact.add(content(target))
                elif is_derived(target):
                    self.retracted_by_people.add(content(target)[:2])
        self.records.extend(decision.records)
        assert fold(self.records) == decision.state

    def _refused_only_for_a_cause(self, body: EventBody, moment: Moment) -> None:
        """Refused: then with every derived event withdrawn it is refused too, or the
        facts it leads to call for one of those derived events again."""
        derived = [r for r in effective(self.records) if is_derived(r)]
        head = self.records[-1].version
        stripped = [
            *self.records,
            *(
                Record(
                    RUN_ID, head + i, self.today, moment.at, DERIVER, Retracted(version=r.version)
                )
                for i, r in enumerate(derived, start=1)
            ),
        ]
        try:
            decision = decide(stripped, body, moment)
        except DomainError:
            return
        wanted = called_for(decision.state, self.today, withdrawn_by_people(stripped))
        assert wanted & {key(r.body) for r in derived}, "refused because of a derived event"


@st.composite
def drafts(draw: st.DrawFn) -> Drafted:
    renewal = draw(
        st.sampled_from(
            [
                Renewal(),
                Renewal(mode="automatic", notice_days=30, period_months=6),
                Renewal(mode="automatic", notice_days=60, period_months=12),
            ]
        )
    )
    expires = draw(st.none() | st.integers(60, 900).map(lambda n: START + timedelta(days=n)))
    return Drafted(
        occurred_on=START,
        title="Acuerdo",
        kind=AgreementKind.COOPERATION_AGREEMENT,
        parties=[COMMISSION, UNIVERSITY],
        expires_on=expires,
        renewal=renewal,
    )


def _retractable(records: list[Record]) -> list[int]:
    gone = retracted_versions(records)
    return [
        r.version
        for r in records
        if r.version > 1 and not isinstance(r.body, Retracted) and r.version not in gone
    ]


@st.composite
def facts(draw: st.DrawFn, run: Run) -> EventBody:
    day = START + timedelta(days=draw(st.integers(0, (run.today - START).days)))
    later = st.integers(1, 700).map(lambda n: day + timedelta(days=n))
    state = fold(run.records)
    kinds = ["signed", "force", "renewed", "notice", "amended", "suspended", "resumed"]
    kinds += ["terminated", "note"] + (["retracted"] * 3 if _retractable(run.records) else [])
    kind = draw(st.sampled_from(kinds))
    if kind == "signed":
        force = draw(st.none() | st.integers(0, 300).map(lambda n: day + timedelta(days=n)))
        return Signed(occurred_on=day, enters_into_force_on=force)
    if kind == "renewed":
        floor = max(day, state.expires_on or day)
        return Renewed(
            occurred_on=day, expires_on=floor + timedelta(days=draw(st.integers(1, 500)))
        )
    if kind == "notice":
        return NoticeGiven(occurred_on=day, by_party="CIDH")
    if kind == "amended":
        terms = draw(
            st.sampled_from(
                [
                    AmendableTerms(expires_on=draw(later)),
                    AmendableTerms(renewal=Renewal()),
                    AmendableTerms(
                        renewal=Renewal(mode="automatic", notice_days=10, period_months=3)
                    ),
                    AmendableTerms(drafted_on=START - timedelta(days=draw(st.integers(0, 30)))),
                ]
            )
        )
        return Amended(occurred_on=day, changes=terms)
    if kind == "retracted":
        return Retracted(occurred_on=day, version=draw(st.sampled_from(_retractable(run.records))))
    simple = {
        "force": EnteredIntoForce,
        "suspended": Suspended,
        "resumed": Resumed,
        "terminated": Terminated,
    }
    if kind in simple:
        return simple[kind](occurred_on=day)
    return NoteAdded(occurred_on=day, text="nota")


@settings(max_examples=300, deadline=None)
@given(st.data(), drafts())
def test_derived_events_give_way_and_never_come_back_for_the_same_cause(
    data: st.DataObject, draft: Drafted
) -> None:
    first = datetime(2020, 1, 16, 9, tzinfo=UTC)
    run = Run([decide_draft(RUN_ID, draft, Moment(first, PERSON))], first.date(), first)
    if data.draw(st.integers(0, 3)):
        run.fact(
            Signed(
                occurred_on=START, enters_into_force_on=data.draw(st.sampled_from([START, None]))
            )
        )
    for _ in range(data.draw(st.integers(1, 16))):
        if data.draw(st.booleans()):
            run.today += timedelta(days=data.draw(st.integers(0, 400)))
            run.sweep()
        else:
            run.fact(data.draw(facts(run)))
