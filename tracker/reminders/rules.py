"""Which reminders are due on a day, computed from the dates that matter.

Pure functions over `DateRow`s (the rows of the dates read model). Each date
has *stages*: one per lead time (`lead-90`, `lead-30`, `lead-7`: the reminder
N days ahead) and, for follow-ups, one per overdue period (`overdue-1` from
the day after the date, `overdue-2` a period later, and so on). A reminder
is identified by (agreement, rule, follow-up, due date, stage): the same
stage of the same date is never issued twice, while the 30-day and the 7-day
reminders of one expiry are two reminders.

On a given day only the *current* stage of each date is due: the latest one
that has started. A sweep after a gap therefore catches up with one reminder
per date, the most recent, instead of every stage it missed. A date more
than `catch_up_days` past is not announced at all, whatever its rule: an
anniversary missed last year, or a follow-up overdue for months, is not
announced today (a follow-up's last reminder stays open until it is done).

Notice deadlines follow the renewal mode. An agreement that renews
automatically is reminded of its notice deadline ahead of it only: once the
deadline has passed nothing can be done until the next period, so there is
no overdue stage and no late announcement; its expiry calls for no reminder
either (the sweep records the renewal). Without automatic renewal, or once
notice is given, there is no notice deadline and the expiry reminders carry
the weight.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Literal
from uuid import NAMESPACE_URL, UUID, uuid5

from events.base import FIRST_DAY, LAST_DAY, printable
from events.reminders import ReminderIssued, ReminderRule, RenewalMode
from tracker.days import add_days, anniversary_of
from tracker.state import display_name

DEFAULT_LEADS: Mapping[ReminderRule, tuple[int, ...]] = {
    ReminderRule.ANNIVERSARY: (14,),
    ReminderRule.EXPIRY: (90, 30, 7),
    ReminderRule.NOTICE_DEADLINE: (30,),
    ReminderRule.FOLLOW_UP: (14,),
}

REPEATS_WHILE_OVERDUE = frozenset({ReminderRule.FOLLOW_UP})
AHEAD_ONLY = frozenset({ReminderRule.NOTICE_DEADLINE})
"""Rules whose date is not announced once it has passed: nothing can be done about it then."""


@dataclass(frozen=True)
class ReminderPolicy:
    """Lead times per rule (days ahead), the overdue repeat period and the catch-up horizon.

    An empty lead list turns a rule off; `overdue_every_days=0` turns the
    overdue repeats off.
    """

    leads: Mapping[ReminderRule, tuple[int, ...]] = field(
        default_factory=lambda: dict(DEFAULT_LEADS)
    )
    overdue_every_days: int = 7
    catch_up_days: int = 30

    def leads_for(self, rule: ReminderRule) -> tuple[int, ...]:
        return tuple(sorted(set(self.leads.get(rule, ())), reverse=True))

    def longest_lead(self, rule: ReminderRule) -> int:
        return max(self.leads_for(rule), default=0)


@dataclass(frozen=True)
class DateRow:
    """One date that matters for an agreement, as the dates read model holds it.

    `key` tells apart several dates of one rule (a follow-up's id); `renews`
    marks an expiry that an automatic renewal will move, as long as no
    notice is given.
    """

    agreement_id: UUID
    rule: ReminderRule
    due_on: date
    key: str = ""
    title: str = ""
    reference: str | None = None
    renews: bool = False

    @property
    def name(self) -> str:
        return display_name(self.title, self.reference)


@dataclass(frozen=True)
class DueReminder:
    """A stage of a date that is due: what a reminder is issued for."""

    agreement_id: UUID
    rule: ReminderRule
    key: str
    due_on: date
    stage: str
    title: str
    reference: str | None

    @property
    def id(self) -> UUID:
        return reminder_id(self.agreement_id, self.rule, self.key, self.due_on, self.stage)


ReminderStatus = Literal["open", "acknowledged", "resolved"]
"""Open, or how it was closed: by a person (acknowledged) or by the tracker (resolved)."""
DateId = tuple[UUID, ReminderRule, str, date]
"""A date reminded of: (agreement, rule, follow-up id or "", due date). Its stages share it."""


@dataclass(frozen=True)
class ReminderRow:
    """An issued reminder as the reminders read model holds it (see `Reminder.row`)."""

    id: UUID
    agreement_id: UUID
    rule: ReminderRule
    date_key: str
    due_on: date
    stage: str
    subject: str
    title: str
    reference: str | None
    renewal: RenewalMode | None
    issued_at: datetime
    status: ReminderStatus = "open"
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None
    resolved_at: datetime | None = None
    resolution: str | None = None

    @classmethod
    def issued(cls, reminder_id: UUID, body: ReminderIssued) -> ReminderRow:
        """The row of a reminder just issued: open."""
        return cls(
            id=reminder_id,
            agreement_id=body.agreement_id,
            rule=body.rule,
            date_key=body.date_key,
            due_on=body.due_on,
            stage=body.stage,
            subject=body.subject,
            title=body.title,
            reference=body.reference,
            renewal=body.renewal,
            issued_at=body.issued_at,
        )

    @property
    def name(self) -> str:
        return display_name(self.title, self.reference)

    @property
    def follow_up_id(self) -> UUID | None:
        return UUID(self.date_key) if self.date_key else None

    @property
    def date_id(self) -> DateId:
        return (self.agreement_id, self.rule, self.date_key, self.due_on)


def reminder_id(agreement_id: UUID, rule: ReminderRule, key: str, due_on: date, stage: str) -> UUID:
    """Derived from what the reminder is about, so the store refuses a second copy."""
    name = f"urn:tracker:reminder:{agreement_id}:{rule.value}:{key}:{due_on}:{stage}"
    return uuid5(NAMESPACE_URL, name)


def id_of(body: ReminderIssued) -> UUID:
    return reminder_id(body.agreement_id, body.rule, body.date_key, body.due_on, body.stage)


def current_stage(
    rule: ReminderRule, due_on: date, day: date, policy: ReminderPolicy
) -> str | None:
    """The stage of a date that is due on `day`, or None when nothing is."""
    leads = policy.leads_for(rule)
    if not leads:
        return None
    ahead = (due_on - day).days
    if ahead >= 0:
        started = [lead for lead in leads if lead >= ahead]
        return f"lead-{min(started)}" if started else None
    overdue = -ahead
    if rule in AHEAD_ONLY or overdue > policy.catch_up_days:
        return None
    if rule in REPEATS_WHILE_OVERDUE and policy.overdue_every_days > 0:
        return f"overdue-{(overdue - 1) // policy.overdue_every_days + 1}"
    return f"lead-{min(leads)}"


def due_for(row: DateRow, day: date, policy: ReminderPolicy) -> Iterator[DueReminder]:
    """The reminders one date calls for on `day` (issued or not: the store tells)."""
    if row.rule is ReminderRule.EXPIRY and row.renews:
        return
    for occurrence in _occurrences(row, day):
        stage = current_stage(row.rule, occurrence, day, policy)
        if stage is not None:
            yield DueReminder(
                agreement_id=row.agreement_id,
                rule=row.rule,
                key=row.key,
                due_on=occurrence,
                stage=stage,
                title=printable(row.title),
                reference=printable(row.reference) if row.reference else None,
            )


def _occurrences(row: DateRow, day: date) -> list[date]:
    """The dates a row stands for near `day`: an anniversary recurs every year."""
    if row.rule is not ReminderRule.ANNIVERSARY:
        return [row.due_on]
    years = (day.year - 1, day.year, day.year + 1)
    found = (anniversary_of(row.due_on, year) for year in years)
    return [a for a in found if a is not None and a > row.due_on]


@dataclass(frozen=True)
class Window:
    """The rows of one rule worth reading on a day: a due-date range or a set of month-days."""

    rule: ReminderRule
    due_from: date | None = None
    due_to: date | None = None
    month_days: tuple[str, ...] = ()


def windows(day: date, policy: ReminderPolicy) -> list[Window]:
    """What to read from the dates read model on `day`: only dates that can be due.

    This keeps a sweep's cost proportional to what is due, not to what is stored.
    """
    found: list[Window] = []
    for rule in ReminderRule:
        if not policy.leads_for(rule):
            continue
        late = 0 if rule in AHEAD_ONLY else policy.catch_up_days
        first = add_days(day, -late) or FIRST_DAY
        last = add_days(day, policy.longest_lead(rule)) or LAST_DAY
        if rule is ReminderRule.ANNIVERSARY:
            found.append(Window(rule, month_days=_month_days(first, last)))
        else:
            found.append(Window(rule, due_from=first, due_to=last))
    return found


def _month_days(first: date, last: date) -> tuple[str, ...]:
    days: list[str] = []
    current = first
    while current <= last:
        days.append(current.strftime("%m-%d"))
        if current.month == 2 and current.day == 28 and not _is_leap(current.year):
            days.append("02-29")
        current += timedelta(days=1)
    return tuple(sorted(set(days)))


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
