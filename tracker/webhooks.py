"""Posting issued reminders to webhooks, to the Standard Webhooks specification.

Each configured URL receives each reminder as JSON,
`{"type": "reminder.issued", "timestamp": ..., "data": {...}}`, with three
headers: `webhook-id` (the same for every attempt of one reminder at one URL,
so a receiver de-duplicates on it), `webhook-timestamp` (Unix seconds, when
the attempt is made) and `webhook-signature` (`v1,<base64 HMAC-SHA256 of
"id.timestamp.body">`, one per active secret, space-separated, so a secret
can be rotated without losing a post). `verify` is what a receiver does.

A receiver cannot hold the sweep: each attempt has one deadline for
everything (connecting, sending, the answer's headers and body), not one per
read, and at most `RESPONSE_LIMIT` bytes of the answer are read, as they
arrived (identity encoding is asked for, and a compressed answer is never
decompressed). A `Retry-After` answer (seconds or an HTTP date) is when the
next attempt is made.

Every attempt, failed or not, is an event of the reminder, so its failures are
visible in `GET /api/reminders/{id}`. A failed attempt is retried after
`backoff_seconds * 2**(attempt-1)` (or the receiver's `Retry-After`), up to
`max_attempts`; the retries are made by the next sweep whose clock has
reached that moment, never by sleeping.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import hmac
import json
import logging
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

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

ID_HEADER = "webhook-id"
TIMESTAMP_HEADER = "webhook-timestamp"
SIGNATURE_HEADER = "webhook-signature"
EVENT_TYPE = "reminder.issued"
SECRET_PREFIX = "whsec_"
RESPONSE_LIMIT = 64 * 1024
"""Bytes of a receiver's answer read at most; the rest is never received."""
EXCERPT_CHARACTERS = 1000
"""Characters of the answer kept in the attempt's event."""
LONGEST_RETRY_AFTER = timedelta(days=30)
"""A receiver's Retry-After is honoured up to this far ahead."""
TOLERANCE = timedelta(minutes=5)


def secret_key(secret: str) -> bytes:
    """The HMAC key of a secret: `whsec_<base64>` is decoded; any other text is its UTF-8.

    Raises ValueError for a `whsec_` secret that is not base64 or is empty.
    """
    if not secret.startswith(SECRET_PREFIX):
        return secret.encode()
    encoded = secret[len(SECRET_PREFIX) :]
    try:
        key = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
    except binascii.Error:
        raise ValueError("a whsec_ secret is base64 after its prefix") from None
    if not key:
        raise ValueError("a whsec_ secret holds at least one byte")
    return key


@dataclass(frozen=True)
class WebhookPolicy:
    urls: tuple[str, ...] = ()
    secrets: tuple[str, ...] = ()
    """Every active secret signs each post; the first is the newest."""
    max_attempts: int = 6
    backoff_seconds: int = 60
    timeout_seconds: float = 10.0
    """The whole of one attempt, from connecting to the end of the answer."""

    def retry_at(self, last: DeliveryAttempted) -> datetime | None:
        """When to try again after `last`, or None when there is nothing more to do."""
        if last.ok or last.attempt >= self.max_attempts:
            return None
        if last.retry_after is not None:
            return last.retry_after
        return last.at + timedelta(seconds=self.backoff_seconds * 2 ** (last.attempt - 1))


def message_id(reminder_id: UUID, url: str) -> str:
    """`webhook-id`: derived from the reminder and the URL, so every retry carries the same."""
    return f"msg_{uuid5(NAMESPACE_URL, f'urn:tracker:webhook:{reminder_id}:{url}').hex}"


def payload(reminder_id: UUID, reminder: Reminder) -> bytes:
    """The JSON a receiver gets: the event type, when it happened, and the reminder as issued."""
    issued = reminder.issued
    data = {"id": str(reminder_id), **issued.model_dump(mode="json", exclude={"type"})}
    timestamp = issued.issued_at.astimezone(UTC).isoformat().replace("+00:00", "Z")
    message = {"type": EVENT_TYPE, "timestamp": timestamp, "data": data}
    return json.dumps(message, sort_keys=True).encode()


def signatures(message: str, timestamp: int, body: bytes, secrets: Iterable[str]) -> str:
    """The `webhook-signature` value: `v1,<base64>` for each secret, space-separated."""
    signed = f"{message}.{timestamp}.".encode() + body
    return " ".join(
        "v1," + base64.b64encode(hmac.new(secret_key(s), signed, hashlib.sha256).digest()).decode()
        for s in secrets
    )


