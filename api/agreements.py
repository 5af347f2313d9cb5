"""Endpoints of one agreement: draft it, record its events, read its state, history and events.

Every representation carries an ETag, and a GET with a current `If-None-Match`
is a 304. A draft answers with the new agreement's `Location`; a recorded event
with its own place in the history, `/api/agreements/{id}/events/{version}`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Body, Depends, Path, Query, Request, Response
from pydantic import AwareDatetime

from api.conditions import (
    CONDITIONAL_READ,
    ETAG_HEADER,
    IdempotencyKey,
    IfMatch,
    IfNoneMatch,
    etag,
    expected_version,
    idempotency,
    precondition_failed,
    representation,
)
from api.deps import get_actor, get_clock, get_tracker
from api.errors import ERROR_RESPONSES, NOT_JSON, ErrorResponse
from api.models import DraftAgreement, History, HistoryEvent, as_drafted
from events.base import Day, Version
from events.catalog import RecordableEvent
from tracker.application import Idempotency, Tracker
from tracker.clock import Clock
from tracker.errors import AgreementNotFound, DuplicateReference, StaleVersion, WriteConflict
from tracker.state import AgreementState, Record
from tracker.timeline import canonical, retracted_versions

router = APIRouter(prefix="/api/agreements", tags=["agreements"], responses=ERROR_RESPONSES)

AgreementId = Annotated[UUID, Path(description="The agreement's id (a UUID).")]
Actor = Annotated[str, Depends(get_actor)]
TrackerDep = Annotated[Tracker, Depends(get_tracker)]
ClockDep = Annotated[Clock, Depends(get_clock)]

WRITE_ATTEMPTS = 3
"""An unconditional write that loses a race is decided again on the new state."""


def _link(operation: str, description: str, **parameters: str) -> dict[str, object]:
    return {"operationId": operation, "description": description, "parameters": parameters}


_BY_ID = {"agreement_id": "$response.body#/id"}
_READ_LINKS: dict[str, object] = {
    "getAgreement": _link("getAgreement", "The agreement's state.", **_BY_ID),
    "getHistory": _link("getHistory", "Every event recorded on it.", **_BY_ID),
    "recordEvent": _link(
        "recordEvent",
        "Record the next event, on the condition that nothing was recorded since.",
        **_BY_ID,
        **{"header.If-Match": "$response.header.ETag"},
    ),
}
_CREATED_HEADERS = {
    "ETag": ETAG_HEADER,
    "Location": {"description": "Where the new resource is read.", "schema": {"type": "string"}},
}
_WRITE_RESPONSES: dict[int | str, dict[str, object]] = {
    409: {"model": ErrorResponse, "description": "Refused transition, duplicate, or conflict"},
    412: {"model": ErrorResponse, "description": "If-Match names no current version"},
    **NOT_JSON,
}


def _created(links: dict[str, object]) -> dict[int | str, dict[str, object]]:
    return {201: {"headers": _CREATED_HEADERS, "links": links}, **_WRITE_RESPONSES}


@router.post(
    "",
    status_code=201,
    response_model=AgreementState,
    responses=_created(_READ_LINKS),
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
    return representation(
        state, etag(state.version), status_code=201, location=f"{router.prefix}/{state.id}"
    )


@router.post(
    "/{agreement_id}/events",
    status_code=201,
    response_model=AgreementState,
    responses=_created(
        {
            **_READ_LINKS,
            "getEvent": _link(
                "getEvent",
                "The last event recorded.",
                **_BY_ID,
                version="$response.body#/version",
            ),
        }
    ),
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
    expected = stale = None
    if if_match is not None:
        expected = expected_version(if_match, agreement_id, _version(tracker, agreement_id))
        if expected is not None:
            stale = partial(_stale, tracker, agreement_id, if_match)
    command = canonical(event, clock.today())
    key = idempotency(idempotency_key, "POST", request.url.path, command)
    state = _written(
        lambda: tracker.record(
            agreement_id, command, actor, expected_version=expected, idempotency=key
        ),
        key,
        stale,
    )
    version = _recorded_version(tracker, state, command.type_name())
    location = f"{router.prefix}/{agreement_id}/events/{version}"
    return representation(state, etag(state.version), status_code=201, location=location)


def _stale(tracker: Tracker, agreement_id: UUID, if_match: str) -> Exception:
    """The 412 for a conditional write that lost the race to another write."""
    return precondition_failed(if_match, agreement_id, _version(tracker, agreement_id))


def _version(tracker: Tracker, agreement_id: UUID) -> int | None:
    try:
        return tracker.history(agreement_id)[-1].version
    except AgreementNotFound:
        return None


def _recorded_version(tracker: Tracker, state: AgreementState, type_name: str) -> int:
    """The version of the event a write recorded: its type's latest up to the answered state.

    A write records one event of the type sent, and may add its consequences
    after it (`signed` adds `entered_into_force`).
    """
    records = tracker.history(state.id)[: state.version]
    return next(r.version for r in reversed(records) if r.type == type_name)


def _written(
    write: Callable[[], AgreementState],
    key: Idempotency | None,
    stale: Callable[[], Exception] | None = None,
) -> AgreementState:
    """The write's new state.

    An unconditional write that loses a race is decided again on the new state;
    a conditional one fails with `stale()`, as the version it expected is gone.
    A request whose twin (same Idempotency-Key) was recorded first, claiming the
    same reference, gets the twin's answer when tried again.
    """
    attempt = 1
    while True:
        try:
            return write()
        except (WriteConflict, StaleVersion):
            if stale is not None:
                raise stale() from None
            if attempt == WRITE_ATTEMPTS:
                raise
        except DuplicateReference:
            if key is None or attempt == WRITE_ATTEMPTS:
                raise
        attempt += 1


@router.get(
    "/{agreement_id}",
    response_model=AgreementState,
    responses=CONDITIONAL_READ,
    summary="Read an agreement",
)
def get_agreement(
    agreement_id: AgreementId,
    tracker: TrackerDep,
    as_of: Annotated[Day | None, Query(description="The state effective on this date.")] = None,
    known_at: Annotated[
        AwareDatetime | None,
        Query(description="The state as the store knew it at this moment (with an offset)."),
    ] = None,
    version: Annotated[Version | None, Query(description="The state at this version.")] = None,
    if_none_match: IfNoneMatch = None,
) -> Response:
    state = tracker.state(agreement_id, as_of=as_of, known_at=known_at, version=version)
    return representation(state, etag(state.version), if_none_match)


@router.get(
    "/{agreement_id}/history",
    response_model=History,
    responses=CONDITIONAL_READ,
    summary="Every recorded event",
)
def get_history(
    agreement_id: AgreementId,
    tracker: TrackerDep,
    order: Annotated[
        Literal["recorded", "occurred"],
        Query(description="`recorded` (the default) or `occurred` (by occurred_on)."),
    ] = "recorded",
    if_none_match: IfNoneMatch = None,
) -> Response:
    """The ETag is the agreement's version: its history changes only by growing."""
    records = tracker.history(agreement_id)
    if order == "occurred":
        records = sorted(records, key=lambda r: (r.occurred_on, r.version))
    retracted = retracted_versions(records)
    history = History(
        agreement_id=agreement_id,
        events=[_history_event(record, record.version in retracted) for record in records],
    )
    return representation(history, etag(len(records)), if_none_match)


@router.get(
    "/{agreement_id}/events/{version}",
    response_model=HistoryEvent,
    responses=CONDITIONAL_READ,
    summary="One recorded event",
)
def get_event(
    agreement_id: AgreementId,
    version: Annotated[Version, Path(description="The event's version.")],
    tracker: TrackerDep,
    if_none_match: IfNoneMatch = None,
) -> Response:
    """An event never changes once recorded, but a later `retracted` marks it."""
    records = tracker.history(agreement_id)
    if version > len(records):
        detail = f" at version {version}: the latest is {len(records)}"
        raise AgreementNotFound(agreement_id, detail)
    event = _history_event(records[version - 1], version in retracted_versions(records))
    return representation(event, etag(len(records)), if_none_match)


def _history_event(record: Record, retracted: bool) -> HistoryEvent:
    return HistoryEvent(
        version=record.version,
        type=record.type,
        occurred_on=record.occurred_on,
        recorded_at=record.recorded_at,
        recorded_by=record.recorded_by,
        source=record.body.source,
        data=record.body,
        retracted=retracted,
    )
