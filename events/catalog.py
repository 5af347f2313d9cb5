"""The one list of lifecycle events: everything else is derived from it.

The API's request union, the history view's decoding, the stored schema
versions and the upcasters all come from `EVENT_TYPES`; adding an event type
means adding its class to a module and to this list.
"""

from __future__ import annotations

from typing import Annotated, Any, get_args

from pydantic import Field, TypeAdapter

from events.base import RECORDED, EventBody
from events.cooperation import (
    ActivityRecorded,
    ComplementaryAgreementAdded,
    FollowUpCompleted,
    FollowUpScheduled,
    PersonnelExchanged,
)
from events.drafting import Amended, Drafted
from events.lifecycle import (
    EnteredIntoForce,
    Expired,
    NoticeGiven,
    Renewed,
    Resumed,
    Signed,
    Suspended,
    Terminated,
)
from events.parties import PartyAdded, PartyWithdrawn
from events.records import DocumentAttached, NoteAdded, Retracted, Voided

RecordableEvent = Annotated[
    PartyAdded
    | PartyWithdrawn
    | Amended
    | Signed
    | EnteredIntoForce
    | ComplementaryAgreementAdded
    | PersonnelExchanged
    | ActivityRecorded
    | FollowUpScheduled
    | FollowUpCompleted
    | Renewed
    | NoticeGiven
    | Suspended
    | Resumed
    | Terminated
    | Voided
    | NoteAdded
    | DocumentAttached
    | Retracted,
    Field(discriminator="type"),
]
"""What a client may record on an existing agreement (the API's request body)."""

SYSTEM_EVENTS: tuple[type[EventBody], ...] = (Drafted, Expired)
"""Recorded by the tracker itself: the draft endpoint and the scheduler."""

RECORDABLE_EVENTS: tuple[type[EventBody], ...] = get_args(get_args(RecordableEvent)[0])

EVENT_TYPES: dict[str, type[EventBody]] = {
    cls.type_name(): cls for cls in (*RECORDABLE_EVENTS, *SYSTEM_EVENTS)
}

recordable_adapter: TypeAdapter[RecordableEvent] = TypeAdapter(RecordableEvent)


class UnknownEventType(LookupError):
    pass


def event_class(type_name: str) -> type[EventBody]:
    try:
        return EVENT_TYPES[type_name]
    except KeyError:
        raise UnknownEventType(type_name) from None


def upcast(type_name: str, schema_version: int, data: dict[str, Any]) -> dict[str, Any]:
    """Bring stored fields of an older schema version up to the current one."""
    cls = event_class(type_name)
    while schema_version < cls.SCHEMA_VERSION:
        step = getattr(cls, f"upcast_v{schema_version}_v{schema_version + 1}")
        data = step(data)
        schema_version += 1
    return data


def load(
    type_name: str, schema_version: int, data: dict[str, Any], *, recorded: bool = False
) -> EventBody:
    """Decode an event body in the stored shape, upcasting it first when it is older.

    `recorded`: the body comes from this store, so the bounds on incoming
    values are not applied again (see `events.base`); an import checks them.
    """
    cls = event_class(type_name)
    if schema_version < cls.SCHEMA_VERSION:
        data = upcast(type_name, schema_version, data)
    return cls.model_validate(data, context=RECORDED if recorded else None)