def headers_for(
    message: str, timestamp: int, body: bytes, secrets: Iterable[str]
) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "Accept-Encoding": "identity",
        "User-Agent": "agreement-tracker",
        ID_HEADER: message,
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: signatures(message, timestamp, body, secrets),
    }


class InvalidWebhook(ValueError):
    """A post that does not prove it comes from the tracker, or is too old or too new."""


def verify(
    body: bytes,
    headers: Mapping[str, str],
    secret: str | Sequence[str],
    *,
    now: datetime | None = None,
    tolerance: timedelta = TOLERANCE,
) -> dict[str, Any]:
    """What a receiver does before trusting a post: the parsed message, or InvalidWebhook.

    Checks, over the raw bytes of the body, that one `v1` signature matches one
    of the receiver's secrets, and that the timestamp is within `tolerance` of
    `now` (default: the current time), so a captured post cannot be replayed later.
    """
    lowered = {name.lower(): value for name, value in headers.items()}
    message = lowered.get(ID_HEADER)
    stamp = lowered.get(TIMESTAMP_HEADER)
    given = lowered.get(SIGNATURE_HEADER)
    if not (message and stamp and given):
        raise InvalidWebhook(
            f"the post lacks {ID_HEADER}, {TIMESTAMP_HEADER} or {SIGNATURE_HEADER}"
        )
    if not stamp.isdigit() or len(stamp) > 12:
        raise InvalidWebhook(f"{TIMESTAMP_HEADER} is not a time in Unix seconds")
    sent = datetime.fromtimestamp(int(stamp), UTC)
    now = now or datetime.now(UTC)
    if abs(now - sent) > tolerance:
        raise InvalidWebhook(f"{TIMESTAMP_HEADER} is more than {tolerance} away from now")
    secrets = [secret] if isinstance(secret, str) else list(secret)
    offered = {part.removeprefix("v1,") for part in given.split() if part.startswith("v1,")}
    for expected in signatures(message, int(stamp), body, secrets).split():
        if any(hmac.compare_digest(expected.removeprefix("v1,"), o) for o in offered):
            parsed: dict[str, Any] = json.loads(body)
            return parsed
    raise InvalidWebhook("no signature matches a secret")


@dataclass(frozen=True)
class Outcome:
    ok: bool
    status: int | None = None
    error: str | None = None
    response: str | None = None
    response_bytes: int | None = None
    retry_after: datetime | None = None


@dataclass
class _Answer:
    """What arrived of an answer before the deadline."""

    status: int | None = None
    reason: str = ""
    headers: httpx.Headers = field(default_factory=httpx.Headers)
    body: bytearray = field(default_factory=bytearray)


async def post(
    client: httpx.AsyncClient, url: str, body: bytes, headers: dict[str, str], deadline: float
) -> tuple[_Answer, str | None]:
    """Post within `deadline` seconds in all; the answer so far, and the error if any."""
    answer = _Answer()
    try:
        async with asyncio.timeout(deadline):
            async with client.stream("POST", url, content=body, headers=headers) as response:
                answer.status, answer.reason = response.status_code, response.reason_phrase
                answer.headers = response.headers
                async for chunk in response.aiter_raw():
                    answer.body += chunk[: RESPONSE_LIMIT - len(answer.body)]
                    if len(answer.body) >= RESPONSE_LIMIT:
                        break
    except TimeoutError:
        if answer.status is None:
            return answer, f"no answer within the {deadline:g} s an attempt may take"
    except httpx.HTTPError as error:
        if answer.status is None:
            return answer, f"{type(error).__name__}: {error}"
    return answer, None


def outcome_of(answer: _Answer, error: str | None, at: datetime) -> Outcome:
    """The attempt's outcome: ok on a 2xx; the answer's excerpt and its Retry-After kept."""
    ok = answer.status is not None and 200 <= answer.status < 300
    if error is None and not ok:
        error = f"{answer.status} {answer.reason}".strip()
    return Outcome(
        ok=ok,
        status=answer.status,
        error=printable(error)[:2000] if error else None,
        response=_excerpt(answer),
        response_bytes=len(answer.body) if answer.status is not None else None,
        retry_after=None if ok else retry_after(answer.headers.get("retry-after"), at),
    )


