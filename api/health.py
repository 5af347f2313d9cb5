"""Liveness and readiness: is the process up, can it reach its store, how far behind are views."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from api.deps import get_clock, get_read_models, get_tracker
from api.models import Health, ProjectionLag, Readiness
from projections.service import ReadModels
from tracker.application import Tracker
from tracker.clock import Clock, SystemClock

router = APIRouter(tags=["health"])
log = logging.getLogger(__name__)


@router.get("/healthz", response_model=Health, summary="The process is up")
def healthz(clock: Annotated[Clock, Depends(get_clock)]) -> Health:
    """`today` is the process's; `clock` says "fixed" when TRACKER_TODAY set it."""
    fixed = not isinstance(clock, SystemClock)
    return Health(status="ok", today=clock.today(), clock="fixed" if fixed else "system")


@router.get(
    "/readyz",
    response_model=Readiness,
    responses={503: {"model": Readiness, "description": "The store cannot be reached"}},
    summary="The store answers; each read model's lag behind it",
)
def readyz(
    tracker: Annotated[Tracker, Depends(get_tracker)],
    read_models: Annotated[ReadModels, Depends(get_read_models)],
) -> Readiness | JSONResponse:
    try:
        statuses = read_models.status(tracker)
    except Exception:
        log.exception("readiness check failed")
        body = Readiness(status="unavailable", projections=[])
        return JSONResponse(body.model_dump(), status_code=503)
    lags = [
        ProjectionLag(name=s.name, position=s.position, head=s.head, lag=s.lag) for s in statuses
    ]
    return Readiness(status="ready", projections=lags)
