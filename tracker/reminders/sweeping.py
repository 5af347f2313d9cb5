"""The sweep's reminder steps: issue what is due, then resolve what lost its cause.

Issuing: the rules (`rules.due_for`) over the dates that can be due on the
day; a reminder's id is derived from (agreement, rule, follow-up, due date,
stage), so a concurrent sweep, a second scheduler or a retry can never store
it twice. A reminder's words take their detail (a follow-up's description,
the renewal mode) from the agreement as the agreements read model holds it.

Resolving: the agreements whose open reminders may have lost their cause are
found by index (`agreements_to_check`), together with those whose date just
got a new reminder; for each, `resolution.resolutions` decides from the
agreement's records which reminders close, and why.

Both steps go through the sweep's writer, so a dry run decides the same and
records nothing; one agreement that cannot be processed is reported and
skipped.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Protocol
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from events.reminders import NOUNS, ReminderIssued, ReminderResolved, ReminderRule
from projections import reminders as views
from projections.dates import dates_of
from projections.service import ReadModels
from tracker.application import Tracker
from tracker.reminders.aggregate import Reminder
from tracker.reminders.resolution import Resolution, resolutions
from tracker.reminders.rules import DateRow, DueReminder, ReminderRow, due_for, windows
from tracker.reminders.wording import issued_body, message, what
from tracker.settings import Settings
from tracker.state import AgreementState, Record, display_name

if TYPE_CHECKING:
    from tracker.sweep import SweepReport

log = logging.getLogger(__name__)


class ReminderWriter(Protocol):
    """Where the reminder steps' decisions go: the store, or (for a preview) nowhere."""

    @property
    def changed(self) -> Mapping[UUID, AgreementState]:
        """States the read models do not show yet; empty once the read models have caught up."""

    def history(self, agreement_id: UUID) -> list[Record]: ...

    def issue(self, reminders: dict[UUID, ReminderIssued], report: SweepReport) -> list[UUID]: ...

    def resolve(self, found: Sequence[Resolution], now: datetime) -> list[UUID]: ...


class StoredReminders:
    """Issues and resolves reminders in the store: the sweep's writer."""

    tracker: Tracker

    def history(self, agreement_id: UUID) -> list[Record]:
        return self.tracker.history(agreement_id)

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

    def resolve(self, found: Sequence[Resolution], now: datetime) -> list[UUID]:
        """Record each resolution; a reminder closed meanwhile (acknowledged, say) is left."""
        closed: list[UUID] = []
        for resolution in found:
            reminder: Any = self.tracker.repository.get(resolution.reminder.id)
            if not isinstance(reminder, Reminder) or reminder.status != "open":
                continue
            reminder.resolve(
                ReminderResolved(cause=resolution.cause, reason=resolution.reason, at=now)
            )
            try:
                self.tracker.save(reminder)
                closed.append(reminder.id)
            except IntegrityError:
                log.info("reminder %s was closed meanwhile", reminder.id)
        return closed


class RehearsedReminders:
    """Decides as the store would and records nothing: the preview's writer."""

    tracker: Tracker
    records: dict[UUID, list[Record]]
    """Each agreement's records with what the preview would record."""

    def history(self, agreement_id: UUID) -> list[Record]:
        return self.records.get(agreement_id) or self.tracker.history(agreement_id)

    def issue(self, reminders: dict[UUID, ReminderIssued], report: SweepReport) -> list[UUID]:
        return list(reminders)

    def resolve(self, found: Sequence[Resolution], now: datetime) -> list[UUID]:
        return [resolution.reminder.id for resolution in found]


def remind(
    read_models: ReadModels,
    settings: Settings,
    report: SweepReport,
    writer: ReminderWriter,
    now: datetime,
) -> None:
    """Issue what is due on the report's day, then resolve what lost its cause."""
    issued = issue_due(read_models, settings, report, writer, now)
    resolve_moot(read_models, settings, report, writer, issued, now)


