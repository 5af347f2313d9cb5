"""Liveness and readiness: is the process up; can it reach its store, are its views whole.

`/healthz` only says the process answers. `/readyz` answers 503 when the
store cannot be reached, and while any event a read model could not process
remains unresolved (listed, up to `LISTED`, until `tracker projections retry`
clears it): lists and reminders then lack that agreement's latest events.
"""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from api.deps import get_clock, get_read_models, get_tracker
from api.models import Health, ProjectionFailure, ProjectionLag, Readiness
from projections.service import FailedEvent, ReadModels
from tracker.application import Tracker
from tracker.clock import Clock, SystemClock

router = APIRouter(tags=["health"])
log = logging.getLogger(__name__)

LISTED = 50
"""Failures listed in one answer; `failure_count` tells how many there are."""


@router.get("/healthz", response_model=Health, summary="The process is up")
def healthz(clock: Annotated[Clock, Depends(get_clock)]) -> Health:
    """`today` is the process's; `clock` says "fixed" when TRACKER_TODAY set it."""
    fixed = not isinstance(clock, SystemClock)
    return Health(status="ok", today=clock.today(), clock="fixed" if fixed else "system")


@router.get(
    "/readyz",
    response_model=Readiness,
    responses={
        503: {
            "model": Readiness,
            "description": "The store cannot be reached, or some events could not be projected",
        }
    },
    summary="The store answers and every event is projected; each read model's lag",
)
def readyz(
    tracker: Annotated[Tracker, Depends(get_tracker)],
    read_models: Annotated[ReadModels, Depends(get_read_models)],
) -> Readiness | JSONResponse:
    try:
        statuses = read_models.status(tracker)
        failed = read_models.failed_events(LISTED)
        count = read_models.failure_count() if failed else 0
    except Exception:
        log.exception("readiness check failed")
        return _unready(Readiness(status="unavailable", projections=[]))
    lags = [
        ProjectionLag(name=s.name, position=s.position, head=s.head, lag=s.lag) for s in statuses
    ]
    if failed:
        failures = [_failure(f) for f in failed]
        return _unready(
            Readiness(status="failing", projections=lags, failures=failures, failure_count=count)
        )
    return Readiness(status="ready", projections=lags)


def _unready(body: Readiness) -> JSONResponse:
    return JSONResponse(body.model_dump(mode="json"), status_code=503)


def _failure(failed: FailedEvent) -> ProjectionFailure:
    return ProjectionFailure(
        projection=failed.projection,
        position=failed.position,
        agreement_id=failed.aggregate_id,
        reference=failed.reference,
        error=failed.error,
        held_back=failed.held_back,
        failed_at=failed.failed_at,
        message=failed.sentence(),
    )
