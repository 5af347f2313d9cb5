"""Corrections without dead ends: voiding, the draft's date, nested drafts, derived events."""

from __future__ import annotations

from datetime import date, timedelta
from uuid import UUID

import pytest
from pydantic import ValidationError

from events.cooperation import ComplementaryAgreementAdded
from events.drafting import AgreementKind, AmendableTerms, Amended, Drafted, Renewal
from events.lifecycle import NoticeGiven, Renewed, Signed
from events.records import NoteAdded, Retracted, Voided
from tests.unit.timelines import (
    AGREEMENT_ID,
    DRAFTED_ON,
    EXPIRES_ON,
    SIGNED_ON,
    TODAY,
    Timeline,
    draft_body,
    in_status,
)
from tracker.derived import DERIVER
from tracker.errors import InvalidField, NotYetDrafted, TransitionRefused
from tracker.state import Record, Status
from tracker.timeline import view

CHILD_ID = UUID("3f1e2d3c-4b5a-4697-8877-665544332211")
AUTOMATIC = Renewal(mode="automatic", notice_days=60, period_months=12)
RENEWED_TO = date(2026, 1, 31)


def child(**fields: object) -> ComplementaryAgreementAdded:
    draft = Drafted(title="Acuerdo específico", kind=AgreementKind.SPECIFIC_AGREEMENT, **fields)
    return ComplementaryAgreementAdded(agreement=draft, child_id=CHILD_ID)


def signed_in_force(timeline: Timeline) -> None:
    timeline.record(Signed(occurred_on=SIGNED_ON, enters_into_force_on=SIGNED_ON))


def expired_by_the_sweep(**draft: object) -> tuple[Timeline, Record]:
    """In force since the signature (derived), then expired by a sweep on TODAY."""
    timeline = Timeline(draft_body(**draft))
    signed_in_force(timeline)
    (end,) = timeline.sweep()
    assert (end.type, end.recorded_by, end.occurred_on) == ("expired", DERIVER, EXPIRES_ON)
    return timeline, end


def withdrawn(records: list[Record]) -> list[tuple[int, str]]:
    """(target version, reason) of each retraction the scheduler recorded."""
    return [
        (r.body.version, r.body.reason)
        for r in records
        if isinstance(r.body, Retracted) and r.recorded_by == DERIVER
    ]


class TestVoiding:
    def test_a_draft_is_voided_with_a_reason_and_keeps_its_history(self) -> None:
        timeline = in_status(Status.DRAFT)
        decision = timeline.record(Voided(reason="drafted twice by mistake"))

        assert decision.state.status is Status.VOIDED
        assert [r.type for r in timeline.records][-1] == "voided"
        assert len(timeline.records) == 4
        state = timeline.record(NoteAdded(text="the right one is CIDH-UNAM-2024-B")).state
        assert state.status is Status.VOIDED and state.notes[-1].text.startswith("the right")

    @pytest.mark.parametrize("reason", ["", "   "])
    def test_a_voiding_says_why(self, reason: str) -> None:
        with pytest.raises(ValidationError, match="a voiding needs a reason"):
            Voided(reason=reason)

    @pytest.mark.parametrize("status", [Status.SIGNED, Status.IN_FORCE, Status.TERMINATED])
    def test_what_was_signed_is_terminated_not_voided(self, status: Status) -> None:
        with pytest.raises(TransitionRefused) as refused:
            in_status(status).record(Voided(reason="by mistake"))

        assert refused.value.status == status.value
        assert f"while the agreement is {status.words}" in refused.value.message
        assert "terminated instead" in refused.value.message

    def test_retracting_the_voiding_restores_the_draft(self) -> None:
        timeline = in_status(Status.DRAFT)
        voided = timeline.record(Voided(reason="by mistake")).records[0]
        state = timeline.record(Retracted(version=voided.version, reason="it was right")).state
        assert state.status is Status.DRAFT

    def test_the_draft_itself_cannot_be_retracted_and_the_refusal_says_what_to_do(self) -> None:
        with pytest.raises(InvalidField) as refused:
            in_status(Status.DRAFT).record(Retracted(version=1))
        assert "void the agreement if it was recorded by mistake" in refused.value.message


