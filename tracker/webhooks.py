"""Posting issued reminders to webhooks: signed, retried with backoff, every attempt recorded.

Each configured URL receives each reminder as JSON. The body is signed with
HMAC-SHA256 under `TRACKER_WEBHOOK_SECRET`; the header
`X-Tracker-Signature: sha256=<hex>` lets the receiver check it (`verify`).
Delivery is at least once: a receiver may see a reminder twice (after a
timeout, say) and de-duplicates on the reminder `id` in the payload.

Every attempt, failed or not, is an event of the reminder, so its failures are
visible in `GET /api/reminders/{id}`. A failed attempt is retried after
`backoff_seconds * 2**(attempt-1)`, up to `max_attempts`; the retries are made
by the next sweep whose clock has reached that moment, never by sleeping.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import httpx
from eventsourcing.persistence import IntegrityError

from events.reminders import DeliveryAttempted
from tracker.application import Tracker
from tracker.reminders.aggregate import Reminder

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Tracker-Signature"


@dataclass(frozen=True)
class WebhookPolicy:
    urls: tuple[str, ...] = ()
    secret: str = ""
    max_attempts: int = 6
    backoff_seconds: int = 60
    timeout_seconds: float = 5.0

    def retry_at(self, last: DeliveryAttempted) -> datetime | None:
        """When to try again after `last`, or None when there is nothing more to do."""
        if last.ok or last.attempt >= self.max_attempts:
            return None
        return last.at + timedelta(seconds=self.backoff_seconds * 2 ** (last.attempt - 1))


def payload(reminder_id: UUID, reminder: Reminder) -> bytes:
    """The JSON a receiver gets: the reminder as issued, with its id for de-duplication."""
    issued = reminder.issued.model_dump(mode="json", exclude={"type"})
    return json.dumps({"id": str(reminder_id), **issued}, sort_keys=True).encode()


def signature(body: bytes, secret: str) -> str:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify(body: bytes, secret: str, header: str | None) -> bool:
    """What a receiver does: recompute the signature over the raw body, compare in constant time."""
    return header is not None and hmac.compare_digest(signature(body, secret), header)


@dataclass(frozen=True)
class Outcome:
    ok: bool
    status: int | None = None
    error: str | None = None


def post(url: str, body: bytes, secret: str, timeout: float) -> Outcome:
    headers = {"Content-Type": "application/json", SIGNATURE_HEADER: signature(body, secret)}
    try:
        response = httpx.post(url, content=body, headers=headers, timeout=timeout)
    except httpx.HTTPError as error:
        return Outcome(ok=False, error=f"{type(error).__name__}: {error}"[:2000])
    if response.is_success:
        return Outcome(ok=True, status=response.status_code)
    return Outcome(ok=False, status=response.status_code, error=response.reason_phrase[:2000])


def pending_urls(reminder: Reminder, policy: WebhookPolicy, now: datetime) -> list[str]:
    """The configured URLs this reminder should be posted to now."""
    due: list[str] = []
    for url in policy.urls:
        attempts = [a for a in reminder.attempts if a.url == url]
        if not attempts:
            due.append(url)
            continue
        retry_at = policy.retry_at(attempts[-1])
        if retry_at is not None and retry_at <= now:
            due.append(url)
    return due


def deliver(
    tracker: Tracker, reminder_ids: Iterable[UUID], policy: WebhookPolicy, now: datetime
) -> int:
    """Post each reminder to every URL it is due at; returns how many attempts were made.

    A URL that fails is not tried again in the same run, so a receiver that is
    down costs one timeout per run, not one per reminder.
    """
    failing: set[str] = set()
    made = 0
    for reminder_id in reminder_ids:
        reminder: Any = tracker.repository.get(reminder_id)
        assert isinstance(reminder, Reminder)
        urls = [u for u in pending_urls(reminder, policy, now) if u not in failing]
        if not urls:
            continue
        body = payload(reminder_id, reminder)
        for url in urls:
            outcome = post(url, body, policy.secret, policy.timeout_seconds)
            attempt = 1 + sum(1 for a in reminder.attempts if a.url == url)
            reminder.record_attempt(
                DeliveryAttempted(
                    url=url,
                    attempt=attempt,
                    ok=outcome.ok,
                    status=outcome.status,
                    error=outcome.error,
                    at=now,
                )
            )
            made += 1
            if not outcome.ok:
                failing.add(url)
                log.warning("webhook %s failed for reminder %s: %s", url, reminder_id, outcome)
        try:
            tracker.save(reminder)
        except IntegrityError:
            log.info("reminder %s was delivered by another process meanwhile", reminder_id)
    return made
