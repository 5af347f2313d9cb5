"""The same search finds the same agreements on SQLite and on PostgreSQL (hypothesis)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from projections.listing import AgreementQuery
from projections.service import ReadModels
from projections.text import words
from tests.integration.projection_helpers import draft
from tracker.application import Tracker
from tracker.clock import FixedClock
from tracker.errors import InvalidField

TITLES = [
    "Straße der Menschenrechte",
    "\ufb01nance and \ufb02ows",
    "\uff21\uff22\uff23 programme",
    "A\u030aland cooperation",
    "Coopé\u00adration for\u200bmation",
    "Defensoría del Pueblo",
    "Cœur des Ærø-Łódź",
    "\u0130stanbul \u0131stanbul",
    "Σίσυφος ΣΊΣΥΦΟΣ",
    "Ayotzinapa 43 IACHR-MX-2014",
]
ALPHABET = (
    "aAßﬁﬂ\u017f\uff21\uff42\u030a\u0301\u00ad\u200béÉœŒ\u0131\u0130\u03c3\u03c2\u03a343- _.,«»"
)


@pytest.fixture
def stores(sqlite_url: str, postgres_url: str, clock: FixedClock) -> Iterator[list[ReadModels]]:
    """Both stores, holding the same agreements, their views caught up."""
    models = []
    for url in (sqlite_url, postgres_url):
        tracker = Tracker.connect(url, clock=clock)
        for title in TITLES:
            draft(tracker, title, parties=[])
        read_models = ReadModels.connect(url)
        read_models.catch_up(tracker)
        tracker.close()
        models.append(read_models)
    yield models
    for read_models in models:
        read_models.close()


def expected(q: str) -> set[str]:
    """Every word of the query is a prefix of a word of the title, both folded."""
    wanted = words(q)
    return {t for t in TITLES if all(any(w.startswith(x) for w in words(t)) for x in wanted)}


def found(read_models: ReadModels, q: str) -> set[str] | str:
    try:
        page = read_models.list_agreements(AgreementQuery(q=q, limit=200))
    except InvalidField as refused:
        return refused.field
    return {item["title"] for item in page.items}


queries = st.one_of(
    st.text(alphabet=ALPHABET, max_size=12),
    st.sampled_from(TITLES).flatmap(
        lambda title: st.sampled_from(title.split()).map(lambda word: word[: len(word) // 2 + 1])
    ),
    st.lists(st.sampled_from([w for t in TITLES for w in t.split()]), max_size=3).map(" ".join),
)


def test_a_search_finds_the_same_agreements_on_both_stores(stores: list[ReadModels]) -> None:
    sqlite, postgres = stores

    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(queries)
    def same(q: str) -> None:
        wanted = expected(q) if words(q) else "q"
        assert found(sqlite, q) == wanted, repr(q)
        assert found(postgres, q) == wanted, repr(q)

    same()
