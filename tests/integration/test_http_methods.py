"""Every 405 names the methods its path serves in `Allow` (routes of included routers too),
and HEAD answers wherever GET does, with GET's headers and no body."""

from __future__ import annotations

import pytest

from tests.integration.http_support import connection, exchange, live_server
from tracker.clock import FixedClock

AGREEMENT = "3f1d1a52-5b0e-4f7e-9f43-0d8c2b1f6a11"


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("DELETE", "/api/agreements", "GET, HEAD, POST"),
        ("PUT", f"/api/agreements/{AGREEMENT}", "GET, HEAD"),
        ("GET", f"/api/agreements/{AGREEMENT}/events", "POST"),
        ("PATCH", f"/api/agreements/{AGREEMENT}/events/1", "GET, HEAD"),
        ("GET", f"/api/reminders/{AGREEMENT}/acknowledge", "POST"),
        ("POST", "/api/calendar.ics", "GET, HEAD"),
        ("POST", "/healthz", "GET, HEAD"),
        ("DELETE", "/readyz", "GET, HEAD"),
        ("POST", "/api/schemas/export-line.json", "GET, HEAD"),
    ],
)
def test_a_405_allows_what_the_path_serves(
    sqlite_url: str, clock: FixedClock, method: str, path: str, allowed: str
) -> None:
    with live_server(sqlite_url, clock) as base:
        status, headers, body = exchange(connection(base), method, path)
    assert status == 405
    assert headers["allow"] == allowed
    assert b'"method_not_allowed"' in body


@pytest.mark.parametrize(
    "path",
    ["/healthz", "/readyz", "/api/agreements", "/api/calendar.ics", "/openapi.json", "/docs"],
)
def test_head_is_get_without_the_body(database_url: str, clock: FixedClock, path: str) -> None:
    with live_server(database_url, clock) as base:
        conn = connection(base)
        got_status, got, got_body = exchange(conn, "GET", path)
        status, headers, body = exchange(conn, "HEAD", path)
        assert (status, body) == (got_status, b"")
        assert status == 200
        assert headers["content-length"] == str(len(got_body))
        assert headers["content-type"] == got["content-type"]
        assert exchange(conn, "GET", path)[0] == 200  # the connection is still in step
        conn.close()
