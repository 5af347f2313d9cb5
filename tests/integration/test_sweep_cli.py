"""`tracker reminders sweep --today D`: exactly what the rules call for on D, then nothing."""

from __future__ import annotations

from datetime import date

from typer.testing import CliRunner

from events.lifecycle import Terminated
from tests.integration.reminders_support import (
    PORTFOLIO_DAY,
    PORTFOLIO_DUE,
    at,
    portfolio,
    signed_agreement,
    stored_reminder_ids,
)
from tracker.application import Tracker
from tracker.cli import app
from tracker.clock import FixedClock
from tracker.reminders.aggregate import Reminder


def run(database_url: str, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(
        app, ["reminders", "sweep", *args], env={"TRACKER_DATABASE_URL": database_url}
    )
    return result.exit_code, result.stdout, result.stderr


def test_the_command_issues_what_day_d_calls_for_then_nothing(
    tracker: Tracker, database_url: str, clock: FixedClock
) -> None:
    portfolio(tracker, clock)
    code, out, _ = run(database_url, "--today", PORTFOLIO_DAY.isoformat())
    assert code == 0, out
    assert out.startswith("2024-06-01: 6 reminders issued, 0 resolved, 0 already issued")
    found = []
    for reminder_id in stored_reminder_ids(tracker):
        reminder = tracker.repository.get(reminder_id)
        assert isinstance(reminder, Reminder)
        body = reminder.issued
        found.append((body.title, body.rule.value, body.due_on, body.stage))
    assert sorted(found) == PORTFOLIO_DUE

    code, out, _ = run(database_url, "--today", PORTFOLIO_DAY.isoformat())
    assert code == 0, out
    assert out.startswith("2024-06-01: 0 reminders issued, 0 resolved, 6 already issued")
    assert len(stored_reminder_ids(tracker)) == 6


def test_a_bad_date_is_refused_naming_the_option(sqlite_url: str) -> None:
    code, _, err = run(sqlite_url, "--today", "2024-13-01")
    assert code == 2
    assert "--today" in err


def test_the_bounds_on_dates_apply_to_the_option(sqlite_url: str) -> None:
    code, _, err = run(sqlite_url, "--today", "1899-12-31")
    assert code == 2
    assert "--today" in err
    assert "must lie between 1900-01-01 and 2199-12-31" in err


def test_a_day_after_today_is_refused_in_one_line_pointing_to_the_dry_run(
    tracker: Tracker, database_url: str, clock: FixedClock
) -> None:
    portfolio(tracker, clock)
    position = tracker.recorder.max_notification_id()
    code, out, err = run(database_url, "--today", "2199-12-31")
    assert code == 1
    assert out == ""
    store, line = err.splitlines()
    assert store.startswith("Store: ")
    assert line.startswith("error: 2199-12-31 is after today (")
    assert line.endswith("add --dry-run to see what it would record and issue")
    assert tracker.recorder.max_notification_id() == position


def test_a_dry_run_prints_each_reminder_it_would_issue_and_records_nothing(
    tracker: Tracker, database_url: str, clock: FixedClock
) -> None:
    portfolio(tracker, clock)
    position = tracker.recorder.max_notification_id()
    code, out, _ = run(database_url, "--today", PORTFOLIO_DAY.isoformat(), "--dry-run")
    assert code == 0, out
    summary, *lines = out.splitlines()
    assert summary == (
        "2024-06-01 (dry run, nothing recorded): 6 reminders would be issued, 0 would be"
        " resolved, 0 already issued, 0 lifecycle events would be recorded, 0 problems"
    )
    assert len(lines) == 6
    assert "would issue: Expiring expires on 2024-07-01 (in 30 days)." in lines
    assert all(line.startswith("would issue: ") for line in lines)
    assert tracker.recorder.max_notification_id() == position
    assert stored_reminder_ids(tracker) == []


def test_the_command_prints_one_line_per_reminder_issued_and_resolved(
    tracker: Tracker, database_url: str, clock: FixedClock
) -> None:
    agreement = signed_agreement(
        tracker,
        clock,
        title="Cooperation",
        reference="IACHR-DPE-2020",
        signed_on=date(2020, 1, 7),
        expires_on=date(2024, 6, 13),
    )
    code, out, _ = run(database_url, "--today", "2024-06-01")
    assert code == 0, out
    assert out.splitlines()[1:] == [
        "issued: Cooperation (IACHR-DPE-2020) expires on 2024-06-13 (in 12 days)."
    ]
    at(clock, date(2024, 6, 2))
    tracker.record(agreement, Terminated(reason="by mutual consent"), "clerk")
    code, out, _ = run(database_url, "--today", "2024-06-02")
    assert code == 0, out
    summary, *lines = out.splitlines()
    assert summary.startswith("2024-06-02: 0 reminders issued, 1 resolved, 0 already issued")
    assert lines == [
        "resolved: the expiry of Cooperation (IACHR-DPE-2020) on 2024-06-13 (lead-30):"
        " the agreement was terminated on 2024-06-02"
    ]