class TestDraftDate:
    def test_a_draft_recorded_today_is_dated_back_so_the_real_signature_fits(self) -> None:
        timeline = Timeline(draft_body(occurred_on=None, expires_on=None))
        with pytest.raises(NotYetDrafted) as refused:
            timeline.record(Signed(occurred_on=date(2020, 1, 7)))
        assert f"only drafted on {TODAY}" in refused.value.message
        assert "changes.drafted_on" in refused.value.message

        timeline.record(Amended(changes=AmendableTerms(drafted_on=date(2019, 12, 1))))
        state = timeline.record(Signed(occurred_on=date(2020, 1, 7))).state

        assert (state.drafted_on, state.signed_on) == (date(2019, 12, 1), date(2020, 1, 7))
        assert timeline.records[0].occurred_on == TODAY, "the draft as recorded stays in history"
        as_of = view(timeline.records, as_of=date(2020, 2, 1))
        assert as_of is not None and as_of.status is Status.SIGNED
        before = view(timeline.records, known_at=timeline.records[0].recorded_at)
        assert before is not None and before.drafted_on == TODAY
        assert view(timeline.records, as_of=date(2019, 11, 30)) is None

    def test_the_latest_correction_in_the_timeline_dates_the_draft(self) -> None:
        timeline = Timeline()
        timeline.record(Amended(changes=AmendableTerms(drafted_on=date(2023, 5, 1))))
        state = timeline.record(Amended(changes=AmendableTerms(drafted_on=date(2023, 9, 1)))).state
        assert state.drafted_on == date(2023, 9, 1)
        assert view(timeline.records, as_of=date(2023, 8, 31)) is None

    def test_the_draft_cannot_be_dated_after_what_followed_it(self) -> None:
        timeline = Timeline()
        timeline.record(Signed(occurred_on=SIGNED_ON))
        with pytest.raises(InvalidField) as refused:
            timeline.record(Amended(changes=AmendableTerms(drafted_on=SIGNED_ON + timedelta(1))))
        assert refused.value.field == "changes.drafted_on"
        assert f"the signature on {SIGNED_ON} would come before it" in refused.value.message

    def test_the_draft_cannot_be_dated_after_its_expiry(self) -> None:
        timeline = Timeline(draft_body(expires_on=date(2024, 3, 1)))
        with pytest.raises(InvalidField) as refused:
            timeline.record(Amended(changes=AmendableTerms(drafted_on=date(2024, 4, 1))))
        assert refused.value.field == "changes.drafted_on"
        assert "expiry date 2024-03-01" in refused.value.message

    def test_the_draft_cannot_be_dated_after_a_complementary_draft(self) -> None:
        timeline = in_status(Status.IN_FORCE)
        timeline.record(child(occurred_on=date(2024, 1, 20)))
        with pytest.raises(InvalidField) as refused:
            timeline.record(Amended(changes=AmendableTerms(drafted_on=date(2024, 1, 25))))
        assert refused.value.field == "changes.drafted_on"
        assert "'Acuerdo específico' was drafted on 2024-01-20" in refused.value.message


class TestNestedDrafts:
    def test_a_nested_draft_before_its_parents_draft_is_refused(self) -> None:
        with pytest.raises(InvalidField) as refused:
            in_status(Status.IN_FORCE).record(child(occurred_on=DRAFTED_ON - timedelta(days=1)))
        assert refused.value.field == "agreement.occurred_on"
        assert f"on {DRAFTED_ON}" in refused.value.message

    def test_the_nested_draft_is_decided_with_its_parent(self) -> None:
        decision = in_status(Status.IN_FORCE).record(child(occurred_on=DRAFTED_ON))
        assert decision.child is not None
        assert (decision.child.agreement_id, decision.child.occurred_on) == (CHILD_ID, DRAFTED_ON)
        assert isinstance(decision.child.body, Drafted)
        assert decision.child.body.parent_id == AGREEMENT_ID
        assert decision.state.children == (CHILD_ID,)

    def test_a_nested_parent_id_must_be_the_parent(self) -> None:
        stranger = UUID("99999999-9999-4999-8999-999999999999")
        with pytest.raises(InvalidField) as refused:
            in_status(Status.IN_FORCE).record(child(parent_id=stranger))
        assert refused.value.field == "agreement.parent_id"
        assert str(stranger) in refused.value.message
        same = in_status(Status.IN_FORCE).record(child(parent_id=AGREEMENT_ID))
        assert same.state.children == (CHILD_ID,)

    @pytest.mark.parametrize(
        ("fields", "field"),
        [
            ({"occurred_on": TODAY + timedelta(days=1)}, "agreement.occurred_on"),
            ({"expires_on": date(2024, 1, 1)}, "agreement.expires_on"),
        ],
    )
    def test_the_nested_drafts_own_fields_are_named_under_agreement(
        self, fields: dict[str, object], field: str
    ) -> None:
        with pytest.raises(InvalidField) as refused:
            in_status(Status.IN_FORCE).record(child(**fields))
        assert refused.value.field == field


