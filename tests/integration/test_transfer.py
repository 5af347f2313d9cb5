"""Export to JSON Lines and import into another store, on SQLite and PostgreSQL.

An export is a backup of every stream; an import checks what the store and
the application would, names the line of each problem and writes nothing
when there is one.
"""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest

from events.catalog import EVENT_TYPES
from events.cooperation import ComplementaryAgreementAdded, FollowUpScheduled
from events.drafting import AgreementKind, Drafted
from events.records import NoteAdded, Retracted
from events.reminders import DeliveryAttempted, ReminderAcknowledged
from projections.service import ReadModels
from tests.integration.cli_support import copy_url
from tracker.aggregate import Receipt, ReferenceIndex
from tracker.application import Idempotency, Tracker
from tracker.clock import FixedClock
from tracker.reminders.aggregate import Reminder
from tracker.seed import load_seed
from tracker.settings import Settings
from tracker.sweep import sweep
from tracker.transfer import ImportRefused, import_events, write_export

HEAD = ["stream", "id", "version", "type", "schema_version"]
FIELDS = {
    "agreement": [*HEAD, "occurred_on", "recorded_at", "recorded_by", "source", "data"],
    "reminder": [*HEAD, "data"],
    "reference": [*HEAD, "data"],
    "receipt": [*HEAD, "data"],
}
SWEEP_DAY = date(2025, 1, 10)
KEYED = Drafted(reference="IACHR-KEYED-2024", title="Keyed draft", kind=AgreementKind.OTHER)
KEY = Idempotency("retry-me", "a" * 64)

__all__ = ["copy_url"]


@pytest.fixture
def copy(copy_url: str) -> Iterator[Tracker]:
    """The importing store runs on another clock: imported moments must not come from it."""
    app = Tracker.connect(copy_url, clock=FixedClock(datetime(2031, 1, 1, tzinfo=UTC)))
    yield app
    app.close()


@pytest.fixture
def source(tracker: Tracker, clock: FixedClock, database_url: str) -> Tracker:
    """Every kind of stream: the samples, a child agreement, a retraction, other actors,
    a draft sent with an Idempotency-Key, and reminders, one acknowledged, one delivered."""
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
    tracker.draft(KEYED, "api client", idempotency=KEY)
    clock.set_today(SWEEP_DAY)
    read_models = ReadModels.connect(database_url)
    try:
        first, second, *_ = sweep(tracker, read_models, Settings(), SWEEP_DAY).issued
    finally:
        read_models.close()
    acknowledged = reminder(tracker, first)
    acknowledged.acknowledge(ReminderAcknowledged(by="ana.lópez", at=clock.now()))
    delivered = reminder(tracker, second)
    attempt = DeliveryAttempted(url="https://example.org/hook", attempt=1, ok=True, at=clock.now())
    delivered.record_attempt(attempt)
    tracker.save(acknowledged, delivered)
    return tracker


def reminder(tracker: Tracker, reminder_id: UUID) -> Reminder:
    found: Any = tracker.repository.get(reminder_id)
    assert isinstance(found, Reminder)
    return found


def export_lines(tracker: Tracker) -> list[str]:
    out = io.StringIO()
    write_export(tracker, out)
    return out.getvalue().splitlines()


def events(lines: list[str]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in lines]


def ids(lines: list[str], stream: str) -> list[UUID]:
    found = (UUID(e["id"]) for e in events(lines) if e["stream"] == stream)
    return list(dict.fromkeys(found))


def edit(line: str, **changes: Any) -> str:
    event = json.loads(line)
    for name, value in changes.items():
        if name.startswith("data_"):
            event["data"][name.removeprefix("data_")] = value
        else:
            event[name] = value
    return json.dumps(event)


def index(lines: list[str], test: Callable[[dict[str, Any]], bool]) -> int:
    return next(n for n, event in enumerate(events(lines)) if test(event))


def refused(copy: Tracker, lines: list[str]) -> list[tuple[int, str]]:
    """The (line, field) of every problem; the store must still be empty."""
    with pytest.raises(ImportRefused) as refusal:
        import_events(copy, lines)
    assert copy.recorder.max_notification_id() in (None, 0)
    assert "\n" not in refusal.value.message
    return [(p.line, p.field) for p in refusal.value.problems]


