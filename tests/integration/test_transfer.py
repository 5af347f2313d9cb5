"""Export to JSON Lines and import into another store, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg
import pytest
from psycopg import sql

from events.catalog import EVENT_TYPES
from events.cooperation import ComplementaryAgreementAdded, FollowUpScheduled
from events.drafting import AgreementKind, Drafted
from events.records import NoteAdded, Retracted
from tests.conftest import POSTGRES_URL
from tracker.application import Tracker
from tracker.clock import FixedClock
from tracker.seed import load_seed
from tracker.store import Database
from tracker.transfer import ImportRefused, import_events, write_export

FIELDS = [
    "position",
    "agreement_id",
    "version",
    "type",
    "schema_version",
    "occurred_on",
    "recorded_at",
    "recorded_by",
    "source",
    "data",
]


@pytest.fixture
def copy_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """A second, empty store on the same kind of database as `database_url`."""
    if not Database(database_url).is_postgres:
        yield f"sqlite:///{tmp_path / 'copy.sqlite'}"
        return
    schema = f"t_{uuid.uuid4().hex[:16]}"
    yield f"{POSTGRES_URL}?schema={schema}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


@pytest.fixture
def copy(copy_url: str) -> Iterator[Tracker]:
    """The importing store runs on another clock: imported moments must not come from it."""
    app = Tracker.connect(copy_url, clock=FixedClock(datetime(2031, 1, 1, tzinfo=UTC)))
    yield app
    app.close()


@pytest.fixture
def source(tracker: Tracker, clock: FixedClock) -> Tracker:
    """The sample agreements, plus a child agreement, a retraction and other actors."""
    load_seed(tracker)
    ceav = tracker.agreement_for_reference("IACHR-CEAV-2018")
    assert ceav is not None
    clock.advance(timedelta(days=3))
    child = Drafted(
        reference="IACHR-CEAV-2018-SPECIFIC-1",
        title="Specific agreement on training for victims' advisers",
        kind=AgreementKind.SPECIFIC_AGREEMENT,
        areas=["training"],
    )
    body = ComplementaryAgreementAdded(occurred_on=date(2019, 3, 1), agreement=child)
    tracker.record(ceav, body, "ana.lópez")
    clock.advance(timedelta(hours=5))
    wrong = tracker.record(ceav, NoteAdded(text="Recorded by mistake"), "ana.lópez")
    clock.advance(timedelta(hours=1))
    tracker.record(ceav, Retracted(version=wrong.version, reason="wrong agreement"), "josé")
    due = FollowUpScheduled(occurred_on=date(2024, 5, 1), due_on=date(2025, 1, 15))
    tracker.record(ceav, due, "josé")
    return tracker


def export_lines(tracker: Tracker) -> list[str]:
    out = io.StringIO()
    write_export(tracker, out)
    return out.getvalue().splitlines()


def agreement_ids(lines: list[str]) -> list[UUID]:
    return list(dict.fromkeys(UUID(json.loads(line)["agreement_id"]) for line in lines))


def by_agreement(lines: list[str]) -> list[dict[str, Any]]:
    """The events without their store positions, each agreement's history together."""
    events = [{k: v for k, v in json.loads(line).items() if k != "position"} for line in lines]
    return sorted(events, key=lambda event: (event["agreement_id"], event["version"]))


def test_export_is_every_agreement_event_in_store_order(source: Tracker) -> None:
    lines = export_lines(source)
    events = [json.loads(line) for line in lines]

    assert len(events) == 17 + 1 + 4  # the seed, the child's draft, four on the parent
    assert all(list(event) == FIELDS for event in events)
    positions = [event["position"] for event in events]
    assert positions == sorted(positions) and len(set(positions)) == len(positions)
    assert {event["type"] for event in events} <= set(EVENT_TYPES)
    assert len(agreement_ids(lines)) == 6
    for agreement_id in agreement_ids(lines):
        versions = [e["version"] for e in events if e["agreement_id"] == str(agreement_id)]
        assert versions == list(range(1, len(versions) + 1))
    assert "Comisión Ejecutiva de Atención a Víctimas" in "\n".join(lines)
    assert {event["recorded_by"] for event in events} == {"tracker demo", "ana.lópez", "josé"}


def test_import_into_a_fresh_store_gives_identical_histories(
    source: Tracker, copy: Tracker
) -> None:
    lines = export_lines(source)

    report = import_events(copy, lines)

    assert (report.agreements, report.agreements_created) == (6, 6)
    assert (report.events_added, report.events_present) == (len(lines), 0)
    for agreement_id in agreement_ids(lines):
        assert copy.history(agreement_id) == source.history(agreement_id)
        assert copy.state(agreement_id) == source.state(agreement_id)
    ceav = source.agreement_for_reference("IACHR-CEAV-2018")
    assert ceav is not None
    before_retraction = datetime(2024, 6, 4, 14, 30, tzinfo=UTC)
    known = copy.state(ceav, known_at=before_retraction)
    assert known == source.state(ceav, known_at=before_retraction)
    assert [note.text for note in known.notes][-1] == "Recorded by mistake"
    assert copy.state(ceav, as_of=date(2019, 1, 1)) == source.state(ceav, as_of=date(2019, 1, 1))
    for reference in ("IACHR-CEAV-2018", "IACHR-CEAV-2018-SPECIFIC-1", "IACHR-DPP-2017"):
        assert copy.agreement_for_reference(reference) == source.agreement_for_reference(reference)
    assert by_agreement(export_lines(copy)) == by_agreement(lines)


