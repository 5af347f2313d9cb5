"""Every refusal speaks to people: no `None`, and events and states in words, not code names.

Refusals are gathered two ways: random walks through the lifecycle with
backdated events (whatever the domain refuses on the way), and one of each
refusal the domain has, made on purpose.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from uuid import UUID

import pytest
from hypothesis import given, settings

from events.base import EventBody
from events.catalog import EVENT_TYPES
from events.cooperation import (
    ActivityCategory,
    ActivityRecorded,
    ComplementaryAgreementAdded,
    FollowUpCompleted,
    FollowUpScheduled,
)
from events.drafting import AgreementKind, AmendableTerms, Amended, Drafted
from events.lifecycle import EnteredIntoForce, Expired, NoticeGiven, Renewed, Signed
from events.parties import PartyWithdrawn
from events.records import Retracted, Voided
from tests.unit.test_transitions import SAMPLES
from tests.unit.timelines import DRAFTED_ON, SIGNED_ON, TODAY, Timeline, draft_body, in_status
from tests.unit.walks import Walk, walks
from tracker.errors import DomainError, DuplicateReference, SweepInFuture
from tracker.lifecycle import BOUND, allowed_in
from tracker.state import Status

CODE_NAMES = [name for name in EVENT_TYPES if "_" in name] + [
    status.value for status in Status if "_" in status.value
]
CODE_NAME = re.compile(r"\b(" + "|".join(CODE_NAMES) + r")\b")
QUOTED_TYPE = re.compile("'(" + "|".join(EVENT_TYPES) + ")'")


def speaks_to_people(message: str) -> None:
    assert "None" not in message, message
    assert CODE_NAME.search(message) is None, message
    assert QUOTED_TYPE.search(message) is None, message
    assert "\n" not in message, message


@settings(max_examples=150, deadline=None)
@given(walks(backdated=True))
def test_what_a_walk_is_refused_is_said_in_words(walk: Walk) -> None:
    for refusal in walk.refusals:
        speaks_to_people(refusal.message)


def _refused(record: Callable[[Timeline], object]) -> Callable[[], str]:
    def run() -> str:
        with pytest.raises(DomainError) as refused:
            record(Timeline())
        return refused.value.message

    return run


def _in(status: Status, *bodies: EventBody) -> Callable[[Timeline], object]:
    def record(_: Timeline) -> object:
        timeline = in_status(status)
        for body in bodies:
            timeline.record(body)
        return timeline

    return record


NESTED = Drafted(title="Acuerdo específico", kind=AgreementKind.SPECIFIC_AGREEMENT)
CHILD = UUID("3f1e2d3c-4b5a-4697-8877-665544332211")

REFUSALS: dict[str, Callable[[], str]] = {
    **{
        f"{name} while {status.value}": _refused(_in(status, SAMPLES[name]))
        for status in Status
        for name in EVENT_TYPES
        if name not in allowed_in(status) and not (name == "expired" and status in BOUND)
    },
    "expiry without a date": _refused(lambda _: _expire_without_date()),
    "expiry too early": _refused(_in(Status.IN_FORCE, Expired(occurred_on=date(2025, 1, 1)))),
    "before the draft": _refused(
        lambda t: t.record(Signed(occurred_on=DRAFTED_ON - timedelta(days=1)))
    ),
    "timeline conflict": _refused(
        _in(
            Status.IN_FORCE,
            ActivityRecorded(
                occurred_on=date(2024, 5, 1), category=ActivityCategory.MEETING, title="x"
            ),
            Retracted(version=4),
        )
    ),
    "draft retracted": _refused(lambda t: t.record(Retracted(version=1))),
    "retraction retracted": _refused(_in(Status.DRAFT, Retracted(version=3), Retracted(version=4))),
    "twice retracted": _refused(_in(Status.DRAFT, Retracted(version=3), Retracted(version=3))),
    "no such version": _refused(lambda t: t.record(Retracted(version=40))),
    "in the future": _refused(lambda t: t.record(Signed(occurred_on=TODAY + timedelta(days=1)))),
    "force before signature": _refused(
        lambda t: t.record(Signed(occurred_on=SIGNED_ON, enters_into_force_on=DRAFTED_ON))
    ),
    "renewal too short": _refused(_in(Status.IN_FORCE, Renewed(expires_on=date(2025, 1, 1)))),
    "notice twice": _refused(
        _in(Status.IN_FORCE, NoticeGiven(by_party="CIDH"), NoticeGiven(by_party="CIDH"))
    ),
    "unknown party": _refused(_in(Status.DRAFT, PartyWithdrawn(party_name="Nadie"))),
    "follow-up too early": _refused(
        lambda t: t.record(FollowUpScheduled(occurred_on=SIGNED_ON, due_on=DRAFTED_ON))
    ),
    "no such follow-up": _refused(
        _in(Status.DRAFT, FollowUpCompleted(follow_up_id=UUID(int=7), outcome="x"))
    ),
    "expiry before draft": _refused(
        lambda t: t.record(Amended(changes=AmendableTerms(expires_on=date(2020, 1, 1))))
    ),
    "draft after signature": _refused(
        _in(Status.SIGNED, Amended(changes=AmendableTerms(drafted_on=date(2024, 6, 1))))
    ),
    "nested too early": _refused(
        _in(
            Status.IN_FORCE,
            ComplementaryAgreementAdded(
                agreement=NESTED.model_copy(update={"occurred_on": date(2020, 1, 1)}),
                child_id=CHILD,
            ),
        )
    ),
    "nested elsewhere": _refused(
        _in(
            Status.IN_FORCE,
            ComplementaryAgreementAdded(
                agreement=NESTED.model_copy(update={"parent_id": UUID(int=9)}), child_id=CHILD
            ),
        )
    ),
    "void what was signed": _refused(_in(Status.IN_FORCE, Voided(reason="x"))),
    "entry into force twice": _refused(_in(Status.IN_FORCE, EnteredIntoForce())),
    "reference taken": lambda: DuplicateReference("R-1", UUID(int=1), "Acuerdo (R-1)").message,
    "voiding retracted": lambda: (
        DuplicateReference("R-1", UUID(int=1), "Acuerdo (R-1)", restoring=True).message
    ),
    "sweep ahead": lambda: SweepInFuture(date(2030, 1, 1), TODAY).message,
}


def _expire_without_date() -> Timeline:
    timeline = Timeline(draft_body(expires_on=None))
    timeline.record(Signed(occurred_on=SIGNED_ON, enters_into_force_on=SIGNED_ON))
    timeline.record(Expired())
    return timeline


@pytest.mark.parametrize("case", list(REFUSALS))
def test_each_refusal_is_said_in_words(case: str) -> None:
    speaks_to_people(REFUSALS[case]())
