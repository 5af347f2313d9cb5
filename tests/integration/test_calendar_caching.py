"""The calendar feed can be cached: ETag, Last-Modified, 304, and a DTSTAMP from the data."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime

from fastapi.testclient import TestClient
from icalendar import Calendar

from events.cooperation import FollowUpCompleted, FollowUpScheduled
from events.records import NoteAdded
from projections.service import ReadModels
from tests.integration.reminders_support import at, client, read_models, signed_agreement
from tracker.application import Tracker
from tracker.clock import FixedClock
from tracker.reminders.calendar import calendar_feed

__all__ = ["client", "read_models"]


def stamps(body: bytes) -> set[datetime]:
    calendar = Calendar.from_ical(body)
    return {event.decoded("DTSTAMP") for event in calendar.walk("VEVENT")}


def test_polls_of_an_unchanged_feed_get_the_same_bytes_and_then_304(
    client: TestClient, tracker: Tracker, clock: FixedClock
) -> None:
    agreement = signed_agreement(
        tracker,
        clock,
        title="Cached",
        signed_on=date(2020, 1, 1),
        expires_on=date(2025, 1, 1),
        events=(FollowUpScheduled(occurred_on=date(2020, 2, 1), due_on=date(2024, 9, 1)),),
    )
    changed = clock.now()
    at(clock, date(2024, 6, 1))
    first = client.get("/api/calendar.ics")
    clock.advance(timedelta(hours=5))
    second = client.get("/api/calendar.ics")
    assert first.status_code == second.status_code == 200
    assert first.content == second.content
    assert stamps(first.content) == {changed}
    etag, last_modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert second.headers["ETag"] == etag
    assert last_modified == format_datetime(changed, usegmt=True)

    for headers in (
        {"If-None-Match": etag},
        {"If-None-Match": f'"other", W/{etag}'},
        {"If-None-Match": "*"},
        {"If-Modified-Since": last_modified},
        {"If-Modified-Since": format_datetime(changed + timedelta(days=1), usegmt=True)},
    ):
        cached = client.get("/api/calendar.ics", headers=headers)
        assert cached.status_code == 304, headers
        assert cached.content == b""
        assert cached.headers["ETag"] == etag

    for headers in (
        {"If-None-Match": '"other"'},
        {"If-None-Match": '"other"', "If-Modified-Since": last_modified},
        {"If-Modified-Since": format_datetime(changed - timedelta(seconds=1), usegmt=True)},
        {"If-Modified-Since": "not a date"},
    ):
        assert client.get("/api/calendar.ics", headers=headers).status_code == 200, headers

    (follow_up,) = tracker.state(agreement).follow_ups
    tracker.record(agreement, FollowUpCompleted(follow_up_id=follow_up.id), "clerk")
    moved = client.get("/api/calendar.ics", headers={"If-None-Match": etag})
    assert moved.status_code == 200
    assert moved.headers["ETag"] != etag
    assert stamps(moved.content) == {clock.now()}
    assert moved.headers["Last-Modified"] == format_datetime(clock.now(), usegmt=True)
    assert (
        client.get("/api/calendar.ics", headers={"If-Modified-Since": last_modified}).status_code
        == 200
    )


def test_any_change_to_an_agreement_of_the_feed_is_a_new_version(
    client: TestClient, tracker: Tracker, clock: FixedClock
) -> None:
    agreement = signed_agreement(tracker, clock, title="Noted", signed_on=date(2020, 1, 1))
    before = client.get("/api/calendar.ics")
    at(clock, date(2024, 6, 1))
    tracker.record(agreement, NoteAdded(text="A note changes no date"), "clerk")
    after = client.get("/api/calendar.ics", headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200
    assert stamps(after.content) == {clock.now()}


def test_an_empty_feed_has_an_etag_and_no_last_modified(client: TestClient) -> None:
    empty = client.get("/api/calendar.ics")
    assert empty.status_code == 200
    assert "Last-Modified" not in empty.headers
    again = client.get("/api/calendar.ics", headers={"If-None-Match": empty.headers["ETag"]})
    assert again.status_code == 304


def test_a_feed_of_some_agreements_shows_and_dates_only_them(
    tracker: Tracker, read_models: ReadModels, clock: FixedClock
) -> None:
    mine = signed_agreement(tracker, clock, title="Mine", signed_on=date(2020, 1, 1))
    mine_changed = clock.now()
    other = signed_agreement(tracker, clock, title="Other", signed_on=date(2021, 1, 1))
    read_models.catch_up(tracker)
    feed = calendar_feed(read_models.db, [mine])
    summaries = {str(e["SUMMARY"]) for e in Calendar.from_ical(feed.body).walk("VEVENT")}
    assert summaries == {"Anniversary of the signature: Mine"}
    assert feed.last_modified == mine_changed
    assert calendar_feed(read_models.db, [other]).last_modified == clock.now()
    assert calendar_feed(read_models.db).last_modified == clock.now()
    assert calendar_feed(read_models.db, []).last_modified is None
    assert calendar_feed(read_models.db, [mine]).etag == feed.etag
    assert mine_changed < clock.now() == datetime(2021, 1, 1, 9, 30, tzinfo=UTC)
