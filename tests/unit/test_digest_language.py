"""A digest in each of the four languages: every phrase there, dates written out, items grouped."""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, date, datetime
from html import unescape
from uuid import UUID, uuid4

import pytest

from events.digests import DigestPrepared, Frequency, Language
from events.reminders import ReminderIssued, ReminderRule
from tracker.delivery.compose import Letterhead, compose, grouped, items_of
from tracker.delivery.language import PHRASES

ON = date(2024, 6, 1)
AGREEMENT = UUID("00000000-0000-4000-8000-000000000001")


def test_every_language_has_every_phrase() -> None:
    assert set(PHRASES) == set(Language)
    for phrases in PHRASES.values():
        for field in fields(phrases):
            assert getattr(phrases, field.name), field.name
        assert set(phrases.actions) == set(ReminderRule)
        assert set(phrases.frequencies) == {Frequency.DAILY, Frequency.WEEKLY}
        assert len(phrases.months) == 12


@pytest.mark.parametrize(
    ("language", "first", "other"),
    [
        (Language.EN, "1 June 2024", "28 February 2025"),
        (Language.ES, "1 de junio de 2024", "28 de febrero de 2025"),
        (Language.PT, "1 de junho de 2024", "28 de fevereiro de 2025"),
        (Language.FR, "1er juin 2024", "28 février 2025"),
    ],
)
def test_dates_are_written_as_each_language_writes_them(
    language: Language, first: str, other: str
) -> None:
    assert PHRASES[language].day(date(2024, 6, 1)) == first
    assert PHRASES[language].day(date(2025, 2, 28)) == other


def issued(due_on: date, stage: str, rule: ReminderRule = ReminderRule.EXPIRY) -> ReminderIssued:
    return ReminderIssued(
        agreement_id=AGREEMENT,
        rule=rule,
        due_on=due_on,
        stage=stage,
        subject=f"{rule.value} of IACHR-1",
        message="-",
        title="Cooperation",
        reference="IACHR-1",
        issued_at=datetime(2024, 6, 1, tzinfo=UTC),
    )


def test_a_date_reminded_at_several_stages_is_one_item_and_groups_follow_the_calendar() -> None:
    reminders = [
        issued(date(2024, 8, 1), "lead-90"),
        issued(date(2024, 8, 1), "lead-30"),
        issued(date(2024, 5, 31), "overdue-1", ReminderRule.FOLLOW_UP),
        issued(date(2024, 6, 7), "lead-7", ReminderRule.NOTICE_DEADLINE),
        issued(date(2024, 6, 8), "lead-14", ReminderRule.ANNIVERSARY),
        issued(date(2024, 7, 1), "lead-30", ReminderRule.FOLLOW_UP),
        issued(date(2024, 7, 2), "lead-30", ReminderRule.FOLLOW_UP),
    ]
    items = items_of(reminders)
    assert len(items) == 6
    groups = {key: [i.due_on.isoformat() for i in members] for key, members in grouped(items, ON)}
    assert groups == {
        "overdue": ["2024-05-31"],
        "week": ["2024-06-07"],
        "month": ["2024-06-08", "2024-07-01"],
        "later": ["2024-07-02", "2024-08-01"],
    }


@pytest.mark.parametrize("language", list(Language))
def test_each_language_renders_a_whole_digest(language: Language) -> None:
    prepared = DigestPrepared(
        email="ana@example.org",
        name="Ana",
        language=language,
        frequency=Frequency.DAILY,
        period=ON,
        on=ON,
        reminders=[uuid4()],
        at=datetime(2024, 6, 1, 7, tzinfo=UTC),
    )
    letterhead = Letterhead("tracker@example.org", "https://tracker.example.org/")
    message = compose(
        uuid4(), prepared, [issued(date(2024, 6, 3), "lead-7")], letterhead, prepared.at
    )
    phrases = PHRASES[language]
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and html is not None
    for part in (str(text.get_content()), unescape(str(html.get_content()))):
        assert phrases.greeting.format(name="Ana") in part
        assert phrases.week in part
        assert phrases.day(date(2024, 6, 3)) in part
        assert phrases.actions[ReminderRule.EXPIRY] in part
        assert "https://tracker.example.org/agreements/" + str(AGREEMENT) in part
        assert "{{" not in part and "{name}" not in part
    assert f'lang="{language.value}"' in str(html.get_content())
    assert message["Subject"] == phrases.subject.format(date=phrases.day(ON))
