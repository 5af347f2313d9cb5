"""The sweep on real stores: what it issues on a day, catch-up, consequences of time, moot dates."""

from __future__ import annotations

from datetime import date, timedelta

from events.cooperation import FollowUpCompleted, FollowUpScheduled
from events.drafting import Renewal
from events.lifecycle import NoticeGiven, Renewed, Terminated
from projections.service import ReadModels
from tests.integration.reminders_support import (
    AUTOMATIC,
    PORTFOLIO_DAY,
    PORTFOLIO_DUE,
    at,
    issued,
    listed,
    open_per_date,
    portfolio,
    read_models,
    resolved,
    signed_agreement,
    stored_reminder_ids,
    sweep_on,
)
from tracker.application import Tracker
from tracker.clock import FixedClock

__all__ = ["read_models"]

DAY = PORTFOLIO_DAY


def test_a_sweep_issues_exactly_what_the_rules_call_for(
    tracker: Tracker, read_models: ReadModels, clock: FixedClock
) -> None:
    portfolio(tracker, clock)
    report = sweep_on(tracker, read_models, clock, DAY)
    assert issued(tracker, report) == PORTFOLIO_DUE
    assert report.recorded == []


def test_a_second_sweep_issues_nothing_new(
    tracker: Tracker, read_models: ReadModels, clock: FixedClock
) -> None:
    portfolio(tracker, clock)
    first = sweep_on(tracker, read_models, clock, DAY)
    second = sweep_on(tracker, read_models, clock, DAY)
    assert (len(first.issued), second.issued, second.already_issued) == (6, [], 6)
    assert (first.resolved, second.resolved) == ([], [])
    assert len(stored_reminder_ids(tracker)) == 6


def test_daily_sweeps_issue_each_new_stage_on_its_first_day_and_close_the_one_before(
    tracker: Tracker, read_models: ReadModels, clock: FixedClock
) -> None:
    portfolio(tracker, clock)
    sweep_on(tracker, read_models, clock, DAY)
    issued_by_day: dict[date, list[tuple[str, str, date, str]]] = {}
    resolved_by_day: dict[date, list[tuple[str, str, date, str, str]]] = {}
    for offset in range(1, 30):
        day = DAY + timedelta(days=offset)
        report = sweep_on(tracker, read_models, clock, day)
        if report.issued:
            issued_by_day[day] = issued(tracker, report)
        if report.resolved:
            resolved_by_day[day] = resolved(tracker, report)
        assert set(open_per_date(read_models, tracker).values()) == {1}
    first, second, notice = date(2024, 5, 20), date(2024, 6, 10), date(2024, 6, 16)
    assert issued_by_day == {
        date(2024, 6, 4): [("Follow-ups", "follow_up", first, "overdue-3")],
        date(2024, 6, 11): [
            ("Follow-ups", "follow_up", first, "overdue-4"),
            ("Follow-ups", "follow_up", second, "overdue-1"),
        ],
        date(2024, 6, 18): [
            ("Follow-ups", "follow_up", first, "overdue-5"),
            ("Follow-ups", "follow_up", second, "overdue-2"),
        ],
        date(2024, 6, 24): [("Expiring", "expiry", date(2024, 7, 1), "lead-7")],
        date(2024, 6, 25): [("Follow-ups", "follow_up", second, "overdue-3")],
    }
    assert resolved_by_day == {
        date(2024, 6, 4): [("Follow-ups", "follow_up", first, "overdue-2", "superseded")],
        date(2024, 6, 11): [
            ("Follow-ups", "follow_up", first, "overdue-3", "superseded"),
            ("Follow-ups", "follow_up", second, "lead-14", "superseded"),
        ],
        date(2024, 6, 17): [("Automatic", "notice_deadline", notice, "lead-30", "passed")],
        date(2024, 6, 18): [
            ("Follow-ups", "follow_up", first, "overdue-4", "superseded"),
            ("Follow-ups", "follow_up", second, "overdue-1", "superseded"),
        ],
        date(2024, 6, 20): [("Follow-ups", "anniversary", first, "lead-14", "passed")],
        date(2024, 6, 24): [("Expiring", "expiry", date(2024, 7, 1), "lead-30", "superseded")],
        date(2024, 6, 25): [("Follow-ups", "follow_up", second, "overdue-2", "superseded")],
    }


