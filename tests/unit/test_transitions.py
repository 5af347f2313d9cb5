"""Every event type in every status: accepted with its effect, or refused naming the status.

The table of what each status allows is written out here from the lifecycle
(DESIGN.md), not read from the code, so a rule that drifts fails a test.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from uuid import UUID

import pytest

from events.base import EventBody
from events.catalog import EVENT_TYPES
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
from tests.unit.timelines import (
    AGREEMENT_ID,
    FOLLOW_UP_VERSION,
    NOTE_VERSION,
    TODAY,
    draft_body,
    in_status,
)
from tracker.errors import TransitionRefused
from tracker.lifecycle import allowed_in, follow_up_id
from tracker.state import AgreementState, Status

CHILD_ID = UUID("0d5e6f70-8192-4a3b-8c4d-5e6f70819200")
RENEWED_TO = date(2026, 1, 31)

EVERYWHERE = {"note_added", "document_attached", "retracted"}
LIVE = EVERYWHERE | {
    "party_added",
    "party_withdrawn",
    "amended",
    "follow_up_scheduled",
    "follow_up_completed",
    "terminated",
}
BOUND = LIVE | {"personnel_exchanged", "activity_recorded", "renewed", "notice_given"}

CLIENT_ALLOWED: dict[Status, set[str]] = {
    Status.DRAFT: LIVE | {"signed", "voided"},
    Status.SIGNED: BOUND | {"entered_into_force", "complementary_agreement_added"},
    Status.IN_FORCE: BOUND | {"suspended", "complementary_agreement_added"},
    Status.SUSPENDED: BOUND | {"resumed"},
    Status.EXPIRED: EVERYWHERE,
    Status.TERMINATED: EVERYWHERE,
    Status.VOIDED: EVERYWHERE,
}
"""What a client may record in each status (`expired` is the scheduler's, see below)."""

SYSTEM_ALLOWED: dict[Status, set[str]] = {
    status: {"expired"} if status in {Status.SIGNED, Status.IN_FORCE, Status.SUSPENDED} else set()
    for status in Status
}

SAMPLES: dict[str, EventBody] = {
    "drafted": draft_body(occurred_on=None, reference="OTRA-2025"),
    "party_added": PartyAdded(
        party=Party(name="Defensoría del Pueblo", type=PartyType.OMBUDSMAN, country="pe")
    ),
    "party_withdrawn": PartyWithdrawn(party_name="unam"),
    "amended": Amended(changes=AmendableTerms(title="Acuerdo marco de cooperación")),
    "signed": Signed(place="San José", signatories=[Signatory(name="Tania Reneaum Panszi")]),
    "entered_into_force": EnteredIntoForce(),
    "complementary_agreement_added": ComplementaryAgreementAdded(
        agreement=Drafted(title="Acuerdo específico", kind=AgreementKind.SPECIFIC_AGREEMENT),
        child_id=CHILD_ID,
    ),
    "personnel_exchanged": PersonnelExchanged(
        person="José Núñez", from_party="CIDH", to_party="UNAM", purpose="pasantía"
    ),
    "activity_recorded": ActivityRecorded(
        category=ActivityCategory.TRAINING, title="Curso interamericano"
    ),
    "follow_up_scheduled": FollowUpScheduled(due_on=date(2025, 7, 1), description="informe"),
    "follow_up_completed": FollowUpCompleted(
        follow_up_id=follow_up_id(AGREEMENT_ID, FOLLOW_UP_VERSION), outcome="entregado"
    ),
    "renewed": Renewed(expires_on=RENEWED_TO),
    "notice_given": NoticeGiven(by_party="CIDH", reason="no renewal"),
    "suspended": Suspended(reason="elections"),
    "resumed": Resumed(),
    "terminated": Terminated(reason="mutual consent"),
    "expired": Expired(),
    "note_added": NoteAdded(text="Llamada con la Universidad"),
    "document_attached": DocumentAttached(title="Texto firmado", url="https://example.org/a.pdf"),
    "retracted": Retracted(version=NOTE_VERSION, reason="duplicate note"),
    "voided": Voided(reason="drafted twice by mistake"),
}

Effect = Callable[[AgreementState, AgreementState], None]


def _status(status: Status, **dates: date) -> Effect:
    def check(before: AgreementState, after: AgreementState) -> None:
        assert after.status == status
        for name, value in dates.items():
            assert getattr(after, name) == value

    return check


def _party_added(before: AgreementState, after: AgreementState) -> None:
    assert len(after.parties) == len(before.parties) + 1
    added = after.party_named("Defensoría del Pueblo")
    assert added is not None and added.country == "PE"


def _party_withdrawn(before: AgreementState, after: AgreementState) -> None:
    assert after.party_named("UNAM") is None
    assert [p.short_name for p in after.parties] == ["CIDH"]


def _amended(before: AgreementState, after: AgreementState) -> None:
    assert after.title == "Acuerdo marco de cooperación"
    assert (after.purpose, after.areas, after.expires_on) == (
        before.purpose,
        before.areas,
        before.expires_on,
    )


def _signed(before: AgreementState, after: AgreementState) -> None:
    assert (after.status, after.signed_on, after.place) == (Status.SIGNED, TODAY, "San José")
    assert [s.name for s in after.signatories] == ["Tania Reneaum Panszi"]


def _complementary(before: AgreementState, after: AgreementState) -> None:
    assert after.children == (*before.children, CHILD_ID)


def _personnel(before: AgreementState, after: AgreementState) -> None:
    assert len(after.personnel_exchanges) == len(before.personnel_exchanges) + 1
    exchange = after.personnel_exchanges[-1]
    assert (exchange.person, exchange.from_party, exchange.to_party) == (
        "José Núñez",
        "CIDH",
        "UNAM",
    )


def _activity(before: AgreementState, after: AgreementState) -> None:
    assert [(a.title, a.occurred_on) for a in after.activities] == [("Curso interamericano", TODAY)]


def _follow_up_scheduled(before: AgreementState, after: AgreementState) -> None:
    new = after.follow_ups[-1]
    assert len(after.follow_ups) == len(before.follow_ups) + 1
    assert (new.id, new.due_on, new.status) == (
        follow_up_id(AGREEMENT_ID, after.version),
        date(2025, 7, 1),
        "open",
    )


def _follow_up_completed(before: AgreementState, after: AgreementState) -> None:
    done = after.follow_ups[0]
    assert (done.status, done.completed_on, done.outcome) == ("completed", TODAY, "entregado")


def _renewed(before: AgreementState, after: AgreementState) -> None:
    assert after.expires_on == RENEWED_TO


def _note(before: AgreementState, after: AgreementState) -> None:
    assert [n.text for n in after.notes] == ["Primera reunión", "Llamada con la Universidad"]
    assert after.notes[-1].recorded_by == "ana.lopez"


def _document(before: AgreementState, after: AgreementState) -> None:
    assert [(d.title, d.attached_on) for d in after.documents] == [("Texto firmado", TODAY)]


def _retracted(before: AgreementState, after: AgreementState) -> None:
    assert [n.text for n in before.notes] == ["Primera reunión"]
    assert after.notes == ()


EFFECTS: dict[str, Effect] = {
    "party_added": _party_added,
    "party_withdrawn": _party_withdrawn,
    "amended": _amended,
    "signed": _signed,
    "entered_into_force": _status(Status.IN_FORCE, in_force_on=TODAY),
    "complementary_agreement_added": _complementary,
    "personnel_exchanged": _personnel,
    "activity_recorded": _activity,
    "follow_up_scheduled": _follow_up_scheduled,
    "follow_up_completed": _follow_up_completed,
    "renewed": _renewed,
    "notice_given": lambda before, after: _status(before.status, notice_given_on=TODAY)(
        before, after
    ),
    "suspended": _status(Status.SUSPENDED),
    "resumed": _status(Status.IN_FORCE),
    "terminated": _status(Status.TERMINATED, ended_on=TODAY),
    "expired": _status(Status.EXPIRED, ended_on=TODAY),
    "note_added": _note,
    "document_attached": _document,
    "retracted": _retracted,
    "voided": _status(Status.VOIDED),
}
STATUS_CHANGES = {
    "signed",
    "entered_into_force",
    "suspended",
    "resumed",
    "terminated",
    "expired",
    "voided",
}

CASES = [(status, event_type) for status in Status for event_type in SAMPLES]


def test_the_samples_cover_every_event_type() -> None:
    assert set(SAMPLES) == set(EVENT_TYPES)
    assert set(EFFECTS) == set(EVENT_TYPES) - {"drafted"}


@pytest.mark.parametrize("status", list(Status))
def test_allowed_in_lists_what_a_client_may_record(status: Status) -> None:
    assert allowed_in(status) == sorted(CLIENT_ALLOWED[status])


@pytest.mark.parametrize(("status", "event_type"), CASES, ids=[f"{s}-{t}" for s, t in CASES])
def test_transition(status: Status, event_type: str) -> None:
    timeline = in_status(status)
    before = timeline.state
    body = SAMPLES[event_type]
    if event_type in CLIENT_ALLOWED[status] | SYSTEM_ALLOWED[status]:
        decision = timeline.record(body)
        after = decision.state
        assert after == timeline.state
        assert [r.type for r in decision.records] == [event_type]
        assert after.version == before.version + 1
        EFFECTS[event_type](before, after)
        if event_type not in STATUS_CHANGES:
            assert after.status == before.status
        return
    with pytest.raises(TransitionRefused) as refused:
        timeline.record(body)
    error = refused.value
    allowed = sorted(CLIENT_ALLOWED[status])
    assert (error.event_type, error.status, error.allowed) == (event_type, status, allowed)
    words = EVENT_TYPES[event_type].words()
    assert error.message.startswith(f"cannot record {words} while the agreement is {status.words}")
    if event_type == "voided" and status is not Status.VOIDED:
        assert error.message.endswith("once signed, an agreement is terminated instead")
    else:
        _, _, accepts = error.message.partition(f": while {status.words} it accepts ")
        assert set(re.split(", | or ", accepts)) == {EVENT_TYPES[name].words() for name in allowed}
    assert timeline.state == before
