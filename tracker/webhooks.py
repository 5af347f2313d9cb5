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
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import httpx
from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from events.base import printable
from events.reminders import DeliveryAttempted
from tracker.application import Tracker
from tracker.errors import DomainError, explain
from tracker.reminders.aggregate import Reminder
from tracker.state import display_name

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


@dataclass
class Deliveries:
    """What one delivery run did: the attempts made, and the reminders it could not post."""

    attempts: int = 0
    problems: list[str] = field(default_factory=list)


def deliver(
    tracker: Tracker, reminder_ids: Iterable[UUID], policy: WebhookPolicy, now: datetime
) -> Deliveries:
    """Post each reminder to every URL it is due at.

    A URL that fails is not tried again in the same run, so a receiver that is
    down costs one timeout per run, not one per reminder. A reminder that
    cannot be delivered (it cannot be read, say) is reported and skipped;
    the others are delivered.
    """
    failing: set[str] = set()
    done = Deliveries()
    for reminder_id in reminder_ids:
        name = f"reminder {reminder_id}"
        try:
            reminder = _reminder(tracker, reminder_id)
            issued = reminder.issued
            agreement = display_name(issued.title, issued.reference)
            name = f"the {issued.rule.value} reminder of {agreement}"
            _deliver_one(tracker, reminder, policy, now, failing, done)
        except Exception as error:
            done.problems.append(f"cannot deliver {name}: {explain(error)}")
            log.exception("cannot deliver %s", name)
    return done


def _reminder(tracker: Tracker, reminder_id: UUID) -> Reminder:
    try:
        reminder: Any = tracker.repository.get(reminder_id)
    except AggregateNotFoundError:
        reminder = None
    if not isinstance(reminder, Reminder):
        raise DomainError("the store holds no such reminder")
    return reminder


def _deliver_one(
    tracker: Tracker,
    reminder: Reminder,
    policy: WebhookPolicy,
    now: datetime,
    failing: set[str],
    done: Deliveries,
) -> None:
    urls = [u for u in pending_urls(reminder, policy, now) if u not in failing]
    if not urls:
        return
    body = payload(reminder.id, reminder)
    for url in urls:
        outcome = post(url, body, policy.secret, policy.timeout_seconds)
        attempt = 1 + sum(1 for a in reminder.attempts if a.url == url)
        reminder.record_attempt(
            DeliveryAttempted(
                url=url,
                attempt=attempt,
                ok=outcome.ok,
                status=outcome.status,
                error=printable(outcome.error) if outcome.error else None,
                at=now,
            )
        )
        done.attempts += 1
        if not outcome.ok:
            failing.add(url)
            log.warning("webhook %s failed for reminder %s: %s", url, reminder.id, outcome)
    try:
        tracker.save(reminder)
    except IntegrityError:
        log.info("reminder %s was delivered by another process meanwhile", reminder.id)
