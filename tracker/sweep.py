"""`sweep`: one pass of the scheduler over the dates that matter, on a given day.

1. Bring the read models up to date (the dates read model is the input).
2. Record what time did to agreements whose dates have come: entry into
   force, expiry or automatic renewal (`derived.derive`), recorded by
   "scheduler" and dated the day it happened; never one a person retracted.
3. Issue every reminder due that day and not issued yet, then resolve the
   open reminders whose cause is gone or that a later stage supersedes
   (`reminders.sweeping`). Expiries are recorded before, so the reminders
   follow what time did.
4. Post new reminders, and retries that have come due, to the webhooks.

Only the rows of `view_dates` that can be due are read, by index: the cost
follows what is due, not how many agreements are stored.

One bad agreement harms only itself: when an agreement, a date or a reminder
cannot be processed, the sweep reports it (in `SweepReport.problems` and the
log, naming the agreement) and goes on with the others.

A sweep's day is never after the clock's today: what it records stays true.
`preview` shows what a sweep on any day, later ones included, would record,
issue and resolve, and records nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from uuid import UUID

from pydantic import ValidationError

from events.base import EventBody
from events.lifecycle import Renewed
from projections import reminders as views
from projections.service import ReadModels
from tracker.application import Tracker
from tracker.clock import Clock
from tracker.derived import DERIVER, derive
from tracker.errors import DomainError, StaleVersion, SweepInFuture, WriteConflict, explain
from tracker.reminders.sweeping import (
    RehearsedReminders,
    ReminderWriter,
    StoredReminders,
    remind,
)
from tracker.settings import Settings
from tracker.state import AgreementState, Record
from tracker.timeline import Moment, decide, fold
from tracker.webhooks import Deliveries, deliver

log = logging.getLogger(__name__)

ACTOR = DERIVER


@dataclass
class SweepReport:
    day: date
    dry_run: bool = False
    recorded: list[tuple[UUID, str]] = field(default_factory=list)
    """Lifecycle events recorded (or, in a dry run, that would be): (agreement id, event type)."""
    issued: list[UUID] = field(default_factory=list)
    already_issued: int = 0
    resolved: list[UUID] = field(default_factory=list)
    deliveries: int = 0
    problems: list[str] = field(default_factory=list)
    """What could not be processed, one line each naming the agreement or reminder."""
    lines: list[str] = field(default_factory=list)
    """What was recorded, issued and resolved (or would be), one line each naming the agreement."""

    def summary(self) -> str:
        if self.dry_run:
            return (
                f"{self.day} (dry run, nothing recorded): {len(self.issued)} reminders would be"
                f" issued, {len(self.resolved)} would be resolved, {self.already_issued} already"
                f" issued, {len(self.recorded)} lifecycle events would be recorded,"
                f" {len(self.problems)} problems"
            )
        return (
            f"{self.day}: {len(self.issued)} reminders issued, {len(self.resolved)} resolved,"
            f" {self.already_issued} already issued, {len(self.recorded)} lifecycle events"
            f" recorded, {self.deliveries} webhook deliveries attempted,"
            f" {len(self.problems)} problems"
        )

    def problem(self, what: str, error: Exception) -> None:
        """Report what could not be done, and why; the sweep goes on with the rest."""
        self.problems.append(f"{what}: {explain(error)}")
        expected = isinstance(error, DomainError | ValidationError)
        log.warning("sweep of %s: %s", self.day, self.problems[-1], exc_info=not expected)


class Writer(ReminderWriter, Protocol):
    """Where a sweep's decisions go: the store, or (for a preview) nowhere."""

    def record(self, state: AgreementState, body: EventBody) -> AgreementState: ...


def sweep(
    tracker: Tracker, read_models: ReadModels, settings: Settings, today: date | None = None
) -> SweepReport:
    """Run the four steps above for `today` (default, and latest: the tracker's clock)."""
    day = today or tracker.clock.today()
    if day > tracker.clock.today():
        raise SweepInFuture(day, tracker.clock.today())
    report = SweepReport(day)
    read_models.catch_up(tracker)
    store = _Store(tracker)
    if record_consequences(tracker, read_models, report, store):
        # Also when another sweep recorded them first: its events are in the store by now.
        read_models.catch_up(tracker)
    remind(read_models, settings, report, store, tracker.clock.now())
    if settings.webhooks.urls:
        read_models.catch_up(tracker)
        deliveries = deliver_pending(tracker, read_models, settings)
        report.deliveries = deliveries.attempts
        report.problems.extend(deliveries.problems)
    return report