def test_after_months_without_a_sweep_it_catches_up_with_the_current_stage_only(
    tracker: Tracker, read_models: ReadModels, clock: FixedClock
) -> None:
    agreement = signed_agreement(
        tracker,
        clock,
        title="Gap",
        signed_on=date(2020, 2, 10),
        expires_on=date(2024, 12, 31),
        events=(FollowUpScheduled(occurred_on=date(2023, 1, 5), due_on=date(2024, 3, 1)),),
    )
    assert issued(tracker, sweep_on(tracker, read_models, clock, date(2024, 1, 1))) == []
    late = sweep_on(tracker, read_models, clock, date(2024, 12, 28))
    # The follow-up is months overdue: past the catch-up horizon, it is not announced.
    assert issued(tracker, late) == [("Gap", "expiry", date(2024, 12, 31), "lead-7")]
    after = sweep_on(tracker, read_models, clock, date(2025, 1, 2))
    assert after.recorded == [(agreement, "expired")]
    assert issued(tracker, after) == []
    assert resolved(tracker, after) == [
        ("Gap", "expiry", date(2024, 12, 31), "lead-7", "agreement_ended")
    ]
    state = tracker.state(agreement)
    assert (state.status, state.ended_on) == ("expired", date(2024, 12, 31))
    last = tracker.history(agreement)[-1]
    assert (last.type, last.recorded_by, last.occurred_on) == (
        "expired",
        "scheduler",
        date(2024, 12, 31),
    )


def test_automatic_renewal_versus_expiry_versus_notice_given(
    tracker: Tracker, read_models: ReadModels, clock: FixedClock
) -> None:
    expires = date(2023, 6, 30)
    renews = signed_agreement(
        tracker,
        clock,
        title="Renews",
        signed_on=date(2020, 7, 1),
        expires_on=expires,
        renewal=AUTOMATIC,
    )
    noticed = signed_agreement(
        tracker,
        clock,
        title="Noticed",
        signed_on=date(2020, 7, 1),
        expires_on=expires,
        renewal=AUTOMATIC,
        events=(NoticeGiven(occurred_on=date(2023, 3, 1), by_party="IACHR"),),
    )
    by_agreement = signed_agreement(
        tracker,
        clock,
        title="By agreement",
        signed_on=date(2020, 7, 1),
        expires_on=expires,
        renewal=Renewal(mode="by_agreement"),
    )
    report = sweep_on(tracker, read_models, clock, date(2024, 9, 1))
    assert sorted(report.recorded) == sorted(
        [(renews, "renewed"), (noticed, "expired"), (by_agreement, "expired")]
    )
    renewed = tracker.state(renews)
    assert (renewed.status, renewed.expires_on) == ("in_force", date(2025, 6, 30))
    (renewal,) = [r for r in tracker.history(renews) if r.type == "renewed"]
    assert isinstance(renewal.body, Renewed)
    assert (renewal.occurred_on, renewal.recorded_by, renewal.body.periods) == (
        date(2023, 6, 30),
        "scheduler",
        2,
    )
    for ended in (noticed, by_agreement):
        state = tracker.state(ended)
        assert (state.status, state.ended_on) == ("expired", expires)
    again = sweep_on(tracker, read_models, clock, date(2024, 9, 1))
    assert again.recorded == []