def _excerpt(answer: _Answer) -> str | None:
    """The start of the answer as text; a compressed answer is not decoded."""
    if not answer.body:
        return None
    encoding = answer.headers.get("content-encoding", "identity").strip().lower()
    if encoding not in {"", "identity"}:
        return f"({len(answer.body)} bytes {printable(encoding)[:50]}-encoded, not decoded)"
    return printable(answer.body[:EXCERPT_CHARACTERS].decode("utf-8", "replace"))


def retry_after(value: str | None, at: datetime) -> datetime | None:
    """The moment a `Retry-After` (seconds, or an HTTP date) names, at most 30 days after `at`."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return at + min(timedelta(seconds=int(value[:10])), LONGEST_RETRY_AFTER)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return min(max(moment.astimezone(UTC), at), at + LONGEST_RETRY_AFTER)


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
    tracker: Tracker,
    reminder_ids: Iterable[UUID],
    policy: WebhookPolicy,
    now: datetime,
    *,
    wall: Callable[[], float] = time.time,
) -> Deliveries:
    """Post each reminder to every URL it is due at, to its URLs at once.

    A URL that fails is not tried again in the same run, so a receiver that is
    down or slow costs one deadline per run, not one per reminder. A reminder
    that cannot be delivered (it cannot be read, say) is reported and skipped;
    the others are delivered. `wall` gives `webhook-timestamp`: the real time,
    whatever the tracker's clock says, because receivers check it against
    their own clocks.
    """
    failing: set[str] = set()
    done = Deliveries()
    with asyncio.Runner() as runner:
        for reminder_id in reminder_ids:
            name = f"reminder {reminder_id}"
            try:
                reminder = _reminder(tracker, reminder_id)
                issued = reminder.issued
                agreement = display_name(issued.title, issued.reference)
                name = f"the {issued.rule.value} reminder of {agreement}"
                urls = [u for u in pending_urls(reminder, policy, now) if u not in failing]
                if urls:
                    outcomes = runner.run(_post_all(reminder, urls, policy, now, int(wall())))
                    _record(tracker, reminder, outcomes, now, failing, done)
            except Exception as error:
                done.problems.append(f"cannot deliver {name}: {explain(error)}")
                log.exception("cannot deliver %s", name)
    return done


async def _post_all(
    reminder: Reminder, urls: list[str], policy: WebhookPolicy, now: datetime, timestamp: int
) -> dict[str, Outcome]:
    body = payload(reminder.id, reminder)
    # The library's own timeouts (per read) stay behind the attempt's deadline, which decides.
    async with httpx.AsyncClient(timeout=policy.timeout_seconds + 1) as client:

        async def one(url: str) -> Outcome:
            headers = headers_for(message_id(reminder.id, url), timestamp, body, policy.secrets)
            answer, error = await post(client, url, body, headers, policy.timeout_seconds)
            return outcome_of(answer, error, now)

        outcomes = await asyncio.gather(*(one(url) for url in urls))
    return dict(zip(urls, outcomes, strict=True))


def _reminder(tracker: Tracker, reminder_id: UUID) -> Reminder:
    try:
        reminder: Any = tracker.repository.get(reminder_id)
    except AggregateNotFoundError:
        reminder = None
    if not isinstance(reminder, Reminder):
        raise DomainError("the store holds no such reminder")
    return reminder


def _record(
    tracker: Tracker,
    reminder: Reminder,
    outcomes: dict[str, Outcome],
    now: datetime,
    failing: set[str],
    done: Deliveries,
) -> None:
    for url, outcome in outcomes.items():
        attempt = 1 + sum(1 for a in reminder.attempts if a.url == url)
        reminder.record_attempt(
            DeliveryAttempted(
                url=url,
                attempt=attempt,
                ok=outcome.ok,
                status=outcome.status,
                error=outcome.error,
                at=now,
                response=outcome.response,
                response_bytes=outcome.response_bytes,
                retry_after=outcome.retry_after,
            )
        )
        done.attempts += 1
        if not outcome.ok:
            failing.add(url)
            log.warning("webhook %s failed for reminder %s: %s", url, reminder.id, outcome.error)
    try:
        tracker.save(reminder)
    except IntegrityError:
        log.info("reminder %s was delivered by another process meanwhile", reminder.id)
