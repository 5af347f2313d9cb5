"""Endpoints across agreements, answered from the read models: the list and the event feed.

A list page's ETag is the agreements view's position with the query: the page
can only change when that view moves, so a current `If-None-Match` is a 304
without running the query at all.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response

from api.conditions import CONDITIONAL_READ, IfNoneMatch, content_tag, not_modified, representation
from api.deps import get_read_models, get_tracker
from api.errors import ERROR_RESPONSES, from_domain
from api.models import AgreementList, Feed
from events.base import EventBody
from projections.agreements import AgreementsProjection
from projections.base import AGREEMENT_TOPICS
from projections.service import AgreementQuery, ReadModels
from tracker.aggregate import Agreement, recorded
from tracker.application import Tracker
from tracker.errors import InvalidField

router = APIRouter(prefix="/api", tags=["browse"], responses=ERROR_RESPONSES)

CATCH_UP_SECONDS = 2.0
"""How long a list waits for the read models to include the latest write."""

ReadModelsDep = Annotated[ReadModels, Depends(get_read_models)]
TrackerDep = Annotated[Tracker, Depends(get_tracker)]


@router.get(
    "/agreements",
    response_model=AgreementList,
    responses=CONDITIONAL_READ,
    summary="List and search agreements",
)
def list_agreements(
    tracker: TrackerDep,
    read_models: ReadModelsDep,
    query: Annotated[AgreementQuery, Query()],
    if_none_match: IfNoneMatch = None,
) -> Response:
    """Newest first. Waits (briefly) for the read models to hold every event written so far,
    so a client that lists right after a write sees it."""
    read_models.wait_for(tracker, timeout=CATCH_UP_SECONDS)
    # The position is read before the page, so a page is never older than its tag.
    position = read_models.positions()[AgreementsProjection.name]
    tag = content_tag(position, query.model_dump_json())
    unchanged = not_modified(if_none_match, tag)
    if unchanged is not None:
        return unchanged
    try:
        page = read_models.list_agreements(query)
    except InvalidField as error:
        raise from_domain(error, location="query") from None
    body = AgreementList.model_validate({"items": page.items, "next_cursor": page.next_cursor})
    return representation(body, tag)


@router.get("/events", response_model=Feed, summary="Every event, across agreements, in order")
def list_events(
    tracker: TrackerDep,
    read_models: ReadModelsDep,
    after: Annotated[int, Query(ge=0, le=2**63 - 1, description="Last position seen.")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> Response:
    """Each item carries the event as recorded, read from the store by its position."""
    feed = read_models.events_after(after, limit)
    items = _with_data(tracker, feed.items)
    body = Feed.model_validate({"items": items, "last_position": feed.last_position})
    return Response(body.model_dump_json(), media_type="application/json")


def _with_data(tracker: Tracker, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if not items:
        return items
    stored = tracker.recorder.select_notifications(
        items[0]["position"],
        len(items),
        stop=items[-1]["position"],
        topics=tuple(AGREEMENT_TOPICS),
    )
    bodies: dict[int, EventBody] = {}
    for notification in stored:
        event = tracker.mapper.to_domain_event(notification)
        assert isinstance(event, Agreement.Created | Agreement.Recorded)
        bodies[notification.id] = recorded(event).body
    return [{**item, "data": bodies[item["position"]]} for item in items]
