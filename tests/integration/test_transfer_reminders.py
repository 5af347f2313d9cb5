"""Reminders in a backup: resolved ones and ones stored in the first shape survive the round
trip as stored; a reminder closed twice is refused."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from events.cooperation import FollowUpScheduled
from events.lifecycle import Terminated
from events.reminders import ReminderRule
from projections.reminders import ReminderQuery, list_reminders
from projections.service import ReadModels
from tests.integration.cli_support import copy_url
from tests.integration.reminders_support import (
    at,
    cooperation,
    read_models,
    store_v1_reminder,
    sweep_on,
)
from tests.integration.test_transfer import copy, export_lines
from tracker.application import Tracker
from tracker.clock import FixedClock
from tracker.transfer import ImportRefused, import_events

__all__ = ["copy", "copy_url", "read_models"]


@pytest.fixture
def source(tracker: Tracker, read_models: ReadModels, clock: FixedClock) -> Tracker:
    """A follow-up reminder of the first shape and an expiry reminder, both resolved."""
    agreement = cooperation(
        tracker,
        clock,
        expires_on=date(2024, 7, 15),
        events=(FollowUpScheduled(occurred_on=date(2024, 1, 5), due_on=date(2024, 6, 20)),),
    )
    (follow_up,) = tracker.state(agreement).follow_ups
    store_v1_reminder(
        tracker,
        agreement,
        ReminderRule.FOLLOW_UP,
        date(2024, 6, 20),
        "lead-14",
        date(2024, 6, 6),
        key=str(follow_up.id),
    )
    sweep_on(tracker, read_models, clock, date(2024, 6, 15))
    at(clock, date(2024, 6, 16))
    tracker.record(agreement, Terminated(reason="by mutual consent"), "clerk")
    assert len(sweep_on(tracker, read_models, clock, date(2024, 6, 17)).resolved) == 2
    return tracker


def reminder_lines(lines: list[str]) -> list[dict[str, Any]]:
    return [event for event in map(json.loads, lines) if event["stream"] == "reminder"]


def test_resolved_reminders_of_either_shape_come_back_as_they_were(
    source: Tracker, copy: Tracker, copy_url: str
) -> None:
    lines = export_lines(source)
    assert sorted((e["type"], e["schema_version"]) for e in reminder_lines(lines)) == [
        ("reminder_issued", 1),
        ("reminder_issued", 2),
        ("reminder_resolved", 1),
        ("reminder_resolved", 1),
    ]
    resolved = next(e for e in reminder_lines(lines) if e["type"] == "reminder_resolved")
    assert resolved["data"] == {
        "cause": "agreement_ended",
        "reason": "the agreement was terminated on 2024-06-16",
        "at": "2024-06-17T09:30:00Z",
    }
    import_events(copy, lines)
    assert export_lines(copy) == lines
    views = ReadModels.connect(copy_url)
    try:
        views.catch_up(copy)
        listed = list_reminders(views.db, ReminderQuery())
    finally:
        views.close()
    assert sorted((row.subject, row.status) for row in listed) == [
        ("expiry of Cooperation", "resolved"),
        ("follow-up of Cooperation", "resolved"),
    ]


def test_a_reminder_closed_twice_is_refused(source: Tracker, copy: Tracker) -> None:
    lines = export_lines(source)
    events = [json.loads(line) for line in lines]
    where = next(n for n, e in enumerate(events) if e["type"] == "reminder_resolved")
    again = {
        **events[where],
        "type": "reminder_acknowledged",
        "version": events[where]["version"] + 1,
        "data": {"by": "ana", "at": "2024-06-18T10:00:00Z"},
    }
    lines.insert(where + 1, json.dumps(again))
    with pytest.raises(ImportRefused) as refusal:
        import_events(copy, lines)
    assert [(p.line, p.field) for p in refusal.value.problems] == [(where + 2, "type")]
    assert "a reminder is closed once (acknowledged or resolved)" in refusal.value.message
    assert copy.recorder.max_notification_id() in (None, 0)