def issue_due(
    read_models: ReadModels,
    settings: Settings,
    report: SweepReport,
    writer: ReminderWriter,
    now: datetime,
) -> list[ReminderRow]:
    """Issue the reminders due on the report's day that the read model does not hold yet."""
    due = due_reminders(read_models, settings, report, writer.changed)
    known = views.issued_among(read_models.db, due.keys())
    fresh = {reminder_id: d for reminder_id, d in due.items() if reminder_id not in known}
    states = {
        **views.agreement_states(read_models.db, {d.agreement_id for d in fresh.values()}),
        **writer.changed,
    }
    bodies: dict[UUID, ReminderIssued] = {}
    for reminder_id, reminder in fresh.items():
        try:
            bodies[reminder_id] = issued_body(reminder, states.get(reminder.agreement_id), now)
        except Exception as error:
            name = display_name(reminder.title, reminder.reference)
            report.problem(f"cannot word the {NOUNS[reminder.rule]} reminder of {name}", error)
    report.issued = writer.issue(bodies, report)
    report.already_issued = len(due) - len(fresh)
    verb = "would issue" if report.dry_run else "issued"
    issued = [ReminderRow.issued(i, bodies[i]) for i in report.issued]
    report.lines += [f"{verb}: {message(row, report.day)}" for row in issued]
    return issued


def due_reminders(
    read_models: ReadModels,
    settings: Settings,
    report: SweepReport,
    changed: Mapping[UUID, AgreementState],
) -> dict[UUID, DueReminder]:
    """Every reminder due on the report's day, by id.

    `changed` are states the read model does not show yet: their rows are
    computed from the state instead of read.
    """
    policy = settings.reminders
    due: dict[UUID, DueReminder] = {}
    for row in _rows(read_models, report.day, settings, changed):
        try:
            for reminder in due_for(row, report.day, policy):
                due[reminder.id] = reminder
        except Exception as error:
            report.problem(f"cannot issue the {NOUNS[row.rule]} reminder of {row.name}", error)
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
            key=row.subject,
            title=state.title,
            reference=state.reference,
            renews=row.rule == ReminderRule.EXPIRY and state.notice_deadline is not None,
        )
        for row in dates_of(state)
        if row.rule in reminded
    ]


def resolve_moot(
    read_models: ReadModels,
    settings: Settings,
    report: SweepReport,
    writer: ReminderWriter,
    issued: Sequence[ReminderRow],
    now: datetime,
) -> None:
    """Resolve the open reminders whose cause is gone, and those a new reminder supersedes.

    `issued` are the reminders this sweep issued (the read model may not hold them yet).
    """
    db, policy = read_models.db, settings.reminders
    flagged = set(views.agreements_to_check(db, report.day, policy))
    flagged.update(writer.changed)
    open_dates = views.open_dates(db, (row.agreement_id for row in issued))
    flagged.update(row.agreement_id for row in issued if row.date_id in open_dates)
    verb = "would resolve" if report.dry_run else "resolved"
    for agreement_id in sorted(flagged):
        name = f"agreement {agreement_id}"
        try:
            known = {row.id: row for row in views.reminders_of(db, agreement_id)}
            known.update((row.id, row) for row in issued if row.agreement_id == agreement_id)
            name = next((row.name for row in known.values()), name)
            records = writer.history(agreement_id)
            found = resolutions(list(known.values()), records, report.day, policy)
            closed = set(writer.resolve(found, now))
        except Exception as error:
            report.problem(f"cannot resolve the reminders of {name}", error)
            continue
        for resolution in found:
            if resolution.reminder.id in closed:
                report.resolved.append(resolution.reminder.id)
                report.lines.append(f"{verb}: {_resolved(resolution)}")


def _resolved(resolution: Resolution) -> str:
    """`the expiry of Title (REF) on 2024-07-15 (lead-30): the agreement was terminated ...`."""
    reminder = resolution.reminder
    return f"{what(reminder)} on {reminder.due_on} ({reminder.stage}): {resolution.reason}"
