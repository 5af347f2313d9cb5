"""The calendar feed with dates at the bounds and bad data: one bad date harms only itself."""

from __future__ import annotations

import logging
import re
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient
from icalendar import Calendar

from events.reminders import ReminderRule
from tests.integration.reminders_support import client, read_models, signed_agreement
from tests.integration.unchecked import store_unchecked
from tracker.application import Tracker
from tracker.clock import FixedClock
from tracker.reminders.calendar import build_calendar
from tracker.reminders.rules import DateRow

__all__ = ["client", "read_models"]

CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def summaries(body: bytes) -> dict[str, Any]:
    parsed = Calendar.from_ical(body)
    return {str(event["SUMMARY"]): event for event in parsed.walk("VEVENT")}


def test_a_follow_up_in_year_9999_is_refused_naming_the_field(
    client: TestClient, tracker: Tracker, clock: FixedClock
) -> None:
    agreement = signed_agreement(tracker, clock, title="Far", signed_on=date(2024, 1, 10))
    response = client.post(
        f"/api/agreements/{agreement}/events",
        json={"type": "follow_up_scheduled", "due_on": "9999-12-31"},
    )
    assert response.status_code == 422
    assert response.json()["error"]["details"] == [
        {"field": "body.due_on", "message": "must lie between 1900-01-01 and 2199-12-31"}
    ]


def test_every_subscriber_gets_the_feed_whatever_dates_the_store_holds(
    client: TestClient, tracker: Tracker, clock: FixedClock
) -> None:
    signed_agreement(tracker, clock, title="Ordinary", signed_on=date(2020, 6, 10))
    last = signed_agreement(tracker, clock, title="Last day", signed_on=date(2024, 1, 10))
    client.post(
        f"/api/agreements/{last}/events",
        json={"type": "follow_up_scheduled", "occurred_on": "2024-01-10", "due_on": "2199-12-31"},
    ).raise_for_status()
    store_unchecked(  # recorded before the bounds existed
        tracker,
        date(2020, 1, 1),
        {"title": "Year 9999\x0b\x0c\x1b[0m", "reference": "OLD\x1f-1", "kind": "other"},
        ("signed", date(2020, 1, 1), {"signatories": []}),
        ("follow_up_scheduled", date(2020, 1, 1), {"due_on": "9999-12-31", "description": ""}),
    )
    response = client.get("/api/calendar.ics")
    assert response.status_code == 200, response.text
    assert CONTROL_BYTES.search(response.content) is None
    events = summaries(response.content)
    assert set(events) == {
        "Anniversary of the signature: Ordinary",
        "Anniversary of the signature: Last day",
        "Follow-up due: Last day",
        "Anniversary of the signature: Year 9999   [0m (OLD -1)",
        "Follow-up due: Year 9999   [0m (OLD -1)",
    }
    far = events["Follow-up due: Year 9999   [0m (OLD -1)"]
    assert far.decoded("DTSTART") == date(9999, 12, 31)
    assert "DTEND" not in far
    assert "DTEND" not in events["Follow-up due: Last day"]


def test_a_date_that_cannot_be_drawn_is_left_out_and_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    agreement = UUID("00000000-0000-0000-0000-0000000000c1")
    damaged: Any = None  # a read model row without a title
    rows = [
        DateRow(agreement, ReminderRule.EXPIRY, date(2025, 1, 1), title="Before"),
        DateRow(agreement, ReminderRule.FOLLOW_UP, date(2025, 2, 1), title=damaged),
        DateRow(agreement, ReminderRule.EXPIRY, date(2025, 3, 1), title="After", key="x"),
    ]
    with caplog.at_level(logging.ERROR, logger="tracker.reminders.calendar"):
        body = build_calendar(rows, datetime(2024, 6, 1, tzinfo=UTC))
    assert set(summaries(body)) == {"Expiry: Before", "Expiry: After"}
    (logged,) = caplog.records
    assert logged.getMessage() == "the calendar leaves out the follow_up date of None (None)"
