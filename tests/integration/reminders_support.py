"""Shared by the reminder and sweep tests: agreements built through the tracker, and views."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from events.base import EventBody
from events.cooperation import FollowUpScheduled
from events.drafting import AgreementKind, Drafted, Renewal
from events.lifecycle import Signed
from events.parties import Party, PartyType
from events.reminders import ReminderRule
from projections.reminders import ReminderQuery, list_reminders
from projections.service import ReadModels
from tracker.application import Tracker
from tracker.clock import FixedClock
from tracker.reminders import rules
from tracker.reminders.aggregate import Reminder
from tracker.settings import Settings
from tracker.sweep import SweepReport, sweep

COMMISSION = Party(
    name="Inter-American Commission on Human Rights",
    short_name="IACHR",
    type=PartyType.INTERNATIONAL_ORGANIZATION,
)
OMBUDSMAN = Party(name="Defensoría del Pueblo", type=PartyType.OMBUDSMAN, country="EC")
AUTOMATIC = Renewal(mode="automatic", notice_days=60, period_months=12)


@pytest.fixture
def read_models(database_url: str) -> Iterator[ReadModels]:
    views = ReadModels.connect(database_url)
    yield views
    views.close()


@pytest.fixture
def client(
    tracker: Tracker, read_models: ReadModels, clock: FixedClock, database_url: str
) -> Iterator[TestClient]:
    """The app with its projection runner (the list waits for it), without the scheduler."""
    settings = Settings(database_url=database_url, scheduler=False)
    app = create_app(settings, tracker=tracker, read_models=read_models, clock=clock)
    with TestClient(app) as client:
        yield client


def at(clock: FixedClock, day: date) -> None:
    clock.moment = datetime(day.year, day.month, day.day, 9, 30, tzinfo=UTC)


def signed_agreement(
    tracker: Tracker,
    clock: FixedClock,
    *,
    title: str,
    signed_on: date,
    expires_on: date | None = None,
    renewal: Renewal | None = None,
    in_force_on: date | None = None,
    events: tuple[EventBody, ...] = (),
    **draft: Any,
) -> UUID:
    """Drafted and signed on `signed_on` (entering into force then unless told otherwise)."""
    at(clock, signed_on)
    state = tracker.draft(
        Drafted(
            title=title,
            kind=AgreementKind.COOPERATION_AGREEMENT,
            parties=[COMMISSION, OMBUDSMAN],
            occurred_on=signed_on,
            expires_on=expires_on,
            renewal=renewal or Renewal(),
            **draft,
        ),
        "clerk",
    )
    tracker.record(
        state.id,
        Signed(occurred_on=signed_on, enters_into_force_on=in_force_on or signed_on),
        "clerk",
    )
    for event in events:
        at(clock, event.occurred_on or signed_on)
        tracker.record(state.id, event, "clerk")
    return state.id


def cooperation(tracker: Tracker, clock: FixedClock, **draft: Any) -> UUID:
    """An agreement titled "Cooperation", signed on 15 September 2021."""
    return signed_agreement(
        tracker, clock, title="Cooperation", signed_on=date(2021, 9, 15), **draft
    )


def sweep_on(
    tracker: Tracker,
    read_models: ReadModels,
    clock: FixedClock,
    day: date,
    settings: Settings | None = None,
) -> SweepReport:
    at(clock, day)
    return sweep(tracker, read_models, settings or Settings(), day)


def issued(tracker: Tracker, report: SweepReport) -> list[tuple[str, str, date, str]]:
    """What a sweep issued, read back from the store: (title, rule, due date, stage), sorted."""
    found = []
    for reminder_id in report.issued:
        reminder: Any = tracker.repository.get(reminder_id)
        assert isinstance(reminder, Reminder)
        body = reminder.issued
        found.append((body.title, body.rule.value, body.due_on, body.stage))
    return sorted(found)


def resolved(tracker: Tracker, report: SweepReport) -> list[tuple[str, str, date, str, str]]:
    """What a sweep resolved, read back from the store: (title, rule, due date, stage, cause)."""
    found = []
    for reminder_id in report.resolved:
        reminder: Any = tracker.repository.get(reminder_id)
        assert isinstance(reminder, Reminder) and reminder.resolved is not None
        body = reminder.issued
        found.append(
            (body.title, body.rule.value, body.due_on, body.stage, reminder.resolved.cause)
        )
    return sorted(found)


def open_per_date(read_models: ReadModels, tracker: Tracker) -> dict[object, int]:
    """How many open reminders each date has, as the read model lists them."""
    counts: dict[object, int] = {}
    for row in listed(read_models, tracker, status="open", limit=100_000):
        counts[row.date_id] = counts.get(row.date_id, 0) + 1
    return counts


def store_v1_reminder(
    tracker: Tracker,
    agreement_id: UUID,
    rule: ReminderRule,
    due_on: date,
    stage: str,
    issued_on: date,
    *,
    key: str = "",
    title: str = "Cooperation",
) -> UUID:
    """A reminder as the store of an earlier version holds it (schema version 1)."""
    data = {
        "agreement_id": str(agreement_id),
        "rule": rule.value,
        "subject": key,
        "due_on": due_on.isoformat(),
        "stage": stage,
        "message": f"{title} {rule.value} on {due_on} (in some days).",
        "title": title,
        "reference": None,
        "issued_at": datetime.combine(issued_on, datetime.min.time(), UTC).isoformat(),
    }
    found = rules.reminder_id(agreement_id, rule, key, due_on, stage)
    reminder = Reminder._create(
        Reminder.Created, id=found, type="reminder_issued", schema_version=1, data=data
    )
    tracker.save(reminder)
    return found


def stored_reminder_ids(tracker: Tracker) -> list[UUID]:
    """Every reminder in the store, from the event log itself (not a read model)."""
    notifications = tracker.recorder.select_notifications(
        1, 100_000, topics=[Reminder.Created.TOPIC]
    )
    return [n.originator_id for n in notifications]


def listed(read_models: ReadModels, tracker: Tracker, **filters: Any) -> list[dict[str, Any]]:
    read_models.catch_up(tracker)
    return list_reminders(read_models.db, ReminderQuery(**filters))


def sweep_in_process(database_url: str, day: date, start: Any, results: Any) -> None:
    """A sweep with a tracker and read models of its own, as a second server would run it.

    Every sweeper connects first, then all start together at the `start` barrier.
    """
    clock = FixedClock(datetime(day.year, day.month, day.day, 9, 30, tzinfo=UTC))
    tracker = Tracker.connect(database_url, clock=clock)
    read_models = ReadModels.connect(database_url)
    try:
        start.wait(timeout=60)
        report = sweep(tracker, read_models, Settings(), day)
        results.put(([str(i) for i in report.issued], [(str(a), t) for a, t in report.recorded]))
    finally:
        read_models.close()
        tracker.close()


def portfolio(tracker: Tracker, clock: FixedClock) -> None:
    """Agreements with one date of each kind near PORTFOLIO_DAY, and some with nothing due."""
    signed_agreement(tracker, clock, title="Anniversary", signed_on=date(2019, 6, 10))
    signed_agreement(
        tracker, clock, title="Expiring", signed_on=date(2020, 1, 15), expires_on=date(2024, 7, 1)
    )
    signed_agreement(
        tracker,
        clock,
        title="Automatic",
        signed_on=date(2021, 3, 1),
        expires_on=date(2024, 8, 15),
        renewal=AUTOMATIC,
    )
    signed_agreement(
        tracker,
        clock,
        title="Follow-ups",
        signed_on=date(2022, 5, 20),
        events=(
            FollowUpScheduled(occurred_on=date(2022, 6, 1), due_on=date(2024, 5, 20)),
            FollowUpScheduled(occurred_on=date(2022, 6, 1), due_on=date(2024, 6, 10)),
        ),
    )
    signed_agreement(
        tracker, clock, title="Far away", signed_on=date(2023, 9, 1), expires_on=date(2026, 1, 1)
    )
    at(clock, date(2024, 1, 2))
    tracker.draft(
        Drafted(
            title="Only a draft",
            kind=AgreementKind.OTHER,
            occurred_on=date(2024, 1, 2),
            expires_on=date(2024, 6, 5),
        ),
        "clerk",
    )


PORTFOLIO_DAY = date(2024, 6, 1)
PORTFOLIO_DUE = [
    ("Anniversary", "anniversary", date(2024, 6, 10), "lead-14"),
    ("Automatic", "notice_deadline", date(2024, 6, 16), "lead-30"),
    ("Expiring", "expiry", date(2024, 7, 1), "lead-30"),
    ("Follow-ups", "anniversary", date(2024, 5, 20), "lead-14"),
    ("Follow-ups", "follow_up", date(2024, 5, 20), "overdue-2"),
    ("Follow-ups", "follow_up", date(2024, 6, 10), "lead-14"),
]
"""What the rules call for on PORTFOLIO_DAY, as (title, rule, due date, stage).

"Automatic" renews automatically: its notice deadline is reminded of, its expiry is not.
"""


@dataclass
class Receiver:
    """An HTTP server that answers each POST with the next scripted status (then the last)."""

    statuses: list[int]
    received: list[tuple[bytes, dict[str, str]]] = field(default_factory=list)
    """Each post's raw body and headers."""
    url: str = ""

    def answer(self) -> int:
        index = min(len(self.received) - 1, len(self.statuses) - 1)
        return self.statuses[index]


@pytest.fixture
def receivers() -> Iterator[Any]:
    servers: list[ThreadingHTTPServer] = []

    def start(*statuses: int) -> Receiver:
        receiver = Receiver(list(statuses))

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((body, dict(self.headers)))
                self.send_response(receiver.answer())
                self.end_headers()

            def log_message(self, *_: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/reminders"
        return receiver

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()
