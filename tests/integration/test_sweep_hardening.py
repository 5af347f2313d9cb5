"""The sweep on real stores with bad data: one bad agreement or reminder harms only itself.

Also: renewal catch-up costs one event whatever the gap, and time travel is
explicit (no sweep after today; a dry run records nothing).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest

from events.drafting import Renewal
from events.lifecycle import Renewed
from projections.service import ReadModels
from tests.integration.reminders_support import (
    PORTFOLIO_DAY,
    PORTFOLIO_DUE,
    at,
    issued,
    portfolio,
    read_models,
    receivers,
    signed_agreement,
    stored_reminder_ids,
    sweep_on,
)
from tests.integration.unchecked import store_unchecked
from tracker.application import Tracker
from tracker.clock import FixedClock
from tracker.errors import SweepInFuture
from tracker.settings import Settings
from tracker.sweep import preview, sweep, sweep_once
from tracker.webhooks import WebhookPolicy

__all__ = ["read_models", "receivers"]

YEAR_ONE = date(1, 1, 1)


def head(tracker: Tracker) -> int:
    """The store's last position: any write moves it."""
    return tracker.recorder.max_notification_id() or 0


def year_one_agreement(tracker: Tracker, **draft: Any) -> Any:
    """Signed in year 1, as a store filled before the date bounds may hold it."""
    return store_unchecked(
        tracker,
        YEAR_ONE,
        {"title": "Year one", "reference": "Y-1", "kind": "other", **draft},
        ("signed", YEAR_ONE, {"signatories": []}),
    )


def test_an_agreement_time_cannot_be_recorded_for_is_reported_and_the_others_go_on(
    tracker: Tracker, read_models: ReadModels, clock: FixedClock
) -> None:
    before = signed_agreement(
        tracker, clock, title="Expires", signed_on=date(2020, 1, 1), expires_on=date(2024, 5, 1)
    )
    bad = year_one_agreement(tracker, expires_on="0001-01-05")
    after = signed_agreement(
        tracker,
        clock,
        title="Also expires",
        signed_on=date(2020, 1, 1),
        expires_on=date(2024, 5, 2),
    )
    report = sweep_on(tracker, read_models, clock, PORTFOLIO_DAY)
    assert sorted(report.recorded) == sorted([(before, "expired"), (after, "expired")])
    assert report.problems == [
        "cannot record what time did to Year one (Y-1):"
        " occurred_on: must lie between 1900-01-01 and 2199-12-31"
    ]
    assert report.summary().endswith("1 problems")
    assert [r.type for r in tracker.history(bad)] == ["drafted", "signed"]
    again = sweep_on(tracker, read_models, clock, PORTFOLIO_DAY)
    assert (again.recorded, len(again.problems)) == ([], 1)


def test_a_reminder_that_cannot_be_issued_is_reported_and_the_others_are_issued(
    tracker: Tracker, read_models: ReadModels, clock: FixedClock
) -> None:
    portfolio(tracker, clock)
    read_models.catch_up(tracker)
    with read_models.db.transaction() as tx:  # a dates row no follow-up of the store can make
        tx.execute(
            "INSERT INTO view_dates VALUES (?, 'follow_up', 'not-a-follow-up', '2024-06-05',"
            " NULL, 'Odd row', NULL)",
            (str(uuid4()),),
        )
    report = sweep_on(tracker, read_models, clock, PORTFOLIO_DAY)
    assert issued(tracker, report) == PORTFOLIO_DUE
    assert report.problems == [
        "cannot word the follow-up reminder of Odd row:"
        " ValueError: badly formed hexadecimal UUID string"
    ]


def test_a_title_with_control_characters_is_shown_clean_in_reminders(
    tracker: Tracker, read_models: ReadModels, clock: FixedClock
) -> None:
    store_unchecked(
        tracker,
        date(2020, 6, 10),
        {"title": "Bell\x07 and\x1b[31m escape", "reference": "R\x0b1", "kind": "other"},
        ("signed", date(2020, 6, 10), {"signatories": []}),
    )
    report = sweep_on(tracker, read_models, clock, PORTFOLIO_DAY)
    assert report.problems == []
    assert issued(tracker, report) == [
        ("Bell  and [31m escape", "anniversary", date(2024, 6, 10), "lead-14")
    ]
    assert report.lines == [
        "issued: Anniversary of the signature of Bell  and [31m escape (R 1):"
        " 2024-06-10 (in 9 days)."
    ]


def test_a_thousand_missed_months_are_caught_up_in_one_event(
    tracker: Tracker, read_models: ReadModels, clock: FixedClock
) -> None:
    monthly = Renewal(mode="automatic", notice_days=10, period_months=1)
    agreement = signed_agreement(
        tracker,
        clock,
        title="Monthly",
        signed_on=date(1941, 1, 2),
        expires_on=date(1941, 2, 15),
        renewal=monthly,
    )
    today = date(2024, 6, 14)
    report = sweep_on(tracker, read_models, clock, today)
    assert report.recorded == [(agreement, "renewed")]
    history = tracker.history(agreement)
    assert [r.type for r in history] == ["drafted", "signed", "entered_into_force", "renewed"]
    renewal = history[-1].body
    assert isinstance(renewal, Renewed)
    assert (renewal.occurred_on, renewal.periods, renewal.expires_on) == (
        date(1941, 2, 15),
        1000,
        date(2024, 6, 15),
    )
    assert report.lines[0] == (
        "recorded: Monthly renewed on 1941-02-15 for 1000 periods, until 2024-06-15"
    )
    assert tracker.state(agreement).expires_on == date(2024, 6, 15)
    assert sweep_on(tracker, read_models, clock, today).recorded == []