def test_export_is_every_stream_in_store_order(source: Tracker) -> None:
    lines = export_lines(source)
    exported = events(lines)
    notifications = source.recorder.select_notifications(1, 10_000)

    assert [(UUID(e["id"]), e["version"]) for e in exported] == [
        (n.originator_id, n.originator_version) for n in notifications
    ]
    assert all(list(event) == FIELDS[event["stream"]] for event in exported)
    kinds = [event["stream"] for event in exported]
    reminders = ids(lines, "reminder")
    assert {kind: kinds.count(kind) for kind in FIELDS} == {
        "agreement": sum(len(source.history(a)) for a in ids(lines, "agreement")),
        "reminder": len(reminders) + 2,  # one acknowledgement, one delivery
        "reference": 7,  # five samples, the child, the keyed draft
        "receipt": 1,
    }
    assert len(reminders) >= 2
    agreement_events = [e for e in exported if e["stream"] == "agreement"]
    assert {e["type"] for e in agreement_events} <= set(EVENT_TYPES)
    assert "Comisión Ejecutiva de Atención a Víctimas" in "\n".join(lines)
    actors = {e["recorded_by"] for e in agreement_events}
    assert {"tracker demo", "ana.lópez", "josé", "api client"} <= actors


def test_import_into_an_empty_store_then_export_gives_the_same_file(
    source: Tracker, copy: Tracker
) -> None:
    lines = export_lines(source)

    report = import_events(copy, lines)

    assert export_lines(copy) == lines
    assert (report.added, report.present) == (len(lines), 0)
    assert report.created == {
        "agreement": len(ids(lines, "agreement")),
        "reference": 7,
        "receipt": 1,
        "reminder": len(ids(lines, "reminder")),
    }
    for agreement_id in ids(lines, "agreement"):
        assert copy.history(agreement_id) == source.history(agreement_id)
        assert copy.state(agreement_id) == source.state(agreement_id)
    for reminder_id in ids(lines, "reminder"):
        assert reminder(copy, reminder_id).bodies == reminder(source, reminder_id).bodies
    ceav = source.agreement_for_reference("IACHR-CEAV-2018")
    assert ceav is not None
    before_retraction = datetime(2024, 6, 4, 14, 30, tzinfo=UTC)
    known = copy.state(ceav, known_at=before_retraction)
    assert known == source.state(ceav, known_at=before_retraction)
    assert [note.text for note in known.notes][-1] == "Recorded by mistake"
    for reference in ("IACHR-CEAV-2018", "IACHR-CEAV-2018-SPECIFIC-1", "IACHR-KEYED-2024"):
        assert copy.agreement_for_reference(reference) == source.agreement_for_reference(reference)
    position = copy.recorder.max_notification_id()
    retried = copy.draft(KEYED, "api client", idempotency=KEY)
    assert retried.id == source.agreement_for_reference("IACHR-KEYED-2024")
    assert copy.recorder.max_notification_id() == position


def test_importing_the_same_file_twice_records_nothing_new(source: Tracker, copy: Tracker) -> None:
    lines = export_lines(source)
    import_events(copy, lines)
    position = copy.recorder.max_notification_id()

    again = import_events(copy, lines)

    assert (again.added, again.present, again.created) == (0, len(lines), {})
    assert copy.recorder.max_notification_id() == position


def test_an_import_cut_short_is_completed(source: Tracker, copy: Tracker) -> None:
    lines = export_lines(source)
    import_events(copy, lines[:9])

    report = import_events(copy, lines)

    assert (report.added, report.present) == (len(lines) - 9, 9)
    assert export_lines(copy) == lines


def test_a_stored_version_that_differs_refuses_the_import(source: Tracker, copy: Tracker) -> None:
    lines = export_lines(source)
    import_events(copy, lines[:3])
    position = copy.recorder.max_notification_id()
    second = index(lines, lambda e: e["stream"] == "agreement" and e["version"] == 2)
    lines[second] = edit(lines[second], recorded_by="somebody else")

    with pytest.raises(ImportRefused) as refusal:
        import_events(copy, lines)

    [problem] = refusal.value.problems
    assert (problem.line, problem.field) == (second + 1, "recorded_by")
    assert "in the store" in problem.message
    assert copy.recorder.max_notification_id() == position


