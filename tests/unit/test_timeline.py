"""The effective timeline: backdating, retraction and the views of one fold."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from pydantic import ValidationError

from events.cooperation import ActivityCategory, ActivityRecorded, PersonnelExchanged
from events.drafting import AmendableTerms, Amended
from events.lifecycle import EnteredIntoForce, Renewed, Signed, Terminated
from events.records import NoteAdded, Retracted
from tests.unit.timelines import (
    DRAFTED_ON,
    EXPIRES_ON,
    NOTE_VERSION,
    SIGNED_ON,
    TERMINATED_ON,
    TODAY,
    Timeline,
    draft_body,
    in_status,
)
from tracker.errors import InvalidField, NotYetDrafted, TimelineConflict, TransitionRefused
from tracker.state import Status
from tracker.timeline import effective, fold, view


def _activity(on: date, title: str = "Seminario") -> ActivityRecorded:
    return ActivityRecorded(occurred_on=on, category=ActivityCategory.MEETING, title=title)


class TestBackdating:
    def test_an_activity_before_the_signature_is_refused_as_a_draft_transition(self) -> None:
        timeline = in_status(Status.IN_FORCE)
        with pytest.raises(TransitionRefused) as refused:
            timeline.record(_activity(SIGNED_ON - timedelta(days=1)))
        assert refused.value.status == Status.DRAFT
        assert "while the agreement is a draft" in refused.value.message

    def test_an_activity_on_the_signature_day_is_accepted_between_older_and_newer_events(
        self,
    ) -> None:
        timeline = in_status(Status.IN_FORCE)
        timeline.record(_activity(date(2024, 5, 1), "later"))
        state = timeline.record(_activity(SIGNED_ON, "backdated")).state
        assert [a.title for a in state.activities] == ["backdated", "later"]

    def test_an_event_after_the_termination_is_refused(self) -> None:
        timeline = in_status(Status.TERMINATED)
        with pytest.raises(TransitionRefused) as refused:
            timeline.record(_activity(TERMINATED_ON + timedelta(days=1)))
        assert refused.value.status == Status.TERMINATED

    def test_a_backdated_termination_that_strands_a_later_activity_is_a_timeline_conflict(
        self,
    ) -> None:
        timeline = in_status(Status.IN_FORCE)
        timeline.record(_activity(date(2024, 5, 1)))
        with pytest.raises(TimelineConflict) as conflict:
            timeline.record(Terminated(occurred_on=date(2024, 4, 1)))
        message = conflict.value.message
        assert message.startswith("recording the termination on 2024-04-01")
        assert "an activity while the agreement is terminated" in message
        assert isinstance(conflict.value.cause, TransitionRefused)

    def test_a_signature_dated_before_the_draft_is_refused(self) -> None:
        timeline = Timeline()
        with pytest.raises(NotYetDrafted) as refused:
            timeline.record(Signed(occurred_on=DRAFTED_ON - timedelta(days=1)))
        assert f"only drafted on {DRAFTED_ON}" in refused.value.message
        assert "the signature on 2024-01-09" in refused.value.message
        assert "amendment of changes.drafted_on" in refused.value.message

    def test_personnel_ending_before_it_starts_is_refused_naming_both_dates(self) -> None:
        with pytest.raises(ValidationError, match="ends_on is before starts_on"):
            PersonnelExchanged(
                person="Ana",
                from_party="CIDH",
                to_party="UNAM",
                starts_on=date(2024, 5, 1),
                ends_on=date(2024, 4, 30),
            )

    @pytest.mark.parametrize("expires_on", [EXPIRES_ON, date(2025, 1, 1)])
    def test_a_renewal_must_move_the_expiry_later(self, expires_on: date) -> None:
        timeline = in_status(Status.IN_FORCE)
        with pytest.raises(InvalidField) as refused:
            timeline.record(Renewed(occurred_on=date(2024, 12, 1), expires_on=expires_on))
        assert refused.value.field == "expires_on"
        assert f"past {EXPIRES_ON}" in refused.value.message

    def test_a_renewal_must_also_end_after_the_day_it_is_recorded(self) -> None:
        timeline = in_status(Status.IN_FORCE)
        with pytest.raises(InvalidField, match=f"past {TODAY}"):
            timeline.record(Renewed(expires_on=TODAY))

    def test_a_draft_expiring_before_it_was_drafted_is_refused(self) -> None:
        with pytest.raises(InvalidField) as refused:
            Timeline(draft_body(expires_on=DRAFTED_ON - timedelta(days=1)))
        assert refused.value.field == "expires_on"

    def test_an_amendment_cannot_move_the_expiry_before_the_draft(self) -> None:
        timeline = Timeline()
        changes = AmendableTerms(expires_on=DRAFTED_ON - timedelta(days=1))
        with pytest.raises(InvalidField) as refused:
            timeline.record(Amended(changes=changes))
        assert refused.value.field == "changes.expires_on"

    def test_entry_into_force_before_the_signature_is_refused(self) -> None:
        timeline = Timeline()
        body = Signed(occurred_on=SIGNED_ON, enters_into_force_on=SIGNED_ON - timedelta(days=1))
        with pytest.raises(InvalidField) as refused:
            timeline.record(body)
        assert refused.value.field == "enters_into_force_on"

    def test_an_event_in_the_future_is_refused_naming_occurred_on(self) -> None:
        timeline = Timeline()
        with pytest.raises(InvalidField) as refused:
            timeline.record(NoteAdded(occurred_on=TODAY + timedelta(days=1), text="mañana"))
        assert refused.value.field == "occurred_on"
        assert refused.value.message == (
            f"occurred_on: {TODAY + timedelta(days=1)} is after today ({TODAY})"
        )

    def test_a_draft_in_the_future_is_refused(self) -> None:
        with pytest.raises(InvalidField, match="occurred_on"):
            Timeline(draft_body(occurred_on=TODAY + timedelta(days=1)))

    def test_a_missing_occurred_on_means_today_and_is_stored_explicitly(self) -> None:
        timeline = Timeline()
        record = timeline.record(NoteAdded(text="hoy")).records[0]
        assert record.occurred_on == TODAY
        assert record.body.occurred_on == TODAY


class TestRetraction:
    def test_a_retracted_event_leaves_every_fold_but_stays_recorded(self) -> None:
        timeline = in_status(Status.IN_FORCE)
        timeline.record(_activity(date(2024, 5, 1), "wrong"))
        activity_version = timeline.records[-1].version
        retraction = timeline.record(Retracted(version=activity_version, reason="mistake"))
        state = retraction.state
        assert state.activities == ()
        assert state.version == activity_version + 1
        assert [r.version for r in timeline.records][-2:] == [activity_version, state.version]
        assert timeline.records[-2].type == "activity_recorded"
        assert all(r.version != activity_version for r in effective(timeline.records))
        assert view(timeline.records, as_of=date(2024, 6, 1)) == view(
            timeline.records, as_of=date(2024, 6, 1), version=state.version
        )
        assert view(timeline.records, as_of=date(2024, 6, 1)).activities == ()  # type: ignore[union-attr]
        before = view(timeline.records, version=activity_version)
        assert before is not None and [a.title for a in before.activities] == ["wrong"]
        known = view(timeline.records, known_at=timeline.records[-2].recorded_at)
        assert known is not None and [a.title for a in known.activities] == ["wrong"]

    def test_the_right_fact_can_be_recorded_after_retracting_the_wrong_one(self) -> None:
        timeline = in_status(Status.SIGNED)
        signed_version = timeline.records[-1].version
        timeline.record(Retracted(version=signed_version, reason="wrong date"))
        assert timeline.state.status == Status.DRAFT
        state = timeline.record(Signed(occurred_on=date(2024, 2, 3))).state
        assert (state.status, state.signed_on) == (Status.SIGNED, date(2024, 2, 3))

    @pytest.mark.parametrize(
        ("version", "reason"),
        [
            (1, "the draft cannot be retracted"),
            (99, "there is no event at version 99"),
        ],
    )
    def test_draft_and_missing_versions_cannot_be_retracted(
        self, version: int, reason: str
    ) -> None:
        timeline = in_status(Status.DRAFT)
        with pytest.raises(InvalidField) as refused:
            timeline.record(Retracted(version=version))
        assert refused.value.field == "version"
        assert reason in refused.value.message

    def test_a_retraction_cannot_be_retracted(self) -> None:
        timeline = in_status(Status.DRAFT)
        retraction = timeline.record(Retracted(version=NOTE_VERSION)).records[0]
        with pytest.raises(InvalidField, match="a retraction cannot be retracted"):
            timeline.record(Retracted(version=retraction.version))

    def test_an_event_cannot_be_retracted_twice(self) -> None:
        timeline = in_status(Status.DRAFT)
        timeline.record(Retracted(version=NOTE_VERSION))
        with pytest.raises(
            InvalidField, match=f"a note at version {NOTE_VERSION} is already retracted"
        ):
            timeline.record(Retracted(version=NOTE_VERSION))

    def test_a_retraction_that_breaks_later_events_is_a_timeline_conflict(self) -> None:
        timeline = in_status(Status.SIGNED)
        signed_version = timeline.records[-1].version
        timeline.record(_activity(date(2024, 5, 1)))
        with pytest.raises(TimelineConflict) as conflict:
            timeline.record(Retracted(version=signed_version))
        assert conflict.value.message.startswith(f"recording a retraction on {TODAY}")
        assert "an activity while the agreement is a draft" in conflict.value.message
        assert timeline.state.status == Status.SIGNED


class TestSigning:
    def test_entry_into_force_on_or_before_today_is_recorded_with_the_signature(self) -> None:
        timeline = Timeline()
        body = Signed(occurred_on=SIGNED_ON, enters_into_force_on=date(2024, 3, 1), source="acta")
        decision = timeline.record(body)
        assert [(r.type, r.occurred_on) for r in decision.records] == [
            ("signed", SIGNED_ON),
            ("entered_into_force", date(2024, 3, 1)),
        ]
        assert decision.records[1].body == EnteredIntoForce(
            occurred_on=date(2024, 3, 1), source="acta"
        )
        state = decision.state
        assert (state.status, state.signed_on, state.in_force_on) == (
            Status.IN_FORCE,
            SIGNED_ON,
            date(2024, 3, 1),
        )
        assert view(timeline.records, as_of=date(2024, 2, 15)).status == Status.SIGNED  # type: ignore[union-attr]

    def test_entry_into_force_after_today_is_only_announced(self) -> None:
        timeline = Timeline()
        later = TODAY + timedelta(days=10)
        decision = timeline.record(Signed(enters_into_force_on=later))
        assert [r.type for r in decision.records] == ["signed"]
        assert (decision.state.status, decision.state.in_force_on) == (Status.SIGNED, later)

    def test_entry_into_force_today_is_recorded_today(self) -> None:
        decision = Timeline().record(Signed(enters_into_force_on=TODAY))
        assert decision.state.status == Status.IN_FORCE
        assert decision.state.in_force_on == TODAY


class TestViews:
    def test_as_of_known_at_and_version_all_come_from_the_same_fold(self) -> None:
        timeline = in_status(Status.SUSPENDED)
        timeline.record(Renewed(occurred_on=date(2024, 12, 1), expires_on=date(2026, 1, 31)))
        records = timeline.records
        assert view(records) == fold(records) == timeline.state
        assert view(records, as_of=DRAFTED_ON - timedelta(days=1)) is None
        assert view(records, as_of=DRAFTED_ON) == fold(records[:1])
        assert view(records, as_of=date(2024, 2, 15)).status == Status.IN_FORCE  # type: ignore[union-attr]
        assert view(records, as_of=date(2024, 3, 1)).status == Status.SUSPENDED  # type: ignore[union-attr]
        for record in records:
            prefix = records[: record.version]
            assert view(records, version=record.version) == fold(prefix)
            known = [r for r in records if r.recorded_at <= record.recorded_at]
            assert view(records, known_at=record.recorded_at) == fold(known)
        first = records[0].recorded_at
        assert view(records, known_at=first - timedelta(seconds=1)) is None

    def test_a_backdated_event_changes_as_of_views_but_not_what_was_known_before(self) -> None:
        timeline = in_status(Status.IN_FORCE)
        known_before = timeline.records[-1].recorded_at
        timeline.record(_activity(date(2024, 2, 10), "backdated"))
        records = timeline.records
        as_of = view(records, as_of=date(2024, 2, 10))
        assert as_of is not None and [a.title for a in as_of.activities] == ["backdated"]
        assert view(records, as_of=date(2024, 2, 9)).activities == ()  # type: ignore[union-attr]
        assert view(records, known_at=known_before).activities == ()  # type: ignore[union-attr]

    def test_state_keeps_the_first_and_last_recording_moments(self) -> None:
        timeline = in_status(Status.SIGNED)
        state = timeline.state
        assert state.created_at == timeline.records[0].recorded_at
        assert state.updated_at == timeline.records[-1].recorded_at
        assert state.created_at.tzinfo is not None
        assert state.drafted_on == DRAFTED_ON
