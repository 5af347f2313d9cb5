"""Which open reminders the tracker closes, and why: pure decisions, no store."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

from hypothesis import given
from hypothesis import strategies as st

from events.base import EventBody
from events.cooperation import FollowUpCompleted, FollowUpScheduled
from events.drafting import AgreementKind, AmendableTerms, Amended, Drafted, Renewal
from events.lifecycle import NoticeGiven, Renewed, Signed, Terminated
from events.parties import Party, PartyType
from events.records import Retracted
from events.reminders import Cause, ReminderRule
from tracker.lifecycle import follow_up_id
from tracker.reminders.consequences import consequences
from tracker.reminders.resolution import ENDED, issue_order, resolutions
from tracker.reminders.rules import ReminderPolicy, ReminderRow, reminder_id
from tracker.state import Record, Status
from tracker.timeline import Moment, decide, decide_draft, fold

AGREEMENT = UUID("00000000-0000-0000-0000-0000000000aa")
POLICY = ReminderPolicy()
EXPIRES = date(2024, 9, 30)
AUTOMATIC = Renewal(mode="automatic", notice_days=60, period_months=12)
ISSUED = datetime(2024, 6, 1, 9, 30, tzinfo=UTC)
COMMISSION = Party(name="Inter-American Commission", short_name="IACHR", type=PartyType.NGO)


def history(*events: tuple[datetime, EventBody], **draft: Any) -> list[Record]:
    """Drafted and signed (in force) long ago; each event recorded at its moment."""
    start = Moment(datetime(2021, 1, 4, tzinfo=UTC), "clerk")
    body = Drafted(
        title="Cooperation",
        reference="R-1",
        kind=AgreementKind.COOPERATION_AGREEMENT,
        occurred_on=date(2021, 1, 4),
        expires_on=EXPIRES,
        parties=[COMMISSION],
        **draft,
    )
    records = [decide_draft(AGREEMENT, body, start)]
    signed = Signed(occurred_on=date(2021, 1, 4), enters_into_force_on=date(2021, 1, 4))
    records += decide(records, signed, start).records
    for at, event in events:
        records += decide(records, event, Moment(at, "clerk")).records
    return records


def reminder(
    rule: ReminderRule,
    due_on: date,
    stage: str = "lead-30",
    *,
    key: str = "",
    issued_at: datetime = ISSUED,
    status: str = "open",
) -> ReminderRow:
    return ReminderRow(
        id=reminder_id(AGREEMENT, rule, key, due_on, stage),
        agreement_id=AGREEMENT,
        rule=rule,
        date_key=key,
        due_on=due_on,
        stage=stage,
        subject=f"{rule.value} of R-1",
        title="Cooperation",
        reference="R-1",
        renewal=None,
        issued_at=issued_at,
        status=status,  # type: ignore[arg-type]
    )


def decided(
    known: list[ReminderRow], records: list[Record], day: date = date(2024, 6, 20)
) -> list[tuple[str, Cause, str]]:
    return [(r.reminder.stage, r.cause, r.reason) for r in resolutions(known, records, day, POLICY)]


LATER = ISSUED + timedelta(days=15)


def test_an_ended_agreement_closes_every_open_reminder_and_leaves_the_acknowledged() -> None:
    records = history((LATER, Terminated(occurred_on=date(2024, 6, 16))))
    known = [
        reminder(ReminderRule.EXPIRY, EXPIRES, "lead-90"),
        reminder(ReminderRule.ANNIVERSARY, date(2024, 1, 4), "lead-14", status="acknowledged"),
    ]
    assert decided(known, records) == [
        ("lead-90", Cause.AGREEMENT_ENDED, "the agreement was terminated on 2024-06-16")
    ]


def test_an_expiry_recorded_by_the_sweep_ends_the_expiry_reminder() -> None:
    records = history()
    (expired,) = consequences(fold(records), EXPIRES + timedelta(days=1))
    moment = Moment(datetime(2024, 10, 1, tzinfo=UTC), "scheduler")
    records += decide(records, expired, moment).records
    known = [reminder(ReminderRule.EXPIRY, EXPIRES, "lead-7")]
    assert decided(known, records, EXPIRES + timedelta(days=1)) == [
        ("lead-7", Cause.AGREEMENT_ENDED, "the agreement expired on 2024-09-30")
    ]


def test_the_ended_statuses_are_the_ones_that_end_an_agreement() -> None:
    assert {Status.EXPIRED, Status.TERMINATED} <= ENDED
    assert not ENDED & {Status.DRAFT, Status.SIGNED, Status.IN_FORCE, Status.SUSPENDED}


def test_a_completed_or_withdrawn_follow_up_closes_its_reminders() -> None:
    scheduled = FollowUpScheduled(occurred_on=date(2023, 11, 1), due_on=date(2024, 6, 10))
    records = history((ISSUED - timedelta(days=200), scheduled))
    version = records[-1].version
    key = str(follow_up_id(AGREEMENT, version))
    known = [
        reminder(ReminderRule.FOLLOW_UP, date(2024, 6, 10), stage, key=key, issued_at=at)
        for stage, at in [("lead-14", ISSUED), ("overdue-2", LATER)]
    ]
    done = FollowUpCompleted(occurred_on=date(2024, 6, 16), follow_up_id=UUID(key))
    completed = [*records, *decide(records, done, Moment(LATER, "clerk")).records]
    assert decided(known, completed) == [
        (stage, Cause.FOLLOW_UP_COMPLETED, "the follow-up was completed on 2024-06-16")
        for stage in ("lead-14", "overdue-2")
    ]
    withdrawn = [
        *records,
        *decide(records, Retracted(version=version), Moment(LATER, "clerk")).records,
    ]
    assert {cause for _, cause, _ in decided(known, withdrawn)} == {Cause.FOLLOW_UP_WITHDRAWN}
    assert decided(known, records) == [
        ("lead-14", Cause.SUPERSEDED, "superseded by the later reminder of the date (overdue-2)")
    ]


def test_a_moved_date_closes_the_reminder_of_the_old_one_naming_what_moved_it() -> None:
    known = [reminder(ReminderRule.EXPIRY, EXPIRES, "lead-90")]
    renewed = history((LATER, Renewed(occurred_on=date(2024, 6, 16), expires_on=date(2025, 9, 30))))
    amended = history(
        (
            LATER,
            Amended(
                occurred_on=date(2024, 6, 16), changes=AmendableTerms(expires_on=date(2024, 12, 31))
            ),
        )
    )
    assert decided(known, renewed) == [
        ("lead-90", Cause.DATE_MOVED, "the expiry moved to 2025-09-30 by a renewal")
    ]
    assert decided(known, amended) == [
        ("lead-90", Cause.DATE_MOVED, "the expiry moved to 2024-12-31 by an amendment")
    ]


def test_notice_closes_the_notice_deadline_and_the_deadline_closes_it_the_day_after() -> None:
    deadline = EXPIRES - timedelta(days=60)
    known = [reminder(ReminderRule.NOTICE_DEADLINE, deadline, "lead-30")]
    standing = history(renewal=AUTOMATIC)
    noticed = history(
        (LATER, NoticeGiven(occurred_on=date(2024, 6, 16), by_party="IACHR")), renewal=AUTOMATIC
    )
    assert decided(known, noticed) == [
        ("lead-30", Cause.NO_LONGER_DUE, "notice of non-renewal was given on 2024-06-16")
    ]
    assert decided(known, standing, deadline) == []
    assert decided(known, standing, deadline + timedelta(days=1)) == [
        (
            "lead-30",
            Cause.PASSED,
            "the last day to give notice has passed;"
            " the agreement renews automatically on 2024-09-30",
        )
    ]


def test_an_expiry_that_now_renews_automatically_is_no_longer_reminded() -> None:
    known = [reminder(ReminderRule.EXPIRY, EXPIRES, "lead-90")]
    amended = history(
        (LATER, Amended(occurred_on=date(2024, 6, 16), changes=AmendableTerms(renewal=AUTOMATIC)))
    )
    assert decided(known, amended) == [
        (
            "lead-90",
            Cause.NO_LONGER_DUE,
            "the agreement renews automatically unless notice is given by 2024-08-01",
        )
    ]


def test_an_anniversary_closes_once_it_is_no_longer_announced() -> None:
    anniversary = date(2024, 1, 4)
    known = [reminder(ReminderRule.ANNIVERSARY, anniversary, "lead-14")]
    assert decided(known, history(), anniversary + timedelta(days=30)) == []
    assert decided(known, history(), anniversary + timedelta(days=31)) == [
        ("lead-14", Cause.PASSED, "the anniversary has passed")
    ]


STAGES = ["lead-30", "lead-7", "overdue-1", "overdue-2", "overdue-3", "overdue-4"]


@given(
    st.lists(
        st.tuples(
            st.sampled_from([date(2024, 7, 1), date(2024, 7, 8)]),
            st.sampled_from(STAGES),
            st.integers(0, 40),
            st.sampled_from(["open", "open", "acknowledged", "resolved"]),
        ),
        unique_by=lambda t: (t[0], t[1]),
        max_size=12,
    )
)
def test_each_date_keeps_at_most_one_open_reminder_the_last_issued(
    issued: list[tuple[date, str, int, str]],
) -> None:
    """Whatever reminders a store holds for the dates of an agreement whose dates still stand,
    the sweep closes exactly the open ones that a later-issued reminder of their date follows
    (ties in the moment go by id), so each date keeps at most one open reminder."""
    scheduled = [
        FollowUpScheduled(occurred_on=date(2023, 11, 1), due_on=due)
        for due in (date(2024, 7, 1), date(2024, 7, 8))
    ]
    records = history(*((ISSUED - timedelta(days=200), s) for s in scheduled))
    keys = {
        r.body.due_on: str(follow_up_id(AGREEMENT, r.version))
        for r in records
        if isinstance(r.body, FollowUpScheduled)
    }
    known = [
        reminder(
            ReminderRule.FOLLOW_UP,
            due,
            stage,
            key=keys[due],
            issued_at=ISSUED + timedelta(days=days),
            status=status,
        )
        for due, stage, days, status in issued
    ]
    closed = {r.reminder.id for r in resolutions(known, records, date(2024, 6, 20), POLICY)}
    assert all(r.status == "open" for r in known if r.id in closed)
    still_open = Counter(r.due_on for r in known if r.status == "open" and r.id not in closed)
    assert all(count <= 1 for count in still_open.values())
    for r in known:
        later = any(o.due_on == r.due_on and issue_order(o) > issue_order(r) for o in known)
        assert (r.id in closed) == (r.status == "open" and later)
