"""The catalog's bounds on dates, text and URLs, defined once and used by every field."""

from __future__ import annotations

import types
from datetime import date, datetime
from typing import Annotated, Any, Union, get_args, get_origin

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import AfterValidator, BaseModel, StringConstraints, TypeAdapter, ValidationError

from events import base, catalog
from events.base import FIRST_DAY, LAST_DAY, Day, Name, Text, Url, printable
from events.reminders import REMINDER_EVENT_TYPES
from tests.strategies import names, texts

DAY: TypeAdapter[date] = TypeAdapter(Day)
NAME: TypeAdapter[str] = TypeAdapter(Name)
TEXT: TypeAdapter[str] = TypeAdapter(Text)
URL: TypeAdapter[str] = TypeAdapter(Url)

CONTROLS = (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA0))
REFUSED_EVERYWHERE = [chr(c) for c in CONTROLS]
"""NUL, the C0 controls but the line breaks and tab, DEL and the C1 controls."""


def refusal(adapter: TypeAdapter[Any], value: Any, context: dict[str, Any] | None = None) -> str:
    with pytest.raises(ValidationError) as caught:
        adapter.validate_python(value, context=context)
    return str(caught.value.errors()[0]["msg"])


# Dates


@given(st.dates(min_value=FIRST_DAY, max_value=LAST_DAY))
def test_every_date_between_the_bounds_is_accepted(day: date) -> None:
    assert DAY.validate_python(day.isoformat()) == day


@given(st.dates().filter(lambda d: not FIRST_DAY <= d <= LAST_DAY))
def test_every_date_outside_the_bounds_is_refused_saying_the_bounds(day: date) -> None:
    assert refusal(DAY, day) == "must lie between 1900-01-01 and 2199-12-31"


def test_the_bounds_themselves_are_the_first_and_last_recordable_days() -> None:
    assert DAY.validate_python("1900-01-01") == FIRST_DAY
    assert DAY.validate_python("2199-12-31") == LAST_DAY
    for outside in ("1899-12-31", "2200-01-01", "0001-01-01", "9999-12-31"):
        refusal(DAY, outside)


# Text


@given(names)
def test_a_name_of_printable_characters_is_accepted(name: str) -> None:
    assert NAME.validate_python(name) == name


@given(texts)
def test_a_long_text_keeps_its_tabs_and_newlines(text: str) -> None:
    assert TEXT.validate_python(text) == text


VISIBLE = st.text(st.characters(exclude_categories=("Cc", "Cs", "Z")), min_size=1, max_size=10)


@given(VISIBLE, st.sampled_from(REFUSED_EVERYWHERE), VISIBLE)
def test_a_control_character_inside_any_text_is_refused_and_located(
    before: str, control: str, after: str
) -> None:
    value = f"{before}{control}{after}"
    found = f"found U+{ord(control):04X} at character {len(before) + 1}"
    assert refusal(TEXT, value).endswith(found)
    assert refusal(NAME, value).endswith(found)


@pytest.mark.parametrize("control", ["\t", "\n", "\r"])
def test_a_name_is_one_line(control: str) -> None:
    message = refusal(NAME, f"two{control}lines")
    assert message.startswith("must not contain control characters or line breaks")


def test_line_breaks_in_long_text_are_newlines() -> None:
    assert TEXT.validate_python("a\r\nb\rc\nd\te") == "a\nb\nc\nd\te"


def test_a_nul_is_refused_saying_which_character_and_where() -> None:
    assert refusal(NAME, "nul\x00here") == (
        "must not contain control characters or line breaks: found U+0000 at character 4"
    )
    assert refusal(TEXT, "a\x1bb") == (
        "must not contain control characters other than tab and newline:"
        " found U+001B at character 2"
    )


def test_what_the_store_already_holds_is_read_back_as_it_was() -> None:
    recorded = base.RECORDED
    assert NAME.validate_python("old\x0btitle", context=recorded) == "old\x0btitle"
    assert TEXT.validate_python("a\r\nb", context=recorded) == "a\r\nb"
    assert DAY.validate_python(date(1, 1, 5), context=recorded) == date(1, 1, 5)
    assert URL.validate_python("file:///etc/passwd", context=recorded) == "file:///etc/passwd"


@given(st.text(max_size=30))
def test_printable_leaves_one_line_without_controls(text: str) -> None:
    shown = printable(text)
    assert len(shown) == len(text)
    assert NAME.validate_python(f"x{shown}x") == f"x{shown}x"


# URLs


@pytest.mark.parametrize(
    "url",
    ["https://www.oas.org/es/cidh/docs/convenio.pdf", "HTTP://example.org", "http://[::1]:8080/a"],
)
def test_a_web_address_is_accepted(url: str) -> None:
    assert URL.validate_python(url) == url


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "file:///etc/passwd",
        "data:text/html,<script>",
        "ftp://example.org/a",
        "//example.org/a",
        "/docs/a.pdf",
        "https://",
        "http://[::1",
    ],
)
def test_anything_but_an_http_or_https_address_is_refused(url: str) -> None:
    assert refusal(URL, url) == "must be an http:// or https:// address"


