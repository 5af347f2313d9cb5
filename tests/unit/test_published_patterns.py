"""The patterns the API publishes accept exactly what the catalog's validators accept.

Lone surrogates aside: the validators refuse them, but a JSON Schema pattern cannot name
them in a way every regex engine reads, so the strings here are of real characters."""

from __future__ import annotations

import re
from datetime import date

import jsonschema_rs
from hypothesis import example, given
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from events.base import (
    DAY_PATTERN,
    LINE_PATTERN,
    TEXT_PATTERN,
    URL_PATTERN,
    Day,
    Name,
    Text,
    Url,
)

ODD = st.sampled_from(" \t\n\r\x00\x0b\x1c\x1f\x7f\x85\x9f\u2028aZé-:/?#@[]")
TEXTS = st.text(alphabet=st.one_of(ODD, st.characters(exclude_categories=["Cs"])), max_size=30)


def test_every_pattern_is_one_a_json_schema_validator_reads() -> None:
    for pattern in (LINE_PATTERN, TEXT_PATTERN, URL_PATTERN, DAY_PATTERN):
        validator = jsonschema_rs.validator_for({"type": "string", "pattern": pattern})
        assert not validator.is_valid("\x1d") or pattern == DAY_PATTERN


def accepted(adapter: TypeAdapter[object], value: object) -> bool:
    try:
        adapter.validate_python(value)
    except ValidationError:
        return False
    return True


@given(TEXTS)
@example(" Title \n")
@example("\t")
def test_a_name_is_published_as_it_is_checked(value: str) -> None:
    assert accepted(TypeAdapter(Name), value) == bool(re.fullmatch(LINE_PATTERN, value))


@given(TEXTS)
def test_a_text_is_published_as_it_is_checked(value: str) -> None:
    assert accepted(TypeAdapter(Text), value) == bool(re.fullmatch(TEXT_PATTERN, value))


@given(
    st.builds(
        lambda scheme, rest: scheme + rest,
        st.sampled_from(["http://", "HTTPS://", "ftp://", ""]),
        TEXTS,
    )
)
@example("http://example.org/a?b#c")
@example("http://:80")
def test_an_address_the_pattern_accepts_is_accepted(value: str) -> None:
    if re.fullmatch(URL_PATTERN, value):
        assert accepted(TypeAdapter(Url), value)


@given(st.dates())
def test_a_day_is_published_as_it_is_checked(day: date) -> None:
    text = day.isoformat()
    assert accepted(TypeAdapter(Day), text) == bool(re.fullmatch(DAY_PATTERN, text))
