"""Webhooks: a real HTTP receiver on 127.0.0.1 gets reminders signed to the Standard Webhooks
specification (checked with the `standardwebhooks` package's own verifier), retried on failure."""

from __future__ import annotations

import base64
import json
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

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
from tracker.settings import Settings, SettingsError
from tracker.sweep import SweepReport, sweep
from tracker.webhooks import InvalidWebhook, WebhookPolicy, secret_key, verify

__all__ = ["read_models", "receivers"]

SECRET = "whsec_" + base64.b64encode(b"correct horse battery staple").decode()
OLD_SECRET = "whsec_" + base64.b64encode(b"the secret before the rotation").decode()
DAY = date(2024, 6, 1)


def settings_for(
    *urls: str, max_attempts: int = 4, secrets: tuple[str, ...] = (SECRET,)
) -> Settings:
    policy = WebhookPolicy(
        urls=urls, secrets=secrets, max_attempts=max_attempts, backoff_seconds=60
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


def test_a_reminder_is_posted_to_the_standard_webhooks_specification(
    tracker: Tracker, read_models: ReadModels, clock: FixedClock, receivers: Any
) -> None:
    receiver = receivers(200)
    one_reminder_due(tracker, clock)
    report = sweep_on(tracker, read_models, clock, DAY, settings_for(receiver.url))
    (reminder_id,) = report.issued
    assert report.deliveries == 1
    (body, headers) = receiver.received[0]
    posted = Webhook(SECRET).verify(body, headers)
    assert headers["webhook-id"].startswith("msg_")
    assert headers["webhook-signature"].startswith("v1,")
    assert posted["type"] == "reminder.issued"
    assert posted["timestamp"] == "2024-06-01T09:30:00Z"
    data = posted["data"]
    assert data["id"] == str(reminder_id)
    assert (data["rule"], data["due_on"], data["stage"]) == ("expiry", "2024-06-20", "lead-30")
    assert (data["subject"], data["message"]) == (
        "expiry of Hooked",
        "Hooked expires on 2024-06-20.",
    )
    assert verify(body, headers, SECRET) == posted
    with pytest.raises(WebhookVerificationError):
        Webhook(SECRET).verify(body.replace(b"Hooked", b"Hacked"), headers)
    with pytest.raises(InvalidWebhook, match="no signature matches"):
        verify(body.replace(b"Hooked", b"Hacked"), headers, SECRET)
    assert attempts(tracker, reminder_id) == [(receiver.url, 1, True, 200)]
    assert again(tracker, read_models, clock, settings_for(receiver.url), 3600).deliveries == 0
    assert len(receiver.received) == 1


def test_during_a_rotation_each_post_is_signed_with_every_active_secret(
    tracker: Tracker, read_models: ReadModels, clock: FixedClock, receivers: Any
) -> None:
    receiver = receivers(200)
    one_reminder_due(tracker, clock)
    settings = settings_for(receiver.url, secrets=(SECRET, OLD_SECRET))
    sweep_on(tracker, read_models, clock, DAY, settings)
    (body, headers) = receiver.received[0]
    assert len(headers["webhook-signature"].split(" ")) == 2
    assert Webhook(SECRET).verify(body, headers) == Webhook(OLD_SECRET).verify(body, headers)
    assert verify(body, headers, [OLD_SECRET])["type"] == "reminder.issued"
    stranger = "whsec_" + base64.b64encode(b"someone else").decode()
    with pytest.raises(WebhookVerificationError):
        Webhook(stranger).verify(body, headers)


def test_a_plain_text_secret_is_the_key_as_its_utf8_bytes(
    tracker: Tracker, read_models: ReadModels, clock: FixedClock, receivers: Any
) -> None:
    receiver = receivers(200)
    one_reminder_due(tracker, clock)
    settings = Settings.from_env(
        {"TRACKER_WEBHOOK_URLS": receiver.url, "TRACKER_WEBHOOK_SECRET": "contraseña larga"}
    )
    sweep_on(tracker, read_models, clock, DAY, settings)
    (body, headers) = receiver.received[0]
    assert Webhook("contraseña larga".encode()).verify(body, headers)["type"] == "reminder.issued"
    assert verify(body, headers, "contraseña larga")["data"]["rule"] == "expiry"


def test_verify_refuses_a_replayed_or_unsigned_post() -> None:
    body = b'{"type": "reminder.issued"}'
    sent = datetime(2024, 6, 1, 9, 30, tzinfo=UTC)
    stamp = int(sent.timestamp())
    signer = Webhook(SECRET)
    headers = {
        "webhook-id": "msg_1",
        "webhook-timestamp": str(stamp),
        "webhook-signature": signer.sign("msg_1", sent, body.decode()),
    }
    assert verify(body, headers, SECRET, now=sent + timedelta(minutes=4))["type"]
    with pytest.raises(InvalidWebhook, match="away from now"):
        verify(body, headers, SECRET, now=sent + timedelta(minutes=6))
    with pytest.raises(InvalidWebhook, match="away from now"):
        verify(body, headers, SECRET, now=sent - timedelta(minutes=6))
    with pytest.raises(InvalidWebhook, match="lacks"):
        verify(body, {"webhook-id": "msg_1"}, SECRET, now=sent)
    with pytest.raises(InvalidWebhook, match="Unix seconds"):
        verify(body, {**headers, "webhook-timestamp": "yesterday"}, SECRET, now=sent)


def test_a_failing_receiver_is_retried_with_backoff_under_one_webhook_id(
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
    assert len(receiver.received) == 3
    assert len({body for body, _ in receiver.received}) == 1
    assert len({headers["webhook-id"] for _, headers in receiver.received}) == 1
    assert all(verify(body, headers, SECRET) for body, headers in receiver.received)


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
    assert json.loads(first.received[0][0]) == json.loads(second.received[0][0])
    assert first.received[0][1]["webhook-id"] != second.received[0][1]["webhook-id"]


@pytest.mark.parametrize(
    ("env", "error"),
    [
        ({"TRACKER_WEBHOOK_URLS": "http://127.0.0.1:9/"}, "TRACKER_WEBHOOK_SECRETS"),
        ({"TRACKER_WEBHOOK_SECRETS": "whsec_not base64!"}, "TRACKER_WEBHOOK_SECRETS: a whsec_"),
        ({"TRACKER_WEBHOOK_SECRET": "whsec_"}, "TRACKER_WEBHOOK_SECRET: a whsec_ secret holds"),
        ({"TRACKER_WEBHOOK_TIMEOUT_SECONDS": "0"}, "TRACKER_WEBHOOK_TIMEOUT_SECONDS must be"),
        ({"TRACKER_WEBHOOK_TIMEOUT_SECONDS": "soon"}, "TRACKER_WEBHOOK_TIMEOUT_SECONDS must be"),
    ],
)
def test_webhook_settings_name_what_is_wrong(env: dict[str, str], error: str) -> None:
    with pytest.raises(SettingsError, match=error):
        Settings.from_env(env)


def test_both_secret_variables_make_the_active_secrets_newest_first() -> None:
    settings = Settings.from_env(
        {
            "TRACKER_WEBHOOK_SECRETS": f"{SECRET}, {OLD_SECRET}",
            "TRACKER_WEBHOOK_SECRET": OLD_SECRET,
            "TRACKER_WEBHOOK_TIMEOUT_SECONDS": "2.5",
        }
    )
    assert settings.webhooks.secrets == (SECRET, OLD_SECRET)
    assert settings.webhooks.timeout_seconds == 2.5
    assert Settings.from_env({}).webhooks.timeout_seconds == 10
    unpadded = Settings.from_env({"TRACKER_WEBHOOK_SECRETS": "whsec_YWJjZA"}).webhooks
    assert secret_key(unpadded.secrets[0]) == b"abcd"
