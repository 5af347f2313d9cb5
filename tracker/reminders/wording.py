"""What a reminder says, for people: its subject, its message, and how far away its date is.

The stored message names the date and never how far away it is, so it stays
true; the relative part ("in 12 days", "3 days overdue", "today") is worked
out when the reminder is read, against the reader's clock (`message` with
`today`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol
from uuid import UUID

from events.reminders import NOUNS, ReminderIssued, ReminderRule, RenewalMode, subject_of
from tracker.reminders.rules import DueReminder
from tracker.state import AgreementState, display_name


class Reminded(Protocol):
    """What the wording needs of a reminder: a stored body and a read-model row both have it."""

    @property
    def rule(self) -> ReminderRule: ...
    @property
    def due_on(self) -> date: ...
    @property
    def subject(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def reference(self) -> str | None: ...
    @property
    def renewal(self) -> RenewalMode | None: ...


@dataclass(frozen=True)
class Said:
    """The words of a reminder about to be issued."""

    rule: ReminderRule
    due_on: date
    subject: str
    title: str
    reference: str | None
    renewal: RenewalMode | None


def when(rule: ReminderRule, due_on: date, today: date) -> str:
    """How far away the date is: "in 12 days", "tomorrow", "today", "3 days overdue"."""
    ahead = (due_on - today).days
    if ahead == 0:
        return "today"
    if ahead == 1:
        return "tomorrow"
    if ahead > 1:
        return f"in {ahead} days"
    days = f"{-ahead} day{'s' if ahead != -1 else ''}"
    return f"{days} overdue" if rule is ReminderRule.FOLLOW_UP else f"{days} ago"


def _described(reminder: Reminded) -> bool:
    """Whether the subject is a follow-up's own description rather than the rule's label."""
    return reminder.subject != subject_of(reminder.rule, reminder.title, reminder.reference)


def what(reminder: Reminded) -> str:
    """The date reminded of, naming the agreement: "the expiry of Title (REF)"."""
    name = display_name(reminder.title, reminder.reference)
    if reminder.rule is ReminderRule.FOLLOW_UP and _described(reminder):
        return f"the follow-up “{reminder.subject}” of {name}"
    return f"the {NOUNS[reminder.rule]} of {name}"


_EXPIRY_TAILS: dict[RenewalMode | None, str] = {
    "by_agreement": " unless the parties agree to renew it",
    "automatic": ": notice of non-renewal was given",
}


def message(reminder: Reminded, today: date | None = None) -> str:
    """One sentence a person can act on; with `today`, it says how far away the date is."""
    due = reminder.due_on.isoformat()
    if today is not None:
        due += f" ({when(reminder.rule, reminder.due_on, today)})"
    name = display_name(reminder.title, reminder.reference)
    if reminder.rule is ReminderRule.ANNIVERSARY:
        return f"Anniversary of the signature of {name}: {due}."
    if reminder.rule is ReminderRule.NOTICE_DEADLINE:
        return f"To stop the renewal of {name}, give notice by {due}."
    if reminder.rule is ReminderRule.FOLLOW_UP and _described(reminder):
        return f"Follow-up “{reminder.subject}” of {name} is due on {due}."
    if reminder.rule is ReminderRule.FOLLOW_UP:
        return f"Follow-up of {name} is due on {due}."
    return f"{name} expires on {due}{_EXPIRY_TAILS.get(reminder.renewal, '')}."


def issued_body(due: DueReminder, state: AgreementState | None, now: datetime) -> ReminderIssued:
    """The reminder to store for a due stage; `state` (when known) gives its words their detail."""
    description = ""
    if state is not None and due.rule is ReminderRule.FOLLOW_UP:
        found = (f for f in state.follow_ups if str(f.id) == due.key)
        description = next((f.description for f in found), "")
    said = Said(
        rule=due.rule,
        due_on=due.due_on,
        subject=subject_of(due.rule, due.title, due.reference, description),
        title=due.title,
        reference=due.reference,
        renewal=state.renewal.mode if state is not None else None,
    )
    return ReminderIssued(
        agreement_id=due.agreement_id,
        rule=said.rule,
        follow_up_id=UUID(due.key) if due.key else None,
        subject=said.subject,
        due_on=said.due_on,
        stage=due.stage,
        message=message(said),
        title=said.title,
        reference=said.reference,
        renewal=said.renewal,
        issued_at=now,
    )
