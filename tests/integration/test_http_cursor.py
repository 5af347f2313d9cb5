"""A list cursor is checked by its pattern: any string of the pattern is a page, any other a
422 naming `query.cursor`, and neither is a 500 or a dropped connection."""

from __future__ import annotations

import base64
import json
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from projections.listing import CURSOR_PATTERN, decode_cursor, encode_cursor
from tests.integration.http_support import connection, exchange, live_server
from tracker.clock import FixedClock

DRAFT = {"title": "Paged", "kind": "other"}


def test_a_20_digit_cursor_is_refused_and_the_connection_kept(
    database_url: str, clock: FixedClock
) -> None:
    huge = base64.urlsafe_b64encode(b"seq:99999999999999999999").decode()
    with live_server(database_url, clock) as base:
        conn = connection(base)
        status, _, body = exchange(conn, "GET", f"/api/agreements?cursor={huge}")
        assert status == 422
        error = json.loads(body)["error"]
        assert error["code"] == "invalid_input"
        assert [d["field"] for d in error["details"]] == ["query.cursor"]
        kept = conn.sock
        assert kept is not None, "the server closed the keep-alive connection"
        for edge in ["AAAAAAAAAAA", "f__________"]:
            status, _, _ = exchange(conn, "GET", f"/api/agreements?cursor={edge}")
            assert status == 200
        assert conn.sock is kept
        conn.close()


def test_pages_walk_every_agreement_with_the_cursors_they_return(
    database_url: str, clock: FixedClock
) -> None:
    with live_server(database_url, clock) as base:
        conn = connection(base)
        created = []
        for i in range(5):
            body = json.dumps({**DRAFT, "title": f"Paged {i}"}).encode()
            headers = {"Content-Type": "application/json"}
            status, _, answer = exchange(conn, "POST", "/api/agreements", body, headers)
            assert status == 201
            created.append(json.loads(answer)["id"])
        seen: list[str] = []
        path = "/api/agreements?limit=2"
        while True:
            status, _, answer = exchange(conn, "GET", path)
            assert status == 200
            page = json.loads(answer)
            seen += [item["id"] for item in page["items"]]
            if page["next_cursor"] is None:
                break
            path = f"/api/agreements?limit=2&cursor={page['next_cursor']}"
        assert seen == created[::-1]
        conn.close()


@settings(max_examples=200)
@given(st.from_regex(CURSOR_PATTERN, fullmatch=True))
def test_every_cursor_of_the_pattern_is_a_position_the_store_holds(cursor: str) -> None:
    position = decode_cursor(cursor)
    assert 0 <= position < 2**63
    assert decode_cursor(encode_cursor(position)) == position


@settings(max_examples=200)
@given(st.integers(min_value=0, max_value=2**63 - 1))
def test_every_position_makes_a_cursor_of_the_pattern(position: int) -> None:
    assert re.fullmatch(CURSOR_PATTERN, encode_cursor(position))
