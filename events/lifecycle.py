"""Events that move an agreement through its states."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field

from events.base import FIRST_DAY, LAST_DAY, Body, Day, EventBody, Name, Text, items


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
    WORDS: ClassVar[str] = "the signature"
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
    WORDS: ClassVar[str] = "the entry into force"


MAX_PERIODS = 12 * (LAST_DAY.year - FIRST_DAY.year + 1)
"""More renewal periods of at least a month than this cannot fit between the date bounds."""


class Renewed(EventBody):
    """The expiry moves to `expires_on`.

    `periods` is how many renewal periods the renewal covers: 1, unless a
    sweep that ran late catches up with several periods in one event (dated
    the first expiry it renews). Version 2 added it; version 1 covered one.
    """

    SCHEMA_VERSION: ClassVar[int] = 2
    type: Literal["renewed"] = "renewed"
    WORDS: ClassVar[str] = "a renewal"
    expires_on: Day
    periods: int = Field(default=1, ge=1, le=MAX_PERIODS)

    @staticmethod
    def upcast_v1_v2(data: dict[str, Any]) -> dict[str, Any]:
        return {**data, "periods": 1}


class NoticeGiven(EventBody):
    """Notice of non-renewal: the agreement will end at its expiry date."""

    type: Literal["notice_given"] = "notice_given"
    WORDS: ClassVar[str] = "a notice of non-renewal"
    by_party: Name
    reason: Text = ""


class Suspended(EventBody):
    type: Literal["suspended"] = "suspended"
    WORDS: ClassVar[str] = "a suspension"
    reason: Text = ""


class Resumed(EventBody):
    type: Literal["resumed"] = "resumed"
    WORDS: ClassVar[str] = "a resumption"


class Terminated(EventBody):
    type: Literal["terminated"] = "terminated"
    WORDS: ClassVar[str] = "the termination"
    reason: Text = ""


class Expired(EventBody):
    """Recorded by the scheduler when an expiry date passes without renewal."""

    type: Literal["expired"] = "expired"
    WORDS: ClassVar[str] = "the expiry"
