"""Events that move an agreement through its states."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from events.base import Body, Day, EventBody, Name, Text, items


class Signatory(Body):
    name: Name
    party: Name | None = None
    title: Name | None = None


class Attendee(Body):
    name: Name
    role: Name | None = None


class Signed(EventBody):
    """Version 2 made signatories objects; version 1 stored bare names."""

    SCHEMA_VERSION: ClassVar[int] = 2
    type: Literal["signed"] = "signed"
    place: Name | None = None
    signatories: list[Signatory] = items()
    attendees: list[Attendee] = items()
    enters_into_force_on: Day | None = None

    @staticmethod
    def upcast_v1_v2(data: dict[str, Any]) -> dict[str, Any]:
        names = data.get("signatories", [])
        return {**data, "signatories": [{"name": name} for name in names]}


class EnteredIntoForce(EventBody):
    type: Literal["entered_into_force"] = "entered_into_force"


class Renewed(EventBody):
    type: Literal["renewed"] = "renewed"
    expires_on: Day


class NoticeGiven(EventBody):
    """Notice of non-renewal: the agreement will end at its expiry date."""

    type: Literal["notice_given"] = "notice_given"
    by_party: Name
    reason: Text = ""


class Suspended(EventBody):
    type: Literal["suspended"] = "suspended"
    reason: Text = ""


class Resumed(EventBody):
    type: Literal["resumed"] = "resumed"


class Terminated(EventBody):
    type: Literal["terminated"] = "terminated"
    reason: Text = ""


class Expired(EventBody):
    """Recorded by the scheduler when an expiry date passes without renewal."""

    type: Literal["expired"] = "expired"
