"""Whether an open reminder still has a cause: the sweep's pure decisions about closing them.

A reminder stays open until a person acknowledges it or the tracker resolves
it because what it reminded of no longer calls for anything:

- the agreement ended: terminated, expired, or any other status in `ENDED`
  (every reminder of it);
- the follow-up was completed, or withdrawn (its scheduling retracted);
- the date moved (a renewal, an amendment, a correction): the reminder of the
  old date closes, and the new date is reminded of in its own time;
- the date no longer calls for a reminder: notice of non-renewal was given
  (the notice deadline), the agreement now renews automatically (its expiry)
  or is no longer signed;
- the date passed with nothing left to do: a notice deadline the day after it
  (the agreement renews), an anniversary once it is no longer announced;
- a later reminder of the same date was issued: it supersedes the earlier
  one, so each date has at most one open reminder.

The decisions are plain functions of the agreement's records, the reminders
known for it, the day and the policy; the sweep gathers those and records
what they decide.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from events.reminders import Cause, ReminderRule
from tracker.days import anniversary_of
from tracker.reminders.rules import DateId, ReminderPolicy, ReminderRow
from tracker.state import AgreementState, Record, Status
from tracker.timeline import fold

ENDED = frozenset(s for s in Status if s.value in {"expired", "terminated", "voided"})
"""Statuses that end every reminder of an agreement."""
BOUND = frozenset({Status.SIGNED, Status.IN_FORCE, Status.SUSPENDED})

_ENDINGS = {"expired": "expired", "terminated": "was terminated", "voided": "was voided"}
_MOVERS = {"renewed": "a renewal", "amended": "an amendment", "retracted": "a correction"}

Why = tuple[Cause, str]


@dataclass(frozen=True)
class Resolution:
    """An open reminder the tracker closes, and why (a code and a sentence's words)."""

    reminder: ReminderRow
    cause: Cause
    reason: str


def resolutions(
    known: Sequence[ReminderRow], records: Sequence[Record], day: date, policy: ReminderPolicy
) -> list[Resolution]:
    """The open reminders among `known` that are closed on `day`.

    `known` holds every reminder of one agreement (whatever its status: a
    later stage supersedes an earlier one even once acknowledged); `records`
    are the agreement's records, retracted ones included.
    """
    state = fold(records)
    latest: dict[DateId, ReminderRow] = {}
    for reminder in sorted(known, key=issue_order):
        latest[reminder.date_id] = reminder
    found: list[Resolution] = []
    for reminder in known:
        if reminder.status != "open":
            continue
        last = latest[reminder.date_id]
        why = _gone(reminder, state, records, day, policy)
        if why is None and last.id != reminder.id:
            why = Cause.SUPERSEDED, f"superseded by the later reminder of the date ({last.stage})"
        if why is not None:
            found.append(Resolution(reminder, *why))
    return found


def issue_order(reminder: ReminderRow) -> tuple[datetime, str]:
    """The order reminders were issued in: by moment, then by id (as the read model sorts)."""
    return reminder.issued_at, str(reminder.id)


def _gone(
    reminder: ReminderRow,
    state: AgreementState,
    records: Sequence[Record],
    day: date,
    policy: ReminderPolicy,
) -> Why | None:
    """Why the date the reminder is about no longer calls for it, if it does not."""
    if state.status in ENDED:
        ending = _ENDINGS.get(state.status.value, f"is {state.status.value}")
        on = f" on {state.ended_on}" if state.ended_on else ""
        return Cause.AGREEMENT_ENDED, f"the agreement {ending}{on}"
    if reminder.rule is ReminderRule.FOLLOW_UP:
        return _follow_up(reminder, state)
    if state.status not in BOUND or state.signed_on is None:
        return Cause.NO_LONGER_DUE, "the agreement is no longer signed"
    if reminder.rule is ReminderRule.NOTICE_DEADLINE:
        return _notice_deadline(reminder, state, records, day)
    if reminder.rule is ReminderRule.EXPIRY:
        return _expiry(reminder, state, records)
    return _anniversary(reminder, state.signed_on, records, day, policy)


def _follow_up(reminder: ReminderRow, state: AgreementState) -> Why | None:
    found = next((f for f in state.follow_ups if str(f.id) == reminder.date_key), None)
    if found is None:
        return Cause.FOLLOW_UP_WITHDRAWN, "the follow-up was withdrawn"
    if found.status == "completed":
        on = f" on {found.completed_on}" if found.completed_on else ""
        return Cause.FOLLOW_UP_COMPLETED, f"the follow-up was completed{on}"
    return None


def _notice_deadline(
    reminder: ReminderRow, state: AgreementState, records: Sequence[Record], day: date
) -> Why | None:
    deadline = state.notice_deadline
    if deadline is None:
        if state.notice_given_on is not None:
            given = f"notice of non-renewal was given on {state.notice_given_on}"
            return Cause.NO_LONGER_DUE, given
        if state.renewal.mode != "automatic":
            return Cause.NO_LONGER_DUE, "the agreement no longer renews automatically"
        return Cause.NO_LONGER_DUE, "the agreement has no notice deadline any more"
    if deadline != reminder.due_on:
        return Cause.DATE_MOVED, _moved("the notice deadline", deadline, reminder, records)
    if deadline < day:
        renews = f"the agreement renews automatically on {state.expires_on}"
        return Cause.PASSED, f"the last day to give notice has passed; {renews}"
    return None


def _expiry(reminder: ReminderRow, state: AgreementState, records: Sequence[Record]) -> Why | None:
    if state.expires_on is None:
        return Cause.NO_LONGER_DUE, "the agreement no longer has an expiry date"
    if state.expires_on != reminder.due_on:
        return Cause.DATE_MOVED, _moved("the expiry", state.expires_on, reminder, records)
    if state.notice_deadline is not None:
        renews = f"unless notice is given by {state.notice_deadline}"
        return Cause.NO_LONGER_DUE, f"the agreement renews automatically {renews}"
    return None


def _anniversary(
    reminder: ReminderRow,
    signed_on: date,
    records: Sequence[Record],
    day: date,
    policy: ReminderPolicy,
) -> Why | None:
    if anniversary_of(signed_on, reminder.due_on.year) != reminder.due_on:
        return Cause.DATE_MOVED, _moved("the signature date", signed_on, reminder, records)
    if (day - reminder.due_on).days > policy.catch_up_days:
        return Cause.PASSED, "the anniversary has passed"
    return None


def _moved(what: str, to: date, reminder: ReminderRow, records: Sequence[Record]) -> str:
    """`the expiry moved to 2025-07-15 by a renewal`: the last such event since it was issued."""
    since = [r.type for r in records if r.recorded_at > reminder.issued_at and r.type in _MOVERS]
    return f"{what} moved to {to}" + (f" by {_MOVERS[since[-1]]}" if since else "")
