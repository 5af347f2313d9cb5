"""What reminders say to people: subjects, messages worded when read, and the stored shape."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st

from events.reminders import ReminderIssued, ReminderRule, load, subject_of
from tests.strategies import names, texts
from tracker.reminders.rules import DueReminder, id_of, reminder_id
from tracker.reminders.wording import issued_body, message, when
from tracker.state import AgreementState

AGREEMENT = UUID("00000000-0000-0000-0000-000000000001")
FOLLOW_UP = UUID("00000000-0000-0000-0000-0000000000f1")
NOW = datetime(2024, 6, 1, 9, 30, tzinfo=UTC)
DUE = date(2024, 6, 13)


def due(
    rule: ReminderRule, *, key: str = "", reference: str | None = "IACHR-DPE-2020"
) -> DueReminder:
    return DueReminder(AGREEMENT, rule, key, DUE, "lead-14", "Cooperation Agreement", reference)


def agreement(**fields: object) -> AgreementState:
    return AgreementState.model_validate(
        {
            "id": AGREEMENT,
            "reference": "IACHR-DPE-2020",
            "title": "Cooperation Agreement",
            "kind": "cooperation_agreement",
            "status": "in_force",
            "parties": [],
            "purpose": "",
            "areas": [],
            "drafted_on": date(2020, 1, 7),
            "renewal": {"mode": "none"},
            "parent_id": None,
            "version": 3,
            "created_at": NOW,
            "updated_at": NOW,
            **fields,
        }
    )


@pytest.mark.parametrize(
    ("today", "words"),
    [
        (date(2024, 6, 1), "in 12 days"),
        (date(2024, 6, 12), "tomorrow"),
        (date(2024, 6, 13), "today"),
        (date(2024, 6, 14), "1 day overdue"),
        (date(2024, 6, 16), "3 days overdue"),
    ],
)
def test_how_far_away_a_follow_up_is(today: date, words: str) -> None:
    assert when(ReminderRule.FOLLOW_UP, DUE, today) == words


def test_a_past_date_that_is_not_a_task_is_ago_not_overdue() -> None:
    assert when(ReminderRule.ANNIVERSARY, DUE, date(2024, 6, 16)) == "3 days ago"


def test_subjects_name_the_agreement_by_its_reference_or_else_its_title() -> None:
    assert subject_of(ReminderRule.EXPIRY, "Cooperation", "IACHR-DPE-2020") == (
        "expiry of IACHR-DPE-2020"
    )
    assert subject_of(ReminderRule.NOTICE_DEADLINE, "Cooperation", None) == (
        "notice deadline of Cooperation"
    )
    assert subject_of(ReminderRule.ANNIVERSARY, "Cooperation", "") == "anniversary of Cooperation"


def test_a_follow_up_is_named_by_the_first_line_of_its_description() -> None:
    described = "\n  Annual report to the Council  \nwith annexes"
    assert subject_of(ReminderRule.FOLLOW_UP, "Cooperation", "R-1", described) == (
        "Annual report to the Council"
    )
    assert subject_of(ReminderRule.FOLLOW_UP, "Cooperation", "R-1", "  \n ") == "follow-up of R-1"
    long = subject_of(ReminderRule.FOLLOW_UP, "Cooperation", "R-1", "word " * 100)
    assert len(long) == 120
    assert long.endswith("word…")


@given(rule=st.sampled_from(ReminderRule), title=names, reference=names | st.none(), text=texts)
def test_a_subject_is_one_clean_line_never_empty_none_or_an_id(
    rule: ReminderRule, title: str, reference: str | None, text: str
) -> None:
    subject = subject_of(rule, title, reference, text)
    assert subject.strip()
    assert "\n" not in subject and "\t" not in subject
    if not (rule is ReminderRule.FOLLOW_UP and text.strip()):
        assert subject.endswith(f" of {reference or title}")


def test_each_rule_and_renewal_mode_has_its_sentence_with_the_distance_when_read() -> None:
    today = date(2024, 6, 1)
    state = agreement(follow_ups=[{"id": FOLLOW_UP, "due_on": DUE, "description": "Annual report"}])
    said = {
        rule: message(issued_body(due(rule, key=key), state, NOW), today)
        for rule, key in [
            (ReminderRule.ANNIVERSARY, ""),
            (ReminderRule.NOTICE_DEADLINE, ""),
            (ReminderRule.FOLLOW_UP, str(FOLLOW_UP)),
        ]
    }
    assert said == {
        ReminderRule.ANNIVERSARY: "Anniversary of the signature of Cooperation Agreement"
        " (IACHR-DPE-2020): 2024-06-13 (in 12 days).",
        ReminderRule.NOTICE_DEADLINE: "To stop the renewal of Cooperation Agreement"
        " (IACHR-DPE-2020), give notice by 2024-06-13 (in 12 days).",
        ReminderRule.FOLLOW_UP: "Follow-up “Annual report” of Cooperation Agreement"
        " (IACHR-DPE-2020) is due on 2024-06-13 (in 12 days).",
    }
    expiries = {
        mode: message(issued_body(due(ReminderRule.EXPIRY), agreement(renewal=terms), NOW))
        for mode, terms in [
            ("none", {"mode": "none"}),
            ("by_agreement", {"mode": "by_agreement"}),
            ("automatic", {"mode": "automatic", "notice_days": 90, "period_months": 12}),
        ]
    }
    name = "Cooperation Agreement (IACHR-DPE-2020)"
    assert expiries == {
        "none": f"{name} expires on 2024-06-13.",
        "by_agreement": f"{name} expires on 2024-06-13 unless the parties agree to renew it.",
        "automatic": f"{name} expires on 2024-06-13: notice of non-renewal was given.",
    }


def test_the_stored_message_names_the_date_and_not_how_far_away_it_is() -> None:
    body = issued_body(due(ReminderRule.EXPIRY, reference=None), None, NOW)
    assert body.message == "Cooperation Agreement expires on 2024-06-13."
    assert body.subject == "expiry of Cooperation Agreement"
    assert message(body, date(2024, 6, 13)) == (
        "Cooperation Agreement expires on 2024-06-13 (today)."
    )


def test_a_follow_up_whose_agreement_is_not_known_is_still_worded() -> None:
    body = issued_body(due(ReminderRule.FOLLOW_UP, key=str(FOLLOW_UP)), None, NOW)
    assert (body.follow_up_id, body.subject, body.renewal) == (
        FOLLOW_UP,
        "follow-up of IACHR-DPE-2020",
        None,
    )
    assert message(body) == (
        "Follow-up of Cooperation Agreement (IACHR-DPE-2020) is due on 2024-06-13."
    )


def test_a_reminder_stored_in_version_1_reads_as_version_2_with_the_same_id() -> None:
    stored = {
        "agreement_id": str(AGREEMENT),
        "rule": "follow_up",
        "subject": str(FOLLOW_UP),
        "due_on": "2024-03-15",
        "stage": "overdue-2",
        "message": "Follow-up of Cooperation (R-1) due on 2024-03-15 (8 days ago).",
        "title": "Cooperation",
        "reference": "R-1",
        "issued_at": "2024-03-23T09:30:00+00:00",
    }
    body = load("reminder_issued", 1, stored)
    assert isinstance(body, ReminderIssued)
    assert (body.follow_up_id, body.subject, body.renewal) == (FOLLOW_UP, "follow-up of R-1", None)
    assert id_of(body) == reminder_id(
        AGREEMENT, ReminderRule.FOLLOW_UP, str(FOLLOW_UP), date(2024, 3, 15), "overdue-2"
    )
    expiry = load("reminder_issued", 1, {**stored, "rule": "expiry", "subject": ""})
    assert isinstance(expiry, ReminderIssued)
    assert (expiry.follow_up_id, expiry.subject) == (None, "expiry of R-1")


def test_a_schema_version_this_tracker_does_not_know_is_refused() -> None:
    with pytest.raises(ValueError, match="reminder_issued has no schema version 3"):
        load("reminder_issued", 3, {})
