"""`tracker reminders sweep --today D`: exactly what the rules call for on D, then nothing."""

from __future__ import annotations

from typer.testing import CliRunner

from tests.integration.reminders_support import (
    PORTFOLIO_DAY,
    PORTFOLIO_DUE,
    portfolio,
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
    assert out.startswith("2024-06-01: 7 reminders issued, 0 already issued")
    found = []
    for reminder_id in stored_reminder_ids(tracker):
        reminder = tracker.repository.get(reminder_id)
        assert isinstance(reminder, Reminder)
        body = reminder.issued
        found.append((body.title, body.rule.value, body.due_on, body.stage))
    assert sorted(found) == PORTFOLIO_DUE

    code, out, _ = run(database_url, "--today", PORTFOLIO_DAY.isoformat())
    assert code == 0, out
    assert out.startswith("2024-06-01: 0 reminders issued, 7 already issued")
    assert len(stored_reminder_ids(tracker)) == 7


def test_a_bad_date_is_refused_naming_the_option(sqlite_url: str) -> None:
    code, _, err = run(sqlite_url, "--today", "2024-13-01")
    assert code == 2
    assert "--today" in err
