"""Digests are part of a backup: exported as `digest` lines, imported with their checks."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any
from uuid import uuid4

import pytest

from events.digests import Language
from projections.service import ReadModels
from tests.integration.cli_support import copy_url
from tests.integration.mail_support import Inbox, free_port
from tests.integration.reminders_support import read_models, signed_agreement, sweep_on
from tracker.application import Tracker
from tracker.clock import FixedClock
from tracker.delivery.digests import send_digests
from tracker.delivery.recipients import Everyone
from tracker.transfer import ImportRefused, import_events, write_export

__all__ = ["copy_url", "read_models"]


@pytest.fixture
def copy(copy_url: str) -> Iterator[Tracker]:
    app = Tracker.connect(copy_url, clock=FixedClock(datetime(2031, 1, 1, tzinfo=UTC)))
    yield app
    app.close()


def exported(tracker: Tracker) -> list[str]:
    out = io.StringIO()
    write_export(tracker, out)
    return out.getvalue().splitlines()


@pytest.fixture
def lines(tracker: Tracker, read_models: ReadModels, clock: FixedClock) -> list[str]:
    """A store with a digest that was prepared, claimed and failed (its server was down)."""
    signed_agreement(
        tracker, clock, title="Backed up", signed_on=date(2020, 1, 1), expires_on=date(2024, 6, 20)
    )
    sweep_on(tracker, read_models, clock, date(2024, 6, 1))
    mail = Inbox(port=free_port()).mail()
    report = send_digests(tracker, read_models, mail, [Everyone("a@example.org", Language.FR)])
    assert report.attempts == 1
    return exported(tracker)


def digest_lines(lines: list[str]) -> list[dict[str, Any]]:
    return [event for event in map(json.loads, lines) if event["stream"] == "digest"]


def test_a_digest_and_its_attempts_are_exported_and_imported_as_they_are(
    lines: list[str], copy: Tracker
) -> None:
    digests = digest_lines(lines)
    assert [(e["version"], e["type"]) for e in digests] == [
        (1, "digest_prepared"),
        (2, "digest_sending"),
        (3, "delivery_attempted"),
    ]
    assert list(digests[0]) == ["stream", "id", "version", "type", "schema_version", "data"]
    assert digests[0]["data"]["language"] == "fr"
    report = import_events(copy, lines)
    assert report.created["digest"] == 1
    assert exported(copy) == lines


def refusals(copy: Tracker, lines: list[str]) -> list[tuple[int, str, str]]:
    with pytest.raises(ImportRefused) as refusal:
        import_events(copy, lines)
    assert copy.recorder.max_notification_id() in (None, 0)
    return [(p.line, p.field, p.message) for p in refusal.value.problems]


def changed(lines: list[str], number: int, **data: Any) -> list[str]:
    event = json.loads(lines[number])
    event["data"].update(data)
    return [*lines[:number], json.dumps(event), *lines[number + 1 :]]


def test_a_digest_whose_id_is_not_its_recipients_and_periods_is_refused(
    lines: list[str], copy: Tracker
) -> None:
    first = next(n for n, line in enumerate(lines) if '"digest_prepared"' in line)
    ((line, field, message),) = refusals(copy, changed(lines, first, email="b@example.org"))
    assert (line, field) == (first + 1, "id")
    assert message.startswith("a digest's id is derived from its recipient and period")


def test_a_digest_of_a_reminder_that_exists_nowhere_is_refused(
    lines: list[str], copy: Tracker
) -> None:
    first = next(n for n, line in enumerate(lines) if '"digest_prepared"' in line)
    missing = uuid4()
    ((line, field, message),) = refusals(copy, changed(lines, first, reminders=[str(missing)]))
    assert (line, field) == (first + 1, "data.reminders")
    assert message == f"there is no reminder {missing} in the file or the store"


def test_a_digest_event_of_an_unknown_type_is_named(lines: list[str], copy: Tracker) -> None:
    last = max(n for n, line in enumerate(lines) if '"stream": "digest"' in line)
    event = json.loads(lines[last])
    event["type"] = "digest_opened"
    ((line, field, message),) = refusals(copy, [*lines[:last], json.dumps(event)])
    assert (line, field) == (last + 1, "type")
    assert "unknown digest event type 'digest_opened'" in message
