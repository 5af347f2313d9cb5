"""List filters and sorts on SQLite and PostgreSQL, through the read models and over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from events.lifecycle import Signed, Suspended, Terminated
from events.parties import Party
from projections import listing
from projections.listing import AgreementQuery, encode_cursor
from projections.service import ReadModels
from projections.text import canonical_reference, sort_key
from tests.integration.projection_helpers import IACHR, draft, force_plan
from tracker.application import Tracker
from tracker.clock import FixedClock
from tracker.errors import InvalidField
from tracker.settings import Settings

OMBUDSMAN = Party(name="Defensoría del Pueblo de Ecuador", type="ombudsman", country="EC")
CEAV = Party(
    name="Comisión Ejecutiva de Atención a Víctimas",
    short_name="CEAV",
    type="state_agency",
    country="MX",
)
UNAM = Party(name="Universidad Nacional Autónoma de México", type="university", country="MX")


@pytest.fixture
def read_models(database_url: str) -> Iterator[ReadModels]:
    models = ReadModels.connect(database_url)
    yield models
    models.close()


def catalog(tracker: Tracker) -> None:
    """Agreements in every situation a filter or a sort tells apart, some values missing."""
    ecuador = draft(
        tracker,
        "Convenio con la Defensoría",
        reference="DPE-2019",
        parties=[IACHR, OMBUDSMAN],
        occurred_on=date(2019, 5, 1),
        expires_on=date(2024, 5, 1),
    )
    tracker.record(
        ecuador, Signed(occurred_on=date(2019, 5, 10), enters_into_force_on=date(2019, 6, 1)), "t"
    )
    victims = draft(
        tracker,
        "Étude sur les victimes",
        reference="CEAV-2018",
        kind="framework_agreement",
        parties=[IACHR, CEAV],
        occurred_on=date(2018, 1, 1),
    )
    tracker.record(
        victims, Signed(occurred_on=date(2018, 2, 1), enters_into_force_on=date(2018, 2, 1)), "t"
    )
    tracker.record(victims, Terminated(occurred_on=date(2021, 1, 1)), "t")
    unam = draft(
        tracker,
        "acuerdo con la UNAM",
        parties=[IACHR, UNAM],
        kind="framework_agreement",
        occurred_on=date(2020, 1, 1),
        expires_on=date(2022, 1, 1),
    )
    tracker.record(
        unam, Signed(occurred_on=date(2020, 3, 1), enters_into_force_on=date(2020, 3, 1)), "t"
    )
    tracker.record(unam, Suspended(occurred_on=date(2020, 9, 1)), "t")
    draft(tracker, "Borrador", reference="ÁB-1", parties=[CEAV], occurred_on=date(2021, 1, 1))
    draft(tracker, "Zeta", reference="ab-2", parties=[UNAM], expires_on=date(2030, 1, 1))
    later = draft(tracker, "Memorando", reference="M-9", parties=[IACHR], expires_on=None)
    tracker.record(
        later, Signed(occurred_on=date(2021, 6, 1), enters_into_force_on=date(2031, 1, 1)), "t"
    )


def titles(read_models: ReadModels, **filters: Any) -> list[str]:
    page = read_models.list_agreements(AgreementQuery.model_validate({"limit": 200, **filters}))
    return [item["title"] for item in page.items]


def found(read_models: ReadModels, **filters: Any) -> set[str]:
    return set(titles(read_models, **filters))


def test_party_filters_match_word_prefixes_country_and_type_of_one_party(
    tracker: Tracker, read_models: ReadModels
) -> None:
    catalog(tracker)
    read_models.catch_up(tracker)
    ecuador, victims = "Convenio con la Defensoría", "Étude sur les victimes"
    assert found(read_models, party="ecuador") == {ecuador}
    assert found(read_models, party="DEFENSORIA pueb") == {ecuador}
    assert found(read_models, party="ceav") == {victims, "Borrador"}
    assert found(read_models, party="victimas comision") == {victims, "Borrador"}
    assert found(read_models, party="ecuador victimas") == set()  # two parties, not one
    assert found(read_models, country="mx") == {
        victims,
        "Borrador",
        "acuerdo con la UNAM",
        "Zeta",
    }
    assert found(read_models, country="EC") == {ecuador}
    assert found(read_models, party_type="university") == {"acuerdo con la UNAM", "Zeta"}
    assert found(read_models, country="MX", party_type="university") == {
        "acuerdo con la UNAM",
        "Zeta",
    }
    assert found(read_models, country="EC", party="comision") == set()
    assert found(read_models, country="MX", party="universidad", kind="other") == set()
    with pytest.raises(InvalidField) as refused:
        titles(read_models, party="--")
    assert refused.value.field == "party"


def test_status_and_kind_take_several_values(tracker: Tracker, read_models: ReadModels) -> None:
    catalog(tracker)
    read_models.catch_up(tracker)
    assert found(read_models, status=["in_force", "draft"]) == {
        "Convenio con la Defensoría",
        "Borrador",
        "Zeta",
    }
    assert found(read_models, status=["terminated", "suspended", "signed"]) == {
        "Étude sur les victimes",
        "acuerdo con la UNAM",
        "Memorando",
    }
    assert found(read_models, kind=["framework_agreement", "other"]) == {
        "Étude sur les victimes",
        "acuerdo con la UNAM",
    }
    assert found(read_models, kind=["framework_agreement"], status=["suspended"]) == {
        "acuerdo con la UNAM"
    }


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2018, 1, 31), set()),
        (date(2018, 2, 1), {"Étude sur les victimes"}),
        (date(2019, 5, 31), {"Étude sur les victimes"}),
        (date(2019, 6, 1), {"Étude sur les victimes", "Convenio con la Defensoría"}),
        (
            date(2020, 12, 31),
            {"Étude sur les victimes", "Convenio con la Defensoría", "acuerdo con la UNAM"},
        ),
        (date(2021, 1, 1), {"Convenio con la Defensoría", "acuerdo con la UNAM"}),
        (date(2022, 1, 1), {"Convenio con la Defensoría"}),
        (date(2024, 5, 1), set()),
        (date(2031, 1, 1), {"Memorando"}),
    ],
)
def test_in_force_on_a_date(
    tracker: Tracker, read_models: ReadModels, day: date, expected: set[str]
) -> None:
    """From entry into force until the expiry date or the end, whichever comes first.

    A suspension is not dated in the list's columns: the suspended agreement
    counts as in force (it was suspended, not ended).
    """
    catalog(tracker)
    read_models.catch_up(tracker)
    assert found(read_models, in_force_on=day) == expected


def expected_order(states: list[dict[str, Any]], sort: str, drafted: list[str]) -> list[str]:
    """The order a sort promises, worked out from the states: missing values after the others.

    `drafted` lists every id in the order the agreements were drafted, the last tie-breaker.
    """
    name = sort.removeprefix("-")
    descending = sort.startswith("-")

    def key(state: dict[str, Any]) -> tuple[Any, ...]:
        seq = drafted.index(state["id"])
        if name == "recorded":
            return (seq,)
        if name == "title":
            return (sort_key(state["title"]), seq)
        value = state[name]
        if name == "reference" and value is not None:
            value = canonical_reference(value)
        return (value is None, value or "", seq)

    return [s["id"] for s in sorted(states, key=key, reverse=descending)]


def every_page(read_models: ReadModels, limit: int, **filters: Any) -> list[str]:
    seen: list[str] = []
    cursor = None
    while True:
        query = AgreementQuery.model_validate({**filters, "limit": limit, "cursor": cursor})
        page = read_models.list_agreements(query)
        seen += [item["id"] for item in page.items]
        if page.next_cursor is None:
            return seen
        cursor = page.next_cursor


SORTS = [f"{sign}{name}" for name in listing.SORTS for sign in ("", "-")]


@pytest.mark.parametrize("plan", ["defaults", "walk", "window"])
def test_every_sort_pages_through_every_row_in_order(
    tracker: Tracker, read_models: ReadModels, plan: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On SQLite, tiny thresholds send small lists down the walk and its fallback."""
    force_plan(monkeypatch, plan)
    catalog(tracker)
    for n in range(4):  # ties: equal titles, references differing only in case and dash
        draft(tracker, "Zeta", reference=f"ZZ\u2011{n}" if n % 2 else None)
    read_models.catch_up(tracker)
    states = read_models.list_agreements(AgreementQuery(limit=200)).items
    assert len(states) == 10
    by_id = {state["id"]: state for state in states}
    drafted = [state["id"] for state in reversed(states)]  # the default list is newest first
    filters: list[dict[str, Any]] = [
        {},
        {"party": "iachr"},
        {"q": "zeta"},
        {"status": ["draft", "in_force"]},
        {"country": "mx", "kind": ["framework_agreement", "cooperation_agreement"]},
    ]
    for sort in SORTS:
        for chosen in filters:
            listed = every_page(read_models, 200, sort=sort, **chosen)
            ordered = expected_order([by_id[i] for i in listed], sort, drafted)
            assert listed == ordered, (sort, chosen)
            assert every_page(read_models, 2, sort=sort, **chosen) == listed, (sort, chosen)
            assert every_page(read_models, 3, sort=sort, **chosen) == listed, (sort, chosen)
    assert every_page(read_models, 200, sort="-recorded") == [s["id"] for s in states]
    everything = set(by_id)
    assert {i for sort in SORTS for i in every_page(read_models, 4, sort=sort)} == everything


