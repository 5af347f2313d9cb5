"""A poison event harms only its own agreement, in every read model, on both stores.

Each case: the other agreements stay listed, searchable and reminded of;
readiness lists the failure; a rebuild meets the same failure and ends where
catch-up did; once the cause is mended, a retry leaves the views equal to a
rebuild from zero.
"""

from __future__ import annotations

import json
import random
import re
import string
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

import pytest
from typer.testing import CliRunner

from events.base import EventBody
from events.cooperation import FollowUpScheduled
from events.drafting import AmendableTerms, Amended, Renewal
from events.lifecycle import Signed
from events.records import NoteAdded
from projections import service
from projections.agreements import AgreementsProjection
from projections.registry import PROJECTIONS
from projections.reminders import RemindersProjection
from projections.runner import ProjectionRunner
from projections.service import ReadModels, Retried
from projections.timeline import TimelineProjection
from tests.integration.poison_support import (
    Faults,
    FaultyDates,
    append_stored,
    append_unknown_kind,
    assert_equals_a_rebuild,
    assert_served,
    draft_unchecked,
    failures,
    ids_listed,
    others,
    readiness,
)
from tests.integration.projection_helpers import draft
from tracker.aggregate import Agreement
from tracker.application import Tracker
from tracker.cli import app


@pytest.fixture
def read_models(database_url: str) -> Iterator[ReadModels]:
    models = ReadModels.connect(database_url)
    yield models
    models.close()


def position_of(tracker: Tracker, agreement_id: UUID, version: int) -> int:
    """Where an agreement's event stands in the log."""
    log = tracker.recorder.select_notifications(1, 100_000)
    return next(
        n.id for n in log if n.originator_id == agreement_id and n.originator_version == version
    )


def dates(read_models: ReadModels, agreement_id: UUID) -> set[tuple[str, str]]:
    rows = read_models.db.fetch(
        "SELECT rule, due_on FROM view_dates WHERE agreement_id = ?", (str(agreement_id),)
    )
    return {(row["rule"], str(row["due_on"])) for row in rows}


def listed_state(read_models: ReadModels, agreement_id: UUID) -> dict[str, Any]:
    rows = read_models.db.fetch(
        "SELECT state FROM view_agreements WHERE id = ?", (str(agreement_id),)
    )
    assert len(rows) == 1
    state: dict[str, Any] = json.loads(read_models.db.codec.open_text(rows[0]["state"]))
    return state


def test_a_nul_in_a_title_parks_only_its_agreement_where_the_store_cannot_hold_it(
    tracker: Tracker, read_models: ReadModels
) -> None:
    served = others(tracker)
    poisoned = draft_unchecked(tracker, title="nul\x00here", occurred_on=date(2024, 3, 1))
    tracker.record(poisoned, NoteAdded(text="seen by the legal team"), "tester")
    later = draft(tracker, "Memorandum drafted afterwards")
    read_models.catch_up(tracker)
    assert str(later) in ids_listed(read_models, q="afterwards")
    drafted_at, noted_at = (position_of(tracker, poisoned, v) for v in (1, 2))
    status, body = readiness(tracker, read_models)
    if read_models.db.is_postgres:
        assert failures(read_models) == [
            ("agreements", drafted_at, str(poisoned), None),
            ("agreements", noted_at, str(poisoned), drafted_at),
        ]
        assert str(poisoned) not in ids_listed(read_models)
        assert status == 503
        assert body["status"] == "failing"
        assert body["failure_count"] == 1
        (failure,) = body["failures"]
        assert failure["projection"] == "agreements"
        assert failure["position"] == drafted_at
        assert failure["agreement_id"] == str(poisoned)
        assert failure["held_back"] == 1
        assert "NUL" in failure["error"]
        assert failure["message"].startswith(
            f"The agreements view could not process event {drafted_at} of agreement {poisoned}:"
        )
    else:
        assert failures(read_models) == []
        assert str(poisoned) in ids_listed(read_models, q="nul")
        assert status == 200
        assert body["status"] == "ready"
    assert_served(tracker, read_models, served)
    assert_equals_a_rebuild(tracker, read_models)

    mended = Amended(changes=AmendableTerms(title="nul here"))
    tracker.record(poisoned, mended, "tester")
    read_models.catch_up(tracker)
    expected = Retried(3, 0) if read_models.db.is_postgres else Retried(0, 0)
    assert read_models.retry(tracker) == expected
    assert failures(read_models) == []
    assert ids_listed(read_models, q="nul here") == {str(poisoned)}
    assert listed_state(read_models, poisoned)["version"] == 3
    assert readiness(tracker, read_models)[0] == 200
    assert_equals_a_rebuild(tracker, read_models)


@dataclass(frozen=True)
class Bound:
    draft: dict[str, Any]
    events: tuple[EventBody, ...]
    dates: set[tuple[str, str]]


