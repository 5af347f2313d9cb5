"""The reminder endpoints over HTTP: the feed, one reminder, acknowledging, the calendar."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from icalendar import Calendar

from projections.service import ReadModels
from tests.integration.reminders_support import (
    PORTFOLIO_DAY,
    at,
    client,
    portfolio,
    read_models,
    receivers,
    signed_agreement,
    sweep_on,
)
from tracker.application import Tracker
from tracker.clock import FixedClock
from tracker.settings import Settings
from tracker.sweep import sweep
from tracker.webhooks import WebhookPolicy

__all__ = ["client", "read_models", "receivers"]

ITEM_FIELDS = {"id", "agreement_id", "rule", "due_on", "issued_at", "status", "message"}


def reminders(client: TestClient, **query: str) -> list[dict[str, Any]]:
    response = client.get("/api/reminders", params=query)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def test_the_feed_and_its_filters(
    client: TestClient, tracker: Tracker, read_models: ReadModels, clock: FixedClock
) -> None:
    portfolio(tracker, clock)
    sweep_on(tracker, read_models, clock, PORTFOLIO_DAY)
    items = reminders(client)
    assert len(items) == 6
    assert all(set(item) >= ITEM_FIELDS for item in items)
    assert {item["status"] for item in items} == {"open"}
    assert [item["due_on"] for item in items] == sorted(item["due_on"] for item in items)
    assert {item["rule"] for item in reminders(client, rule="follow_up")} == {"follow_up"}
    assert len(reminders(client, rule="follow_up")) == 2
    assert {item["due_on"] for item in reminders(client, due_before="2024-06-11")} == {
        "2024-05-20",
        "2024-06-10",
    }
    assert len(reminders(client, due_before="2024-06-11")) == 4
    one = items[0]["agreement_id"]
    assert {item["agreement_id"] for item in reminders(client, agreement_id=one)} == {one}
    assert reminders(client, status="acknowledged") == []


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"status": "closed"}, "query.status"),
        ({"due_before": "June"}, "query.due_before"),
        ({"agreement_id": "42"}, "query.agreement_id"),
        ({"rule": "birthday"}, "query.rule"),
    ],
)
def test_bad_filters_are_422_naming_the_field(
    client: TestClient, query: dict[str, str], field: str
) -> None:
    response = client.get("/api/reminders", params=query)
    assert response.status_code == 422
    assert field in {d["field"] for d in response.json()["error"]["details"]}


def test_acknowledge_records_who_and_a_second_time_keeps_the_first(
    client: TestClient, tracker: Tracker, read_models: ReadModels, clock: FixedClock
) -> None:
    portfolio(tracker, clock)
    sweep_on(tracker, read_models, clock, PORTFOLIO_DAY)
    reminder_id = reminders(client, rule="notice_deadline")[0]["id"]
    clock.advance(timedelta(hours=1))
    first = client.post(f"/api/reminders/{reminder_id}/acknowledge", headers={"X-Actor": "ana"})
    assert first.status_code == 200, first.text
    assert (first.json()["status"], first.json()["acknowledged_by"]) == ("acknowledged", "ana")
    assert first.json()["acknowledged_at"] == "2024-06-01T10:30:00Z"
    second = client.post(f"/api/reminders/{reminder_id}/acknowledge", headers={"X-Actor": "bob"})
    assert second.status_code == 200
    assert second.json()["acknowledged_by"] == "ana"
    assert [i["id"] for i in reminders(client, status="acknowledged")] == [reminder_id]
    assert reminder_id not in {i["id"] for i in reminders(client, status="open")}
    assert len(reminders(client, status="open")) == 5


def test_an_unknown_reminder_is_404_and_a_bad_id_422(client: TestClient) -> None:
    missing = client.get("/api/reminders/00000000-0000-0000-0000-000000000000")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "reminder_not_found"
    acknowledge = client.post("/api/reminders/00000000-0000-0000-0000-000000000000/acknowledge")
    assert acknowledge.status_code == 404
    assert client.get("/api/reminders/not-a-uuid").status_code == 422


def test_one_reminder_shows_its_failed_and_retried_deliveries(
    client: TestClient,
    tracker: Tracker,
    read_models: ReadModels,
    clock: FixedClock,
    receivers: Any,
) -> None:
    receiver = receivers(500, 200)
    settings = Settings(
        webhooks=WebhookPolicy(urls=(receiver.url,), secrets=("s",), backoff_seconds=30)
    )
    signed_agreement(
        tracker, clock, title="Hooked", signed_on=date(2020, 1, 1), expires_on=date(2024, 6, 20)
    )
    (reminder_id,) = sweep_on(tracker, read_models, clock, PORTFOLIO_DAY, settings).issued
    clock.advance(timedelta(seconds=30))
    sweep(tracker, read_models, settings, PORTFOLIO_DAY)
    response = client.get(f"/api/reminders/{reminder_id}")
    assert response.status_code == 200
    body = response.json()
    assert (body["rule"], body["due_on"], body["status"]) == ("expiry", "2024-06-20", "open")
    assert [(a["attempt"], a["ok"], a["status"]) for a in body["delivery_attempts"]] == [
        (1, False, 500),
        (2, True, 200),
    ]
    assert body["delivery_attempts"][0]["at"] == "2024-06-01T09:30:00Z"
    assert body["delivery_attempts"][1]["at"] == "2024-06-01T09:30:30Z"


def test_the_calendar_feed_is_text_calendar_and_parses(
    client: TestClient, tracker: Tracker, clock: FixedClock
) -> None:
    agreement = signed_agreement(
        tracker, clock, title="Dated", signed_on=date(2020, 1, 1), expires_on=date(2025, 1, 1)
    )
    at(clock, date(2024, 6, 1))
    response = client.get("/api/calendar.ics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    assert {str(event["UID"]) for event in calendar.walk("VEVENT")} == {
        f"{agreement}.anniversary.-@agreement-tracker",
        f"{agreement}.expiry.-@agreement-tracker",
    }
