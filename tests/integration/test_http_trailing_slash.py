"""A trailing slash is answered as the path without it: no redirect, so no Location built
from a Host header the client chose."""

from __future__ import annotations

import json

from tests.integration.http_support import connection, exchange, live_server
from tracker.clock import FixedClock


def test_both_forms_of_a_path_get_the_same_answer(database_url: str, clock: FixedClock) -> None:
    with live_server(database_url, clock) as base:
        conn = connection(base)
        headers: dict[str, str | bytes] = {
            "Host": "attacker.example",
            "Content-Type": "application/json",
        }
        body = json.dumps({"title": "Slash", "kind": "other"}).encode()
        status, answer, created = exchange(conn, "POST", "/api/agreements/", body, headers)
        assert status == 201
        assert answer["location"].startswith("/api/agreements/")
        agreement_id = json.loads(created)["id"]
        for path in ["/api/agreements/", f"/api/agreements/{agreement_id}/", "/healthz/"]:
            status, answer, content = exchange(conn, "GET", path, headers=headers)
            assert status == 200, path
            assert "location" not in answer
            assert "attacker" not in content.decode()
        assert (
            exchange(conn, "GET", "/api/agreements")[2]
            == exchange(conn, "GET", "/api/agreements/")[2]
        )
        conn.close()
