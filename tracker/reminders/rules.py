"""Which reminders are due on a day, computed from the dates that matter.

Pure functions over `DateRow`s (the rows of the dates read model). Each date
has *stages*: one per lead time (`lead-90`, `lead-30`, `lead-7`: the reminder
N days ahead) and, for the rules that repeat while overdue, one per overdue
period (`overdue-1` from the day after the date, `overdue-2` a period later,
and so on). A reminder is identified by (agreement, rule, subject, due date,
stage): the same stage of the same date is never issued twice, while the
30-day and the 7-day reminders of one expiry are two reminders.

On a given day only the *current* stage of each date is due: the latest one
that has started. A sweep after a gap therefore catches up with one reminder
per date, the most recent, instead of every stage it missed. A date that has
passed is still reminded of, late, for `catch_up_days` (a non-repeating rule),
and never after: an anniversary missed last year is not announced today.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from uuid import NAMESPACE_URL, UUID, uuid5

from events.base import FIRST_DAY, LAST_DAY, printable
from events.reminders import ReminderRule
from tracker.days import add_days, anniversary_of
from tracker.state import display_name

DEFAULT_LEADS: Mapping[ReminderRule, tuple[int, ...]] = {
    ReminderRule.ANNIVERSARY: (14,),
    ReminderRule.EXPIRY: (90, 30, 7),
    ReminderRule.NOTICE_DEADLINE: (30,),
    ReminderRule.FOLLOW_UP: (14,),
}

REPEATS_WHILE_OVERDUE = frozenset({ReminderRule.NOTICE_DEADLINE, ReminderRule.FOLLOW_UP})


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

    `subject` tells apart several dates of one rule (a follow-up's id);
    `until` ends the overdue repeats (a notice deadline's expiry date).
    """

    agreement_id: UUID
    rule: ReminderRule
    due_on: date
    subject: str = ""
    title: str = ""
    reference: str | None = None
    until: date | None = None

    @property
    def name(self) -> str:
        return display_name(self.title, self.reference)


@dataclass(frozen=True)
class DueReminder:
    agreement_id: UUID
    rule: ReminderRule
    subject: str
    due_on: date
    stage: str
    message: str
    title: str
    reference: str | None

    @property
    def id(self) -> UUID:
        return reminder_id(self.agreement_id, self.rule, self.subject, self.due_on, self.stage)


def reminder_id(
    agreement_id: UUID, rule: ReminderRule, subject: str, due_on: date, stage: str
) -> UUID:
    """Derived from what the reminder is about, so the store refuses a second copy."""
    name = f"urn:tracker:reminder:{agreement_id}:{rule.value}:{subject}:{due_on}:{stage}"
    return uuid5(NAMESPACE_URL, name)


def current_stage(
    due_on: date,
    day: date,
    leads: tuple[int, ...],
    *,
    repeats: bool,
    policy: ReminderPolicy,
    until: date | None = None,
) -> str | None:
    """The stage of a date that is due on `day`, or None when nothing is."""
    if not leads:
        return None
    ahead = (due_on - day).days
    if ahead >= 0:
        started = [lead for lead in leads if lead >= ahead]
        return f"lead-{min(started)}" if started else None
    overdue = -ahead
    if repeats and policy.overdue_every_days > 0:
        if until is not None and day >= until:
            return None
        return f"overdue-{(overdue - 1) // policy.overdue_every_days + 1}"
    if overdue <= policy.catch_up_days:
        return f"lead-{min(leads)}"
    return None


def due_for(row: DateRow, day: date, policy: ReminderPolicy) -> Iterator[DueReminder]:
    """The reminders one date calls for on `day` (issued or not: the store tells)."""
    leads = policy.leads_for(row.rule)
    for occurrence in _occurrences(row, day):
        stage = current_stage(
            occurrence,
            day,
            leads,
            repeats=row.rule in REPEATS_WHILE_OVERDUE,
            policy=policy,
            until=row.until,
        )
        if stage is not None:
            yield DueReminder(
                agreement_id=row.agreement_id,
                rule=row.rule,
                subject=row.subject,
                due_on=occurrence,
                stage=stage,
                message=message(row, occurrence, day),
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
        longest = policy.longest_lead(rule)
        if not policy.leads_for(rule):
            continue
        first = add_days(day, -policy.catch_up_days) or FIRST_DAY
        last = add_days(day, longest) or LAST_DAY
        if rule is ReminderRule.ANNIVERSARY:
            found.append(Window(rule, month_days=_month_days(first, last)))
        elif rule in REPEATS_WHILE_OVERDUE and policy.overdue_every_days > 0:
            found.append(Window(rule, due_to=last))
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


_TEMPLATES = {
    ReminderRule.ANNIVERSARY: "Anniversary of the signature of {name}: {due} ({when}).",
    ReminderRule.EXPIRY: "{name} expires on {due} ({when}).",
    ReminderRule.NOTICE_DEADLINE: (
        "Last day to give notice of non-renewal of {name}: {due} ({when})."
    ),
    ReminderRule.FOLLOW_UP: "Follow-up of {name} due on {due} ({when}).",
}


def message(row: DateRow, due_on: date, day: date) -> str:
    """One line a person can act on: what, for which agreement, when, how far away."""
    ahead = (due_on - day).days
    if ahead == 0:
        when = "today"
    elif ahead > 0:
        when = f"in {ahead} day{'s' if ahead != 1 else ''}"
    else:
        when = f"{-ahead} day{'s' if ahead != -1 else ''} ago"
    return _TEMPLATES[row.rule].format(name=row.name, due=due_on.isoformat(), when=when)
