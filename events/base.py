"""Field types and base classes shared by every event body in the catalog.

The limits here are the product's limits, defined once so the API, the
importer and the demo share one rule:

- dates lie between `FIRST_DAY` and `LAST_DAY` (1900-01-01 to 2199-12-31);
- a name, title or reference (`Name`) is one line of at most 500 characters;
  other text (`Text`: notes, descriptions, purposes) at most 20,000, where tab
  and newline are the only control characters allowed (a CR LF or lone CR
  line break becomes a newline); NUL, the other C0 and C1 controls and lone
  surrogates are refused everywhere;
- a document's `Url` is an http:// or https:// address;
- lists hold at most 200 items.

The bounds apply to what comes in. Reading back what the store holds passes
`RECORDED` as the validation context, so a history recorded before a bound
existed stays readable (and correctable) instead of becoming an error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any, ClassVar
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    StringConstraints,
    ValidationInfo,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError

MAX_ITEMS = 200
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2199, 12, 31)

RECORDED: dict[str, Any] = {"recorded": True}
"""The validation context for reading the store back: the bounds are not applied again."""


def _incoming(info: ValidationInfo) -> bool:
    return not (isinstance(info.context, dict) and info.context.get("recorded"))


_CONTROLS = "\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff"
_REFUSED_IN_TEXT = re.compile(f"[{_CONTROLS}]")
_REFUSED_IN_LINE = re.compile(f"[\t\n{_CONTROLS}]")


def printable(text: str) -> str:
    """`text` as one clean line: each control character becomes a space.

    For showing stored names (recorded before the bounds) in a reminder, a
    calendar or a log line without letting control characters through.
    """
    return _REFUSED_IN_LINE.sub(" ", text)


def _refuse(found: re.Match[str] | None, allowed: str) -> None:
    if found is not None:
        raise PydanticCustomError(
            "control_character",
            "must not contain control characters{allowed}: found U+{code} at character {at}",
            {"allowed": allowed, "code": f"{ord(found.group()):04X}", "at": found.start() + 1},
        )


@dataclass(frozen=True)
class Published:
    """The pattern the published JSON Schema gives a value: exactly what the validators here
    accept, so a client or a fuzzer knows it, while a refusal still says why in words."""

    pattern: str

    def __get_pydantic_json_schema__(
        self, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        schema = handler(core_schema)
        schema["pattern"] = self.pattern
        return schema


_NO_CONTROLS = "\\x00-\\x1f\\x7f-\\x9f"
"""Lone surrogates are refused too, but a JSON Schema pattern cannot name them portably."""
_STRIPPED = (
    "\\t\\n\\x0b\\x0c\\r \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000"
)
"""What `strip_whitespace` strips: Unicode's White_Space (not Python's wider `isspace`)."""
_KEPT = f"[^{_NO_CONTROLS}]*"
LINE_PATTERN = rf"^[{_STRIPPED}]*{_KEPT}[^{_STRIPPED}{_NO_CONTROLS}]{_KEPT}[{_STRIPPED}]*$"
TEXT_PATTERN = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$"
URL_PATTERN = (
    rf"^[{_STRIPPED}]*[hH][tT][tT][pP][sS]?://[^\s/?#:@\[\]{_NO_CONTROLS}]+(:[0-9]*)?"
    rf"([/?#][^\s{_NO_CONTROLS}]*)?[{_STRIPPED}]*$"
)
DAY_PATTERN = r"^(19|20|21)[0-9]{2}-[0-9]{2}-[0-9]{2}$"


def _one_line(value: str, info: ValidationInfo) -> str:
    if _incoming(info):
        _refuse(_REFUSED_IN_LINE.search(value), " or line breaks")
    return value


def _long_text(value: str, info: ValidationInfo) -> str:
    if _incoming(info):
        value = value.replace("\r\n", "\n").replace("\r", "\n")
        _refuse(_REFUSED_IN_TEXT.search(value), " other than tab and newline")
    return value


def _web_address(value: str, info: ValidationInfo) -> str:
    if not _incoming(info):
        return value
    try:
        parts = urlsplit(value)
    except ValueError:
        parts = None
    if parts is None or parts.scheme.lower() not in {"http", "https"} or not parts.hostname:
        raise PydanticCustomError("url_scheme", "must be an http:// or https:// address")
    if any(character.isspace() for character in value):
        raise PydanticCustomError("url_space", "must not contain spaces (write them as %20)")
    return value


Name = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=500),
    AfterValidator(_one_line),
    Published(LINE_PATTERN),
]
"""A name, title or reference: one line, not blank."""

Text = Annotated[
    str,
    StringConstraints(max_length=20_000),
    AfterValidator(_long_text),
    Published(TEXT_PATTERN),
]
"""Free text of several lines (tab and newline allowed)."""

Url = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=2_000),
    AfterValidator(_one_line),
    AfterValidator(_web_address),
    Published(URL_PATTERN),
]
"""Where a document can be read: an http:// or https:// address."""

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


def _recordable_day(value: date, info: ValidationInfo) -> date:
    if _incoming(info) and not FIRST_DAY <= value <= LAST_DAY:
        raise PydanticCustomError(
            "date_out_of_bounds",
            "must lie between {first} and {last}",
            {"first": FIRST_DAY.isoformat(), "last": LAST_DAY.isoformat()},
        )
    return value


Day = Annotated[
    date, BeforeValidator(_iso_day), AfterValidator(_recordable_day), Published(DAY_PATTERN)
]
"""A calendar date, written YYYY-MM-DD, from 1900-01-01 to 2199-12-31; 2020-02-30 is refused."""


def items(max_length: int = MAX_ITEMS) -> Any:
    """A list bound, so no event carries an unbounded list."""
    return Field(default_factory=list, max_length=max_length)


class Body(BaseModel):
    """A value inside an event: immutable, and unknown fields are an error."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class StoredBody(Body):
    """A body the store keeps: named by its `type` field, stored with its schema version."""

    SCHEMA_VERSION: ClassVar[int] = 1
    WORDS: ClassVar[str] = ""
    """How a message names an event of this type ("the signature"); see `words`."""

    @classmethod
    def type_name(cls) -> str:
        return str(cls.model_fields["type"].default)

    @classmethod
    def words(cls) -> str:
        """The type in words for people: `WORDS`, or else its name with spaces."""
        return cls.WORDS or cls.type_name().replace("_", " ")


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
