"""Loading an agreement through snapshots, and stored events of an older schema."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from eventsourcing.domain import Aggregate

from events.drafting import AgreementKind, Drafted
from events.lifecycle import Signatory, Signed
from events.records import NoteAdded
from tests.unit.timelines import COMMISSION, UNIVERSITY
from tracker.aggregate import Agreement
from tracker.application import Tracker
from tracker.clock import FixedClock
from tracker.state import Status


def _draft(tracker: Tracker) -> Drafted:
    return Drafted(
        occurred_on=date(2024, 1, 10),
        title="Convenio marco",
        kind=AgreementKind.FRAMEWORK_AGREEMENT,
        parties=[COMMISSION, UNIVERSITY],
    )


def test_snapshots_load_the_same_agreement_as_a_full_replay(
    database_url: str, clock: FixedClock
) -> None:
    writer = Tracker.connect(database_url, clock=clock, snapshot_interval=10)
    with_snapshots = Tracker.connect(database_url, clock=clock)
    without = Tracker.connect(database_url, clock=clock, snapshot_interval=0)
    try:
        agreement = writer.draft(_draft(writer), "ana").id
        for n in range(34):
            clock.advance(timedelta(minutes=1))
            writer.record(agreement, NoteAdded(text=f"nota número {n}"), "ana")
        assert without.snapshots is None
        assert writer.snapshots is not None
        versions = [s.originator_version for s in writer.snapshots.get(agreement)]
        assert versions == [10, 20, 30]
        loaded: Aggregate = with_snapshots.repository.get(agreement)
        replayed: Aggregate = without.repository.get(agreement)
        assert isinstance(loaded, Agreement) and isinstance(replayed, Agreement)
        assert loaded.version == replayed.version == 35
        assert loaded.facts == replayed.facts
        assert with_snapshots.state(agreement) == without.state(agreement)
        assert with_snapshots.history(agreement) == without.history(agreement)
        assert len(with_snapshots.state(agreement).notes) == 34
        at_25 = with_snapshots.state(agreement, version=25)
        assert at_25 == without.state(agreement, version=25)
        assert at_25.notes[-1].text == "nota número 23"
    finally:
        for app in (writer, with_snapshots, without):
            app.close()


def test_a_version_1_signature_with_bare_names_loads_as_signatory_objects(
    database_url: str, clock: FixedClock
) -> None:
    writer = Tracker.connect(database_url, clock=clock)
    reader = Tracker.connect(database_url, clock=clock)
    try:
        agreement_id = writer.draft(_draft(writer), "ana").id
        agreement: Aggregate = writer.repository.get(agreement_id)
        assert isinstance(agreement, Agreement)
        agreement.trigger_event(
            Agreement.Recorded,
            type="signed",
            schema_version=1,
            occurred_on=date(2024, 2, 1),
            recorded_at=datetime(2024, 2, 1, 15, tzinfo=UTC),
            recorded_by="importer",
            source="acta de firma",
            data={"place": "Bogotá", "signatories": ["Antonia Urrejola", "José Núñez"]},
        )
        writer.save(agreement)

        (stored,) = [e for e in reader.events.get(agreement_id) if e.originator_version == 2]
        assert stored.schema_version == 1  # type: ignore[attr-defined]
        assert stored.data["signatories"] == ["Antonia Urrejola", "José Núñez"]  # type: ignore[attr-defined]

        signed = reader.history(agreement_id)[-1]
        assert signed.body == Signed(
            occurred_on=date(2024, 2, 1),
            source="acta de firma",
            place="Bogotá",
            signatories=[Signatory(name="Antonia Urrejola"), Signatory(name="José Núñez")],
        )
        assert signed.body.SCHEMA_VERSION == 2
        state = reader.state(agreement_id)
        assert (state.status, state.signed_on, state.place) == (
            Status.SIGNED,
            date(2024, 2, 1),
            "Bogotá",
        )
        assert [s.name for s in state.signatories] == ["Antonia Urrejola", "José Núñez"]
    finally:
        writer.close()
        reader.close()
