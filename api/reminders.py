"""Reminders over HTTP: the feed, one reminder with its deliveries, acknowledging.

The list is answered from the reminders read model (after waiting briefly for
it to hold every event written so far). One reminder is read from the store,
so its delivery attempts and acknowledgement are never behind. Acknowledging
twice is not an error: the first acknowledgement is kept and returned (200).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError
from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel

from api.deps import get_actor, get_clock, get_read_models, get_tracker
from api.errors import ERROR_RESPONSES, ApiError
from events.base import Day
from events.reminders import DeliveryAttempted, ReminderAcknowledged, ReminderRule
from projections.reminders import ReminderQuery
from projections.reminders import list_reminders as reminder_rows
from projections.service import ReadModels
from tracker.application import Tracker
from tracker.clock import Clock
from tracker.delivery.digests import digest_attempts
from tracker.reminders.aggregate import Reminder

router = APIRouter(prefix="/api", tags=["reminders"], responses=ERROR_RESPONSES)

CATCH_UP_SECONDS = 2.0
"""How long the list and the calendar wait for the read models to include the latest write."""

ReadModelsDep = Annotated[ReadModels, Depends(get_read_models)]
TrackerDep = Annotated[Tracker, Depends(get_tracker)]
ReminderId = Annotated[UUID, Path(description="The reminder's id (a UUID).")]

_BY_ID = {"reminder_id": "$response.body#/id"}
_GET = {"operationId": "getReminder", "parameters": _BY_ID, "description": "The reminder."}
_ACKNOWLEDGE = {
    "operationId": "acknowledgeReminder",
    "parameters": _BY_ID,
    "description": "Acknowledge it.",
}


class ReminderItem(BaseModel):
    id: UUID
    agreement_id: UUID
    rule: ReminderRule
    due_on: date
    issued_at: datetime
    status: Literal["open", "acknowledged"]
    message: str
    subject: str
    """The follow-up's id for a follow-up reminder, else empty."""
    stage: str
    """How far ahead (`lead-30`) or overdue (`overdue-2`) it was issued."""


class ReminderList(BaseModel):
    items: list[ReminderItem]


class DeliveryAttemptView(BaseModel):
    """A webhook post, or (with a `mailto:` URL) the sending of a digest that listed it."""

    url: str
    attempt: int
    ok: bool
    status: int | None
    error: str | None
    at: datetime
    response: str | None = None
    response_bytes: int | None = None
    retry_after: datetime | None = None


class ReminderDetail(ReminderItem):
    title: str
    reference: str | None
    acknowledged_by: str | None
    acknowledged_at: datetime | None
    delivery_attempts: list[DeliveryAttemptView]


@router.get("/reminders", response_model=ReminderList, summary="Issued reminders")
def list_reminders(
    tracker: TrackerDep,
    read_models: ReadModelsDep,
    status: Annotated[Literal["open", "acknowledged"] | None, Query()] = None,
    due_before: Annotated[Day | None, Query(description="Due strictly before this date.")] = None,
    agreement_id: Annotated[UUID | None, Query()] = None,
    rule: Annotated[ReminderRule | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> ReminderList:
    """By due date, then issue time."""
    read_models.wait_for(tracker, timeout=CATCH_UP_SECONDS)
    query = ReminderQuery(status, due_before, agreement_id, rule, limit)
    items = reminder_rows(read_models.db, query)
    return ReminderList.model_validate({"items": items})


@router.get(
    "/reminders/{reminder_id}",
    response_model=ReminderDetail,
    responses={200: {"links": {"acknowledgeReminder": _ACKNOWLEDGE}}},
    summary="One reminder",
)
def get_reminder(
    reminder_id: ReminderId, tracker: TrackerDep, read_models: ReadModelsDep
) -> ReminderDetail:
    """With who acknowledged it and every delivery attempt (webhooks, digests), failed ones too."""
    read_models.wait_for(tracker, timeout=CATCH_UP_SECONDS)
    return detail(
        _load(tracker, reminder_id), digest_attempts(tracker, read_models.db, reminder_id)
    )


@router.post(
    "/reminders/{reminder_id}/acknowledge",
    response_model=ReminderDetail,
    responses={200: {"links": {"getReminder": _GET}}},
    summary="Acknowledge a reminder",
)
def acknowledge_reminder(
    reminder_id: ReminderId,
    tracker: TrackerDep,
    read_models: ReadModelsDep,
    actor: Annotated[str, Depends(get_actor)],
    clock: Annotated[Clock, Depends(get_clock)],
) -> ReminderDetail:
    """Records who acknowledged it; acknowledging again returns the first acknowledgement."""
    found = _load(tracker, reminder_id)
    if found.acknowledged is None:
        found.acknowledge(ReminderAcknowledged(by=actor, at=clock.now()))
        try:
            tracker.save(found)
        except IntegrityError:
            found = _load(tracker, reminder_id)
    return detail(found, digest_attempts(tracker, read_models.db, reminder_id))


def _load(tracker: Tracker, reminder_id: UUID) -> Reminder:
    try:
        found: Any = tracker.repository.get(reminder_id)
    except AggregateNotFoundError:
        found = None
    if not isinstance(found, Reminder):
        raise ApiError(
            404,
            "reminder_not_found",
            f"no reminder {reminder_id}",
            [{"reminder_id": str(reminder_id)}],
        )
    return found


def detail(found: Reminder, digests: Sequence[DeliveryAttempted] = ()) -> ReminderDetail:
    """The reminder with its webhook attempts and `digests`' attempts, in time order."""
    issued = found.issued
    acknowledged = found.acknowledged
    return ReminderDetail(
        id=found.id,
        agreement_id=issued.agreement_id,
        rule=issued.rule,
        due_on=issued.due_on,
        issued_at=issued.issued_at,
        status="acknowledged" if acknowledged else "open",
        message=issued.message,
        subject=issued.subject,
        stage=issued.stage,
        title=issued.title,
        reference=issued.reference,
        acknowledged_by=acknowledged.by if acknowledged else None,
        acknowledged_at=acknowledged.at if acknowledged else None,
        delivery_attempts=[
            DeliveryAttemptView(**a.model_dump(exclude={"type"}))
            for a in sorted([*found.attempts, *digests], key=lambda a: a.at)
        ],
    )