CORRUPTIONS: dict[str, tuple[Any, str]] = {
    "not json": (lambda line: line[:40], "json"),
    "not an object": (lambda line: "[1, 2]", "json"),
    "unknown stream": (lambda line: edit(line, stream="party"), "stream"),
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
    bad = [n for n, e in enumerate(events(lines)) if e["type"] == "drafted"][2]
    lines[bad] = damage(lines[bad])

    assert refused(copy, lines) == [(bad + 1, field)]


def test_every_problem_is_named_and_the_message_is_one_line(source: Tracker, copy: Tracker) -> None:
    lines = export_lines(source)
    for n in range(8):
        lines[n] = lines[n][:30]

    with pytest.raises(ImportRefused) as refusal:
        import_events(copy, lines)

    assert [p.line for p in refusal.value.problems] == list(range(1, 9))
    message = refusal.value.message
    assert message.startswith("nothing was imported: line 1: json: ")
    assert "line 5: json" in message and "line 6" not in message
    assert message.endswith("; and 3 more")


def test_an_impossible_history_is_refused(source: Tracker, copy: Tracker) -> None:
    lines = export_lines(source)
    signed = index(lines, lambda e: e["type"] == "signed")
    lines[signed] = edit(lines[signed], occurred_on="2001-01-01")

    with pytest.raises(ImportRefused, match="not a possible history"):
        import_events(copy, lines)
    assert copy.recorder.max_notification_id() in (None, 0)


def test_a_moment_going_back_within_an_agreement_is_refused(source: Tracker, copy: Tracker) -> None:
    lines = export_lines(source)
    signed = index(lines, lambda e: e["type"] == "signed")
    lines[signed] = edit(lines[signed], recorded_at="2001-01-01T00:00:00+00:00")

    assert refused(copy, lines) == [(signed + 1, "recorded_at")]


def test_a_parent_that_exists_nowhere_is_refused(source: Tracker, copy: Tracker) -> None:
    """The parent's link to the child is refused too: the child does not name it any more."""
    lines = export_lines(source)
    child = index(lines, lambda e: e["type"] == "drafted" and e["data"]["parent_id"])
    added = index(lines, lambda e: e["type"] == "complementary_agreement_added")
    lines[child] = edit(lines[child], data_parent_id=str(uuid.uuid4()))

    assert refused(copy, lines) == [(added + 1, "data.child_id"), (child + 1, "data.parent_id")]


def test_a_child_that_exists_nowhere_is_refused(source: Tracker, copy: Tracker) -> None:
    """The child agreement's lines and its claim are left out of the file."""
    lines = export_lines(source)
    added = index(lines, lambda e: e["type"] == "complementary_agreement_added")
    child_id = events(lines)[added]["data"]["child_id"]
    kept = [line for line in lines if child_id not in line or '"complementary' in line]

    assert refused(copy, kept) == [(added + 1, "data.child_id")]


def test_a_one_sided_link_is_refused(source: Tracker, copy: Tracker) -> None:
    """A new agreement that names a parent which does not list it."""
    lines = export_lines(source)
    draft = events(lines)[0]
    parent = next(e["id"] for e in events(lines) if e["version"] == 1 and e["id"] != draft["id"])
    orphan = {**draft, "id": str(uuid.uuid4()), "data": {**draft["data"], "reference": None}}
    orphan["data"]["parent_id"] = parent
    lines.append(json.dumps(orphan))

    assert refused(copy, lines) == [(len(lines), "data.parent_id")]


@pytest.mark.parametrize(
    "derived",
    [ReferenceIndex.id_for("IACHR-NEXT-2031"), Receipt.id_for("a later retry")],
    ids=["a reference claim's", "an idempotency receipt's"],
)
def test_an_agreement_id_from_the_trackers_own_id_spaces_is_refused(
    source: Tracker, copy: Tracker, derived: UUID
) -> None:
    lines = export_lines(source)
    agreement_id = events(lines)[0]["id"]
    lines = [line.replace(agreement_id, str(derived)) for line in lines]

    assert (1, "id") in refused(copy, lines)
    copy.draft(Drafted(title="Next", kind=AgreementKind.OTHER, reference="IACHR-NEXT-2031"), "x")
    copy.draft(KEYED, "api client", idempotency=Idempotency("a later retry", "b" * 64))


def test_an_id_used_by_two_kinds_of_stream_is_refused(source: Tracker, copy: Tracker) -> None:
    """The receipt comes first in the file: the reminder's lines are the ones refused."""
    lines = export_lines(source)
    receipt = index(lines, lambda e: e["stream"] == "receipt")
    reminder_id = events(lines)[index(lines, lambda e: e["stream"] == "reminder")]["id"]
    lines[receipt] = edit(lines[receipt], id=reminder_id)
    reminder_lines = [n + 1 for n, e in enumerate(events(lines)) if e["stream"] == "reminder"]
    of_that_reminder = [n for n in reminder_lines if reminder_id in lines[n - 1]]

    assert receipt + 1 < of_that_reminder[0]
    assert refused(copy, lines) == [(n, "id") for n in of_that_reminder]


def test_an_id_the_store_holds_as_another_kind_is_refused(source: Tracker, copy: Tracker) -> None:
    lines = export_lines(source)
    claim = index(lines, lambda e: e["stream"] == "reference")
    claim_id = UUID(events(lines)[claim]["id"])
    copy.save(Receipt.issue("unrelated", "c" * 64, uuid.uuid4(), 1))
    position = copy.recorder.max_notification_id()
    receipt = index(lines, lambda e: e["stream"] == "receipt")
    stored_receipt = Receipt.id_for("unrelated")
    lines[claim] = lines[claim].replace(str(claim_id), str(stored_receipt))

    with pytest.raises(ImportRefused) as refusal:
        import_events(copy, lines)

    assert (claim + 1, "id") in [(p.line, p.field) for p in refusal.value.problems]
    assert receipt != claim
    assert copy.recorder.max_notification_id() == position


def test_a_reminder_whose_id_is_not_its_own_is_refused(source: Tracker, copy: Tracker) -> None:
    lines = export_lines(source)
    issued = index(lines, lambda e: e["type"] == "reminder_issued")
    lines[issued] = edit(lines[issued], data_stage="lead-1")

    assert refused(copy, lines) == [(issued + 1, "id")]


def test_a_reminder_of_an_agreement_that_exists_nowhere_is_refused(
    source: Tracker, copy: Tracker
) -> None:
    lines = export_lines(source)
    issued = index(lines, lambda e: e["type"] == "reminder_issued")
    agreement_id = events(lines)[issued]["data"]["agreement_id"]
    claim = '"stream": "reference"'
    kept = [line for line in lines if f'"id": "{agreement_id}"' not in line]
    kept = [line for line in kept if claim not in line or agreement_id not in line]
    first = index(kept, lambda e: e["type"] == "reminder_issued" and agreement_id in str(e))

    problems = refused(copy, kept)

    assert (first + 1, "data.agreement_id") in problems


def test_a_second_acknowledgement_is_refused(source: Tracker, copy: Tracker) -> None:
    lines = export_lines(source)
    acknowledged = index(lines, lambda e: e["type"] == "reminder_acknowledged")
    again = edit(lines[acknowledged], version=events(lines)[acknowledged]["version"] + 1)
    lines.insert(acknowledged + 1, again)

    assert refused(copy, lines) == [(acknowledged + 2, "type")]


def test_a_claim_for_an_agreement_with_another_reference_is_refused(
    source: Tracker, copy: Tracker
) -> None:
    lines = export_lines(source)
    claims = [n for n, e in enumerate(events(lines)) if e["stream"] == "reference"]
    first, second = events(lines)[claims[0]], events(lines)[claims[1]]
    lines[claims[0]] = edit(
        lines[claims[0]],
        data_agreement_id=second["data"]["agreement_id"],
    )

    problems = refused(copy, lines)

    assert (claims[0] + 1, "data.reference") in problems
    assert first["data"]["reference"] != second["data"]["reference"]


def test_a_receipt_for_a_version_not_recorded_is_refused(source: Tracker, copy: Tracker) -> None:
    lines = export_lines(source)
    receipt = index(lines, lambda e: e["stream"] == "receipt")
    lines[receipt] = edit(lines[receipt], data_agreement_version=99)

    assert refused(copy, lines) == [(receipt + 1, "data.agreement_version")]


def test_a_reference_used_by_another_agreement_is_refused(source: Tracker, copy: Tracker) -> None:
    copy.draft(Drafted(reference="IACHR-DPP-2017", title="Other", kind=AgreementKind.OTHER), "x")
    position = copy.recorder.max_notification_id()

    with pytest.raises(ImportRefused) as refusal:
        import_events(copy, export_lines(source))

    [problem] = refusal.value.problems
    assert problem.field == "data.agreement_id"
    assert "of this reference in the store" in problem.message
    assert copy.recorder.max_notification_id() == position


def test_an_agreement_alone_gets_its_reference_claimed(source: Tracker, copy: Tracker) -> None:
    """A file of one agreement's lines, one of them in an older schema version."""
    lines = export_lines(source)
    ayotzinapa = source.agreement_for_reference("IACHR-MX-AYOTZINAPA-2014")
    mine = [line for line in lines if f'"id": "{ayotzinapa}"' in line]
    mine[1] = edit(mine[1], schema_version=1, data_signatories=["Emilio Álvarez Icaza"])

    report = import_events(copy, mine)

    assert report.created == {"agreement": 1, "reference": 1}
    assert ayotzinapa is not None
    assert copy.agreement_for_reference("IACHR-MX-AYOTZINAPA-2014") == ayotzinapa
    [signatory] = copy.state(ayotzinapa).signatories
    assert (signatory.name, signatory.party) == ("Emilio Álvarez Icaza", None)
    assert copy.state(ayotzinapa).attendees == source.state(ayotzinapa).attendees
    assert events(export_lines(copy))[1]["schema_version"] == 1


def test_a_bad_last_event_keeps_out_the_whole_file(source: Tracker, copy: Tracker) -> None:
    lines = export_lines(source)
    last = max(n for n, e in enumerate(events(lines)) if e["stream"] == "agreement")
    lines[last] = edit(lines[last], occurred_on="someday")

    assert refused(copy, lines) == [(last + 1, "occurred_on")]
