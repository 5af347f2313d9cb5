"""`view_dates`: the rows each rule calls for, replaced as the agreement moves on."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from uuid import UUID

import pytest

from events.cooperation import FollowUpCompleted, FollowUpScheduled
from events.drafting import Renewal
from events.lifecycle import NoticeGiven, Renewed, Signed, Terminated
from projections.service import ReadModels
from tests.integration.projection_helpers import draft
from tracker.application import Tracker

AUTOMATIC = Renewal(mode="automatic", notice_days=30, period_months=12)
Row = tuple[str, str, str, str | None]


@pytest.fixture
def read_models(database_url: str) -> Iterator[ReadModels]:
    models = ReadModels.connect(database_url)
    yield models
    models.close()


def dates(tracker: Tracker, read_models: ReadModels, agreement_id: UUID) -> set[Row]:
    """(rule, subject, due_on, month_day) of the agreement, after catching up."""
    read_models.catch_up(tracker)
    rows = read_models.db.fetch(
        "SELECT rule, subject, due_on, month_day, title, reference FROM view_dates"
        " WHERE agreement_id = ?",
        (str(agreement_id),),
    )
    assert all(row["title"] == "Renewable" and row["reference"] == "R-7" for row in rows)
    return {(r["rule"], r["subject"], str(r["due_on"]), r["month_day"]) for r in rows}


def renewable(tracker: Tracker) -> UUID:
    agreement = draft(
        tracker,
        "Renewable",
        reference="R-7",
        expires_on=date(2025, 1, 1),
        renewal=AUTOMATIC,
        occurred_on=date(2020, 1, 10),
    )
    signed = Signed(occurred_on=date(2020, 2, 1), enters_into_force_on=date(2020, 2, 1))
    tracker.record(agreement, signed, "tester")
    return agreement


def test_a_bound_agreement_has_anniversary_expiry_and_notice_deadline(
    tracker: Tracker, read_models: ReadModels
) -> None:
    agreement = renewable(tracker)
    assert dates(tracker, read_models, agreement) == {
        ("anniversary", "", "2020-02-01", "02-01"),
        ("expiry", "", "2025-01-01", None),
        ("notice_deadline", "", "2024-12-02", None),
    }


def test_a_draft_has_only_its_follow_ups(tracker: Tracker, read_models: ReadModels) -> None:
    agreement = draft(tracker, "Renewable", reference="R-7", expires_on=date(2025, 1, 1))
    assert dates(tracker, read_models, agreement) == set()
    state = tracker.record(agreement, FollowUpScheduled(due_on=date(2024, 9, 1)), "tester")
    follow_up = str(state.follow_ups[0].id)
    assert dates(tracker, read_models, agreement) == {("follow_up", follow_up, "2024-09-01", None)}


def test_signed_with_a_later_entry_into_force_has_that_date(
    tracker: Tracker, read_models: ReadModels
) -> None:
    agreement = draft(tracker, "Renewable", reference="R-7", occurred_on=date(2024, 4, 1))
    signed = Signed(occurred_on=date(2024, 5, 2), enters_into_force_on=date(2024, 7, 1))
    tracker.record(agreement, signed, "tester")
    assert dates(tracker, read_models, agreement) == {
        ("anniversary", "", "2024-05-02", "05-02"),
        ("entry_into_force", "", "2024-07-01", None),
    }


def test_renewal_moves_the_expiry_and_the_notice_deadline(
    tracker: Tracker, read_models: ReadModels
) -> None:
    agreement = renewable(tracker)
    dates(tracker, read_models, agreement)
    tracker.record(agreement, Renewed(expires_on=date(2026, 1, 1)), "tester")
    assert dates(tracker, read_models, agreement) == {
        ("anniversary", "", "2020-02-01", "02-01"),
        ("expiry", "", "2026-01-01", None),
        ("notice_deadline", "", "2025-12-02", None),
    }


def test_notice_given_removes_the_notice_deadline(
    tracker: Tracker, read_models: ReadModels
) -> None:
    agreement = renewable(tracker)
    dates(tracker, read_models, agreement)
    tracker.record(agreement, NoticeGiven(by_party="IACHR"), "tester")
    assert {row[0] for row in dates(tracker, read_models, agreement)} == {"anniversary", "expiry"}


def test_completing_a_follow_up_removes_only_that_one(
    tracker: Tracker, read_models: ReadModels
) -> None:
    agreement = renewable(tracker)
    tracker.record(agreement, FollowUpScheduled(due_on=date(2024, 9, 1)), "tester")
    state = tracker.record(agreement, FollowUpScheduled(due_on=date(2024, 12, 1)), "tester")
    first, second = (str(f.id) for f in state.follow_ups)
    follow_ups = {r for r in dates(tracker, read_models, agreement) if r[0] == "follow_up"}
    assert follow_ups == {
        ("follow_up", first, "2024-09-01", None),
        ("follow_up", second, "2024-12-01", None),
    }
    tracker.record(agreement, FollowUpCompleted(follow_up_id=UUID(first)), "tester")
    follow_ups = {r for r in dates(tracker, read_models, agreement) if r[0] == "follow_up"}
    assert follow_ups == {("follow_up", second, "2024-12-01", None)}


def test_termination_leaves_no_dates(tracker: Tracker, read_models: ReadModels) -> None:
    agreement = renewable(tracker)
    tracker.record(agreement, FollowUpScheduled(due_on=date(2024, 9, 1)), "tester")
    assert len(dates(tracker, read_models, agreement)) == 4
    tracker.record(agreement, Terminated(reason="ended by the parties"), "tester")
    assert dates(tracker, read_models, agreement) == set()
