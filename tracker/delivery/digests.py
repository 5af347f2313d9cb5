"""Sending digests: once per recipient and period, retried with backoff, every attempt recorded.

`send_digests` runs after each sweep (see `tracker.scheduler`). For each
recipient whose frequency is not `off` it looks at the current period's
digest, by its derived id:

- none yet, and reminders are addressed to them: the digest is prepared
  (which reminders, the day it speaks of) and its first attempt claimed, in
  one write; a process that finds the digest stored first does nothing;
- a failed attempt whose backoff has passed: the next attempt is claimed.

Only then is the email sent, and its outcome recorded as a
`delivery_attempted` event with a `mailto:` URL. A retry sends the same
digest (the same reminders, the same day), so a mail server that is down
loses nothing. One recipient's failure harms only their digest.
"""

from __future__ import annotations

import logging
import ssl
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from events.digests import MAX_REMINDERS, DigestPrepared, DigestSending, Frequency, Language
from events.reminders import DeliveryAttempted, ReminderIssued
from projections.db import ViewDB
from projections.digests import digests_of
from projections.service import ReadModels
from tracker.application import Tracker
from tracker.delivery.aggregate import Digest
from tracker.delivery.compose import Letterhead, compose
from tracker.delivery.recipients import Everyone, Recipient
from tracker.delivery.schedule import RetryPolicy, digest_id, next_attempt, period_of
from tracker.delivery.smtp import MailServer, send
from tracker.errors import explain
from tracker.reminders.aggregate import Reminder

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True)
class MailSettings:
    """Where digests go out from, when, and to whom until people are recorded."""

    server: MailServer | None = None
    sender: str = ""
    public_url: str = ""
    digest_hour: int = 7
    digest_to: str = ""
    digest_language: Language = Language.EN
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    timeout_seconds: float = 30.0

    @property
    def letterhead(self) -> Letterhead:
        return Letterhead(self.sender, self.public_url)

    def recipients(self) -> list[Recipient]:
        """The recipient `TRACKER_DIGEST_TO` names, if any."""
        return [Everyone(self.digest_to, self.digest_language)] if self.digest_to else []


@dataclass
class DigestReport:
    prepared: int = 0
    attempts: int = 0
    sent: int = 0
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{self.prepared} digests prepared, {self.attempts} sending attempts,"
            f" {self.sent} sent, {len(self.problems)} problems"
        )


def send_digests(
    tracker: Tracker,
    read_models: ReadModels,
    mail: MailSettings,
    recipients: Iterable[Recipient],
    *,
    context: ssl.SSLContext | None = None,
) -> DigestReport:
    """Send every digest that is due now; `context` checks the mail server's certificate."""
    report = DigestReport()
    if mail.server is None:
        return report
    read_models.catch_up(tracker)
    for recipient in recipients:
        try:
            _send_one(tracker, read_models.db, mail, recipient, report, context)
        except Exception as error:
            report.problems.append(f"cannot send the digest to {recipient.email}: {explain(error)}")
            log.exception("cannot send the digest to %s", recipient.email)
    return report


def _send_one(
    tracker: Tracker,
    db: ViewDB,
    mail: MailSettings,
    recipient: Recipient,
    report: DigestReport,
    context: ssl.SSLContext | None,
) -> None:
    assert mail.server is not None
    if recipient.frequency is Frequency.OFF:
        return
    now = tracker.clock.now()
    period = period_of(now, mail.digest_hour, recipient.frequency)
    digest = load_digest(tracker, digest_id(recipient.email, recipient.frequency, period))
    if digest is None:
        digest = _prepare(tracker, db, recipient, period)
        if digest is None:
            return
        attempt: int | None = 1
    else:
        attempt = next_attempt(digest.bodies, now, mail.retry)
    if attempt is None:
        return
    prepared = digest.prepared
    message = compose(digest.id, prepared, _reminders(tracker, prepared), mail.letterhead, now)
    digest.claim(DigestSending(attempt=attempt, at=now))
    try:
        tracker.save(digest)
    except IntegrityError:
        log.info("the digest to %s for %s is sent by another process", prepared.email, period)
        return
    report.prepared += attempt == 1
    sent = send(mail.server, message, timeout=mail.timeout_seconds, context=context)
    outcome = DeliveryAttempted(
        url=f"mailto:{prepared.email}",
        attempt=attempt,
        ok=sent.ok,
        status=sent.status,
        error=sent.error,
        at=tracker.clock.now(),
    )
    digest.record(outcome)
    tracker.save(digest)
    report.attempts += 1
    report.sent += sent.ok
    if not sent.ok:
        log.warning("the digest to %s was not sent: %s", prepared.email, sent.error)


def _prepare(tracker: Tracker, db: ViewDB, recipient: Recipient, period: Any) -> Digest | None:
    """The digest of the period, when reminders are addressed to the recipient."""
    on = tracker.clock.today()
    addressed = recipient.addressed(db, on, MAX_REMINDERS)
    if not addressed:
        return None
    return Digest.prepare(
        DigestPrepared(
            email=recipient.email,
            name=recipient.name,
            language=recipient.language,
            frequency=recipient.frequency,
            period=period,
            on=on,
            reminders=addressed,
            at=tracker.clock.now(),
        )
    )


def _reminders(tracker: Tracker, prepared: DigestPrepared) -> list[ReminderIssued]:
    found = (_load(tracker, reminder_id, Reminder) for reminder_id in prepared.reminders)
    return [reminder.issued for reminder in found if reminder is not None]


def load_digest(tracker: Tracker, id: UUID) -> Digest | None:
    return _load(tracker, id, Digest)


def _load(tracker: Tracker, id: UUID, kind: type[T]) -> T | None:
    try:
        found: Any = tracker.repository.get(id)
    except AggregateNotFoundError:
        return None
    return found if isinstance(found, kind) else None


def digest_attempts(tracker: Tracker, db: ViewDB, reminder_id: UUID) -> list[DeliveryAttempted]:
    """Every attempt to send the digests that listed this reminder."""
    found: list[DeliveryAttempted] = []
    for id in digests_of(db, reminder_id):
        digest = load_digest(tracker, id)
        if digest is not None:
            found += digest.attempts
    return found
