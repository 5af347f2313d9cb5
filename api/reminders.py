"""Reminders over HTTP: the feed, one reminder with its deliveries, acknowledging.

The list is answered from the reminders read model (after waiting briefly for
it to hold every event written so far). One reminder is read from the store,
so its delivery attempts and how it was closed are never behind. Messages
say how far away the date is as of the server's clock when they are read.

Acknowledging closes an open reminder. It is idempotent: a reminder already
acknowledged keeps its first acknowledgement, one the tracker resolved stays
resolved, and the answer is the same. `POST /api/reminders/acknowledge`
acknowledges several at once, all or none: when any id is unknown the answer
is 404 naming each of them, and nothing is acknowledged.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError
from fastapi import APIRouter, Body, Depends, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from api.deps import get_actor, get_clock, get_read_models, get_tracker
from api.errors import ERROR_RESPONSES, NOT_JSON, ApiError, ErrorResponse
from events.base import Day
from events.reminders import DeliveryAttempted, ReminderAcknowledged, ReminderRule
from projections.reminders import ReminderQuery
from projections.reminders import list_reminders as reminder_rows
from projections.service import ReadModels
from tracker.application import Tracker
from tracker.clock import Clock
from tracker.delivery.digests import digest_attempts
from tracker.reminders.aggregate import Reminder
from tracker.reminders.rules import ReminderRow, ReminderStatus
from tracker.reminders.wording import message

router = APIRouter(prefix="/api", tags=["reminders"], responses=ERROR_RESPONSES)

CATCH_UP_SECONDS = 2.0
"""How long the list waits for the read models to include the latest write."""
MAX_ACKNOWLEDGED = 500
"""Ids one bulk acknowledgement may name."""
ATTEMPTS = 3
"""Writes tried when reminders change meanwhile (acknowledged or resolved by someone else)."""

BUSY: dict[int | str, dict[str, Any]] = {
    409: {"model": ErrorResponse, "description": "The reminders kept changing; try again"}
}

ReadModelsDep = Annotated[ReadModels, Depends(get_read_models)]
TrackerDep = Annotated[Tracker, Depends(get_tracker)]
ClockDep = Annotated[Clock, Depends(get_clock)]
ActorDep = Annotated[str, Depends(get_actor)]
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
    status: ReminderStatus
    """`open`, or how it was closed: by a person (`acknowledged`) or by the tracker (`resolved`)."""
    message: str
    """One sentence for people, saying how far away the date is as of now."""
    subject: str
    """What it is about: a follow-up's description, or `expiry of IACHR-DPE-2020`."""
    follow_up_id: UUID | None
    stage: str
    """How far ahead (`lead-30`) or overdue (`overdue-2`) it was issued."""
    title: str
    reference: str | None
    acknowledged_by: str | None
    acknowledged_at: datetime | None
    resolved_at: datetime | None
    resolution: str | None
    """Why the tracker resolved it, in words: `the agreement was terminated on 2024-06-16`."""


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
    delivery_attempts: list[DeliveryAttemptView]


class AcknowledgeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ids: list[UUID] = Field(
        min_length=1,
        max_length=MAX_ACKNOWLEDGED,
        description="The reminders to acknowledge; a repeated id counts once.",
    )


