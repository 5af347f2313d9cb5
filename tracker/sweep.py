"""`sweep`: one pass of the scheduler over the dates that matter, on a given day.

1. Bring the read models up to date (the dates read model is the input).
2. Record what time did to agreements whose dates have come: entry into
   force, expiry or automatic renewal (`derived.derive`), recorded by
   "scheduler" and dated the day it happened; never one a person retracted.
3. Issue every reminder due that day and not issued yet (`reminders.rules`).
   A reminder's id is derived from (agreement, rule, subject, due date,
   stage), so a concurrent sweep, a second scheduler or a retry can never
   store it twice: the store refuses the duplicate and the sweep moves on.
   Reminders for dates made moot (renewed, terminated, follow-up completed,
   notice given) are not issued, because those dates have left the dates
   read model; expiries are recorded before reminders are computed.
4. Post new reminders, and retries that have come due, to the webhooks.

Only the rows of `view_dates` that can be due are read, by index: the cost
follows what is due, not how many agreements are stored.

One bad agreement harms only itself: when an agreement, a date or a reminder
cannot be processed, the sweep reports it (in `SweepReport.problems` and the
log, naming the agreement) and goes on with the others.

A sweep's day is never after the clock's today: what it records stays true.
`preview` shows what a sweep on any day, later ones included, would record
and issue, and records nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from uuid import UUID

from eventsourcing.persistence import IntegrityError
from pydantic import ValidationError

from events.base import EventBody
from events.lifecycle import Renewed
from events.reminders import ReminderIssued, ReminderRule
from projections import reminders as views
from projections.dates import dates_of
from projections.service import ReadModels
from tracker.application import Tracker
from tracker.clock import Clock
from tracker.derived import DERIVER, derive
from tracker.errors import DomainError, StaleVersion, SweepInFuture, WriteConflict, explain
from tracker.reminders.aggregate import Reminder
from tracker.reminders.rules import DateRow, due_for, windows
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
    deliveries: int = 0
    problems: list[str] = field(default_factory=list)
    """What could not be processed, one line each naming the agreement or reminder."""
    lines: list[str] = field(default_factory=list)
    """What was recorded and issued (or would be), one line each naming the agreement."""

    def summary(self) -> str:
        if self.dry_run:
            return (
                f"{self.day} (dry run, nothing recorded): {len(self.issued)} reminders would be"
                f" issued, {self.already_issued} already issued, {len(self.recorded)} lifecycle"
                f" events would be recorded, {len(self.problems)} problems"
            )
        return (
            f"{self.day}: {len(self.issued)} reminders issued, {self.already_issued} already"
            f" issued, {len(self.recorded)} lifecycle events recorded,"
            f" {self.deliveries} webhook deliveries attempted, {len(self.problems)} problems"
        )

    def problem(self, what: str, error: Exception) -> None:
        """Report what could not be done, and why; the sweep goes on with the rest."""
        self.problems.append(f"{what}: {explain(error)}")
        expected = isinstance(error, DomainError | ValidationError)
        log.warning("sweep of %s: %s", self.day, self.problems[-1], exc_info=not expected)


class Writer(Protocol):
    """Where a sweep's decisions go: the store, or (for a preview) nowhere."""

    @property
    def changed(self) -> Mapping[UUID, AgreementState]:
        """States the read models do not show yet; empty once the read models have caught up."""

    def record(self, state: AgreementState, body: EventBody) -> AgreementState: ...

    def issue(self, reminders: dict[UUID, ReminderIssued], report: SweepReport) -> list[UUID]: ...


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
    issue_due(read_models, settings, report, store, tracker.clock.now())
    if settings.webhooks.urls:
        read_models.catch_up(tracker)
        deliveries = deliver_pending(tracker, read_models, settings)
        report.deliveries = deliveries.attempts
        report.problems.extend(deliveries.problems)
    return report


def preview(
    tracker: Tracker, read_models: ReadModels, settings: Settings, day: date
) -> SweepReport:
    """What a sweep on `day` (any day) would record and issue; the store is left as it is."""
    report = SweepReport(day, dry_run=True)
    read_models.catch_up(tracker)
    rehearsal = _Rehearsal(tracker, day)
    record_consequences(tracker, read_models, report, rehearsal)
    issue_due(read_models, settings, report, rehearsal, tracker.clock.now())
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


