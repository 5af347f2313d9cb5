"""The one folding of text both stores search with, and the canonical form of references."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from projections.listing import search_words
from projections.text import (
    MAX_DOCUMENT,
    canonical_reference,
    distinct_words,
    fold,
    next_prefix,
    words,
)
from tracker.errors import InvalidField


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Defensoría", "defensoria"),
        ("STRASSE", "strasse"),
        ("Straße", "strasse"),
        ("\ufb01nance", "finance"),  # the "fi" ligature
        ("\uff21\uff22\uff23", "abc"),  # fullwidth letters
        ("A\u030a", "a"),  # decomposed ring above
        ("\u00c5", "a"),
        ("Ñandú", "nandu"),
        ("Cœur Ærø Łódź", "coeur aero lodz"),
        ("Coopé\u00adration", "cooperation"),  # soft hyphen
        ("for\u200bmation", "formation"),  # zero-width space
        ("\u0130stanbul", "istanbul"),
        ("ÉTUDE", "etude"),
    ],
)
def test_fold(text: str, folded: str) -> None:
    assert fold(text) == folded


def test_words_split_at_everything_but_letters_and_digits() -> None:
    assert words("IACHR-DPE-2020, «Ayotzinapa» (43)") == [
        "iachr",
        "dpe",
        "2020",
        "ayotzinapa",
        "43",
    ]
    assert words("information_exchange") == ["information", "exchange"]
    assert words("x" * 300) == ["x" * 100]


@given(st.text())
def test_folding_twice_changes_nothing(text: str) -> None:
    assert fold(fold(text)) == fold(text)
    assert words(" ".join(words(text))) == words(text)


@given(st.text())
def test_folded_words_are_lower_case_letters_and_digits(text: str) -> None:
    for word in words(text):
        assert word == fold(word)
        assert all(char.isalnum() for char in word)
        assert " " not in word


@given(st.text(min_size=1), st.text())
def test_next_prefix_bounds_exactly_the_strings_with_the_prefix(prefix: str, other: str) -> None:
    if 0xD800 <= ord(prefix[-1]) + 1 <= 0xDFFF or ord(prefix[-1]) == 0x10FFFF:
        return
    for text in (prefix + other, other):
        assert (prefix <= text < next_prefix(prefix)) == text.startswith(prefix)


@pytest.mark.parametrize(
    "variant",
    [
        "ABC-1",
        "abc-1",
        " ABC-1 ",
        "ABC\u20111",  # non-breaking hyphen
        "ABC\u20131",  # en dash
        "ABC\u20141",  # em dash
        "ABC\u22121",  # minus sign
        "\uff21\uff22\uff23-1",  # fullwidth letters
        "\uff21\uff22\uff23\uff0d\uff11",  # fullwidth hyphen and digit
        "AB\u200bC-1",  # zero-width space
        "ABC\u00ad-1",  # soft hyphen
        "A\u200dBC-1",  # zero-width joiner
    ],
)
def test_reference_variants_have_one_canonical_form(variant: str) -> None:
    assert canonical_reference(variant) == "abc-1"


def test_references_that_differ_stay_apart() -> None:
    assert canonical_reference("A\u030a") == canonical_reference("\u00c5")
    assert canonical_reference("ABC-1") != canonical_reference("ABC-2")
    assert canonical_reference("ABC 1") != canonical_reference("ABC-1")
    assert canonical_reference("ABC  1") == canonical_reference("ABC 1")


@pytest.mark.parametrize("q", ["", " ", "--", "¿?", "\u200b\u00ad", "_"])
def test_a_search_without_a_word_is_refused(q: str) -> None:
    with pytest.raises(InvalidField) as refused:
        search_words("q", q)
    assert refused.value.field == "q"


def test_a_search_document_keeps_its_first_words_up_to_its_bound() -> None:
    texts = ["Title words", " ".join(f"w{n:07d}" for n in range(100_000))]
    document = distinct_words(texts)
    assert len(document) <= MAX_DOCUMENT
    assert document.startswith("title words w0000000 w0000001")
    assert document.split()[-1] == f"w{len(document.split()) - 3:07d}"