BOUNDS = {
    # Drafted, signed and expiring in year 1 (before the catalog's bounds): the notice
    # deadline would fall before the first recordable day, and the sweep cannot record the
    # expiry, which it reports as this agreement's problem alone.
    "Year one": Bound(
        {
            "occurred_on": date(1, 1, 1),
            "expires_on": date(1, 1, 5),
            "renewal": Renewal(mode="automatic", notice_days=10, period_months=1200),
        },
        (Signed.model_construct(occurred_on=date(1, 1, 2)),),
        {("anniversary", "0001-01-02"), ("expiry", "0001-01-05")},
    ),
    "Distant horizon": Bound(
        {
            "occurred_on": date(2024, 1, 10),
            "expires_on": date(9999, 12, 31),
            "renewal": Renewal(mode="automatic", notice_days=10, period_months=12),
        },
        (
            Signed(occurred_on=date(2024, 1, 10)),
            FollowUpScheduled.model_construct(due_on=date(9999, 12, 31), description=""),
        ),
        {
            ("anniversary", "2024-01-10"),
            ("expiry", "9999-12-31"),
            ("follow_up", "9999-12-31"),
        },
    ),
}


@pytest.mark.parametrize("title", sorted(BOUNDS))
def test_dates_at_the_ends_of_the_calendar_are_projected_without_overflowing(
    tracker: Tracker, read_models: ReadModels, title: str
) -> None:
    bound = BOUNDS[title]
    served = others(tracker)
    agreement = draft_unchecked(tracker, title=title, **bound.draft)
    for event in bound.events:
        tracker.record(agreement, event, "tester")
    later = draft(tracker, "Memorandum drafted afterwards")
    read_models.catch_up(tracker)
    assert failures(read_models) == []
    assert dates(read_models, agreement) == bound.dates
    assert ids_listed(read_models, q=title) == {str(agreement)}
    assert str(later) in ids_listed(read_models)
    assert readiness(tracker, read_models)[0] == 200
    assert_served(tracker, read_models, served, poisoned=title)
    assert_equals_a_rebuild(tracker, read_models)


def test_a_projection_raising_on_one_event_parks_that_agreement_there_alone(
    tracker: Tracker, database_url: str
) -> None:
    faults = Faults()
    views = [AgreementsProjection(), TimelineProjection(), FaultyDates(faults)]
    read_models = ReadModels.connect(database_url, [*views, RemindersProjection()])
    try:
        served = others(tracker)
        struck = draft(tracker, "Struck", occurred_on=date(2024, 1, 5), expires_on=date(2026, 1, 5))
        tracker.record(struck, Signed(occurred_on=date(2024, 1, 5)), "tester")
        scheduled = tracker.record(struck, FollowUpScheduled(due_on=date(2024, 6, 5)), "tester")
        faults.events.add((struck, scheduled.version))
        tracker.record(struck, NoteAdded(text="after the fault"), "tester")
        runner = ProjectionRunner(tracker, read_models, interval=0.01)
        runner.start()
        try:
            assert read_models.wait_for(tracker, timeout=30)
        finally:
            runner.stop()
        assert runner.last_error is None
        failed_at, noted_at = (position_of(tracker, struck, v) for v in (3, 4))
        assert failures(read_models) == [
            ("dates", failed_at, str(struck), None),
            ("dates", noted_at, str(struck), failed_at),
        ]
        # Dates stop at the last event that worked; the other views have all four.
        assert dates(read_models, struck) == {
            ("anniversary", "2024-01-05"),
            ("expiry", "2026-01-05"),
        }
        assert listed_state(read_models, struck)["version"] == 4
        status, body = readiness(tracker, read_models)
        assert status == 503
        assert [(f["projection"], f["position"], f["held_back"]) for f in body["failures"]] == [
            ("dates", failed_at, 1)
        ]
        assert body["failures"][0]["error"] == "InjectedFault: injected fault"
        assert_served(tracker, read_models, served)
        assert_equals_a_rebuild(tracker, read_models)

        faults.armed = False
        assert read_models.retry(tracker) == Retried(2, 0)
        assert ("follow_up", "2024-06-05") in dates(read_models, struck)
        assert readiness(tracker, read_models)[0] == 200
        assert_equals_a_rebuild(tracker, read_models)
    finally:
        read_models.close()


NOTE_CHARS = 20_000
"""The longest note the catalog accepts."""


