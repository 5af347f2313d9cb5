"""Reminders that close themselves, on both stores: what a cooperation officer saw, and more.

Some stores were written by a version that left reminders open whatever
happened (and kept a follow-up's id as the subject): `store_v1_reminder`
writes reminders as that version stored them, and the sweep tidies them up.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from uuid import UUID

from events.cooperation import FollowUpCompleted, FollowUpScheduled
from events.drafting import Renewal
from events.lifecycle import Terminated
from events.reminders import ReminderRule
from projections.service import ReadModels
from tests.integration.reminders_support import (
    AUTOMATIC,
    at,
    cooperation,
    issued,
    listed,
    open_per_date,
    read_models,
    resolved,
    signed_agreement,
    store_v1_reminder,
    sweep_on,
)
from tracker.application import Tracker
from tracker.clock import FixedClock
from tracker.reminders.aggregate import Reminder
from tracker.reminders.rules import ReminderPolicy
from tracker.settings import Settings
from tracker.sweep import preview

__all__ = ["read_models"]


def causes(tracker: Tracker, ids: list[UUID]) -> dict[UUID, tuple[str, str]]:
    """How each reminder was closed, read back from the store: (status, reason)."""
    found: dict[UUID, tuple[str, str]] = {}
    for reminder_id in ids:
        reminder: Any = tracker.repository.get(reminder_id)
        assert isinstance(reminder, Reminder)
        reason = reminder.resolved.reason if reminder.resolved else ""
        found[reminder_id] = (reminder.status, reason)
    return found


def renewing(tracker: Tracker, clock: FixedClock) -> UUID:
    """Renews automatically on 1 September 2024 unless notice is given by 3 July."""
    return cooperation(tracker, clock, expires_on=date(2024, 9, 1), renewal=AUTOMATIC)


def test_a_terminated_agreement_closes_its_notice_deadline_and_expiry_reminders(
    tracker: Tracker, read_models: ReadModels, clock: FixedClock
) -> None:
    agreement = renewing(tracker, clock)
    old = [
        store_v1_reminder(
            tracker,
            agreement,
            ReminderRule.NOTICE_DEADLINE,
            date(2024, 7, 3),
            "lead-30",
            date(2024, 6, 3),
        ),
        store_v1_reminder(
            tracker, agreement, ReminderRule.EXPIRY, date(2024, 9, 1), "lead-90", date(2024, 6, 3)
        ),
    ]
    at(clock, date(2024, 6, 10))
    tracker.record(agreement, Terminated(reason="by mutual consent"), "clerk")
    report = sweep_on(tracker, read_models, clock, date(2024, 6, 11))
    terminated = ("resolved", "the agreement was terminated on 2024-06-10")
    assert causes(tracker, old) == {old[0]: terminated, old[1]: terminated}
    assert sorted(report.resolved) == sorted(old)
    assert listed(read_models, tracker, status="open") == []
    assert {row.resolution for row in listed(read_models, tracker, status="resolved")} == {
        terminated[1]
    }


def test_a_completed_follow_up_closes_every_reminder_of_it(
    tracker: Tracker, read_models: ReadModels, clock: FixedClock
) -> None:
    agreement = cooperation(
        tracker,
        clock,
        events=(FollowUpScheduled(occurred_on=date(2024, 1, 5), due_on=date(2024, 5, 20)),),
    )
    (follow_up,) = tracker.state(agreement).follow_ups
    old = [
        store_v1_reminder(
            tracker,
            agreement,
            ReminderRule.FOLLOW_UP,
            date(2024, 5, 20),
            stage,
            issued_on,
            key=str(follow_up.id),
        )
        for stage, issued_on in [
            ("lead-14", date(2024, 5, 6)),
            ("overdue-2", date(2024, 5, 28)),
            ("overdue-3", date(2024, 6, 4)),
        ]
    ]
    at(clock, date(2024, 6, 5))
    tracker.record(agreement, FollowUpCompleted(follow_up_id=follow_up.id), "clerk")
    sweep_on(tracker, read_models, clock, date(2024, 6, 6))
    done = ("resolved", "the follow-up was completed on 2024-06-05")
    assert causes(tracker, old) == dict.fromkeys(old, done)
    assert listed(read_models, tracker, status="open") == []


def test_a_notice_deadline_left_with_four_open_reminders_keeps_none(
    tracker: Tracker, read_models: ReadModels, clock: FixedClock
) -> None:
    agreement = renewing(tracker, clock)
    deadline = date(2024, 7, 3)
    old = [
        store_v1_reminder(
            tracker,
            agreement,
            ReminderRule.NOTICE_DEADLINE,
            deadline,
            f"overdue-{week}",
            deadline + timedelta(weeks=week - 1, days=1),
        )
        for week in (8, 9, 10, 11)
    ]
    report = sweep_on(tracker, read_models, clock, date(2024, 8, 25))
    assert issued(tracker, report) == []
    passed = (
        "resolved",
        "the last day to give notice has passed; the agreement renews automatically on 2024-09-01",
    )
    assert causes(tracker, old) == dict.fromkeys(old, passed)
    assert open_per_date(read_models, tracker) == {}


def test_automatic_renewal_is_reminded_of_its_notice_deadline_ahead_only(
    tracker: Tracker, read_models: ReadModels, clock: FixedClock
) -> None:
    """Over two renewal periods: the notice deadline 30 days ahead, nothing once it has passed,
    no expiry reminders (the renewal is recorded); by agreement, the expiry reminders instead."""
    quarterly = Renewal(mode="automatic", notice_days=30, period_months=3)
    renews = signed_agreement(
        tracker,
        clock,
        title="Renews",
        signed_on=date(2022, 2, 15),
        expires_on=date(2024, 8, 15),
        renewal=quarterly,
    )
    signed_agreement(
        tracker,
        clock,
        title="Agreed",
        signed_on=date(2022, 2, 15),
        expires_on=date(2024, 8, 15),
        renewal=Renewal(mode="by_agreement"),
    )
    first = date(2024, 6, 1)
    found_issued, found_resolved = [], []
    for offset in range(150):
        report = sweep_on(tracker, read_models, clock, first + timedelta(days=offset))
        found_issued += issued(tracker, report)
        found_resolved += resolved(tracker, report)
    assert sorted(found_issued) == [
        ("Agreed", "expiry", date(2024, 8, 15), "lead-30"),
        ("Agreed", "expiry", date(2024, 8, 15), "lead-7"),
        ("Agreed", "expiry", date(2024, 8, 15), "lead-90"),
        ("Renews", "notice_deadline", date(2024, 7, 16), "lead-30"),
        ("Renews", "notice_deadline", date(2024, 10, 16), "lead-30"),
    ]
    assert sorted(found_resolved) == [
        ("Agreed", "expiry", date(2024, 8, 15), "lead-30", "superseded"),
        ("Agreed", "expiry", date(2024, 8, 15), "lead-7", "agreement_ended"),
        ("Agreed", "expiry", date(2024, 8, 15), "lead-90", "superseded"),
        ("Renews", "notice_deadline", date(2024, 7, 16), "lead-30", "passed"),
        ("Renews", "notice_deadline", date(2024, 10, 16), "lead-30", "passed"),
    ]
    assert tracker.state(renews).expires_on == date(2024, 11, 15)


def test_the_first_sweep_announces_no_date_more_than_the_catch_up_days_past(
    tracker: Tracker, read_models: ReadModels, clock: FixedClock
) -> None:
    day = date(2024, 6, 1)
    signed_agreement(
        tracker,
        clock,
        title="Long overdue",
        signed_on=date(2021, 4, 11),  # its anniversary was 51 days ago
        events=(
            FollowUpScheduled(occurred_on=date(2024, 1, 5), due_on=day - timedelta(days=51)),
            FollowUpScheduled(occurred_on=date(2024, 1, 5), due_on=day - timedelta(days=30)),
        ),
    )
    report = sweep_on(tracker, read_models, clock, day)
    assert issued(tracker, report) == [
        ("Long overdue", "follow_up", day - timedelta(days=30), "overdue-5")
    ]
    assert report.lines == [
        "issued: Follow-up of Long overdue is due on 2024-05-02 (30 days overdue)."
    ]
    later = Settings(reminders=ReminderPolicy(catch_up_days=60))
    again = sweep_on(tracker, read_models, clock, day, later)
    assert [(rule, stage) for _, rule, _, stage in issued(tracker, again)] == [
        ("anniversary", "lead-14"),
        ("follow_up", "overdue-8"),
    ]


def test_a_dry_run_shows_what_the_sweep_would_resolve_and_resolves_nothing(
    tracker: Tracker, read_models: ReadModels, clock: FixedClock
) -> None:
    agreement = cooperation(
        tracker,
        clock,
        expires_on=date(2024, 7, 15),
    )
    sweep_on(tracker, read_models, clock, date(2024, 6, 15))
    at(clock, date(2024, 6, 16))
    tracker.record(agreement, Terminated(reason="by mutual consent"), "clerk")
    dry = preview(tracker, read_models, Settings(), date(2024, 6, 17))
    expected = (
        "the expiry of Cooperation on 2024-07-15 (lead-30):"
        " the agreement was terminated on 2024-06-16"
    )
    assert dry.lines == [f"would resolve: {expected}"]
    assert [row.status for row in listed(read_models, tracker)] == ["open"]
    real = sweep_on(tracker, read_models, clock, date(2024, 6, 17))
    assert real.lines == [f"resolved: {expected}"]
    assert real.resolved == dry.resolved
