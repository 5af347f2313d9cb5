"""Webhooks: a real HTTP receiver on 127.0.0.1 gets signed reminders, and failures are retried."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from projections.service import ReadModels
from tests.integration.reminders_support import (
    read_models,
    receivers,
    signed_agreement,
    sweep_on,
)
from tracker.application import Tracker
from tracker.clock import FixedClock
from tracker.reminders.aggregate import Reminder
from tracker.settings import Settings
from tracker.sweep import SweepReport, sweep
from tracker.webhooks import WebhookPolicy, verify

__all__ = ["read_models", "receivers"]

SECRET = "correct horse battery staple"
DAY = date(2024, 6, 1)


def settings_for(*urls: str, max_attempts: int = 4) -> Settings:
    policy = WebhookPolicy(
        urls=urls, secret=SECRET, max_attempts=max_attempts, backoff_seconds=60, timeout_seconds=5
    )
    return Settings(webhooks=policy)


def one_reminder_due(tracker: Tracker, clock: FixedClock) -> None:
    signed_agreement(
        tracker, clock, title="Hooked", signed_on=date(2020, 1, 1), expires_on=date(2024, 6, 20)
    )


def attempts(tracker: Tracker, report_or_id: Any) -> list[tuple[str, int, bool, int | None]]:
    reminder: Any = tracker.repository.get(report_or_id)
    assert isinstance(reminder, Reminder)
    return [(a.url, a.attempt, a.ok, a.status) for a in reminder.attempts]


def again(
    tracker: Tracker, read_models: ReadModels, clock: FixedClock, settings: Settings, after: int
) -> SweepReport:
    """Another sweep on the same day, `after` seconds later by the clock."""
    clock.advance(timedelta(seconds=after))
    return sweep(tracker, read_models, settings, DAY)


def test_a_reminder_is_posted_signed_with_its_id(
    tracker: Tracker, read_models: ReadModels, clock: FixedClock, receivers: Any
) -> None:
    receiver = receivers(200)
    one_reminder_due(tracker, clock)
    report = sweep_on(tracker, read_models, clock, DAY, settings_for(receiver.url))
    (reminder_id,) = report.issued
    assert report.deliveries == 1
    (body, header) = receiver.received[0]
    expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert header == expected
    assert verify(body, SECRET, header)
    assert not verify(body.replace(b"Hooked", b"Hacked"), SECRET, header)
    posted = json.loads(body)
    assert posted["id"] == str(reminder_id)
    assert (posted["rule"], posted["due_on"], posted["stage"]) == (
        "expiry",
        "2024-06-20",
        "lead-30",
    )
    assert (posted["subject"], posted["message"]) == (
        "expiry of Hooked",
        "Hooked expires on 2024-06-20.",
    )
    assert attempts(tracker, reminder_id) == [(receiver.url, 1, True, 200)]
    assert again(tracker, read_models, clock, settings_for(receiver.url), 3600).deliveries == 0
    assert len(receiver.received) == 1


def test_a_failing_receiver_is_retried_with_backoff_until_it_accepts(
    tracker: Tracker, read_models: ReadModels, clock: FixedClock, receivers: Any
) -> None:
    receiver = receivers(500, 500, 200)
    settings = settings_for(receiver.url)
    one_reminder_due(tracker, clock)
    (reminder_id,) = sweep_on(tracker, read_models, clock, DAY, settings).issued
    assert attempts(tracker, reminder_id) == [(receiver.url, 1, False, 500)]
    assert again(tracker, read_models, clock, settings, 59).deliveries == 0
    assert again(tracker, read_models, clock, settings, 1).deliveries == 1
    assert again(tracker, read_models, clock, settings, 119).deliveries == 0
    assert again(tracker, read_models, clock, settings, 1).deliveries == 1
    assert again(tracker, read_models, clock, settings, 86_400).deliveries == 0
    assert attempts(tracker, reminder_id) == [
        (receiver.url, 1, False, 500),
        (receiver.url, 2, False, 500),
        (receiver.url, 3, True, 200),
    ]
    bodies = {body for body, _ in receiver.received}
    assert len(receiver.received) == 3 and len(bodies) == 1
    assert all(verify(body, SECRET, header) for body, header in receiver.received)


def test_delivery_gives_up_after_the_last_attempt_and_shows_every_failure(
    tracker: Tracker, read_models: ReadModels, clock: FixedClock, receivers: Any
) -> None:
    receiver = receivers(503)
    settings = settings_for(receiver.url, max_attempts=3)
    one_reminder_due(tracker, clock)
    (reminder_id,) = sweep_on(tracker, read_models, clock, DAY, settings).issued
    for _ in range(6):
        again(tracker, read_models, clock, settings, 3600)
    assert attempts(tracker, reminder_id) == [
        (receiver.url, 1, False, 503),
        (receiver.url, 2, False, 503),
        (receiver.url, 3, False, 503),
    ]


def test_an_unreachable_receiver_is_an_attempt_with_an_error_and_others_still_receive(
    tracker: Tracker, read_models: ReadModels, clock: FixedClock, receivers: Any
) -> None:
    first, second = receivers(200), receivers(200)
    closed = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    closed_url = f"http://127.0.0.1:{closed.server_address[1]}/"
    closed.server_close()
    one_reminder_due(tracker, clock)
    settings = settings_for(closed_url, first.url, second.url)
    (reminder_id,) = sweep_on(tracker, read_models, clock, DAY, settings).issued
    reminder: Any = tracker.repository.get(reminder_id)
    by_url = {a.url: a for a in reminder.attempts}
    assert not by_url[closed_url].ok
    assert by_url[closed_url].status is None
    assert "ConnectError" in (by_url[closed_url].error or "")
    assert by_url[first.url].ok and by_url[second.url].ok
    assert len(first.received) == len(second.received) == 1
