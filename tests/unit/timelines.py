"""Pure timelines for the domain tests: records built through `decide`, no store.

Dates are fixed and far from the real date: "today" is `TODAY` unless a test
says otherwise, and every record is stamped one minute after the previous one
so that `known_at` has distinct moments to choose from.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

from events.base import EventBody
from events.cooperation import FollowUpScheduled
from events.drafting import AgreementKind, Drafted
from events.lifecycle import EnteredIntoForce, Expired, Signed, Suspended, Terminated
from events.parties import Party, PartyType
from events.records import NoteAdded, Voided
from tracker.derived import DERIVER, derive
from tracker.state import AgreementState, Record, Status
from tracker.timeline import Decision, Moment, decide, decide_draft, fold

AGREEMENT_ID = UUID("7c4f9b8e-2a51-4d3e-9f0a-0b1c2d3e4f50")
TODAY = date(2025, 6, 1)
DRAFTED_ON = date(2024, 1, 10)
SIGNED_ON = date(2024, 2, 1)
SUSPENDED_ON = date(2024, 3, 1)
TERMINATED_ON = date(2024, 4, 1)
EXPIRES_ON = date(2025, 1, 31)
EXPIRED_ON = date(2025, 2, 1)
FOLLOW_UP_VERSION = 2
NOTE_VERSION = 3

COMMISSION = Party(
    name="Comisión Interamericana de Derechos Humanos",
    short_name="CIDH",
    type=PartyType.INTERNATIONAL_ORGANIZATION,
)
UNIVERSITY = Party(
    name="Universidad Nacional Autónoma de México",
    short_name="UNAM",
    type=PartyType.UNIVERSITY,
    country="MX",
)


def noon(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)


def draft_body(**changes: Any) -> Drafted:
    fields: dict[str, Any] = {
        "reference": "CIDH-UNAM-2024",
        "title": "Acuerdo de cooperación en derechos humanos",
        "kind": AgreementKind.COOPERATION_AGREEMENT,
        "parties": [COMMISSION, UNIVERSITY],
        "purpose": "Promover la educación en derechos humanos",
        "areas": ["training", "research"],
        "expires_on": EXPIRES_ON,
        "occurred_on": DRAFTED_ON,
    }
    return Drafted(**{**fields, **changes})


class Timeline:
    """The records of one agreement, grown one accepted command at a time."""

    def __init__(self, draft: Drafted | None = None, *, today: date = TODAY) -> None:
        self.now = noon(today) - timedelta(days=1)
        first = decide_draft(AGREEMENT_ID, draft or draft_body(), self._moment(today))
        self.records: list[Record] = [first]

    def _moment(self, today: date, by: str = "ana.lopez") -> Moment:
        self.now = max(self.now + timedelta(minutes=1), noon(today))
        return Moment(self.now, by)

    def record(self, body: EventBody, *, today: date = TODAY) -> Decision:
        """Decide `body`; when accepted its records join the timeline."""
        decision = decide(self.records, body, self._moment(today))
        self.records.extend(decision.records)
        return decision

    def sweep(self, *, today: date = TODAY) -> list[Record]:
        """What a sweep on `today` records, as the sweep decides it (by the scheduler)."""
        added: list[Record] = []
        for body in derive(self.state, self.records, today):
            decision = decide(self.records, body, self._moment(today, DERIVER))
            self.records.extend(decision.records)
            added.extend(decision.records)
        return added

    @property
    def state(self) -> AgreementState:
        return fold(self.records)


def _signed(timeline: Timeline) -> None:
    timeline.record(Signed(occurred_on=SIGNED_ON, place="Washington, D.C."))


def _in_force(timeline: Timeline) -> None:
    """In force by a person's fact, not a derived event: the lifecycle alone decides."""
    timeline.record(Signed(occurred_on=SIGNED_ON))
    timeline.record(EnteredIntoForce(occurred_on=SIGNED_ON))


def _suspended(timeline: Timeline) -> None:
    _in_force(timeline)
    timeline.record(Suspended(occurred_on=SUSPENDED_ON, reason="budget review"))


def _expired(timeline: Timeline) -> None:
    _in_force(timeline)
    timeline.record(Expired(occurred_on=EXPIRED_ON))


def _terminated(timeline: Timeline) -> None:
    _in_force(timeline)
    timeline.record(Terminated(occurred_on=TERMINATED_ON, reason="mutual consent"))


def _voided(timeline: Timeline) -> None:
    timeline.record(Voided(occurred_on=TERMINATED_ON, reason="drafted twice by mistake"))


_REACH: dict[Status, Callable[[Timeline], None]] = {
    Status.DRAFT: lambda timeline: None,
    Status.SIGNED: _signed,
    Status.IN_FORCE: _in_force,
    Status.SUSPENDED: _suspended,
    Status.EXPIRED: _expired,
    Status.TERMINATED: _terminated,
    Status.VOIDED: _voided,
}


def in_status(status: Status) -> Timeline:
    """A timeline in `status`, with an open follow-up (v2) and a note (v3) from the draft days."""
    timeline = Timeline()
    timeline.record(FollowUpScheduled(occurred_on=date(2024, 1, 15), due_on=date(2024, 6, 1)))
    timeline.record(NoteAdded(occurred_on=date(2024, 1, 16), text="Primera reunión"))
    _REACH[status](timeline)
    assert timeline.state.status == status
    return timeline