def test_importing_the_same_file_twice_records_nothing_new(source: Tracker, copy: Tracker) -> None:
    lines = export_lines(source)
    import_events(copy, lines)
    position = copy.recorder.max_notification_id()

    again = import_events(copy, lines)

    assert (again.events_added, again.events_present) == (0, len(lines))
    assert copy.recorder.max_notification_id() == position


def test_an_import_cut_short_is_completed(source: Tracker, copy: Tracker) -> None:
    lines = export_lines(source)
    import_events(copy, lines[:9])

    report = import_events(copy, lines)

    assert (report.events_added, report.events_present) == (len(lines) - 9, 9)
    for agreement_id in agreement_ids(lines):
        assert copy.history(agreement_id) == source.history(agreement_id)


def test_a_stored_version_that_differs_refuses_the_import(source: Tracker, copy: Tracker) -> None:
    lines = export_lines(source)
    import_events(copy, lines[:3])
    position = copy.recorder.max_notification_id()
    changed = json.loads(lines[1])
    changed["recorded_by"] = "somebody else"
    lines[1] = json.dumps(changed)

    with pytest.raises(ImportRefused) as refused:
        import_events(copy, lines)

    [problem] = refused.value.problems
    assert (problem.line, problem.field) == (2, "recorded_by")
    assert "already stored" in problem.message
    assert copy.recorder.max_notification_id() == position


def edit(line: str, **changes: Any) -> str:
    event = json.loads(line)
    for name, value in changes.items():
        if name.startswith("data_"):
            event["data"][name.removeprefix("data_")] = value
        else:
            event[name] = value
    return json.dumps(event)


CORRUPTIONS: dict[str, tuple[Any, str]] = {
    "not json": (lambda line: line[:40], "json"),
    "no recorded_at": (lambda line: edit(line, recorded_at=None), "recorded_at"),
    "impossible date": (lambda line: edit(line, occurred_on="2020-02-30"), "occurred_on"),
    "naive moment": (lambda line: edit(line, recorded_at="2024-06-01T09:30:00"), "recorded_at"),
    "unknown type": (lambda line: edit(line, type="teleported"), "type"),
    "bad kind": (lambda line: edit(line, data_kind="treaty"), "data.kind"),
    "huge title": (lambda line: edit(line, data_title="x" * 501), "data.title"),
    "version gap": (lambda line: edit(line, version=4), "version"),
    "newer schema": (lambda line: edit(line, schema_version=9), "schema_version"),
}


@pytest.mark.parametrize("corruption", CORRUPTIONS)
def test_a_bad_line_is_named_and_nothing_is_imported(
    source: Tracker, copy: Tracker, corruption: str
) -> None:
    lines = export_lines(source)
    damage, field = CORRUPTIONS[corruption]
    drafts = [n for n, line in enumerate(lines) if json.loads(line)["type"] == "drafted"]
    bad = drafts[2]
    lines[bad] = damage(lines[bad])

    with pytest.raises(ImportRefused) as refused:
        import_events(copy, lines)

    [problem] = refused.value.problems
    assert (problem.line, problem.field) == (bad + 1, field)
    assert f"line {bad + 1}: {field}:" in refused.value.message
    assert copy.recorder.max_notification_id() in (None, 0)


def test_an_impossible_history_is_refused(source: Tracker, copy: Tracker) -> None:
    lines = export_lines(source)
    signed = next(n for n, line in enumerate(lines) if json.loads(line)["type"] == "signed")
    lines[signed] = edit(lines[signed], occurred_on="2001-01-01")

    with pytest.raises(ImportRefused, match="not a possible history"):
        import_events(copy, lines)
    assert copy.recorder.max_notification_id() in (None, 0)


def test_a_reference_used_by_another_agreement_is_refused(source: Tracker, copy: Tracker) -> None:
    copy.draft(Drafted(reference="IACHR-DPP-2017", title="Other", kind=AgreementKind.OTHER), "x")
    position = copy.recorder.max_notification_id()

    with pytest.raises(ImportRefused) as refused:
        import_events(copy, export_lines(source))

    assert [p.field for p in refused.value.problems] == ["data.reference"]
    assert copy.recorder.max_notification_id() == position


def test_an_older_schema_version_is_upcast_on_import(source: Tracker, copy: Tracker) -> None:
    lines = export_lines(source)
    ayotzinapa = source.agreement_for_reference("IACHR-MX-AYOTZINAPA-2014")
    mine = [line for line in lines if json.loads(line)["agreement_id"] == str(ayotzinapa)]
    mine[1] = edit(mine[1], schema_version=1, data_signatories=["Emilio Álvarez Icaza"])

    import_events(copy, mine)

    assert ayotzinapa is not None
    [signatory] = copy.state(ayotzinapa).signatories
    assert (signatory.name, signatory.party) == ("Emilio Álvarez Icaza", None)
    assert copy.state(ayotzinapa).attendees == source.state(ayotzinapa).attendees


def test_a_bad_last_event_keeps_out_its_whole_agreement(source: Tracker, copy: Tracker) -> None:
    lines = export_lines(source)
    lines[-1] = edit(lines[-1], data_due_on="someday")

    with pytest.raises(ImportRefused) as refused:
        import_events(copy, lines)

    assert [(p.line, p.field) for p in refused.value.problems] == [(len(lines), "data.due_on")]
    assert copy.recorder.max_notification_id() in (None, 0)
