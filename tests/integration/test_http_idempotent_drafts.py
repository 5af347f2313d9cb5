"""Parallel twins of one request with one Idempotency-Key all get the first answer: the
draft endpoint, like the events endpoint, retries a write that a twin won."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from tests.integration.http_support import live_server
from tracker.clock import FixedClock

TWINS = 30


def _all_at_once(base: str, path: str, body: dict[str, Any], key: str) -> list[httpx.Response]:
    def send(_: int) -> httpx.Response:
        with httpx.Client(base_url=base, timeout=30) as client:
            return client.post(path, json=body, headers={"Idempotency-Key": key})

    with ThreadPoolExecutor(TWINS) as pool:
        return list(pool.map(send, range(TWINS)))


def _one_answer(responses: list[httpx.Response]) -> dict[str, Any]:
    assert [r.status_code for r in responses] == [201] * TWINS, {r.text for r in responses}
    assert len({r.content for r in responses}) == 1
    assert len({r.headers["ETag"] for r in responses}) == 1
    return dict(responses[0].json())


def test_thirty_parallel_drafts_with_one_key_make_one_agreement(
    database_url: str, clock: FixedClock
) -> None:
    body = {"title": "Twins", "kind": "other", "reference": "TWIN-1"}
    with live_server(database_url, clock) as base:
        created = _one_answer(_all_at_once(base, "/api/agreements", body, "draft-twins"))
        listed = httpx.get(f"{base}/api/agreements").json()["items"]
        assert [item["id"] for item in listed] == [created["id"]]


def test_thirty_parallel_events_with_one_key_record_one_event(
    database_url: str, clock: FixedClock
) -> None:
    with live_server(database_url, clock) as base:
        agreement = httpx.post(f"{base}/api/agreements", json={"title": "T", "kind": "other"})
        path = f"/api/agreements/{agreement.json()['id']}/events"
        note = {"type": "note_added", "text": "once"}
        recorded = _one_answer(_all_at_once(base, path, note, "note-twins"))
        assert recorded["version"] == 2
        history = httpx.get(f"{base}{path.removesuffix('/events')}/history").json()
        assert [e["type"] for e in history["events"]] == ["drafted", "note_added"]
