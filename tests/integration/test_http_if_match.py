"""If-Match per RFC 9110: a list matches when one tag is current, comparison is strong, a
foreign, weak or unquoted tag is a 412, `*` needs the agreement to exist, and every 412
carries the current ETag. The document declares ETag as a response header."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.integration.openapi_support import document

NOTE = {"type": "note_added", "text": "n"}
MISSING = "3f1d1a52-5b0e-4f7e-9f43-0d8c2b1f6a11"


def _events_of_version_2(client: TestClient) -> str:
    agreement_id = client.post("/api/agreements", json={"title": "T", "kind": "other"}).json()["id"]
    url = f"/api/agreements/{agreement_id}/events"
    assert client.post(url, json=NOTE).headers["ETag"] == '"2"'
    return url


@pytest.mark.parametrize("if_match", ['"2"', '"1", "2"', '"7" ,"2", "9"', "*", '"abc", "2"'])
def test_a_list_naming_the_current_version_lets_the_write_through(
    client: TestClient, if_match: str
) -> None:
    url = _events_of_version_2(client)
    response = client.post(url, json=NOTE, headers={"If-Match": if_match})
    assert response.status_code == 201, response.text
    assert response.headers["ETag"] == '"3"'


@pytest.mark.parametrize(
    "if_match", ['"1", "3"', '"abc"', 'W/"2"', "3", "2", '"2', "", "x" * 100, '"2"; "3"']
)
def test_anything_else_is_a_412_with_the_current_etag(client: TestClient, if_match: str) -> None:
    url = _events_of_version_2(client)
    response = client.post(url, json=NOTE, headers={"If-Match": if_match})
    assert response.status_code == 412, response.text
    assert response.headers["ETag"] == '"2"'
    error = response.json()["error"]
    assert error["code"] == "stale_version"
    assert error["details"][0]["field"] == "header.If-Match"
    assert error["details"][0]["actual"] == 2
    history = client.get(url.removesuffix("/events") + "/history").json()
    assert len(history["events"]) == 2


@pytest.mark.parametrize("if_match", ["*", '"1"'])
def test_any_if_match_on_a_missing_agreement_is_a_412(client: TestClient, if_match: str) -> None:
    url = f"/api/agreements/{MISSING}/events"
    response = client.post(url, json=NOTE, headers={"If-Match": if_match})
    assert response.status_code == 412
    assert "ETag" not in response.headers
    assert MISSING in response.json()["error"]["message"]
    assert client.post(url, json=NOTE).status_code == 404


def test_etag_is_a_documented_response_header() -> None:
    doc = document()
    for path, method, status in [
        ("/api/agreements", "post", "201"),
        ("/api/agreements/{agreement_id}/events", "post", "201"),
        ("/api/agreements/{agreement_id}", "get", "200"),
        ("/api/agreements/{agreement_id}/history", "get", "200"),
        ("/api/agreements/{agreement_id}/events/{version}", "get", "200"),
        ("/api/agreements", "get", "200"),
        ("/api/calendar.ics", "get", "200"),
    ]:
        assert "ETag" in doc["paths"][path][method]["responses"][status]["headers"], path
