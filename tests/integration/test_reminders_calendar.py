"""The calendar feed, built from the dates read model and parsed back with icalendar."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from dateutil.rrule import rrulestr
from icalendar import Calendar

from events.cooperation import FollowUpCompleted, FollowUpScheduled
from events.lifecycle import NoticeGiven, Renewed
from projections.reminders import calendar_rows
from projections.service import ReadModels
from tests.integration.reminders_support import AUTOMATIC, at, read_models, signed_agreement
from tracker.application import Tracker
from tracker.clock import FixedClock
from tracker.reminders.calendar import build_calendar

__all__ = ["read_models"]

STAMP = datetime(2024, 6, 1, 9, 30, tzinfo=UTC)


def feed(tracker: Tracker, read_models: ReadModels) -> Calendar:
    read_models.catch_up(tracker)
    parsed = Calendar.from_ical(build_calendar(calendar_rows(read_models.db), STAMP))
    assert isinstance(parsed, Calendar)
    return parsed


def events_by_uid(calendar: Calendar) -> dict[str, Any]:
    events = calendar.walk("VEVENT")
    by_uid = {str(event["UID"]): event for event in events}
    assert len(by_uid) == len(events), "UIDs are unique"
    return by_uid


def day_of(event: Any, name: str) -> date:
    value = event.decoded(name)
    assert type(value) is date, f"{name} is an all-day date, not {value!r}"
    return value


def test_every_date_is_an_event_with_a_stable_uid(
    tracker: Tracker, read_models: ReadModels, clock: FixedClock
) -> None:
    automatic = signed_agreement(
        tracker,
        clock,
        title="Automatic",
        reference="IACHR-EC-2021",
        signed_on=date(2021, 3, 1),
        expires_on=date(2024, 8, 15),
        renewal=AUTOMATIC,
        events=(FollowUpScheduled(occurred_on=date(2022, 6, 1), due_on=date(2024, 6, 10)),),
    )
    leap = signed_agreement(tracker, clock, title="Leap", signed_on=date(2020, 2, 29))
    calendar = feed(tracker, read_models)
    assert str(calendar["VERSION"]) == "2.0"
    assert "Agreement tracker" in str(calendar["PRODID"])
    (follow_up,) = tracker.state(automatic).follow_ups
    events = events_by_uid(calendar)
    uid = "{}.{}.{}@agreement-tracker".format
    assert set(events) == {
        uid(automatic, "anniversary", "-"),
        uid(automatic, "expiry", "-"),
        uid(automatic, "notice_deadline", "-"),
        uid(automatic, "follow_up", follow_up.id),
        uid(leap, "anniversary", "-"),
    }
    for event in events.values():
        assert event.decoded("DTSTAMP") == STAMP
        assert (day_of(event, "DTEND") - day_of(event, "DTSTART")).days == 1

    expiry = events[uid(automatic, "expiry", "-")]
    assert day_of(expiry, "DTSTART") == date(2024, 8, 15)
    assert str(expiry["SUMMARY"]) == "Expiry: Automatic (IACHR-EC-2021)"
    assert "RRULE" not in expiry
    notice = events[uid(automatic, "notice_deadline", "-")]
    assert day_of(notice, "DTSTART") == date(2024, 6, 16)
    assert str(notice["SUMMARY"]).startswith("Last day to give notice of non-renewal")
    assert day_of(events[uid(automatic, "follow_up", follow_up.id)], "DTSTART") == date(2024, 6, 10)

    anniversary = events[uid(automatic, "anniversary", "-")]
    assert day_of(anniversary, "DTSTART") == date(2022, 3, 1)
    assert occurrences(anniversary, 3) == [date(2022, 3, 1), date(2023, 3, 1), date(2024, 3, 1)]
    leap_day = events[uid(leap, "anniversary", "-")]
    assert occurrences(leap_day, 4) == [
        date(2021, 2, 28),
        date(2022, 2, 28),
        date(2023, 2, 28),
        date(2024, 2, 29),
    ]


def occurrences(event: Any, count: int) -> list[date]:
    """The recurrence expanded as a calendar client would."""
    start = day_of(event, "DTSTART")
    rule = rrulestr(event["RRULE"].to_ical().decode(), dtstart=datetime(*start.timetuple()[:3]))
    return [moment.date() for moment in rule[:count]]


def test_a_moved_date_keeps_its_uid_and_done_dates_leave_the_feed(
    tracker: Tracker, read_models: ReadModels, clock: FixedClock
) -> None:
    agreement = signed_agreement(
        tracker,
        clock,
        title="Moves",
        signed_on=date(2021, 3, 1),
        expires_on=date(2024, 8, 15),
        renewal=AUTOMATIC,
        events=(FollowUpScheduled(occurred_on=date(2022, 6, 1), due_on=date(2024, 6, 10)),),
    )
    before = events_by_uid(feed(tracker, read_models))
    (follow_up,) = tracker.state(agreement).follow_ups
    at(clock, date(2024, 6, 1))
    tracker.record(agreement, Renewed(expires_on=date(2026, 8, 15)), "clerk")
    tracker.record(agreement, NoticeGiven(by_party="IACHR"), "clerk")
    tracker.record(agreement, FollowUpCompleted(follow_up_id=follow_up.id), "clerk")
    after = events_by_uid(feed(tracker, read_models))
    expiry_uid = f"{agreement}.expiry.-@agreement-tracker"
    assert set(after) == {expiry_uid, f"{agreement}.anniversary.-@agreement-tracker"}
    assert day_of(before[expiry_uid], "DTSTART") == date(2024, 8, 15)
    assert day_of(after[expiry_uid], "DTSTART") == date(2026, 8, 15)