def test_deliveries_go_on_past_a_reminder_that_cannot_be_read(
    tracker: Tracker, read_models: ReadModels, clock: FixedClock, receivers: Any
) -> None:
    receiver = receivers(200)
    settings = Settings(webhooks=WebhookPolicy(urls=(receiver.url,), secrets=("s",)))
    portfolio(tracker, clock)
    at(clock, PORTFOLIO_DAY)
    read_models.catch_up(tracker)
    lost, orphan = uuid4(), uuid4()
    with read_models.db.transaction() as tx:  # a read model ahead of (or beside) the store
        tx.execute(
            "INSERT INTO view_reminders (id, agreement_id, rule, date_key, due_on, stage,"
            " subject, title, issued_at, status) VALUES (?, ?, 'expiry', '', '2024-06-05',"
            " 'lead-7', 'expiry of Lost', 'Lost', ?, 'open')",
            (str(lost), str(orphan), clock.now().isoformat(timespec="microseconds")),
        )
    report = sweep(tracker, read_models, settings, PORTFOLIO_DAY)
    assert len(report.issued) == len(PORTFOLIO_DUE)
    assert (report.deliveries, len(receiver.received)) == (6, 6)
    assert report.problems == [
        f"cannot resolve the reminders of Lost: no agreement {orphan}",
        f"cannot deliver reminder {lost}: the store holds no such reminder",
    ]


# Time travel is explicit


def expiring(tracker: Tracker, clock: FixedClock) -> Any:
    return signed_agreement(
        tracker, clock, title="Expiring", signed_on=date(2020, 1, 15), expires_on=date(2024, 7, 1)
    )


def test_a_sweep_after_the_clocks_today_is_refused(
    tracker: Tracker, read_models: ReadModels, clock: FixedClock
) -> None:
    expiring(tracker, clock)
    at(clock, PORTFOLIO_DAY)
    position = head(tracker)
    with pytest.raises(SweepInFuture) as refused:
        sweep(tracker, read_models, Settings(), date(2027, 6, 1))
    assert refused.value.message == "cannot sweep on 2027-06-01: it is after today (2024-06-01)"
    assert head(tracker) == position


def test_a_dry_run_records_nothing_and_shows_what_the_sweep_then_does(
    tracker: Tracker, read_models: ReadModels, clock: FixedClock
) -> None:
    portfolio(tracker, clock)
    expiring(tracker, clock)
    later = date(2024, 8, 20)  # "Expiring" has expired, "Automatic" renewed
    at(clock, PORTFOLIO_DAY)
    position = head(tracker)
    dry = preview(tracker, read_models, Settings(), later)
    assert head(tracker) == position
    assert stored_reminder_ids(tracker) == []
    assert dry.summary().startswith("2024-08-20 (dry run, nothing recorded): ")
    assert "would record: Automatic renewed on 2024-08-15 for 1 period, until 2025-08-15" in (
        dry.lines
    )
    assert "would record: Expiring expired on 2024-07-01" in dry.lines
    assert all(line.startswith(("would record: ", "would issue: ")) for line in dry.lines)

    real = sweep_on(tracker, read_models, clock, later)
    assert sorted(real.recorded) == sorted(dry.recorded)
    assert sorted(real.issued) == sorted(dry.issued)
    assert [line.replace("would ", "", 1) for line in dry.lines] == [
        line.replace("recorded:", "record:").replace("issued:", "issue:") for line in real.lines
    ]


def test_the_command_sweeps_past_days_at_the_clocks_moment_and_only_previews_later_ones(
    database_url: str, tracker: Tracker, clock: FixedClock
) -> None:
    agreement = expiring(tracker, clock)
    clock.moment = datetime(2024, 7, 20, 9, 30, tzinfo=UTC)
    settings = Settings(database_url=database_url)
    with pytest.raises(SweepInFuture):
        sweep_once(settings, clock, date(2027, 6, 1))
    assert sweep_once(settings, clock, date(2027, 6, 1), dry_run=True).recorded == [
        (agreement, "expired")
    ]
    assert [r.type for r in tracker.history(agreement)] == [
        "drafted",
        "signed",
        "entered_into_force",
    ]

    report = sweep_once(settings, clock, date(2024, 7, 5))
    assert report.recorded == [(agreement, "expired")]
    expired = tracker.history(agreement)[-1]
    assert (expired.occurred_on, expired.recorded_at) == (date(2024, 7, 1), clock.now())
    assert tracker.state(agreement, known_at=clock.now() - timedelta(seconds=1)).status == (
        "in_force"
    )


def test_a_renewal_stored_before_periods_existed_reads_as_one_period(tracker: Tracker) -> None:
    agreement = store_unchecked(
        tracker,
        date(2020, 1, 1),
        {"title": "Renewed by hand", "kind": "other", "expires_on": "2021-01-01"},
        ("signed", date(2020, 1, 2), {"signatories": ["Ana"]}),
        ("renewed", date(2020, 12, 1), {"expires_on": "2022-01-01"}),
    )
    (stored,) = [e for e in tracker.events.get(agreement) if e.originator_version == 3]
    assert stored.schema_version == 1  # type: ignore[attr-defined]
    renewal = tracker.history(agreement)[-1].body
    assert renewal == Renewed(occurred_on=date(2020, 12, 1), expires_on=date(2022, 1, 1), periods=1)
    assert renewal.SCHEMA_VERSION == 2
    assert tracker.state(agreement).expires_on == date(2022, 1, 1)
