"""Endpoints across agreements, answered from the read models: the list and the event feed."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from api.deps import get_read_models, get_tracker
from api.errors import ERROR_RESPONSES
from api.models import AgreementList, Feed
from projections.service import AgreementQuery, ReadModels
from tracker.application import Tracker

router = APIRouter(prefix="/api", tags=["browse"], responses=ERROR_RESPONSES)

CATCH_UP_SECONDS = 2.0
"""How long a list waits for the read models to include the latest write."""

ReadModelsDep = Annotated[ReadModels, Depends(get_read_models)]
TrackerDep = Annotated[Tracker, Depends(get_tracker)]


@router.get("/agreements", response_model=AgreementList, summary="List and search agreements")
def list_agreements(
    tracker: TrackerDep,
    read_models: ReadModelsDep,
    query: Annotated[AgreementQuery, Query()],
) -> AgreementList:
    """Newest first. Waits (briefly) for the read models to hold every event written so far,
    so a client that lists right after a write sees it."""
    read_models.wait_for(tracker, timeout=CATCH_UP_SECONDS)
    page = read_models.list_agreements(query)
    return AgreementList.model_validate({"items": page.items, "next_cursor": page.next_cursor})


@router.get("/events", response_model=Feed, summary="Every event, across agreements, in order")
def event_feed(
    read_models: ReadModelsDep,
    after: Annotated[int, Query(ge=0, le=2**63 - 1, description="Last position seen.")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> Feed:
    feed = read_models.events_after(after, limit)
    return Feed.model_validate({"items": feed.items, "last_position": feed.last_position})