class TestDerivedEvents:
    def test_a_backdated_renewal_withdraws_the_schedulers_expiry(self) -> None:
        timeline, end = expired_by_the_sweep()
        decision = timeline.record(Renewed(occurred_on=date(2025, 1, 15), expires_on=RENEWED_TO))

        assert [r.recorded_by for r in decision.records] == ["ana.lopez", DERIVER]
        assert withdrawn(decision.records) == [
            (
                end.version,
                "The expiry of 2025-01-31, recorded by the scheduler, no longer follows from "
                "the record: a renewal dated 2025-01-15 was recorded.",
            )
        ]
        assert (decision.state.status, decision.state.expires_on) == (Status.IN_FORCE, RENEWED_TO)
        assert timeline.sweep() == [], "the scheduler does not record the expiry again"
        (later,) = timeline.sweep(today=date(2026, 2, 2))
        assert (later.type, later.occurred_on) == ("expired", RENEWED_TO)

    def test_a_renewal_dated_on_the_expiry_replaces_the_expiry(self) -> None:
        timeline, end = expired_by_the_sweep()
        decision = timeline.record(Renewed(occurred_on=EXPIRES_ON, expires_on=RENEWED_TO))
        assert [version for version, _ in withdrawn(decision.records)] == [end.version]
        assert decision.state.status is Status.IN_FORCE

    def test_an_amendment_of_the_expiry_after_it_passed_withdraws_the_expiry(self) -> None:
        timeline, end = expired_by_the_sweep()
        amendment = Amended(
            occurred_on=date(2025, 3, 1), changes=AmendableTerms(expires_on=RENEWED_TO)
        )
        decision = timeline.record(amendment)
        [(version, reason)] = withdrawn(decision.records)
        assert version == end.version
        assert "an amendment of the expiry date dated 2025-03-01 was recorded" in reason
        assert decision.state.expires_on == RENEWED_TO and timeline.sweep() == []

    def test_a_fact_the_expiry_still_stands_against_is_refused(self) -> None:
        timeline, _ = expired_by_the_sweep()
        with pytest.raises(TransitionRefused) as refused:
            timeline.record(Amended(changes=AmendableTerms(title="Otro título")))
        assert "while the agreement is expired" in refused.value.message
        assert len(timeline.records) == 4

    def test_a_backdated_notice_withdraws_the_automatic_renewal(self) -> None:
        timeline = Timeline(draft_body(renewal=AUTOMATIC))
        signed_in_force(timeline)
        (renewal,) = timeline.sweep()
        assert (renewal.type, renewal.occurred_on) == ("renewed", EXPIRES_ON)

        decision = timeline.record(NoticeGiven(occurred_on=date(2024, 11, 1), by_party="UNAM"))
        [(version, reason)] = withdrawn(decision.records)
        assert version == renewal.version
        assert reason.startswith("A renewal of 2025-01-31, recorded by the scheduler")
        assert "a notice of non-renewal dated 2024-11-01 was recorded" in reason
        (end,) = timeline.sweep()
        assert (end.type, end.occurred_on) == ("expired", EXPIRES_ON)

    def test_retracting_the_signature_withdraws_its_entry_into_force(self) -> None:
        timeline = Timeline()
        signed, force = timeline.record(
            Signed(occurred_on=SIGNED_ON, enters_into_force_on=SIGNED_ON)
        ).records
        assert (force.type, force.recorded_by) == ("entered_into_force", DERIVER)

        decision = timeline.record(Retracted(version=signed.version, reason="wrong agreement"))
        [(version, reason)] = withdrawn(decision.records)
        assert version == force.version
        assert f"the retraction of the signature of {SIGNED_ON} was recorded" in reason
        assert decision.state.status is Status.DRAFT

    def test_a_derived_event_a_person_retracts_is_not_recorded_again(self) -> None:
        timeline, end = expired_by_the_sweep()
        timeline.record(Retracted(version=end.version, reason="it was renewed by letter"))
        assert timeline.sweep() == []
        assert timeline.sweep(today=date(2026, 6, 1)) == []
        timeline.record(Amended(changes=AmendableTerms(expires_on=RENEWED_TO)))
        (later,) = timeline.sweep(today=date(2026, 6, 1))
        assert (later.type, later.occurred_on) == ("expired", RENEWED_TO)

    def test_when_the_persons_fact_is_retracted_the_facts_call_for_the_expiry_anew(self) -> None:
        timeline, _ = expired_by_the_sweep()
        renewal = timeline.record(Renewed(occurred_on=date(2025, 1, 15), expires_on=RENEWED_TO))
        timeline.record(Retracted(version=renewal.records[0].version, reason="never signed"))
        (again,) = timeline.sweep()
        assert (again.type, again.occurred_on) == ("expired", EXPIRES_ON)

    @pytest.mark.parametrize("renewed_on", [date(2025, 1, 15), EXPIRES_ON])
    def test_the_fact_alone_before_its_withdrawals_reads_with_the_expiry_giving_way(
        self, renewed_on: date
    ) -> None:
        timeline, _ = expired_by_the_sweep()
        renewal, _withdrawal = timeline.record(
            Renewed(occurred_on=renewed_on, expires_on=RENEWED_TO)
        ).records
        state = view(timeline.records, version=renewal.version)
        assert state is not None
        assert (state.status, state.expires_on) == (Status.IN_FORCE, RENEWED_TO)