def preview(
    tracker: Tracker, read_models: ReadModels, settings: Settings, day: date
) -> SweepReport:
    """What a sweep on `day` (any day) would record, issue and resolve; the store is unchanged."""
    report = SweepReport(day, dry_run=True)
    read_models.catch_up(tracker)
    rehearsal = _Rehearsal(tracker, day)
    record_consequences(tracker, read_models, report, rehearsal)
    remind(read_models, settings, report, rehearsal, tracker.clock.now())
    return report


def record_consequences(
    tracker: Tracker, read_models: ReadModels, report: SweepReport, writer: Writer
) -> int:
    """Record what time did to agreements whose dates have come; returns how many there were."""
    passed = views.agreements_with_passed_dates(read_models.db, report.day)
    verb = "would record" if report.dry_run else "recorded"
    for agreement_id in passed:
        name = f"agreement {agreement_id}"
        try:
            records = tracker.history(agreement_id)
            state = fold(records)
            name = state.display_name
            for body in derive(state, records, report.day):
                state = writer.record(state, body)
                report.recorded.append((agreement_id, body.type_name()))
                report.lines.append(f"{verb}: {_happened(name, body)}")
        except (StaleVersion, WriteConflict):
            log.info("%s changed while sweeping; the next sweep sees it", name)
        except Exception as error:
            report.problem(f"cannot record what time did to {name}", error)
    return len(passed)


def _happened(name: str, body: EventBody) -> str:
    """`Title (REF) renewed on 2024-06-30 for 3 periods, until 2027-06-30`."""
    line = f"{name} {body.type_name().replace('_', ' ')} on {body.occurred_on}"
    if isinstance(body, Renewed):
        line += f" for {body.periods} period{'s' if body.periods != 1 else ''}"
        line += f", until {body.expires_on}"
    return line


class _Store(StoredReminders):
    """The sweep's writer: records, issues and resolves in the store."""

    def __init__(self, tracker: Tracker) -> None:
        self.tracker = tracker
        self.changed: dict[UUID, AgreementState] = {}

    def record(self, state: AgreementState, body: EventBody) -> AgreementState:
        return self.tracker.record(state.id, body, ACTOR, expected_version=state.version)


class _Rehearsal(RehearsedReminders):
    """The preview's writer: decides each event as the store would, and keeps it in memory."""

    def __init__(self, tracker: Tracker, day: date) -> None:
        self.tracker = tracker
        self.moment = Moment(datetime.combine(day, time(12), UTC), ACTOR)
        self.records: dict[UUID, list[Record]] = {}
        self.changed: dict[UUID, AgreementState] = {}

    def record(self, state: AgreementState, body: EventBody) -> AgreementState:
        records = self.history(state.id)
        decision = decide(records, body, self.moment)
        self.records[state.id] = [*records, *decision.records]
        self.changed[state.id] = decision.state
        return decision.state


def deliver_pending(tracker: Tracker, read_models: ReadModels, settings: Settings) -> Deliveries:
    policy = settings.webhooks
    now = tracker.clock.now()
    since = now - timedelta(seconds=policy.backoff_seconds * 2**policy.max_attempts, days=1)
    pending = views.undelivered(read_models.db, policy.urls, since, policy.max_attempts)
    return deliver(tracker, pending, policy, now)


def sweep_once(
    settings: Settings, clock: Clock, today: date | None = None, *, dry_run: bool = False
) -> SweepReport:
    """One sweep (or, with `dry_run`, its preview) with a tracker and read models of its own.

    `today` defaults to the clock's; only a dry run may look past it.
    Whatever day is swept, the events are recorded at the clock's moment.
    """
    day = today or clock.today()
    tracker = Tracker.connect(
        settings.database_url, clock=clock, snapshot_interval=settings.snapshot_interval
    )
    read_models = ReadModels.connect(settings.database_url)
    try:
        if dry_run:
            return preview(tracker, read_models, settings, day)
        return sweep(tracker, read_models, settings, day)
    finally:
        read_models.close()
        tracker.close()
