"""Request and response bodies that are the API's own (the rest come from the catalog).

The draft request is derived from `events.drafting.Drafted` field by field, and
events in responses are the catalog's classes in one union chosen by `type`, so
the OpenAPI document follows the catalog and cannot drift from it.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Literal, Union
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, create_model

from events.base import EventBody
from events.catalog import EVENT_TYPES
from events.drafting import Drafted
from tracker.state import AgreementState

if TYPE_CHECKING:
    DraftAgreement = Drafted
    AnyEvent = EventBody
else:
    AnyEvent = Annotated[Union[tuple(EVENT_TYPES.values())], Field(discriminator="type")]  # noqa: UP007
    """Any stored event, recorded by a client or by the tracker, chosen by `type`."""
    DraftAgreement = create_model(
        "DraftAgreement",
        __config__=ConfigDict(extra="forbid", frozen=True),
        __doc__="A new agreement: the `drafted` event without its `type`.",
        **{
            name: (field.annotation, field)
            for name, field in Drafted.model_fields.items()
            if name != "type"
        },
    )


def as_drafted(request: DraftAgreement) -> Drafted:
    """The catalog's event for a draft request (its fields are already valid)."""
    return Drafted(**dict(request))


class HistoryEvent(BaseModel):
    version: int
    type: str
    occurred_on: date
    recorded_at: datetime
    recorded_by: str
    source: str | None
    data: AnyEvent = Field(description="The event as recorded, with its `type` and defaults.")
    retracted: bool


class History(BaseModel):
    agreement_id: UUID
    events: list[HistoryEvent]


class AgreementList(BaseModel):
    items: list[AgreementState]
    next_cursor: str | None


class FeedItem(BaseModel):
    position: int
    agreement_id: UUID
    version: int
    type: str
    occurred_on: date
    recorded_at: datetime
    data: AnyEvent = Field(description="The event as recorded, with its `type` and defaults.")


class Feed(BaseModel):
    items: list[FeedItem]
    last_position: int


class Health(BaseModel):
    status: str
    today: date
    clock: Literal["system", "fixed"]


class ProjectionLag(BaseModel):
    name: str
    position: int
    head: int
    lag: int


class ProjectionFailure(BaseModel):
    """An event a read model could not process; its agreement waits at its last good state."""

    projection: str
    position: int
    agreement_id: UUID
    """The agreement the event belongs to (for a reminder's event, the reminder)."""
    reference: str | None
    error: str
    held_back: int
    """Later events of the same agreement waiting behind this one."""
    failed_at: datetime
    message: str


class Readiness(BaseModel):
    status: str
    projections: list[ProjectionLag]
    failures: list[ProjectionFailure] = []
    failure_count: int = 0