def test_missing_values_sort_after_the_present_ones(
    tracker: Tracker, read_models: ReadModels
) -> None:
    catalog(tracker)
    read_models.catch_up(tracker)
    assert titles(read_models, sort="expires_on") == [
        "acuerdo con la UNAM",
        "Convenio con la Defensoría",
        "Zeta",
        "Étude sur les victimes",
        "Borrador",
        "Memorando",
    ]
    assert titles(read_models, sort="-expires_on")[:3] == [
        "Memorando",
        "Borrador",
        "Étude sur les victimes",
    ]
    assert titles(read_models, sort="title") == [
        "acuerdo con la UNAM",
        "Borrador",
        "Convenio con la Defensoría",
        "Étude sur les victimes",
        "Memorando",
        "Zeta",
    ]
    assert titles(read_models, sort="reference")[:2] == ["Borrador", "Zeta"]  # ÁB-1, ab-2


def test_a_cursor_is_a_position_that_any_sort_continues_from(
    tracker: Tracker, read_models: ReadModels
) -> None:
    catalog(tracker)
    read_models.catch_up(tracker)
    by_title = read_models.list_agreements(AgreementQuery(limit=2, sort="title"))
    assert by_title.next_cursor is not None
    everything = read_models.list_agreements(AgreementQuery(limit=200, sort="-recorded")).items
    after = read_models.list_agreements(AgreementQuery(limit=200, cursor=by_title.next_cursor))
    last = by_title.items[-1]["id"]
    ids = [item["id"] for item in everything]
    assert [item["id"] for item in after.items] == ids[ids.index(last) + 1 :]
    nowhere = encode_cursor(2**62)
    past_the_end = read_models.list_agreements(AgreementQuery(sort="title", cursor=nowhere))
    assert (past_the_end.items, past_the_end.next_cursor) == ([], None)


