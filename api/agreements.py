"""Endpoints of one agreement: draft it, record its events, read its state and history."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Body, Depends, Path, Query, Request, Response
from pydantic import AwareDatetime

from api.conditions import IdempotencyKey, IfMatch, etag, expected_version, idempotency
from api.deps import get_actor, get_clock, get_tracker
from api.errors import ERROR_RESPONSES, ApiError, ErrorResponse
from api.models import DraftAgreement, History, HistoryEvent, as_drafted
from events.base import Day, Version
from events.catalog import RecordableEvent
from tracker.application import Idempotency, Tracker
from tracker.clock import Clock
from tracker.errors import DuplicateReference, WriteConflict
from tracker.state import AgreementState, Record
from tracker.timeline import canonical, retracted_versions

router = APIRouter(prefix="/api/agreements", tags=["agreements"], responses=ERROR_RESPONSES)

AgreementId = Annotated[UUID, Path(description="The agreement's id (a UUID).")]
Actor = Annotated[str, Depends(get_actor)]
TrackerDep = Annotated[Tracker, Depends(get_tracker)]
ClockDep = Annotated[Clock, Depends(get_clock)]

WRITE_ATTEMPTS = 3
"""An unconditional write that loses a race is decided again on the new state."""

_WRITE_RESPONSES: dict[int | str, dict[str, object]] = {
    409: {"model": ErrorResponse, "description": "Refused transition, duplicate, or conflict"},
    412: {"model": ErrorResponse, "description": "If-Match names a version that is stale"},
}


def state_response(state: AgreementState, status_code: int = 200) -> Response:
    """The state as JSON with its ETag; serialised once, straight from the model."""
    return Response(
        content=state.model_dump_json(),
        status_code=status_code,
        media_type="application/json",
        headers={"ETag": etag(state.version)},
    )


@router.post(
    "",
    status_code=201,
    response_model=AgreementState,
    responses=_WRITE_RESPONSES,
    summary="Draft an agreement",
)
def draft_agreement(
    body: DraftAgreement,
    request: Request,
    tracker: TrackerDep,
    actor: Actor,
    clock: ClockDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    command = canonical(as_drafted(body), clock.today())
    key = idempotency(idempotency_key, "POST", request.url.path, command)
    state = _written(lambda: tracker.draft(command, actor, idempotency=key), key)
    return state_response(state, 201)


@router.post(
    "/{agreement_id}/events",
    status_code=201,
    response_model=AgreementState,
    responses=_WRITE_RESPONSES,
    summary="Record an event on an agreement",
)
def record_event(
    agreement_id: AgreementId,
    event: Annotated[RecordableEvent, Body(description="One event, chosen by `type`.")],
    request: Request,
    tracker: TrackerDep,
    actor: Actor,
    clock: ClockDep,
    if_match: IfMatch = None,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    expected = expected_version(if_match)
    command = canonical(event, clock.today())
    key = idempotency(idempotency_key, "POST", request.url.path, command)
    state = _written(
        lambda: tracker.record(
            agreement_id, command, actor, expected_version=expected, idempotency=key
        ),
        key,
        expected,
    )
    return state_response(state, 201)


def _written(
    write: Callable[[], AgreementState],
    key: Idempotency | None,
    expected: int | None = None,
) -> AgreementState:
    """The write's new state.

    An unconditional write that loses a race is decided again on the new state;
    a conditional one fails, as the version it expected is gone. A request whose
    twin (same Idempotency-Key) was recorded first, claiming the same reference,
    gets the twin's answer when tried again.
    """
    attempt = 1
    while True:
        try:
            return write()
        except WriteConflict as conflict:
            if expected is not None:
                raise _stale(conflict, expected) from None
            if attempt == WRITE_ATTEMPTS:
                raise
        except DuplicateReference:
            if key is None or attempt == WRITE_ATTEMPTS:
                raise
        attempt += 1


def _stale(conflict: WriteConflict, expected: int) -> ApiError:
    return ApiError(
        412,
        "stale_version",
        f"another write was saved first; version {expected} is no longer current",
        [{"field": "header.If-Match", "expected": expected, "reason": conflict.message}],
    )


@router.get("/{agreement_id}", response_model=AgreementState, summary="Read an agreement")
def read_agreement(
    agreement_id: AgreementId,
    tracker: TrackerDep,
    as_of: Annotated[Day | None, Query(description="The state effective on this date.")] = None,
    known_at: Annotated[
        AwareDatetime | None,
        Query(description="The state as the store knew it at this moment (with an offset)."),
    ] = None,
    version: Annotated[Version | None, Query(description="The state at this version.")] = None,
) -> Response:
    state = tracker.state(agreement_id, as_of=as_of, known_at=known_at, version=version)
    return state_response(state)


@router.get("/{agreement_id}/history", response_model=History, summary="Every recorded event")
def read_history(
    agreement_id: AgreementId,
    tracker: TrackerDep,
    order: Annotated[
        Literal["recorded", "occurred"],
        Query(description="`recorded` (the default) or `occurred` (by occurred_on)."),
    ] = "recorded",
) -> History:
    records = tracker.history(agreement_id)
    if order == "occurred":
        records = sorted(records, key=lambda r: (r.occurred_on, r.version))
    retracted = retracted_versions(records)
    return History(
        agreement_id=agreement_id,
        events=[_history_event(record, record.version in retracted) for record in records],
    )


def _history_event(record: Record, retracted: bool) -> HistoryEvent:
    return HistoryEvent(
        version=record.version,
        type=record.type,
        occurred_on=record.occurred_on,
        recorded_at=record.recorded_at,
        recorded_by=record.recorded_by,
        source=record.body.source,
        data=record.body.data(),
        retracted=retracted,
    )