def issue_due(
    read_models: ReadModels, settings: Settings, report: SweepReport, writer: Writer, now: datetime
) -> None:
    """Issue the reminders due on the report's day that the read model does not hold yet."""
    due = due_reminders(read_models, settings, report, writer.changed, now)
    known = views.issued_among(read_models.db, due.keys())
    fresh = {reminder_id: body for reminder_id, body in due.items() if reminder_id not in known}
    report.issued = writer.issue(fresh, report)
    report.already_issued = len(due) - len(report.issued)
    verb = "would issue" if report.dry_run else "issued"
    issued = set(report.issued)
    for reminder_id, reminder in due.items():
        if reminder_id in issued:
            report.lines.append(f"{verb}: {reminder.message}")


def due_reminders(
    read_models: ReadModels,
    settings: Settings,
    report: SweepReport,
    changed: Mapping[UUID, AgreementState],
    now: datetime,
) -> dict[UUID, ReminderIssued]:
    """Every reminder due on the report's day, by id, ready to issue at `now`.

    `changed` are states the read model does not show yet: their rows are
    computed from the state instead of read.
    """
    policy = settings.reminders
    due: dict[UUID, ReminderIssued] = {}
    for row in _rows(read_models, report.day, settings, changed):
        try:
            for reminder in due_for(row, report.day, policy):
                due[reminder.id] = ReminderIssued(**asdict(reminder), issued_at=now)
        except Exception as error:
            report.problem(f"cannot issue the {row.rule.value} reminder of {row.name}", error)
    return due


def _rows(
    read_models: ReadModels, day: date, settings: Settings, changed: Mapping[UUID, AgreementState]
) -> Iterator[DateRow]:
    for window in windows(day, settings.reminders):
        for row in views.date_rows(read_models.db, window):
            if row.agreement_id not in changed:
                yield row
    for state in changed.values():
        yield from rows_of(state)


def rows_of(state: AgreementState) -> list[DateRow]:
    """The dates the dates read model holds for `state` once it has caught up with it."""
    reminded = {rule.value for rule in ReminderRule}
    return [
        DateRow(
            agreement_id=state.id,
            rule=ReminderRule(row.rule),
            due_on=row.due_on,
            subject=row.subject,
            title=state.title,
            reference=state.reference,
            until=state.expires_on if row.rule == ReminderRule.NOTICE_DEADLINE else None,
        )
        for row in dates_of(state)
        if row.rule in reminded
    ]


class _Store:
    """The sweep's writer: records and issues in the store."""

    def __init__(self, tracker: Tracker) -> None:
        self.tracker = tracker
        self.changed: dict[UUID, AgreementState] = {}

    def record(self, state: AgreementState, body: EventBody) -> AgreementState:
        return self.tracker.record(state.id, body, ACTOR, expected_version=state.version)

    def issue(self, reminders: dict[UUID, ReminderIssued], report: SweepReport) -> list[UUID]:
        """Store these reminders; the ones another writer stored first are skipped.

        All in one write first (the usual case); when the store refuses it because
        one of them exists already, one by one.
        """
        if not reminders:
            return []
        try:
            self.tracker.save(*(Reminder.issue(body) for body in reminders.values()))
            return list(reminders)
        except IntegrityError:
            pass
        saved: list[UUID] = []
        for reminder_id, body in reminders.items():
            try:
                self.tracker.save(Reminder.issue(body))
                saved.append(reminder_id)
            except IntegrityError:
                log.info("reminder %s was issued by another sweep", reminder_id)
            except Exception as error:
                report.problem(f"cannot issue the reminder: {body.message}", error)
        return saved


class _Rehearsal:
    """The preview's writer: decides each event as the store would, and keeps it in memory."""

    def __init__(self, tracker: Tracker, day: date) -> None:
        self.tracker = tracker
        self.moment = Moment(datetime.combine(day, time(12), UTC), ACTOR)
        self.records: dict[UUID, list[Record]] = {}
        self.changed: dict[UUID, AgreementState] = {}

    def record(self, state: AgreementState, body: EventBody) -> AgreementState:
        records = self.records.get(state.id) or self.tracker.history(state.id)
        decision = decide(records, body, self.moment)
        self.records[state.id] = [*records, *decision.records]
        self.changed[state.id] = decision.state
        return decision.state

    def issue(self, reminders: dict[UUID, ReminderIssued], report: SweepReport) -> list[UUID]:
        return list(reminders)


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
