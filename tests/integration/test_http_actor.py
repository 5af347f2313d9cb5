"""`X-Actor` is read as the UTF-8 its client sent: "José Müller" is recorded as written, and a
value that is not UTF-8 text, or holds a control character, is a 422 naming the header."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from tests.integration.http_support import connection, exchange, live_server
from tracker.clock import FixedClock
from tracker.settings import Settings

JSON = {"Content-Type": "application/json"}
DRAFT = json.dumps({"title": "Signed by name", "kind": "other"}).encode()


def _refused_header(status: int, body: bytes) -> None:
    assert status == 422
    error = json.loads(body)["error"]
    assert error["code"] == "invalid_input"
    assert [d["field"] for d in error["details"]] == ["header.X-Actor"]


def test_a_utf8_name_is_recorded_as_written(database_url: str, clock: FixedClock) -> None:
    with live_server(database_url, clock) as base:
        conn = connection(base)
        headers: dict[str, str | bytes] = {**JSON, "X-Actor": "José Müller".encode()}
        status, _, body = exchange(conn, "POST", "/api/agreements", DRAFT, headers)
        assert status == 201
        agreement_id = json.loads(body)["id"]
        _, _, body = exchange(conn, "GET", f"/api/agreements/{agreement_id}/history")
        assert json.loads(body)["events"][0]["recorded_by"] == "José Müller"
        conn.close()


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("José".encode("latin-1"), id="latin-1"),
        pytest.param(b"\xc3\x28", id="broken-sequence"),
        pytest.param("Ana\u0085".encode(), id="next-line-control"),
        pytest.param("Ana\u009b".encode(), id="c1-control"),
    ],
)
def test_a_value_that_is_not_plain_utf8_text_is_refused(
    database_url: str, clock: FixedClock, value: bytes
) -> None:
    with live_server(database_url, clock) as base:
        conn = connection(base)
        headers: dict[str, str | bytes] = {**JSON, "X-Actor": value}
        _refused_header(*exchange(conn, "POST", "/api/agreements", DRAFT, headers)[::2])
        conn.close()


@pytest.mark.parametrize("value", [b"Ana\x00Bel", b"Ana\x01", b"Ana\x7f", b"Ana\tBel"])
def test_ascii_control_characters_are_refused_by_the_app_too(
    database_url: str, clock: FixedClock, value: bytes
) -> None:
    """A server in front may pass what uvicorn refuses; the app checks for itself."""
    app = create_app(Settings(database_url=database_url, scheduler=False), clock=clock)
    with TestClient(app) as client:
        response = client.post("/api/agreements", content=DRAFT, headers={**JSON, "X-Actor": value})
        _refused_header(response.status_code, response.content)
