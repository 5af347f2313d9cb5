"""Answers over a size threshold are gzipped for clients that accept it; small ones and
clients that do not are answered as they are."""

from __future__ import annotations

import gzip
import json

from api.app import GZIP_MIN_BYTES
from tests.integration.http_support import connection, exchange, live_server
from tracker.clock import FixedClock

JSON = {"Content-Type": "application/json"}


def test_large_answers_are_gzipped_when_accepted(database_url: str, clock: FixedClock) -> None:
    with live_server(database_url, clock) as base:
        conn = connection(base)
        draft = {"title": "Zipped", "kind": "other", "purpose": "cooperation " * 200}
        exchange(conn, "POST", "/api/agreements", json.dumps(draft).encode(), dict(JSON))
        status, plain_headers, plain = exchange(conn, "GET", "/api/agreements")
        assert status == 200
        assert len(plain) > GZIP_MIN_BYTES
        assert "content-encoding" not in plain_headers
        status, headers, zipped = exchange(
            conn, "GET", "/api/agreements", headers={"Accept-Encoding": "gzip"}
        )
        assert headers["content-encoding"] == "gzip"
        assert "Accept-Encoding" in headers["vary"]
        assert len(zipped) < len(plain)
        assert gzip.decompress(zipped) == plain
        status, headers, small = exchange(
            conn, "GET", "/healthz", headers={"Accept-Encoding": "gzip"}
        )
        assert "content-encoding" not in headers
        assert json.loads(small)["status"] == "ok"
        conn.close()
