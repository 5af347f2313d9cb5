"""The dates that matter as an RFC 5545 calendar, for calendar apps to subscribe to.

One all-day event per date row: a yearly recurring event for each
agreement's signature anniversary (from the first anniversary on), and single
events for expiries, notice deadlines and open follow-ups. Each event's UID
is derived from the agreement, the rule and the follow-up, never from the date,
so when a renewal moves an expiry the calendar app updates the event it
already has instead of adding a second one.

A date that cannot be written is left out and logged; every subscriber
still gets the feed with every other date. An event on the last recordable day
has no DTEND (RFC 5545: an all-day event then lasts that day), so no date
overflows.

The feed can be cached: it is the same bytes as long as its agreements have
not changed. Its `DTSTAMP` is the moment the latest of them changed (never
the time of the request), which is also its `Last-Modified`, and its ETag is
a digest of the bytes. `calendar_feed` takes the agreements a subscriber
follows (every agreement by default), so a personal feed is the same feed
of fewer agreements.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from uuid import UUID

from icalendar import Calendar, Event, vRecur

from events.reminders import ReminderRule
from projections.changes import last_change
from projections.db import ViewDB
from projections.reminders import calendar_rows
from tracker.days import add_days, anniversary_of
from tracker.reminders.rules import DateRow

log = logging.getLogger(__name__)

PRODID = "-//Agreement tracker//Reminders//EN"
UID_DOMAIN = "agreement-tracker"

_SUMMARIES = {
    ReminderRule.ANNIVERSARY: "Anniversary of the signature: {name}",
    ReminderRule.EXPIRY: "Expiry: {name}",
    ReminderRule.NOTICE_DEADLINE: "Last day to give notice of non-renewal: {name}",
    ReminderRule.FOLLOW_UP: "Follow-up due: {name}",
}


def event_uid(row: DateRow) -> str:
    key = row.key or "-"
    return f"{row.agreement_id}.{row.rule.value}.{key}@{UID_DOMAIN}"


def _event(row: DateRow, stamp: datetime) -> Event | None:
    """The row's event, or None when it has no recordable date to show."""
    start: date | None = row.due_on
    if row.rule is ReminderRule.ANNIVERSARY:
        start = anniversary_of(row.due_on, row.due_on.year + 1)
    if start is None:
        return None
    event = Event()
    event.add("uid", event_uid(row))
    event.add("dtstamp", stamp)
    event.add("summary", _SUMMARIES[row.rule].format(name=row.name))
    event.add("description", f"Agreement {row.agreement_id}")
    event.add("transp", "TRANSPARENT")
    if row.rule is ReminderRule.ANNIVERSARY:
        event.add("rrule", _yearly(row.due_on))
    event.add("dtstart", start)
    end = add_days(start, 1)
    if end is not None:
        event.add("dtend", end)
    return event


def _yearly(signed_on: date) -> vRecur:
    """29 February recurs on the last day of February, so it is kept every year."""
    if (signed_on.month, signed_on.day) == (2, 29):
        return vRecur(freq="YEARLY", bymonth=2, bymonthday=-1)
    return vRecur(freq="YEARLY")


def build_calendar(rows: Iterable[DateRow], stamp: datetime) -> bytes:
    """The feed for these date rows; `stamp` (tz-aware UTC) is when their data last changed."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", "Agreement tracker")
    for row in rows:
        try:
            event = _event(row, stamp)
        except Exception:
            log.exception(
                "the calendar leaves out the %s date of %r (%r)", row.rule, row.title, row.reference
            )
            continue
        if event is not None:
            calendar.add_component(event)
    return bytes(calendar.to_ical())


NEVER = datetime(1970, 1, 1, tzinfo=UTC)
"""The stamp of a feed of no agreement (it has no event to stamp)."""


@dataclass(frozen=True)
class Feed:
    body: bytes
    etag: str
    """A strong validator: a digest of the body, quoted."""
    last_modified: datetime | None
    """When the latest of its agreements changed; None when there is none."""


def calendar_feed(db: ViewDB, agreements: Collection[UUID] | None = None) -> Feed:
    """The feed of these agreements (None: every agreement), with what a cache needs."""
    changed = last_change(db, agreements)
    body = build_calendar(calendar_rows(db, agreements), changed or NEVER)
    etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
    return Feed(body, etag, changed)
