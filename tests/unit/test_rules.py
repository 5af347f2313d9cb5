"""The rules inside allowed transitions: follow-ups, parties, terms, notice, expiry."""

from __future__ import annotations

from datetime import date, timedelta
from uuid import UUID

import pytest

from events.cooperation import FollowUpCompleted, FollowUpScheduled, PersonnelExchanged
from events.drafting import AmendableTerms, Amended, Renewal
from events.lifecycle import Expired, NoticeGiven, Renewed, Resumed, Signed, Suspended
from events.parties import Party, PartyAdded, PartyType, PartyWithdrawn
from events.records import Retracted
from tests.unit.timelines import (
    AGREEMENT_ID,
    EXPIRES_ON,
    FOLLOW_UP_VERSION,
    TODAY,
    Timeline,
    draft_body,
    in_status,
)
from tracker.errors import DomainError, InvalidField, TimelineConflict, TransitionRefused
from tracker.lifecycle import follow_up_id
from tracker.state import Status
from tracker.timeline import fold


class TestFollowUps:
    def test_ids_are_derived_from_agreement_and_version_so_every_fold_agrees(self) -> None:
        timeline = in_status(Status.DRAFT)
        expected = follow_up_id(AGREEMENT_ID, FOLLOW_UP_VERSION)
        assert expected == follow_up_id(AGREEMENT_ID, FOLLOW_UP_VERSION)
        assert expected != follow_up_id(AGREEMENT_ID, FOLLOW_UP_VERSION + 1)
        assert expected != follow_up_id(UUID(int=1), FOLLOW_UP_VERSION)
        assert [f.id for f in timeline.state.follow_ups] == [expected]
        assert [f.id for f in fold(list(reversed(timeline.records))).follow_ups] == [expected]

    def test_completion_closes_the_follow_up_once(self) -> None:
        timeline = in_status(Status.SIGNED)
        target = follow_up_id(AGREEMENT_ID, FOLLOW_UP_VERSION)
        later = timeline.record(FollowUpScheduled(due_on=date(2025, 9, 1))).state.follow_ups[-1]
        state = timeline.record(FollowUpCompleted(follow_up_id=target, outcome="hecho")).state
        assert [(f.id, f.status, f.completed_on, f.outcome) for f in state.follow_ups] == [
            (target, "completed", TODAY, "hecho"),
            (later.id, "open", None, None),
        ]
        with pytest.raises(InvalidField) as refused:
            timeline.record(FollowUpCompleted(follow_up_id=target))
        assert refused.value.field == "follow_up_id"

    def test_an_unknown_follow_up_cannot_be_completed(self) -> None:
        with pytest.raises(InvalidField, match="no open follow-up"):
            in_status(Status.DRAFT).record(FollowUpCompleted(follow_up_id=UUID(int=7)))

    def test_a_follow_up_due_before_it_was_scheduled_is_refused(self) -> None:
        body = FollowUpScheduled(occurred_on=date(2024, 5, 2), due_on=date(2024, 5, 1))
        with pytest.raises(InvalidField) as refused:
            Timeline().record(body)
        assert refused.value.field == "due_on"

    def test_retracting_the_schedule_strands_its_completion(self) -> None:
        timeline = in_status(Status.DRAFT)
        target = follow_up_id(AGREEMENT_ID, FOLLOW_UP_VERSION)
        timeline.record(FollowUpCompleted(follow_up_id=target))
        with pytest.raises(TimelineConflict, match="no open follow-up"):
            timeline.record(Retracted(version=FOLLOW_UP_VERSION))


class TestParties:
    def test_a_party_joins_and_is_found_by_short_name_ignoring_case(self) -> None:
        party = Party(
            name="Instituto Nacional de Derechos Humanos",
            short_name="INDH",
            type=PartyType.INSTITUTE,
            country="cl",
        )
        state = Timeline().record(PartyAdded(party=party)).state
        assert state.parties[-1] == party
        assert party.country == "CL"
        assert state.party_named(" indh ") == party

    @pytest.mark.parametrize("name", ["Universidad Nacional Autónoma de México", "UNAM", "cidh"])
    def test_an_existing_party_cannot_be_added_again(self, name: str) -> None:
        party = Party(name=name, type=PartyType.UNIVERSITY)
        with pytest.raises(InvalidField) as refused:
            Timeline().record(PartyAdded(party=party))
        assert refused.value.field == "party.name"

    def test_a_withdrawn_party_leaves_and_an_unknown_one_is_refused_with_the_list(self) -> None:
        timeline = Timeline()
        state = timeline.record(
            PartyWithdrawn(party_name="Universidad Nacional Autónoma de México")
        ).state
        assert [p.short_name for p in state.parties] == ["CIDH"]
        with pytest.raises(InvalidField) as refused:
            timeline.record(PartyWithdrawn(party_name="UNAM"))
        assert refused.value.field == "party_name"
        assert "(parties: CIDH)" in refused.value.message

    @pytest.mark.parametrize("field", ["from_party", "to_party"])
    def test_personnel_move_between_parties_only(self, field: str) -> None:
        names = {"from_party": "CIDH", "to_party": "UNAM", field: "OEA"}
        body = PersonnelExchanged(person="Lucía Gómez", **names)
        with pytest.raises(InvalidField) as refused:
            in_status(Status.IN_FORCE).record(body)
        assert refused.value.field == field


