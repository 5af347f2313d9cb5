"""The calendar feed over HTTP, cacheable: `ETag`, `Last-Modified`, and 304 when unchanged.

Calendar apps poll a subscribed feed every few minutes or hours. A poll that
sends back the `ETag` (`If-None-Match`) or the `Last-Modified`
(`If-Modified-Since`) it was given gets `304 Not Modified` and no body while
no agreement of the feed has changed. As HTTP says, `If-None-Match` decides
when both are sent; a date that cannot be read is ignored.
"""

from __future__ import annotations

from datetime import datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Response

from api.conditions import ETAG_HEADER
from api.deps import get_read_models, get_tracker
from api.errors import ERROR_RESPONSES
from projections.service import ReadModels
from tracker.application import Tracker
from tracker.reminders.calendar import Feed, calendar_feed

router = APIRouter(prefix="/api", tags=["reminders"], responses=ERROR_RESPONSES)

CALENDAR_HEADERS = {
    "ETag": ETAG_HEADER,
    "Last-Modified": {
        "description": "When an agreement of the feed last changed.",
        "schema": {"type": "string"},
    },
}
CATCH_UP_SECONDS = 2.0
"""How long the feed waits for the read models to include the latest write."""

IfNoneMatch = Annotated[
    str | None,
    Header(description="The `ETag` of a copy the client holds.", max_length=2000),
]
IfModifiedSince = Annotated[
    str | None,
    Header(description="The `Last-Modified` of a copy the client holds.", max_length=200),
]


@router.get(
    "/calendar.ics",
    response_class=Response,
    summary="Calendar feed (RFC 5545) of anniversaries, expiries, notice deadlines, follow-ups",
    responses={
        200: {"content": {"text/calendar": {}}, "headers": CALENDAR_HEADERS},
        304: {"description": "The copy the client holds is current.", "headers": CALENDAR_HEADERS},
    },
)
def get_calendar(
    tracker: Annotated[Tracker, Depends(get_tracker)],
    read_models: Annotated[ReadModels, Depends(get_read_models)],
    if_none_match: IfNoneMatch = None,
    if_modified_since: IfModifiedSince = None,
) -> Response:
    """Subscribe to this URL in a calendar app; events keep their UID when dates move."""
    read_models.wait_for(tracker, timeout=CATCH_UP_SECONDS)
    feed = calendar_feed(read_models.db)
    headers = {"ETag": feed.etag, "Cache-Control": "no-cache"}
    if feed.last_modified is not None:
        headers["Last-Modified"] = format_datetime(feed.last_modified, usegmt=True)
    if not_modified(feed, if_none_match, if_modified_since):
        return Response(status_code=304, headers=headers)
    headers["Content-Disposition"] = 'inline; filename="agreements.ics"'
    return Response(content=feed.body, media_type="text/calendar; charset=utf-8", headers=headers)


def not_modified(feed: Feed, if_none_match: str | None, if_modified_since: str | None) -> bool:
    """Whether the client's copy is the feed as it is (RFC 9110, 13.1.2 and 13.1.3)."""
    if if_none_match is not None:
        tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
        return "*" in tags or feed.etag in tags
    if if_modified_since is None or feed.last_modified is None:
        return False
    since = _http_date(if_modified_since)
    return since is not None and feed.last_modified.replace(microsecond=0) <= since


def _http_date(value: str) -> datetime | None:
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return moment if moment.tzinfo is not None else None
