"""Every body the JSON parser gives up on is a 400 `malformed_json` saying why, on a real
server that keeps the connection open afterwards."""

from __future__ import annotations

import json

import pytest

from tests.integration.http_support import connection, exchange, live_server
from tracker.clock import FixedClock

DEPTH = 5000
PATHS = ["/api/agreements", "/api/agreements/3f1d1a52-5b0e-4f7e-9f43-0d8c2b1f6a11/events"]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        pytest.param(b'{"title": "\xff\xfe", "kind": "other"}', "UTF-8", id="not-utf8"),
        pytest.param(b"[" * DEPTH + b"]" * DEPTH, "nests", id="deep-list"),
        pytest.param(b'{"a":' * DEPTH + b"1" + b"}" * DEPTH, "nests", id="deep-object"),
        pytest.param(b'{"title": ' + b"7" * DEPTH + b"}", "digits", id="long-integer"),
        pytest.param(b'{"title":', "", id="cut-short"),
    ],
)
def test_unreadable_json_is_malformed(
    database_url: str, clock: FixedClock, body: bytes, reason: str
) -> None:
    with live_server(database_url, clock) as base:
        conn = connection(base)
        headers: dict[str, str | bytes] = {"Content-Type": "application/json"}
        for path in PATHS:
            status, _, answer = exchange(conn, "POST", path, body, headers)
            assert status == 400, answer
            error = json.loads(answer)["error"]
            assert error["code"] == "malformed_json"
            assert reason in error["message"]
        assert conn.sock is not None
        conn.close()