class TestAmendments:
    def test_only_the_terms_named_change(self) -> None:
        timeline = Timeline()
        before = timeline.state
        renewal = Renewal(mode="automatic", notice_days=90, period_months=12)
        changes = AmendableTerms(areas=["promotion"], expires_on=date(2027, 1, 1), renewal=renewal)
        state = timeline.record(Amended(description="addendum 1", changes=changes)).state
        assert (state.areas, state.expires_on, state.renewal) == (
            ("promotion",),
            date(2027, 1, 1),
            renewal,
        )
        assert (state.title, state.purpose, state.parties) == (
            before.title,
            before.purpose,
            before.parties,
        )

    def test_a_null_term_stays_as_it_was(self) -> None:
        timeline = Timeline()
        before = timeline.state
        changes = AmendableTerms.model_validate({"title": "Nuevo título", "areas": None})
        state = timeline.record(Amended(changes=changes)).state
        assert (state.title, state.areas) == ("Nuevo título", before.areas)

    @pytest.mark.parametrize("terms", [{}, {"title": None, "expires_on": None}])
    def test_an_amendment_that_changes_nothing_is_invalid(self, terms: dict[str, None]) -> None:
        with pytest.raises(ValueError, match="at least one term"):
            AmendableTerms.model_validate(terms)


class TestNoticeAndRenewal:
    def test_notice_is_given_once_by_a_party_and_a_renewal_clears_it(self) -> None:
        timeline = in_status(Status.IN_FORCE)
        state = timeline.record(NoticeGiven(occurred_on=date(2024, 10, 1), by_party="UNAM")).state
        assert state.notice_given_on == date(2024, 10, 1)
        with pytest.raises(DomainError, match="already given on 2024-10-01"):
            timeline.record(NoticeGiven(by_party="CIDH"))
        renewed = timeline.record(Renewed(expires_on=date(2026, 1, 31))).state
        assert (renewed.notice_given_on, renewed.expires_on) == (None, date(2026, 1, 31))

    def test_notice_by_a_stranger_is_refused(self) -> None:
        with pytest.raises(InvalidField) as refused:
            in_status(Status.IN_FORCE).record(NoticeGiven(by_party="OEA"))
        assert refused.value.field == "by_party"


class TestSuspension:
    def test_suspend_and_resume_round_trip(self) -> None:
        timeline = in_status(Status.IN_FORCE)
        assert timeline.record(Suspended(occurred_on=date(2024, 3, 1))).state.status == (
            Status.SUSPENDED
        )
        with pytest.raises(TransitionRefused, match="while the agreement is suspended"):
            timeline.record(Suspended())
        state = timeline.record(Resumed(occurred_on=date(2024, 4, 1))).state
        assert (state.status, state.in_force_on) == (Status.IN_FORCE, date(2024, 2, 1))


class TestExpiry:
    def test_expiry_needs_an_expiry_date(self) -> None:
        timeline = Timeline(draft_body(expires_on=None))
        timeline.record(Signed(occurred_on=date(2024, 2, 1), enters_into_force_on=date(2024, 2, 1)))
        with pytest.raises(InvalidField) as refused:
            timeline.record(Expired())
        assert refused.value.field == "occurred_on"
        assert refused.value.reason == "an expiry on 2025-06-01: the agreement has no expiry date"

    def test_expiry_before_the_expiry_date_is_refused(self) -> None:
        with pytest.raises(InvalidField, match=f"expires only on {EXPIRES_ON}"):
            in_status(Status.IN_FORCE).record(Expired(occurred_on=EXPIRES_ON - timedelta(days=1)))

    def test_expiry_on_the_expiry_date_ends_the_agreement(self) -> None:
        state = in_status(Status.SUSPENDED).record(Expired(occurred_on=EXPIRES_ON)).state
        assert (state.status, state.ended_on) == (Status.EXPIRED, EXPIRES_ON)