@router.get("/reminders", response_model=ReminderList, summary="Issued reminders")
def list_reminders(
    tracker: TrackerDep,
    read_models: ReadModelsDep,
    clock: ClockDep,
    status: Annotated[ReminderStatus | None, Query()] = None,
    due_before: Annotated[Day | None, Query(description="Due strictly before this date.")] = None,
    agreement_id: Annotated[UUID | None, Query()] = None,
    rule: Annotated[ReminderRule | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> ReminderList:
    """By due date, then issue time."""
    read_models.wait_for(tracker, timeout=CATCH_UP_SECONDS)
    query = ReminderQuery(status, due_before, agreement_id, rule, limit)
    today = clock.today()
    return ReminderList(items=[item(row, today) for row in reminder_rows(read_models.db, query)])


@router.get(
    "/reminders/{reminder_id}",
    response_model=ReminderDetail,
    responses={200: {"links": {"acknowledgeReminder": _ACKNOWLEDGE}}},
    summary="One reminder",
)
def get_reminder(
    reminder_id: ReminderId, tracker: TrackerDep, read_models: ReadModelsDep, clock: ClockDep
) -> ReminderDetail:
    """With how it was closed and every delivery attempt (webhooks, digests), failed ones too."""
    read_models.wait_for(tracker, timeout=CATCH_UP_SECONDS)
    found = _load(tracker, reminder_id)
    return detail(found, clock.today(), digest_attempts(tracker, read_models.db, reminder_id))


@router.post(
    "/reminders/acknowledge",
    response_model=ReminderList,
    summary="Acknowledge several reminders",
    responses={**BUSY, **NOT_JSON},
)
def acknowledge_reminders(
    request: Annotated[AcknowledgeRequest, Body()],
    tracker: TrackerDep,
    actor: ActorDep,
    clock: ClockDep,
) -> ReminderList:
    """All or none; each reminder in the order given, as `GET /api/reminders` lists it."""
    found = {reminder_id: _find(tracker, reminder_id) for reminder_id in request.ids}
    missing = [(n, i) for n, i in enumerate(request.ids) if found[i] is None]
    if missing:
        raise _not_found(missing)
    known = [reminder for reminder in found.values() if reminder is not None]
    closed = _acknowledge(tracker, known, actor, clock.now())
    today = clock.today()
    return ReminderList(items=[item(reminder.row(), today) for reminder in closed])


@router.post(
    "/reminders/{reminder_id}/acknowledge",
    response_model=ReminderDetail,
    summary="Acknowledge a reminder",
    responses={**BUSY, 200: {"links": {"getReminder": _GET}}},
)
def acknowledge_reminder(
    reminder_id: ReminderId,
    tracker: TrackerDep,
    read_models: ReadModelsDep,
    actor: ActorDep,
    clock: ClockDep,
) -> ReminderDetail:
    """Records who acknowledged it; a closed reminder is answered as it was closed."""
    (closed,) = _acknowledge(tracker, [_load(tracker, reminder_id)], actor, clock.now())
    digests = digest_attempts(tracker, read_models.db, reminder_id)
    return detail(closed, clock.today(), digests)


def _acknowledge(
    tracker: Tracker, found: list[Reminder], actor: str, now: datetime
) -> list[Reminder]:
    """Acknowledge the open ones among these reminders in one write; all of them after.

    When another writer closes one meanwhile, the write is refused whole and
    tried again with what the store then holds.
    """
    for _ in range(ATTEMPTS):
        pending = [reminder for reminder in found if reminder.status == "open"]
        for reminder in pending:
            reminder.acknowledge(ReminderAcknowledged(by=actor, at=now))
        try:
            if pending:
                tracker.save(*pending)
            return found
        except IntegrityError:
            found = [_load(tracker, reminder.id) for reminder in found]
    raise ApiError(
        409, "reminders_busy", "the reminders kept changing while being acknowledged; try again"
    )


def _find(tracker: Tracker, reminder_id: UUID) -> Reminder | None:
    try:
        found: Any = tracker.repository.get(reminder_id)
    except AggregateNotFoundError:
        return None
    return found if isinstance(found, Reminder) else None


def _load(tracker: Tracker, reminder_id: UUID) -> Reminder:
    found = _find(tracker, reminder_id)
    if found is None:
        raise _not_found([(None, reminder_id)])
    return found


def _not_found(missing: Sequence[tuple[int | None, UUID]]) -> ApiError:
    """404 naming every unknown id (and, in a bulk request, where it was in `ids`)."""
    named = ", ".join(str(reminder_id) for _, reminder_id in missing[:5])
    more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
    nothing = "; nothing was acknowledged" if missing[0][0] is not None else ""
    details = [
        {"reminder_id": str(reminder_id)} | ({} if n is None else {"field": f"body.ids.{n}"})
        for n, reminder_id in missing
    ]
    return ApiError(404, "reminder_not_found", f"no reminder {named}{more}{nothing}", details)


def item(row: ReminderRow, today: date) -> ReminderItem:
    """The reminder as the API shows it, its message worded as of `today`."""
    return ReminderItem(
        id=row.id,
        agreement_id=row.agreement_id,
        rule=row.rule,
        due_on=row.due_on,
        issued_at=row.issued_at,
        status=row.status,
        message=message(row, today),
        subject=row.subject,
        follow_up_id=row.follow_up_id,
        stage=row.stage,
        title=row.title,
        reference=row.reference,
        acknowledged_by=row.acknowledged_by,
        acknowledged_at=row.acknowledged_at,
        resolved_at=row.resolved_at,
        resolution=row.resolution,
    )


def detail(
    found: Reminder, today: date, digests: Sequence[DeliveryAttempted] = ()
) -> ReminderDetail:
    """The reminder with its webhook attempts and `digests`' attempts, in time order."""
    attempts = [
        DeliveryAttemptView(**a.model_dump(exclude={"type"}))
        for a in sorted([*found.attempts, *digests], key=lambda a: a.at)
    ]
    return ReminderDetail(**dict(item(found.row(), today)), delivery_attempts=attempts)