@pytest.fixture
def client(database_url: str, clock: FixedClock) -> Iterator[TestClient]:
    app = create_app(Settings(database_url=database_url, scheduler=False), clock=clock)
    with TestClient(app) as client:
        yield client


def test_the_list_endpoint_takes_repeated_values_and_sorts(client: TestClient) -> None:
    tracker: Tracker = client.app.state.tracker  # type: ignore[attr-defined]
    catalog(tracker)
    response = client.get(
        "/api/agreements?status=in_force&status=draft&sort=-title&country=mx&party=ceav"
    )
    assert response.status_code == 200, response.text
    assert [item["title"] for item in response.json()["items"]] == ["Borrador"]
    response = client.get("/api/agreements?status=in_force&status=draft&sort=title")
    assert [item["title"] for item in response.json()["items"]] == [
        "Borrador",
        "Convenio con la Defensoría",
        "Zeta",
    ]
    in_force = client.get("/api/agreements", params={"in_force_on": "2019-06-01"}).json()
    assert {item["title"] for item in in_force["items"]} == {
        "Étude sur les victimes",
        "Convenio con la Defensoría",
    }


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"q": "¡!"}, "query.q"),
        ({"q": ""}, "query.q"),
        ({"party": "  "}, "query.party"),
        ({"sort": "colour"}, "query.sort"),
        ({"sort": "--title"}, "query.sort"),
        ({"country": "MEX"}, "query.country"),
        ({"party_type": "club"}, "query.party_type"),
        ({"status": ["draft", "asleep"]}, "query.status"),
        ({"kind": "treaty"}, "query.kind"),
        ({"in_force_on": "2020-02-30"}, "query.in_force_on"),
    ],
)
def test_bad_filters_are_refused_naming_the_parameter(
    client: TestClient, params: dict[str, Any], field: str
) -> None:
    response = client.get("/api/agreements", params=params)
    assert response.status_code == 422, response.text
    assert [d["field"] for d in response.json()["error"]["details"]] == [field]