def test_a_url_with_a_space_or_a_control_character_is_refused() -> None:
    assert refusal(URL, "https://example.org/a b.pdf").startswith("must not contain spaces")
    assert "U+000A" in refusal(URL, "https://example.org/a\nb")


# Nested models, through the request union the API and the importer use


def child(**fields: Any) -> dict[str, Any]:
    """A complementary agreement whose nested draft has these fields."""
    draft = {"title": "Specific agreement", "kind": "specific_agreement", **fields}
    return {"type": "complementary_agreement_added", "agreement": draft}


@pytest.mark.parametrize(
    ("event", "field"),
    [
        ({"type": "party_added", "party": {"name": "A\x00", "type": "ngo"}}, "party.name"),
        ({"type": "signed", "signatories": [{"name": "A", "title": "B\x1b"}]},
         "signatories.0.title"),
        ({"type": "signed", "attendees": [{"name": "A\nB"}]}, "attendees.0.name"),
        ({"type": "signed", "occurred_on": "1899-12-31"}, "occurred_on"),
        (child(expires_on="2200-01-01"), "agreement.expires_on"),
        (child(occurred_on="0001-01-01"), "agreement.occurred_on"),
        (child(parties=[{"name": "\x07", "type": "ngo"}]), "agreement.parties.0.name"),
        (child(reference="R\x00-1"), "agreement.reference"),
        ({"type": "amended", "changes": {"areas": ["a\x0cb"]}}, "changes.areas.0"),
        ({"type": "amended", "changes": {"title": "a\nb"}}, "changes.title"),
        ({"type": "amended", "changes": {"expires_on": "0001-01-05"}}, "changes.expires_on"),
        ({"type": "renewed", "expires_on": "9999-12-31"}, "expires_on"),
        ({"type": "follow_up_scheduled", "due_on": "9999-12-31"}, "due_on"),
        (
            {"type": "personnel_exchanged", "person": "P", "from_party": "A", "to_party": "B",
             "starts_on": "1800-01-01"},
            "starts_on",
        ),
        ({"type": "note_added", "text": "ok", "source": "press\x1brelease"}, "source"),
        ({"type": "document_attached", "title": "Acta", "url": "javascript:alert(1)"}, "url"),
        ({"type": "retracted", "version": 2, "reason": "x\x00"}, "reason"),
    ],
)  # fmt: skip
def test_nested_values_are_bounded_and_the_error_names_the_field(
    event: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        catalog.recordable_adapter.validate_python(event)
    locations = [".".join(str(p) for p in error["loc"][1:]) for error in caught.value.errors()]
    assert locations == [field]


def test_the_importer_checks_the_bounds_too() -> None:
    data = {"title": "Old", "kind": "other", "occurred_on": date(1, 1, 1)}
    with pytest.raises(ValidationError):
        catalog.load("drafted", 1, data)
    assert catalog.load("drafted", 1, data, recorded=True).occurred_on == date(1, 1, 1)


# Every field of the catalog uses the bounded types


def _models() -> set[type[BaseModel]]:
    found: set[type[BaseModel]] = set()
    pending: list[Any] = [*catalog.EVENT_TYPES.values(), *REMINDER_EVENT_TYPES.values()]
    while pending:
        model = pending.pop()
        if model in found:
            continue
        found.add(model)
        for info in model.model_fields.values():
            pending.extend(_leaves(info.annotation, models_only=True))
    return found


def _leaves(annotation: Any, *, models_only: bool = False) -> list[Any]:
    """The innermost types of an annotation; an `Annotated` leaf keeps its metadata."""
    origin = get_origin(annotation)
    if origin is Annotated:
        inner = _leaves(get_args(annotation)[0], models_only=models_only)
        if models_only:
            return inner
        return [annotation if leaf is get_args(annotation)[0] else leaf for leaf in inner]
    if origin in (Union, types.UnionType, list, tuple):
        return [
            leaf for arg in get_args(annotation) for leaf in _leaves(arg, models_only=models_only)
        ]
    if models_only:
        return (
            [annotation]
            if isinstance(annotation, type) and issubclass(annotation, BaseModel)
            else []
        )
    return [annotation]


def _bounded(leaf: Any) -> bool:
    """A str or date leaf carries one of the catalog's validators (or a fixed pattern)."""
    annotated = get_origin(leaf) is Annotated
    if (get_args(leaf)[0] if annotated else leaf) not in (str, date):
        return True
    if not annotated:
        return False
    for meta in get_args(leaf)[1:]:
        if isinstance(meta, AfterValidator) and meta.func.__module__ == base.__name__:
            return True
        if isinstance(meta, StringConstraints) and meta.pattern:
            return True
    return False


def test_every_text_and_date_field_in_the_catalog_is_bounded() -> None:
    unbounded = []
    for model in _models():
        for name, info in model.model_fields.items():
            annotation = (
                Annotated[(info.annotation, *info.metadata)] if info.metadata else info.annotation
            )
            if any(not _bounded(leaf) for leaf in _leaves(annotation)):
                unbounded.append(f"{model.__name__}.{name}")
    assert unbounded == []
    assert len(_models()) > len(catalog.EVENT_TYPES)  # the nested models were walked too


def test_moments_are_not_dates() -> None:
    assert _bounded(datetime)
    assert not _bounded(date)
    assert not _bounded(str)
