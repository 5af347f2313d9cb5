"""A digest as an email: text and HTML parts, in the recipient's language.

Each date appears once (a date reminded of at several stages is one item),
grouped by how soon it comes: overdue, this week (the next 7 days), this
month (the next 31 days) and later. An item names the agreement (reference
and title), its date, what to do, and links to the agreement. The message's
`List-Unsubscribe` points to the digest settings; its `Message-ID` is the
digest's, so a mail system that sees a retry recognises it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from typing import Any
from uuid import UUID

from jinja2 import Environment, PackageLoader, select_autoescape

from events.base import printable
from events.digests import DigestPrepared
from events.reminders import ReminderIssued, ReminderRule
from tracker.delivery.language import PHRASES, Phrases

SETTINGS_PATH = "/settings/digest"
GROUPS = (("overdue", 0), ("week", 7), ("month", 31), ("later", None))
"""Each group takes the dates before `on` plus its days, in order."""

_TEMPLATES = Environment(
    loader=PackageLoader("tracker.delivery", "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


@dataclass(frozen=True)
class Item:
    """One date of one agreement, however many reminders of it are open."""

    agreement_id: UUID
    rule: ReminderRule
    subject: str
    due_on: date
    title: str
    reference: str | None

    @property
    def name(self) -> str:
        title = printable(self.title)
        return f"{printable(self.reference)} — {title}" if self.reference else title


def items_of(reminders: Sequence[ReminderIssued]) -> list[Item]:
    """The distinct dates of these reminders, soonest first."""
    found: dict[tuple[UUID, ReminderRule, str, date], Item] = {}
    for r in reminders:
        key = (r.agreement_id, r.rule, r.subject, r.due_on)
        found.setdefault(key, Item(*key, title=r.title, reference=r.reference))
    return sorted(found.values(), key=lambda i: (i.due_on, i.name, i.rule.value, i.subject))


def grouped(items: Sequence[Item], on: date) -> list[tuple[str, list[Item]]]:
    """The groups that have items, in order: overdue, this week, this month, later."""
    groups: list[tuple[str, list[Item]]] = []
    rest = list(items)
    for key, days in GROUPS:
        taken = [i for i in rest if days is None or i.due_on < on + timedelta(days=days)]
        rest = [i for i in rest if i not in taken]
        if taken:
            groups.append((key, taken))
    return groups


@dataclass(frozen=True)
class Letterhead:
    """What every digest shares: who sends it and where the tracker is."""

    sender: str
    public_url: str

    def link(self, path: str) -> str:
        return f"{self.public_url.rstrip('/')}{path}"


def compose(
    digest_id: UUID,
    prepared: DigestPrepared,
    reminders: Sequence[ReminderIssued],
    letterhead: Letterhead,
    at: datetime,
) -> EmailMessage:
    """The email of a prepared digest, dated `at`."""
    phrases = PHRASES[prepared.language]
    subject = phrases.subject.format(date=phrases.day(prepared.on))
    context = _context(prepared, items_of(reminders), letterhead, phrases)
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = letterhead.sender
    message["To"] = formataddr((printable(prepared.name), prepared.email))
    message["Date"] = format_datetime(at)
    message["Message-ID"] = f"<{digest_id}@agreement-tracker>"
    message["List-Unsubscribe"] = f"<{letterhead.link(SETTINGS_PATH)}>"
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(_TEMPLATES.get_template("digest.txt").render(context))
    html = _TEMPLATES.get_template("digest.html").render(subject=subject, **context)
    message.add_alternative(html, subtype="html")
    message["Content-Language"] = prepared.language.value  # after the parts: they reset Content-*
    return message


def _context(
    prepared: DigestPrepared, items: list[Item], letterhead: Letterhead, phrases: Phrases
) -> dict[str, Any]:
    name = printable(prepared.name).strip()
    headings = {
        "overdue": phrases.overdue,
        "week": phrases.week,
        "month": phrases.month,
        "later": phrases.later,
    }
    return {
        "language": prepared.language.value,
        "greeting": phrases.greeting.format(name=name) if name else phrases.greeting_anonymous,
        "intro": phrases.intro,
        "groups": [
            {
                "heading": headings[key],
                "entries": [
                    {
                        "name": item.name,
                        "date": phrases.day(item.due_on),
                        "action": phrases.actions[item.rule],
                        "link": letterhead.link(f"/agreements/{item.agreement_id}"),
                    }
                    for item in members
                ],
            }
            for key, members in grouped(items, prepared.on)
        ],
        "open": phrases.open,
        "frequency": phrases.frequencies[prepared.frequency],
        "settings": phrases.settings,
        "settings_url": letterhead.link(SETTINGS_PATH),
    }
