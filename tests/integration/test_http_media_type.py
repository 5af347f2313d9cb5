"""A body that is not JSON by its Content-Type (or has none) is a 415 in the one error shape;
JSON with a charset or a `+json` type is read."""

from __future__ import annotations

import json

import pytest

from tests.integration.http_support import connection, exchange, live_server
from tests.integration.openapi_support import document
from tracker.clock import FixedClock

DRAFT = json.dumps({"title": "Typed", "kind": "other"}).encode()


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml", None]
)
def test_a_body_of_another_type_is_415(
    database_url: str, clock: FixedClock, content_type: str | None
) -> None:
    with live_server(database_url, clock) as base:
        conn = connection(base)
        headers: dict[str, str | bytes] = {"Content-Type": content_type} if content_type else {}
        for path in [
            "/api/agreements",
            "/api/agreements/3f1d1a52-5b0e-4f7e-9f43-0d8c2b1f6a11/events",
        ]:
            status, _, body = exchange(conn, "POST", path, DRAFT, headers)
            assert status == 415
            error = json.loads(body)["error"]
            assert error["code"] == "unsupported_media_type"
            assert error["details"] == [{"field": "header.Content-Type"}]
        conn.close()


@pytest.mark.parametrize(
    "content_type", ["application/json; charset=utf-8", "Application/JSON", "application/x+json"]
)
def test_json_bodies_are_read(sqlite_url: str, clock: FixedClock, content_type: str) -> None:
    with live_server(sqlite_url, clock) as base:
        headers: dict[str, str | bytes] = {"Content-Type": content_type}
        status, _, _ = exchange(connection(base), "POST", "/api/agreements", DRAFT, headers)
    assert status == 201


def test_415_is_documented_where_a_body_is_taken() -> None:
    doc = document()
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            has_body = "requestBody" in operation
            assert ("415" in operation["responses"]) == has_body, (method, path)