def test_an_agreement_enters_into_force_on_its_day(
    tracker: Tracker, read_models: ReadModels, clock: FixedClock
) -> None:
    agreement = signed_agreement(
        tracker, clock, title="Later", signed_on=date(2024, 3, 1), in_force_on=date(2024, 4, 1)
    )
    assert sweep_on(tracker, read_models, clock, date(2024, 3, 31)).recorded == []
    assert tracker.state(agreement).status == "signed"
    report = sweep_on(tracker, read_models, clock, date(2024, 4, 2))
    assert report.recorded == [(agreement, "entered_into_force")]
    state = tracker.state(agreement)
    assert (state.status, state.in_force_on) == ("in_force", date(2024, 4, 1))


def test_moot_dates_are_not_reminded_and_their_reminders_are_resolved(
    tracker: Tracker, read_models: ReadModels, clock: FixedClock
) -> None:
    noticed = signed_agreement(
        tracker,
        clock,
        title="Noticed",
        signed_on=date(2021, 9, 15),
        expires_on=date(2024, 9, 1),
        renewal=AUTOMATIC,
        events=(FollowUpScheduled(occurred_on=date(2024, 1, 10), due_on=date(2024, 6, 20)),),
    )
    renewed = signed_agreement(
        tracker, clock, title="Renewed", signed_on=date(2021, 9, 15), expires_on=date(2024, 7, 15)
    )
    terminated = signed_agreement(
        tracker,
        clock,
        title="Terminated",
        signed_on=date(2021, 9, 15),
        expires_on=date(2024, 7, 15),
    )
    first = sweep_on(tracker, read_models, clock, date(2024, 6, 15))
    assert issued(tracker, first) == [
        ("Noticed", "follow_up", date(2024, 6, 20), "lead-14"),
        ("Noticed", "notice_deadline", date(2024, 7, 3), "lead-30"),
        ("Renewed", "expiry", date(2024, 7, 15), "lead-30"),
        ("Terminated", "expiry", date(2024, 7, 15), "lead-30"),
    ]
    at(clock, date(2024, 6, 16))
    tracker.record(noticed, NoticeGiven(by_party="IACHR"), "clerk")
    (follow_up,) = tracker.state(noticed).follow_ups
    tracker.record(noticed, FollowUpCompleted(follow_up_id=follow_up.id), "clerk")
    tracker.record(renewed, Renewed(expires_on=date(2025, 7, 15)), "clerk")
    tracker.record(terminated, Terminated(reason="ended by both parties"), "clerk")
    # Without those events, this day would bring the follow-up's overdue reminder and the
    # 7-day reminders of both July expiries; "Noticed" now expires, so its expiry is reminded.
    later = sweep_on(tracker, read_models, clock, date(2024, 7, 10))
    assert issued(tracker, later) == [("Noticed", "expiry", date(2024, 9, 1), "lead-90")]
    assert resolved(tracker, later) == [
        ("Noticed", "follow_up", date(2024, 6, 20), "lead-14", "follow_up_completed"),
        ("Noticed", "notice_deadline", date(2024, 7, 3), "lead-30", "no_longer_due"),
        ("Renewed", "expiry", date(2024, 7, 15), "lead-30", "date_moved"),
        ("Terminated", "expiry", date(2024, 7, 15), "lead-30", "agreement_ended"),
    ]
    assert sorted(line for line in later.lines if line.startswith("resolved: ")) == [
        "resolved: the expiry of Renewed on 2024-07-15 (lead-30): the expiry moved to"
        " 2025-07-15 by a renewal",
        "resolved: the expiry of Terminated on 2024-07-15 (lead-30): the agreement was"
        " terminated on 2024-06-16",
        "resolved: the follow-up of Noticed on 2024-06-20 (lead-14): the follow-up was"
        " completed on 2024-06-16",
        "resolved: the notice deadline of Noticed on 2024-07-03 (lead-30): notice of"
        " non-renewal was given on 2024-06-16",
    ]
    still_open = listed(read_models, tracker, status="open")
    assert [(row.title, row.rule.value, row.stage) for row in still_open] == [
        ("Noticed", "expiry", "lead-90")
    ]
    assert len(stored_reminder_ids(tracker)) == 5
    assert sweep_on(tracker, read_models, clock, date(2024, 7, 10)).resolved == []
