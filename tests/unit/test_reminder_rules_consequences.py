"""What time does to an agreement: a pure function of its state and the day."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

from events.base import EventBody
from events.drafting import AgreementKind, Drafted, Renewal
from events.lifecycle import (
    EnteredIntoForce,
    Expired,
    NoticeGiven,
    Renewed,
    Signed,
    Suspended,
    Terminated,
)
from events.parties import Party, PartyType
from tracker.reminders.consequences import add_months, consequences
from tracker.state import AgreementState, Record
from tracker.timeline import Moment, decide, decide_draft, fold

AGREEMENT_ID = UUID("00000000-0000-0000-0000-0000000000aa")
PARTY = Party(
    name="Inter-American Commission on Human Rights",
    short_name="IACHR",
    type=PartyType.INTERNATIONAL_ORGANIZATION,
)
EXPIRES = date(2022, 3, 31)
AUTOMATIC = Renewal(mode="automatic", notice_days=60, period_months=12)


def timeline(*events: EventBody, today: date = date(2030, 1, 1), **draft: Any) -> list[Record]:
    moment = Moment(datetime(today.year, today.month, today.day, tzinfo=UTC), "clerk")
    body = Drafted(
        title="Cooperation",
        kind=AgreementKind.COOPERATION_AGREEMENT,
        parties=[PARTY],
        occurred_on=date(2020, 1, 1),
        expires_on=EXPIRES,
        **draft,
    )
    records = [decide_draft(AGREEMENT_ID, body, moment)]
    for event in events:
        records += decide(records, event, moment).records
    return records


def agreement(*events: EventBody, today: date = date(2030, 1, 1), **draft: Any) -> AgreementState:
    return fold(timeline(*events, today=today, **draft))


SIGNED = Signed(occurred_on=date(2020, 2, 1), enters_into_force_on=date(2020, 2, 1))


def kinds(bodies: list[EventBody]) -> list[tuple[str, date | None]]:
    return [(b.type_name(), b.occurred_on) for b in bodies]


def test_nothing_happens_before_the_expiry_date_has_passed() -> None:
    state = agreement(SIGNED)
    assert consequences(state, EXPIRES) == []


def test_an_agreement_without_automatic_renewal_expires_on_its_expiry_date() -> None:
    state = agreement(SIGNED, renewal=Renewal(mode="by_agreement"))
    (expired,) = consequences(state, date(2022, 4, 1))
    assert isinstance(expired, Expired)
    assert expired.occurred_on == EXPIRES


def test_automatic_renewal_renews_by_its_period() -> None:
    state = agreement(SIGNED, renewal=AUTOMATIC)
    (renewed,) = consequences(state, date(2022, 4, 1))
    assert isinstance(renewed, Renewed)
    assert (renewed.occurred_on, renewed.expires_on) == (EXPIRES, date(2023, 3, 31))


def test_a_late_sweep_renews_every_missed_period_in_one_event() -> None:
    state = agreement(SIGNED, renewal=AUTOMATIC)
    bodies = consequences(state, date(2024, 6, 1))
    assert [(b.occurred_on, b.expires_on, b.periods) for b in bodies if isinstance(b, Renewed)] == [
        (date(2022, 3, 31), date(2025, 3, 31), 3)
    ]


def test_notice_given_turns_automatic_renewal_into_expiry() -> None:
    notice = NoticeGiven(occurred_on=date(2021, 12, 1), by_party="IACHR")
    state = agreement(SIGNED, notice, renewal=AUTOMATIC)
    assert kinds(consequences(state, date(2022, 4, 1))) == [("expired", EXPIRES)]


def test_a_suspended_agreement_also_expires() -> None:
    state = agreement(SIGNED, Suspended(occurred_on=date(2021, 1, 1)))
    assert kinds(consequences(state, date(2022, 4, 1))) == [("expired", EXPIRES)]


def test_ended_and_draft_agreements_are_left_alone() -> None:
    assert consequences(agreement(), date(2022, 4, 1)) == []
    ended = agreement(SIGNED, Terminated(occurred_on=date(2021, 1, 1)))
    assert consequences(ended, date(2022, 4, 1)) == []


def test_a_signed_agreement_enters_into_force_on_its_day() -> None:
    signed = Signed(occurred_on=date(2020, 2, 1), enters_into_force_on=date(2020, 3, 1))
    state = agreement(signed, today=date(2020, 2, 15))
    assert consequences(state, date(2020, 2, 29)) == []
    (force,) = consequences(state, date(2020, 3, 1))
    assert isinstance(force, EnteredIntoForce)
    assert force.occurred_on == date(2020, 3, 1)


def test_entry_into_force_then_expiry_in_order_after_a_long_gap() -> None:
    signed = Signed(occurred_on=date(2020, 2, 1), enters_into_force_on=date(2020, 3, 1))
    state = agreement(signed, today=date(2020, 2, 15))
    assert kinds(consequences(state, date(2023, 1, 1))) == [
        ("entered_into_force", date(2020, 3, 1)),
        ("expired", EXPIRES),
    ]


def test_the_events_fit_the_agreements_timeline() -> None:
    """What the function returns is accepted by the domain rules, in order."""
    signed = Signed(occurred_on=date(2020, 2, 1), enters_into_force_on=date(2020, 3, 1))
    records = timeline(signed, today=date(2020, 2, 15), renewal=AUTOMATIC)
    bodies = consequences(fold(records), date(2024, 6, 1))
    later = Moment(datetime(2024, 6, 1, tzinfo=UTC), "scheduler")
    for body in bodies:
        records += decide(records, body, later).records
    after = fold(records)
    assert after.status == "in_force"
    assert after.expires_on == date(2025, 3, 31)
    assert consequences(after, date(2024, 6, 1)) == []


def test_add_months_keeps_the_day_or_takes_the_months_last() -> None:
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2023, 1, 31), 1) == date(2023, 2, 28)
    assert add_months(date(2024, 11, 15), 3) == date(2025, 2, 15)
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
