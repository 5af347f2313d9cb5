"""Field types and base classes shared by every event body in the catalog.

The limits here are the product's limits (API.md): names, titles and references
500 characters, other text 20,000, lists 200 items. They live on the types so
every event that uses a type enforces them the same way.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

MAX_ITEMS = 200

Name = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500, pattern=r"\S")
]
"""Blank is empty once stripped: the pattern (some non-space) tells clients so."""
Text = Annotated[str, StringConstraints(max_length=20_000)]
CountryCode = Annotated[
    str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Za-z]{2}$")
]
Sha256 = Annotated[
    str, StringConstraints(strip_whitespace=True, to_lower=True, pattern=r"^[0-9a-fA-F]{64}$")
]
Version = Annotated[int, Field(ge=1, le=2**31 - 1)]

_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_day(value: object) -> object:
    """Only `YYYY-MM-DD` (or a date) is a date: pydantic alone reads `0` as 1970-01-01."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and _ISO_DAY.fullmatch(value):
        return value
    raise ValueError("expected a date as YYYY-MM-DD")


Day = Annotated[date, BeforeValidator(_iso_day)]
"""A calendar date, written YYYY-MM-DD; an impossible one (2020-02-30) is refused too."""


def items(max_length: int = MAX_ITEMS) -> Any:
    """A list bound, so no event carries an unbounded list."""
    return Field(default_factory=list, max_length=max_length)


class Body(BaseModel):
    """A value inside an event: immutable, and unknown fields are an error."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class StoredBody(Body):
    """A body the store keeps: named by its `type` field, stored with its schema version."""

    SCHEMA_VERSION: ClassVar[int] = 1

    @classmethod
    def type_name(cls) -> str:
        return str(cls.model_fields["type"].default)


class EventBody(StoredBody):
    """What every lifecycle event carries besides its own fields.

    `occurred_on` is the date the fact happened in the world; when a client
    leaves it out the application fills in today's date from its clock.
    `SCHEMA_VERSION` is stored with each event so an older shape can be
    upcast when it is read back (see `events.catalog`).
    """

    occurred_on: Day | None = None
    source: Text | None = None

    def data(self) -> dict[str, Any]:
        """The event's own fields, JSON-shaped: what is stored and shown as `data`."""
        return self.model_dump(mode="json", exclude={"type", "occurred_on", "source"})
