"""`sweep`: one pass of the scheduler over the dates that matter, on a given day.

1. Bring the read models up to date (the dates read model is the input).
2. Record what time did to agreements whose dates have come: entry into
   force, expiry or automatic renewal (`reminders.consequences`), recorded by
   "scheduler" and dated the day it happened.
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
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from events.reminders import ReminderIssued
from projections import reminders as views
from projections.service import ReadModels
from tracker.application import Tracker
from tracker.clock import Clock, FixedClock
from tracker.errors import DomainError, StaleVersion, WriteConflict
from tracker.reminders.aggregate import Reminder
from tracker.reminders.consequences import consequences
from tracker.reminders.rules import DueReminder, due_on_day, windows
from tracker.settings import Settings
from tracker.webhooks import deliver

log = logging.getLogger(__name__)

ACTOR = "scheduler"


@dataclass
class SweepReport:
    day: date
    recorded: list[tuple[UUID, str]] = field(default_factory=list)
    """Lifecycle events recorded: (agreement id, event type)."""
    issued: list[UUID] = field(default_factory=list)
    already_issued: int = 0
    deliveries: int = 0
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{self.day}: {len(self.issued)} reminders issued, {self.already_issued} already"
            f" issued, {len(self.recorded)} lifecycle events recorded,"
            f" {self.deliveries} webhook deliveries attempted, {len(self.problems)} problems"
        )


def sweep(
    tracker: Tracker, read_models: ReadModels, settings: Settings, today: date | None = None
) -> SweepReport:
    """Run the four steps above for `today` (default: the tracker's clock)."""
    report = SweepReport(today or tracker.clock.today())
    read_models.catch_up(tracker)
    if record_consequences(tracker, read_models, report):
        # Also when another sweep recorded them first: its events are in the store by now.
        read_models.catch_up(tracker)
    due = due_reminders(read_models, settings, report.day)
    known = views.issued_among(read_models.db, due.keys())
    report.issued = issue(tracker, [d for d in due.values() if d.id not in known])
    report.already_issued = len(due) - len(report.issued)
    if settings.webhooks.urls:
        read_models.catch_up(tracker)
        report.deliveries = deliver_pending(tracker, read_models, settings)
    return report


def record_consequences(tracker: Tracker, read_models: ReadModels, report: SweepReport) -> int:
    """Record what time did to agreements whose dates have come; returns how many there were."""
    passed = views.agreements_with_passed_dates(read_models.db, report.day)
    for agreement_id in passed:
        state = tracker.state(agreement_id)
        try:
            for body in consequences(state, report.day):
                state = tracker.record(agreement_id, body, ACTOR, expected_version=state.version)
                report.recorded.append((agreement_id, body.type_name()))
        except (StaleVersion, WriteConflict):
            log.info("agreement %s changed while sweeping; the next sweep sees it", agreement_id)
        except DomainError as error:
            report.problems.append(f"agreement {agreement_id}: {error}")
            log.warning("cannot record what time did to agreement %s: %s", agreement_id, error)
    return len(passed)


def due_reminders(
    read_models: ReadModels, settings: Settings, day: date
) -> dict[UUID, DueReminder]:
    policy = settings.reminders
    due: dict[UUID, DueReminder] = {}
    for window in windows(day, policy):
        for reminder in due_on_day(views.date_rows(read_models.db, window), day, policy):
            due[reminder.id] = reminder
    return due


def issue(tracker: Tracker, due: list[DueReminder]) -> list[UUID]:
    """Store these reminders; the ones another writer stored first are skipped.

    All in one write first (the usual case); when the store refuses it because
    one of them exists already, one by one.
    """
    if not due:
        return []
    now = tracker.clock.now()
    try:
        tracker.save(*(_issued(d, now) for d in due))
        return [d.id for d in due]
    except IntegrityError:
        pass
    issued: list[UUID] = []
    for reminder in due:
        try:
            tracker.save(_issued(reminder, now))
            issued.append(reminder.id)
        except IntegrityError:
            log.info("reminder %s was issued by another sweep", reminder.id)
    return issued


def _issued(due: DueReminder, now: datetime) -> Reminder:
    body = ReminderIssued(
        agreement_id=due.agreement_id,
        rule=due.rule,
        subject=due.subject,
        due_on=due.due_on,
        stage=due.stage,
        message=due.message,
        title=due.title,
        reference=due.reference,
        issued_at=now,
    )
    return Reminder.issue(body)


def deliver_pending(tracker: Tracker, read_models: ReadModels, settings: Settings) -> int:
    policy = settings.webhooks
    now = tracker.clock.now()
    since = now - timedelta(seconds=policy.backoff_seconds * 2**policy.max_attempts, days=1)
    pending = views.undelivered(read_models.db, policy.urls, since, policy.max_attempts)
    return deliver(tracker, pending, policy, now)


def sweep_once(settings: Settings, today: date | None = None) -> SweepReport:
    """One sweep with a tracker and read models of its own (the command line's).

    With `today`, the run happens as if on that date: what it records is
    stamped that day (at the current time of day), so nothing it records lies
    in the future of its own clock.
    """
    clock: Clock = settings.clock
    if today is not None:
        clock = FixedClock(datetime.combine(today, clock.now().timetz()))
    tracker = Tracker.connect(
        settings.database_url, clock=clock, snapshot_interval=settings.snapshot_interval
    )
    read_models = ReadModels.connect(settings.database_url)
    try:
        return sweep(tracker, read_models, settings, clock.today())
    finally:
        read_models.close()
        tracker.close()
