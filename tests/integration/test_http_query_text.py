"""A query parameter holding a control character (NUL included, which PostgreSQL cannot
store or compare) is a 422 naming the parameter, on every endpoint."""

from __future__ import annotations

import json

import pytest

from tests.integration.http_support import connection, exchange, live_server
from tracker.clock import FixedClock

AGREEMENT = "3f1d1a52-5b0e-4f7e-9f43-0d8c2b1f6a11"


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/api/agreements?party=a%00b", "query.party"),
        ("/api/agreements?q=caf%C3%A9%00", "query.q"),
        ("/api/agreements?limit=5&q=%1Bx", "query.q"),
        ("/api/agreements?party=a%C2%85b", "query.party"),
        ("/api/agreements?status=draft%7F", "query.status"),
        (f"/api/agreements/{AGREEMENT}?as_of=2020-01-01%00", "query.as_of"),
        (f"/api/agreements/{AGREEMENT}/history?order=recorded%0A", "query.order"),
        ("/api/reminders?rule=expiry%09", "query.rule"),
    ],
)
def test_control_characters_in_a_parameter_are_refused(
    database_url: str, clock: FixedClock, path: str, field: str
) -> None:
    with live_server(database_url, clock) as base:
        conn = connection(base)
        status, _, body = exchange(conn, "GET", path)
        assert status == 422, body
        error = json.loads(body)["error"]
        assert error["code"] == "invalid_input"
        assert [d["field"] for d in error["details"]] == [field]
        status, _, body = exchange(conn, "GET", "/api/agreements?party=caf%C3%A9&q=%C3%A9")
        assert status == 200, body
        conn.close()
