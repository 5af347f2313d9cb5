"""The catalog's bounds through the API and the importer, on SQLite and PostgreSQL.

Each refusal is a 422 naming the field, and nothing of the request is stored,
so the read models (which PostgreSQL could not hold a NUL in) stay whole.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from tracker.application import Tracker
from tracker.clock import FixedClock
from tracker.settings import Settings
from tracker.transfer import ImportRefused, import_events

OUTSIDE = "must lie between 1900-01-01 and 2199-12-31"


@pytest.fixture
def client(database_url: str, clock: FixedClock) -> Iterator[TestClient]:
    app = create_app(Settings(database_url=database_url, scheduler=False), clock=clock)
    with TestClient(app) as client:
        yield client


def details(response: Any) -> dict[str, str]:
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid_input"
    return {d["field"]: d["message"] for d in error["details"]}


def draft(client: TestClient, **body: Any) -> dict[str, Any]:
    response = client.post(
        "/api/agreements", json={"title": "Cooperation", "kind": "other", **body}
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def nothing_stored(client: TestClient) -> None:
    listed = client.get("/api/agreements")
    assert listed.status_code == 200, listed.text
    assert listed.json()["items"] == []


def test_a_nul_in_a_title_or_reference_is_refused_and_nothing_is_stored(
    client: TestClient,
) -> None:
    found = details(client.post("/api/agreements", json={"title": "nul\x00here", "kind": "other"}))
    assert found == {
        "body.title": "must not contain control characters or line breaks:"
        " found U+0000 at character 4"
    }
    found = details(
        client.post("/api/agreements", json={"title": "T", "reference": "A\x00B", "kind": "other"})
    )
    assert set(found) == {"body.reference"}
    nothing_stored(client)


def test_a_draft_in_year_one_is_refused_naming_each_date(client: TestClient) -> None:
    response = client.post(
        "/api/agreements",
        json={
            "title": "Year one",
            "kind": "other",
            "occurred_on": "0001-01-01",
            "expires_on": "0001-01-05",
            "renewal": {"mode": "automatic", "notice_days": 10, "period_months": 1},
        },
    )
    assert details(response) == {"body.occurred_on": OUTSIDE, "body.expires_on": OUTSIDE}
    nothing_stored(client)


def test_the_first_and_last_recordable_days_are_accepted(client: TestClient) -> None:
    agreement = draft(client, occurred_on="1900-01-01", expires_on="2199-12-31")
    assert (agreement["expires_on"], agreement["version"]) == ("2199-12-31", 1)


@pytest.mark.parametrize(
    "url", ["javascript:alert(document.cookie)", "file:///etc/passwd", "data:text/html,x"]
)
def test_a_document_url_must_be_a_web_address(client: TestClient, url: str) -> None:
    agreement = draft(client)
    response = client.post(
        f"/api/agreements/{agreement['id']}/events",
        json={"type": "document_attached", "title": "Acta", "url": url},
    )
    assert details(response) == {"body.url": "must be an http:// or https:// address"}


def test_a_web_address_is_kept_as_given(client: TestClient) -> None:
    agreement = draft(client)
    url = "https://www.oas.org/es/cidh/mandato/Basicos/convenio%20IIDH.pdf"
    response = client.post(
        f"/api/agreements/{agreement['id']}/events",
        json={"type": "document_attached", "title": "Convenio", "url": url},
    )
    assert response.status_code == 201, response.text
    assert [d["url"] for d in response.json()["documents"]] == [url]


@pytest.mark.parametrize("control", ["\x0b", "\x0c", "\x1b", "\x85"])
def test_control_characters_in_long_text_are_refused(client: TestClient, control: str) -> None:
    agreement = draft(client)
    response = client.post(
        f"/api/agreements/{agreement['id']}/events",
        json={"type": "note_added", "text": f"before{control}after"},
    )
    assert set(details(response)) == {"body.text"}


def test_tabs_and_line_breaks_in_long_text_are_kept_as_newlines(client: TestClient) -> None:
    agreement = draft(client, purpose="Line one\r\nLine two\rLine\tthree")
    assert agreement["purpose"] == "Line one\nLine two\nLine\tthree"
    stored = client.get(f"/api/agreements/{agreement['id']}").json()
    assert stored["purpose"] == "Line one\nLine two\nLine\tthree"


def test_the_importer_refuses_what_the_api_refuses(tracker: Tracker) -> None:
    line = {
        "stream": "agreement",
        "id": "6b1f4a0e-3c59-4b0e-9a55-0c1d2e3f4a5b",
        "version": 1,
        "type": "drafted",
        "schema_version": 1,
        "occurred_on": "0001-01-01",
        "recorded_at": datetime(2024, 6, 1, tzinfo=UTC).isoformat(),
        "recorded_by": "importer",
        "data": {"title": "Bell\x07", "kind": "other"},
    }
    with pytest.raises(ImportRefused) as refused:
        import_events(tracker, [json.dumps(line)])
    assert [str(problem) for problem in refused.value.problems] == [
        f"line 1: occurred_on: {OUTSIDE}"
    ]
    line["occurred_on"] = "2020-01-01"
    with pytest.raises(ImportRefused) as refused:
        import_events(tracker, [json.dumps(line)])
    assert [str(problem) for problem in refused.value.problems] == [
        "line 1: data.title: must not contain control characters or line breaks:"
        " found U+0007 at character 5"
    ]
    assert tracker.recorder.max_notification_id() in (None, 0)
