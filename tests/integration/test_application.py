"""The Tracker on real stores: SQLite files and PostgreSQL schemas (`database_url`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from uuid import UUID, uuid4

import pytest
from eventsourcing.domain import Aggregate

from events.cooperation import (
    ActivityCategory,
    ActivityRecorded,
    ComplementaryAgreementAdded,
    FollowUpScheduled,
)
from events.drafting import AgreementKind, AmendableTerms, Amended, Drafted
from events.lifecycle import Attendee, Signatory, Signed
from events.records import NoteAdded
from tests.unit.timelines import COMMISSION, UNIVERSITY
from tracker.aggregate import Agreement, ReferenceIndex
from tracker.application import Idempotency, Tracker
from tracker.clock import FixedClock
from tracker.errors import (
    AgreementNotFound,
    DuplicateReference,
    IdempotencyKeyReused,
    InvalidField,
    StaleVersion,
    TransitionRefused,
)
from tracker.state import AgreementState, Status
from tracker.timeline import decide

ACTOR = "maría.núñez@oas.org"
ACCENTED = (
    "Comisión Interamericana de Derechos Humanos — Relatoría Especial sobre Pueblos Indígenas"
)

OpenTracker = Callable[..., Tracker]


@pytest.fixture
def open_tracker(database_url: str, clock: FixedClock) -> Iterator[OpenTracker]:
    """More Tracker instances on the same store, as other processes would have."""
    opened: list[Tracker] = []

    def connect(**options: object) -> Tracker:
        options.setdefault("clock", clock)
        app = Tracker.connect(database_url, **options)  # type: ignore[arg-type]
        opened.append(app)
        return app

    yield connect
    for app in opened:
        app.close()


def draft(**changes: object) -> Drafted:
    fields: dict[str, object] = {
        "reference": f"REF-{uuid4().hex[:8]}",
        "title": ACCENTED,
        "kind": AgreementKind.FRAMEWORK_AGREEMENT,
        "parties": [COMMISSION, UNIVERSITY],
        "areas": ["capacitación", "investigación"],
        "expires_on": date(2027, 12, 31),
        "occurred_on": date(2024, 1, 10),
    }
    return Drafted.model_validate({**fields, **changes})


def in_force(tracker: Tracker, **changes: object) -> AgreementState:
    state = tracker.draft(draft(**changes), ACTOR)
    body = Signed(occurred_on=date(2024, 2, 1), enters_into_force_on=date(2024, 2, 1))
    return tracker.record(state.id, body, ACTOR)


def stored_count(tracker: Tracker) -> int:
    return tracker.recorder.max_notification_id() or 0


class TestRoundTrip:
    def test_draft_record_state_and_history(
        self, tracker: Tracker, open_tracker: OpenTracker, clock: FixedClock
    ) -> None:
        drafted = tracker.draft(draft(), ACTOR)
        assert (drafted.status, drafted.version, drafted.drafted_on) == (
            Status.DRAFT,
            1,
            date(2024, 1, 10),
        )
        clock.advance(timedelta(hours=1))
        signed = tracker.record(
            drafted.id,
            Signed(
                occurred_on=date(2024, 2, 1),
                place="Ciudad de México",
                signatories=[Signatory(name="José Nuñez Güemes", party="UNAM")],
                attendees=[Attendee(name="Zoë Åkesson", role="testigo")],
                enters_into_force_on=date(2024, 2, 1),
            ),
            ACTOR,
        )
        assert (signed.status, signed.version) == (Status.IN_FORCE, 3)
        clock.advance(timedelta(hours=1))
        tracker.record(drafted.id, FollowUpScheduled(due_on=date(2024, 7, 1)), ACTOR)

        reader = open_tracker()
        state = reader.state(drafted.id)
        assert state == tracker.state(drafted.id)
        assert state.title == ACCENTED
        assert state.areas == ("capacitación", "investigación")
        assert [s.name for s in state.signatories] == ["José Nuñez Güemes"]
        assert [a.name for a in state.attendees] == ["Zoë Åkesson"]
        assert state.place == "Ciudad de México"
        assert state.follow_ups[0].due_on == date(2024, 7, 1)
        history = reader.history(drafted.id)
        assert [(r.version, r.type) for r in history] == [
            (1, "drafted"),
            (2, "signed"),
            (3, "entered_into_force"),
            (4, "follow_up_scheduled"),
        ]
        derived_from_the_signature = "scheduler"
        assert [r.recorded_by for r in history] == [ACTOR, ACTOR, derived_from_the_signature, ACTOR]
        assert reader.agreement_for_reference(drafted.reference or "") == drafted.id

    def test_dates_come_back_as_dates_and_moments_as_utc(
        self, tracker: Tracker, open_tracker: OpenTracker
    ) -> None:
        state = in_force(tracker)
        tracker.record(state.id, FollowUpScheduled(due_on=date(2024, 9, 30)), ACTOR)
        reader = open_tracker()
        history = reader.history(state.id)
        for record in history:
            assert type(record.occurred_on) is date
            assert type(record.body.occurred_on) is date
            assert record.recorded_at.utcoffset() == timedelta(0)
        assert type(history[0].body.expires_on) is date  # type: ignore[attr-defined]
        assert type(history[-1].body.due_on) is date  # type: ignore[attr-defined]
        state = reader.state(state.id)
        assert type(state.expires_on) is date and type(state.in_force_on) is date
        assert state.created_at == datetime(2024, 6, 1, 9, 30, tzinfo=UTC)
        notification = reader.recorder.select_notifications(1, 1)[0]
        event = reader.mapper.to_domain_event(notification)
        assert type(event.occurred_on) is date  # type: ignore[attr-defined]
        assert event.recorded_at.tzinfo is not None  # type: ignore[attr-defined]

    def test_an_amendment_changes_the_same_terms_after_a_reload(
        self, tracker: Tracker, open_tracker: OpenTracker
    ) -> None:
        state = tracker.draft(draft(), ACTOR)
        amended = tracker.record(
            state.id, Amended(changes=AmendableTerms(purpose="Formación de jueces")), ACTOR
        )
        assert (amended.title, amended.areas) == (state.title, state.areas)
        assert open_tracker().state(state.id) == amended

    def test_a_clock_in_another_zone_is_stored_as_utc(self, open_tracker: OpenTracker) -> None:
        lima = timezone(timedelta(hours=-5))
        writer = open_tracker(clock=FixedClock(datetime(2024, 6, 1, 20, 0, tzinfo=lima)))
        state = writer.draft(draft(), ACTOR)
        recorded_at = open_tracker().history(state.id)[0].recorded_at
        assert recorded_at == datetime(2024, 6, 2, 1, 0, tzinfo=UTC)
        assert recorded_at.utcoffset() == timedelta(0)

    def test_unknown_agreements_and_views_before_the_draft_are_not_found(
        self, tracker: Tracker
    ) -> None:
        with pytest.raises(AgreementNotFound):
            tracker.state(uuid4())
        with pytest.raises(AgreementNotFound):
            tracker.record(uuid4(), NoteAdded(text="x"), ACTOR)
        state = tracker.draft(draft(), ACTOR)
        with pytest.raises(AgreementNotFound, match="not drafted yet"):
            tracker.state(state.id, as_of=date(2024, 1, 9))
        assert tracker.state(state.id, as_of=date(2024, 1, 10)) == state

    def test_a_command_that_is_not_saved_leaves_the_cached_agreement_as_stored(
        self, tracker: Tracker, open_tracker: OpenTracker
    ) -> None:
        state = tracker.draft(draft(), ACTOR)
        loaded: Aggregate = tracker.repository.get(state.id)
        assert isinstance(loaded, Agreement)
        unsaved = decide(loaded.records, NoteAdded(text="sin guardar"), tracker._moment(ACTOR))
        loaded.append(unsaved.records[0])
        assert len(loaded.records) == 2
        assert tracker.state(state.id) == state
        assert len(tracker.history(state.id)) == 1
        open_tracker().record(state.id, NoteAdded(text="otro proceso"), ACTOR)
        assert [n.text for n in tracker.state(state.id).notes] == ["otro proceso"]

    def test_a_refused_transition_stores_nothing(self, tracker: Tracker) -> None:
        state = tracker.draft(draft(), ACTOR)
        before = stored_count(tracker)
        activity = ActivityRecorded(category=ActivityCategory.TRAINING, title="Taller")
        with pytest.raises(TransitionRefused, match="while the agreement is a draft"):
            tracker.record(state.id, activity, ACTOR)
        assert stored_count(tracker) == before
        assert tracker.state(state.id) == state


class TestComplementaryAgreements:
    def child(self, reference: str | None = None) -> ComplementaryAgreementAdded:
        agreement = Drafted(
            title="Acuerdo específico de pasantías",
            kind=AgreementKind.SPECIFIC_AGREEMENT,
            reference=reference,
            parties=[COMMISSION],
        )
        return ComplementaryAgreementAdded(agreement=agreement, child_id=uuid4())

    def test_the_child_is_created_with_its_parent_and_linked(
        self, tracker: Tracker, open_tracker: OpenTracker
    ) -> None:
        parent = in_force(tracker)
        sent = self.child("ESP-2024-01")
        state = tracker.record(parent.id, sent, ACTOR)
        (child_id,) = state.children
        assert child_id != sent.child_id
        reader = open_tracker()
        child = reader.state(child_id)
        assert (child.parent_id, child.kind, child.status) == (
            parent.id,
            AgreementKind.SPECIFIC_AGREEMENT,
            Status.DRAFT,
        )
        assert child.drafted_on == date(2024, 6, 1)
        assert reader.agreement_for_reference("esp-2024-01 ") == child_id
        linked = reader.history(parent.id)[-1].body
        assert isinstance(linked, ComplementaryAgreementAdded)
        assert (linked.child_id, linked.agreement.parent_id) == (child_id, parent.id)

    def test_a_duplicate_child_reference_stores_neither_event_nor_child(
        self, tracker: Tracker
    ) -> None:
        taken = tracker.draft(draft(reference="ESP-TAKEN"), ACTOR)
        parent = in_force(tracker)
        before = stored_count(tracker)
        with pytest.raises(DuplicateReference) as duplicate:
            tracker.record(parent.id, self.child("esp-taken"), ACTOR)
        assert duplicate.value.agreement_id == taken.id
        assert stored_count(tracker) == before
        assert tracker.state(parent.id) == parent

    def test_a_refused_complementary_event_creates_no_child(self, tracker: Tracker) -> None:
        parent = tracker.draft(draft(), ACTOR)
        before = stored_count(tracker)
        with pytest.raises(TransitionRefused):
            tracker.record(parent.id, self.child("ESP-DRAFT"), ACTOR)
        assert stored_count(tracker) == before
        assert tracker.agreement_for_reference("ESP-DRAFT") is None


class TestReferencesAndVersions:
    def test_a_reference_is_unique_ignoring_case_and_spaces(self, tracker: Tracker) -> None:
        first = tracker.draft(draft(reference="CIDH-001"), ACTOR)
        before = stored_count(tracker)
        with pytest.raises(DuplicateReference) as duplicate:
            tracker.draft(draft(reference=" cidh-001"), ACTOR)
        assert (duplicate.value.reference, duplicate.value.agreement_id) == ("cidh-001", first.id)
        assert "CIDH-001" in tracker.state(first.id).reference  # type: ignore[operator]
        assert stored_count(tracker) == before

    def test_drafts_without_reference_do_not_collide(self, tracker: Tracker) -> None:
        ids = {tracker.draft(draft(reference=None), ACTOR).id for _ in range(3)}
        assert len(ids) == 3

    def test_an_unexpected_version_is_stale_and_stores_nothing(self, tracker: Tracker) -> None:
        state = tracker.draft(draft(), ACTOR)
        tracker.record(state.id, NoteAdded(text="uno"), ACTOR, expected_version=1)
        with pytest.raises(StaleVersion) as stale:
            tracker.record(state.id, NoteAdded(text="dos"), ACTOR, expected_version=1)
        assert (stale.value.expected, stale.value.actual) == (1, 2)
        assert [n.text for n in tracker.state(state.id).notes] == ["uno"]


class TestIdempotency:
    def test_a_retry_returns_the_first_answer_and_records_nothing(
        self, tracker: Tracker, clock: FixedClock
    ) -> None:
        key = Idempotency("key-draft", "fingerprint-a")
        first = tracker.draft(draft(reference="IDEM-1"), ACTOR, idempotency=key)
        clock.advance(timedelta(minutes=5))
        assert tracker.draft(draft(reference="IDEM-1"), ACTOR, idempotency=key) == first

        note = Idempotency("key-note", "fingerprint-b")
        noted = tracker.record(first.id, NoteAdded(text="una vez"), ACTOR, idempotency=note)
        tracker.record(first.id, NoteAdded(text="después"), ACTOR)
        before = stored_count(tracker)
        again = tracker.record(first.id, NoteAdded(text="una vez"), ACTOR, idempotency=note)
        assert again == noted
        assert again.version == 2
        assert stored_count(tracker) == before
        assert [n.text for n in tracker.state(first.id).notes] == ["una vez", "después"]

    def test_a_key_reused_for_another_request_is_refused(self, tracker: Tracker) -> None:
        state = tracker.draft(draft(), ACTOR)
        tracker.record(state.id, NoteAdded(text="a"), ACTOR, idempotency=Idempotency("k", "f1"))
        before = stored_count(tracker)
        with pytest.raises(IdempotencyKeyReused):
            tracker.record(state.id, NoteAdded(text="b"), ACTOR, idempotency=Idempotency("k", "f2"))
        assert stored_count(tracker) == before


def test_an_unknown_agreement_id_is_not_found_even_when_it_is_another_aggregate(
    tracker: Tracker,
) -> None:
    state = tracker.draft(draft(reference="REF-INDEX"), ACTOR)
    with pytest.raises(AgreementNotFound):
        tracker.state(ReferenceIndex.id_for("REF-INDEX"))
    assert isinstance(state.id, UUID)


def test_a_draft_naming_its_parent_is_linked_in_the_parent(tracker: Tracker) -> None:
    parent = in_force(tracker)
    before = stored_count(tracker)
    later = date(2024, 3, 1)
    child = tracker.draft(draft(reference="CHILD-1", parent_id=parent.id, occurred_on=later), ACTOR)
    assert child.parent_id == parent.id
    linked = tracker.state(parent.id)
    assert linked.children == (child.id,)
    assert tracker.history(parent.id)[-1].type == "complementary_agreement_added"
    assert stored_count(tracker) == before + 3  # the parent's event, the child, its reference


def test_a_draft_under_an_unknown_or_unsigned_parent_is_refused(tracker: Tracker) -> None:
    with pytest.raises(InvalidField) as unknown:
        tracker.draft(draft(parent_id=uuid4()), ACTOR)
    assert unknown.value.field == "parent_id"
    unsigned = tracker.draft(draft(), ACTOR)
    before = stored_count(tracker)
    with pytest.raises(TransitionRefused) as refused:
        tracker.draft(draft(reference="CHILD-2", parent_id=unsigned.id), ACTOR)
    assert refused.value.status == Status.DRAFT
    assert stored_count(tracker) == before
    assert tracker.agreement_for_reference("CHILD-2") is None
