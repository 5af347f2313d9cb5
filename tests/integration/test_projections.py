"""The read models on SQLite and PostgreSQL: rows, filters, search, pagination, the feed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any
from uuid import UUID

import pytest
from pydantic import ValidationError

from events.cooperation import ComplementaryAgreementAdded
from events.drafting import Drafted
from events.lifecycle import Signed, Terminated
from events.parties import Party
from events.records import NoteAdded
from projections.listing import AgreementQuery
from projections.registry import PROJECTIONS
from projections.service import ReadModels
from tests.integration.projection_helpers import IACHR, draft, dump, force_plan
from tracker.application import Tracker

OMBUDSMAN = Party(name="Defensoría del Pueblo de Ecuador", short_name="DPE", type="ombudsman")
UNIVERSITY = Party(name="Universidad Nacional", type="university")


@pytest.fixture
def read_models(database_url: str) -> Iterator[ReadModels]:
    models = ReadModels.connect(database_url)
    yield models
    models.close()


def catalog(tracker: Tracker) -> dict[str, UUID]:
    """Five agreements, one in each situation the filters tell apart."""
    ombudsman = draft(
        tracker,
        "Acuerdo de cooperación",
        reference="IACHR-DPE-2019",
        parties=[IACHR, OMBUDSMAN],
        areas=["counselling"],
        expires_on=date(2025, 1, 1),
        occurred_on=date(2019, 5, 1),
    )
    tracker.record(
        ombudsman,
        Signed(occurred_on=date(2019, 5, 10), enters_into_force_on=date(2019, 5, 10)),
        "tester",
    )
    university = draft(
        tracker,
        "Framework agreement",
        kind="framework_agreement",
        parties=[IACHR, UNIVERSITY],
        purpose="Research on human mobility",
    )
    tracker.record(university, Signed(occurred_on=date(2021, 3, 1)), "tester")
    tracker.record(university, NoteAdded(text="Reunión en Bogotá"), "tester")
    child_body = Drafted(title="Specific agreement on training", kind="specific_agreement")
    child_event = ComplementaryAgreementAdded(occurred_on=date(2021, 4, 1), agreement=child_body)
    parent = tracker.record(university, child_event, "tester")
    pending = draft(
        tracker,
        "Technical assistance",
        kind="technical_assistance_agreement",
        expires_on=date(2023, 6, 1),
    )
    ended = draft(tracker, "Memorandum", kind="memorandum_of_understanding")
    tracker.record(ended, Terminated(reason="superseded"), "tester")
    return {
        "ombudsman": ombudsman,
        "university": university,
        "child": parent.children[0],
        "pending": pending,
        "ended": ended,
    }


def found(read_models: ReadModels, ids: dict[str, UUID], **filters: object) -> set[str]:
    names = {str(v): k for k, v in ids.items()}
    page = read_models.list_agreements(AgreementQuery.model_validate(filters))
    return {names[item["id"]] for item in page.items}


def test_each_filter_selects_its_agreements(tracker: Tracker, read_models: ReadModels) -> None:
    ids = catalog(tracker)
    read_models.catch_up(tracker)
    assert found(read_models, ids) == set(ids)
    assert found(read_models, ids, status="in_force") == {"ombudsman"}
    assert found(read_models, ids, status="signed") == {"university"}
    assert found(read_models, ids, status="draft") == {"child", "pending"}
    assert found(read_models, ids, status="terminated") == {"ended"}
    assert found(read_models, ids, kind="framework_agreement") == {"university"}
    assert found(read_models, ids, parent_id=ids["university"]) == {"child"}
    assert found(read_models, ids, expires_before=date(2024, 1, 1)) == {"pending"}
    assert found(read_models, ids, expires_before=date(2025, 1, 2)) == {"pending", "ombudsman"}
    assert found(read_models, ids, expires_before=date(2025, 1, 1)) == {"pending"}
    assert found(read_models, ids, signed_after=date(2020, 1, 1)) == {"university"}
    assert found(read_models, ids, signed_before=date(2020, 1, 1)) == {"ombudsman"}
    assert found(read_models, ids, signed_before=date(2030, 1, 1)) == {"ombudsman", "university"}
    assert found(read_models, ids, status="signed", kind="other") == set()


def test_party_filter_takes_word_prefixes_of_a_name_or_short_name_in_any_case_and_accent(
    tracker: Tracker, read_models: ReadModels
) -> None:
    ids = catalog(tracker)
    read_models.catch_up(tracker)
    assert found(read_models, ids, party="dpe") == {"ombudsman"}
    assert found(read_models, ids, party="DEFENSORIA DEL PUEBLO DE ECUADOR") == {"ombudsman"}
    assert found(read_models, ids, party="Defensoría") == {"ombudsman"}
    assert found(read_models, ids, party="pueblo ecu") == {"ombudsman"}
    assert found(read_models, ids, party="pueblo nacional") == set()
    assert found(read_models, ids, party="iachr") == {"ombudsman", "university", "pending", "ended"}
    assert found(read_models, ids, party="IACHR", status="signed") == {"university"}


def test_text_search_folds_case_and_accents(tracker: Tracker, read_models: ReadModels) -> None:
    ids = catalog(tracker)
    read_models.catch_up(tracker)
    assert found(read_models, ids, q="Defensoria") == {"ombudsman"}
    assert found(read_models, ids, q="cooperacion") == {"ombudsman"}
    assert found(read_models, ids, q="BOGOTA reunion") == {"university"}
    assert found(read_models, ids, q="mobility") == {"university"}
    assert found(read_models, ids, q="counselling") == {"ombudsman"}
    assert found(read_models, ids, q="iachr-dpe-2019") == {"ombudsman"}
    assert found(read_models, ids, q="univers") == {"university"}
    assert found(read_models, ids, q="bogota mobility") == {"university"}
    assert found(read_models, ids, q="bogota defensoria") == set()
    assert found(read_models, ids, q="training", parent_id=ids["university"]) == {"child"}


def test_list_items_are_the_states_the_state_endpoint_returns(
    tracker: Tracker, read_models: ReadModels
) -> None:
    ids = catalog(tracker)
    read_models.catch_up(tracker)
    items = read_models.list_agreements(AgreementQuery()).items
    assert items == [tracker.state(UUID(item["id"])).model_dump(mode="json") for item in items]
    assert len(items) == len(ids)


def test_cursor_pages_walk_every_agreement_once_newest_first(
    tracker: Tracker, read_models: ReadModels
) -> None:
    created = [draft(tracker, f"Agreement {n}") for n in range(7)]
    read_models.catch_up(tracker)
    first = read_models.list_agreements(AgreementQuery(limit=3))
    draft(tracker, "Drafted while paging")
    read_models.catch_up(tracker)
    seen = [item["id"] for item in first.items]
    cursor = first.next_cursor
    pages = 1
    while cursor is not None:
        page = read_models.list_agreements(AgreementQuery(limit=3, cursor=cursor))
        seen += [item["id"] for item in page.items]
        cursor, pages = page.next_cursor, pages + 1
    assert pages == 3
    assert seen == [str(i) for i in reversed(created)]


def test_a_cursor_not_from_the_list_is_refused(read_models: ReadModels) -> None:
    with pytest.raises(ValidationError) as refused:
        read_models.list_agreements(AgreementQuery(cursor="not-a-cursor"))
    assert refused.value.errors()[0]["loc"] == ("cursor",)


def test_feed_lists_agreement_events_in_log_order(
    tracker: Tracker, read_models: ReadModels
) -> None:
    ids = catalog(tracker)
    read_models.catch_up(tracker)
    first = read_models.events_after(0, 3)
    rest = read_models.events_after(first.last_position, 1000)
    items = first.items + rest.items
    positions = [item["position"] for item in items]
    assert positions == sorted(set(positions))
    versions = sum(len(tracker.history(i)) for i in ids.values())
    assert len(items) == versions  # reference claims take positions but are not listed
    assert positions[-1] < (tracker.recorder.max_notification_id() or 0) + 1
    assert rest.last_position == positions[-1]
    assert read_models.events_after(rest.last_position, 10).items == []
    history = tracker.history(ids["ombudsman"])
    ombudsman = [item for item in items if item["agreement_id"] == str(ids["ombudsman"])]
    assert [(i["version"], i["type"], i["occurred_on"]) for i in ombudsman] == [
        (r.version, r.type, r.occurred_on.isoformat()) for r in history
    ]
    assert set(items[0]) == {
        "position",
        "agreement_id",
        "version",
        "type",
        "occurred_on",
        "recorded_at",
    }
    assert items[0]["recorded_at"] == "2024-06-01T09:30:00Z"


def test_status_reports_position_head_and_lag(tracker: Tracker, read_models: ReadModels) -> None:
    catalog(tracker)
    head = tracker.recorder.max_notification_id()
    assert {(s.position, s.head, s.lag) for s in read_models.status(tracker)} == {(0, head, head)}
    read_models.catch_up(tracker)
    assert {(s.position, s.lag) for s in read_models.status(tracker)} == {(head, 0)}
    names = [s.name for s in read_models.status(tracker)]
    assert names[:3] == ["agreements", "timeline", "dates"]
    assert names == [p.name for p in PROJECTIONS]


def test_rebuild_gives_the_rows_incremental_processing_gave(
    tracker: Tracker, read_models: ReadModels
) -> None:
    ids = catalog(tracker)
    read_models.catch_up(tracker)
    tracker.record(ids["ombudsman"], NoteAdded(text="Informe anual"), "tester")
    read_models.catch_up(tracker)
    tracker.record(ids["pending"], Terminated(), "tester")
    read_models.catch_up(tracker)
    incremental = dump(read_models)
    assert len(incremental["view_agreements"]) == 5
    read_models.rebuild(tracker)
    assert dump(read_models) == incremental


def every_page(read_models: ReadModels, **filters: object) -> list[str]:
    """The ids a list returns, walking every page of three."""
    seen: list[str] = []
    cursor = None
    while True:
        query = AgreementQuery.model_validate({**filters, "limit": 3, "cursor": cursor})
        page = read_models.list_agreements(query)
        seen += [item["id"] for item in page.items]
        if page.next_cursor is None:
            return seen
        cursor = page.next_cursor


@pytest.mark.parametrize("thresholds", ["defaults", "walk", "window"])
def test_date_bounds_give_the_same_pages_whatever_the_plan(
    tracker: Tracker, read_models: ReadModels, thresholds: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tiny thresholds send small lists down every plan: sorted, walked, and walked then sorted."""
    force_plan(monkeypatch, thresholds)
    kinds = ["framework_agreement", "other", "cooperation_agreement"]
    for n in range(14):
        drafted_on = date(2015, 1, 1).replace(year=2015 + n // 3, month=1 + n % 12)
        agreement = draft(
            tracker,
            f"Agreement {n}",
            kind=kinds[n % 3],
            occurred_on=drafted_on,
            expires_on=drafted_on.replace(year=drafted_on.year + 5),
            parties=[IACHR] if n % 2 else [IACHR, OMBUDSMAN],
        )
        if n % 4 != 1:
            tracker.record(agreement, Signed(occurred_on=drafted_on), "tester")
    read_models.catch_up(tracker)
    states = [item for item in read_models.list_agreements(AgreementQuery(limit=200)).items]
    queries: list[dict[str, object]] = [
        {"expires_before": date(2022, 6, 1)},
        {"expires_before": date(2030, 1, 1)},
        {"expires_before": date(2010, 1, 1)},
        {"kind": "other", "expires_before": date(2024, 1, 1)},
        {"status": "signed", "expires_before": date(2023, 1, 1)},
        {"status": "draft", "kind": "other", "signed_after": date(2010, 1, 1)},
        {"signed_after": date(2016, 6, 1), "signed_before": date(2019, 1, 1)},
        {"party": "dpe", "expires_before": date(2025, 1, 1)},
        {"q": "agreement", "expires_before": date(2023, 1, 1)},
    ]
    for filters in queries:
        expected = [s["id"] for s in states if matches(s, filters)]
        assert every_page(read_models, **filters) == expected, filters


def matches(state: dict[str, Any], filters: dict[str, object]) -> bool:
    """What the list promises, worked out from the state JSON."""
    return all(meets(state, name, value) for name, value in filters.items())


def meets(state: dict[str, Any], name: str, value: object) -> bool:
    signed, expires = state["signed_on"], state["expires_on"]
    if name in ("kind", "status"):
        return bool(state[name] == value)
    if name == "expires_before":
        return expires is not None and expires < str(value)
    if name == "signed_after":
        return signed is not None and signed > str(value)
    if name == "signed_before":
        return signed is not None and signed < str(value)
    if name == "party":
        return any(p["short_name"] == "DPE" for p in state["parties"])
    assert name == "q"
    return "Agreement" in state["title"]