def long_note(seed: int) -> NoteAdded:
    """A note as long as the catalog allows, of nine-letter words that do not repeat."""
    rng = random.Random(seed)
    words = ("".join(rng.choices(string.ascii_lowercase, k=9)) for _ in range(NOTE_CHARS // 10))
    return NoteAdded(text=" ".join(words))


def test_notes_past_what_postgresql_can_index_never_park_their_agreement(
    tracker: Tracker, read_models: ReadModels
) -> None:
    """Valid notes whose words together pass PostgreSQL's limit for a search document (1 MB)."""
    served = others(tracker)
    verbose = draft(tracker, "Agreement with long notes")
    for seed in range(60):
        tracker.record(verbose, long_note(seed), "tester")
    read_models.catch_up(tracker)
    assert failures(read_models) == []
    assert listed_state(read_models, verbose)["version"] == 61
    first_word = long_note(0).text.split()[0]
    assert ids_listed(read_models, q=first_word) == {str(verbose)}
    assert ids_listed(read_models, q="long notes") == {str(verbose)}
    assert readiness(tracker, read_models)[0] == 200
    assert_served(tracker, read_models, served)
    assert_equals_a_rebuild(tracker, read_models)


def test_an_event_of_a_kind_this_version_does_not_know_parks_only_its_agreement(
    tracker: Tracker, read_models: ReadModels
) -> None:
    served = others(tracker)
    newer = draft(tracker, "Agreement with a newer event", expires_on=date(2030, 1, 1))
    position = append_unknown_kind(tracker, newer)
    later = draft(tracker, "Memorandum drafted afterwards")
    read_models.catch_up(tracker)
    # The state views cannot fold it; the feed lists it as it lists every event.
    assert failures(read_models) == [
        ("agreements", position, str(newer), None),
        ("dates", position, str(newer), None),
    ]
    assert listed_state(read_models, newer)["version"] == 1
    feed = read_models.events_after(0, 1000).items
    assert [item["type"] for item in feed if item["position"] == position] == [
        "mediation_requested"
    ]
    assert str(later) in ids_listed(read_models)
    status, body = readiness(tracker, read_models)
    assert status == 503
    assert {f["projection"] for f in body["failures"]} == {"agreements", "dates"}
    assert all("mediation_requested" in f["error"] for f in body["failures"])
    assert_served(tracker, read_models, served)
    assert_equals_a_rebuild(tracker, read_models)
    assert read_models.retry(tracker) == Retried(2, 2)
    assert readiness(tracker, read_models)[0] == 503


def test_a_stored_event_that_cannot_be_decoded_parks_only_its_agreement(
    tracker: Tracker, read_models: ReadModels
) -> None:
    served = others(tracker)
    damaged = draft(tracker, "Agreement with a damaged event")
    position = append_stored(tracker, damaged, Agreement.Recorded.TOPIC, b'{"type": "note_')
    read_models.catch_up(tracker)
    assert failures(read_models) == [
        (name, position, str(damaged), None)
        for name in ("agreements", "changes", "dates", "timeline")
    ]
    assert listed_state(read_models, damaged)["version"] == 1
    assert readiness(tracker, read_models)[0] == 503
    assert_served(tracker, read_models, served)
    assert_equals_a_rebuild(tracker, read_models)


def test_the_command_line_lists_failures_and_retries_them(
    tracker: Tracker, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    faults = Faults()
    registered = [FaultyDates(faults) if p.name == "dates" else p for p in PROJECTIONS]
    monkeypatch.setattr(service, "PROJECTIONS", registered)
    struck = draft(tracker, "Struck", reference="IACHR-STRUCK-1", expires_on=date(2026, 1, 5))
    signed = tracker.record(struck, Signed(occurred_on=date(2024, 1, 5)), "tester")
    faults.events.add((struck, signed.version))
    signed_at = position_of(tracker, struck, signed.version)
    cli = CliRunner()
    env = {"TRACKER_DATABASE_URL": database_url}

    rebuilt = cli.invoke(app, ["projections", "rebuild"], env=env)
    assert rebuilt.exit_code == 0, rebuilt.output
    sentence = (
        f"The dates view could not process event {signed_at} of agreement IACHR-STRUCK-1:"
        " InjectedFault: injected fault."
    )
    assert "1 event could not be projected" in rebuilt.stdout
    assert sentence in rebuilt.stdout
    status = cli.invoke(app, ["projections", "status"], env=env)
    assert status.exit_code == 0, status.output
    lines = status.stdout.splitlines()
    shown = len(PROJECTIONS)
    assert [line.split()[0] for line in lines[1 : 1 + shown]] == [p.name for p in PROJECTIONS]
    assert lines[1 + shown].startswith("1 event could not be projected")
    assert re.fullmatch(
        rf"  {re.escape(sentence)} \(\d{{4}}-\d\d-\d\d \d\d:\d\d UTC\)", lines[2 + shown]
    )

    refused = cli.invoke(app, ["projections", "retry"], env=env)
    assert refused.exit_code == 1
    assert "retried 1 event: 0 projected, 1 still not" in refused.stdout
    assert refused.stderr.splitlines()[1:] == ["error: 1 event still cannot be projected"]

    faults.armed = False
    retried = cli.invoke(app, ["projections", "retry"], env=env)
    assert retried.exit_code == 0, retried.output
    assert retried.stdout == "retried 1 event: 1 projected, 0 still not\n"
    status = cli.invoke(app, ["projections", "status"], env=env)
    assert len(status.stdout.splitlines()) == 1 + len(PROJECTIONS)
